#pragma once
// Streaming quoted-printable decoder (RFC 2045 6.7): "=XX" becomes one byte, "=\r\n" and "=\n"
// (soft line breaks) vanish. An escape cut by the end of a piece is carried, so any split gives
// the same output. Malformed escapes are passed through unchanged.
//
// Thread: owned by one flow's decoder.

#include <cstddef>
#include <cstdint>
#include <string>

namespace egressmon::dpi {

class QuotedPrintableDecoder {
  public:
    void reset() noexcept { *this = QuotedPrintableDecoder(); }
    // Appends the decoded bytes (at most the input length plus two) to `out`.
    void decode(const uint8_t* data, size_t len, std::string& out);
    // End of input: a held incomplete escape is output as it was.
    void finish(std::string& out);

  private:
    enum class State : uint8_t { Text, Equals, EqualsHex, EqualsCr };
    State state_ = State::Text;
    uint8_t first_hex_ = 0;
};

} // namespace egressmon::dpi
