#include "dpi/inspect/snippet.h"

namespace egressmon::dpi {

namespace {
// Length of the complete, well-formed UTF-8 sequence starting at s[i] (>= 2 bytes), or 0.
size_t utf8Length(const std::string& s, size_t i) {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = b(i);
    size_t len;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4;
    else
        return 0;
    if (i + len > s.size()) return 0;
    for (size_t k = 1; k < len; ++k)
        if ((b(i + k) & 0xc0) != 0x80) return 0;
    // Overlong 3/4-byte forms, surrogates and > U+10FFFF.
    if ((c == 0xe0 && b(i + 1) < 0xa0) || (c == 0xed && b(i + 1) >= 0xa0) ||
        (c == 0xf0 && b(i + 1) < 0x90) || (c == 0xf4 && b(i + 1) >= 0x90))
        return 0;
    return len;
}
} // namespace

void sanitizeSnippet(std::string& s, size_t keep_from, size_t keep_to) {
    for (size_t i = 0; i < s.size();) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            const size_t len = utf8Length(s, i);
            if (len == 0) {
                s[i++] = '.';
            } else {
                i += len;
            }
            continue;
        }
        if (c >= '0' && c <= '9') {
            if (i < keep_from || i >= keep_to) s[i] = '*';
        } else if (c < 0x20 || c == 0x7f) {
            s[i] = '.';
        }
        ++i;
    }
}

} // namespace egressmon::dpi
