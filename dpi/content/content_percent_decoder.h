#pragma once
// Streaming percent-decoder ("%41" -> 'A') for request targets and form bodies. A "%" or "%X"
// cut by the end of a piece is carried to the next call, so any split gives the same output.
// Invalid escapes ("%G1", a trailing "%") are passed through unchanged.
//
// Thread: owned by one flow's decoder. Output is appended to the caller's string (at most the
// input length plus two bytes per call).

#include <cstddef>
#include <cstdint>
#include <string>

namespace egressmon::dpi {

class PercentDecoder {
  public:
    enum class Plus : uint8_t {
        Literal,         // '+' stays '+'
        SpaceAfterQuery, // request target: '+' is a space only after the first literal '?'
        Space,           // form body: '+' is always a space
    };

    explicit PercentDecoder(Plus plus = Plus::Literal) noexcept : plus_(plus) {}

    void reset(Plus plus) noexcept { *this = PercentDecoder(plus); }
    void decode(const uint8_t* data, size_t len, std::string& out);
    // End of input: an incomplete escape is output as it was.
    void finish(std::string& out);

  private:
    Plus plus_;
    bool in_query_ = false;
    uint8_t held_ = 0; // 0: none, 1: "%" held, 2: "%X" held
    uint8_t first_hex_ = 0;
};

} // namespace egressmon::dpi
