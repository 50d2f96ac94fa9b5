#pragma once
// The fast path of the delimiter-framed parsers (HTTP multipart, MIME): how far the bytes are
// plain content, so they can be handed on in one piece instead of line by line.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace egressmon::dpi {

// End of the content run starting at `from` in data[0, len): the first line break after which
// `line_start` (how a delimiter line begins) may follow — the next bytes equal it, or too few
// are left to tell — at its CR if the break is a CRLF; else a trailing CR, which may be half of
// one; else len.
inline size_t contentRunBefore(const uint8_t* data, size_t from, size_t len,
                               std::string_view line_start) noexcept {
    size_t pos = from;
    while (pos < len) {
        const auto* lf = static_cast<const uint8_t*>(std::memchr(data + pos, '\n', len - pos));
        if (!lf) return len > from && data[len - 1] == '\r' ? len - 1 : len;
        const size_t k = static_cast<size_t>(lf - data);
        if (len - (k + 1) >= line_start.size() &&
            std::memcmp(data + k + 1, line_start.data(), line_start.size()) != 0) {
            pos = k + 1; // the next line cannot be a delimiter: this break is content
            continue;
        }
        return k > from && data[k - 1] == '\r' ? k - 1 : k;
    }
    return len;
}

} // namespace egressmon::dpi
