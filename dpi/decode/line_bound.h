#pragma once
// The line bound of the line-oriented decoders (SMTP command lines, MIME header lines): a line
// arrives in pieces and is kept up to a byte bound; at its end, whether the bound cut it.

#include <cstddef>
#include <cstdint>
#include <string>

namespace egressmon::dpi {

// What fell past the bound of the current line. The CR of a CRLF terminator is not text: a line
// of exactly the bound followed by CRLF is not cut.
class LineBound {
  public:
    // Appends `len` bytes of the line (no LF) to `line`, keeping at most `max` bytes in all.
    void append(std::string& line, const uint8_t* data, size_t len, size_t max) {
        const size_t room = line.size() < max ? max - line.size() : 0;
        line.append(reinterpret_cast<const char*>(data), len < room ? len : room);
        if (len > 0) {
            dropped_ += len > room ? len - room : 0;
            ends_cr_ = data[len - 1] == '\r';
        }
    }
    // At the line's LF: whether more than the CR of the terminator fell past the bound. Starts
    // over for the next line.
    bool end() noexcept {
        const bool cut = dropped_ > (ends_cr_ ? 1u : 0u);
        reset();
        return cut;
    }
    void reset() noexcept {
        dropped_ = 0;
        ends_cr_ = false;
    }

  private:
    size_t dropped_ = 0;   // bytes of the current line past the bound
    bool ends_cr_ = false; // its last byte so far is a CR (a terminator, not text)
};

} // namespace egressmon::dpi
