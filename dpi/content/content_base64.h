#pragma once
// Streaming base64 decoder (RFC 2045 flavour): whitespace and other characters outside the
// alphabet are skipped, and a partial quantum (up to three sextets) is carried between calls,
// so any split of the input gives the same output. '=' padding ends a quantum; decoding goes on
// after it (concatenated encodings). A dangling partial quantum at the end is decoded as far as
// it goes.
//
// Thread: owned by one flow's decoder.

#include <cstddef>
#include <cstdint>
#include <string>

namespace egressmon::dpi {

class Base64Decoder {
  public:
    void reset() noexcept { *this = Base64Decoder(); }
    // Appends the decoded bytes to `out`: at most 3/4 of the input and of the up to three
    // sextets carried in, (len + 3) * 3 / 4 bytes.
    void decode(const uint8_t* data, size_t len, std::string& out);
    void finish(std::string& out);

  private:
    // Writes the bytes a partial quantum carries (at most 2) at `w`; returns the new end.
    char* flushPartial(char* w) noexcept;

    uint32_t acc_ = 0;
    uint8_t count_ = 0; // sextets in acc_
};

} // namespace egressmon::dpi
