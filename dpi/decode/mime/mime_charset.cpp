#include "dpi/decode/mime/mime_charset.h"

#include <cerrno>
#include <cstdint>
#include <iconv.h>

#include "core/c_handle.h"

namespace egressmon::dpi {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD"; // U+FFFD

using Iconv = core::CHandle<void, iconv_close>;

char lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equalsNoCase(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

// The length of the valid UTF-8 sequence at the start of `s`, or 0 when it is not one.
size_t utf8SequenceLength(std::string_view s) noexcept {
    const auto b = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
    const auto cont = [&](size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
    const uint8_t c = b(0);
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (!cont(1) || !cont(2)) return 0;
        if (c == 0xE0 && b(1) < 0xA0) return 0;  // overlong
        if (c == 0xED && b(1) >= 0xA0) return 0; // surrogate
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (!cont(1) || !cont(2) || !cont(3)) return 0;
        if (c == 0xF0 && b(1) < 0x90) return 0;  // overlong
        if (c == 0xF4 && b(1) >= 0x90) return 0; // above U+10FFFF
        return 4;
    }
    return 0;
}

// Valid sequences kept, every byte that does not start one replaced.
void appendUtf8OrReplacement(std::string_view bytes, std::string& out) {
    while (!bytes.empty()) {
        const size_t n = utf8SequenceLength(bytes);
        if (n == 0) {
            out += kReplacement;
            bytes.remove_prefix(1);
        } else {
            out.append(bytes.substr(0, n));
            bytes.remove_prefix(n);
        }
    }
}

void appendLatin1(std::string_view bytes, std::string& out) {
    for (char ch : bytes) {
        const auto c = static_cast<uint8_t>(ch);
        if (c < 0x80) {
            out += ch;
        } else {
            out += static_cast<char>(0xC0 | (c >> 6));
            out += static_cast<char>(0x80 | (c & 0x3F));
        }
    }
}

// The iconv name for a charset label converted with iconv; nullptr when it is not one.
const char* iconvName(std::string_view label) noexcept {
    struct Alias {
        std::string_view label;
        const char* iconv;
    };
    static constexpr Alias kAliases[] = {
        {"gb18030", "GB18030"}, {"gbk", "GB18030"},   {"gb2312", "GB18030"},
        {"cp936", "GB18030"},   {"x-gbk", "GB18030"}, {"euc-cn", "GB18030"},
        {"big5", "BIG5"},       {"x-big5", "BIG5"},   {"windows-1252", "CP1252"},
        {"cp1252", "CP1252"},
    };
    for (const Alias& a : kAliases)
        if (equalsNoCase(label, a.label)) return a.iconv;
    return nullptr;
}

// Converts with iconv; an undecodable byte becomes U+FFFD and conversion goes on after it, a
// sequence cut by the end becomes one U+FFFD.
void appendIconv(const char* from, std::string_view bytes, std::string& out) {
    Iconv cd(iconv_open("UTF-8", from));
    if (cd.get() == reinterpret_cast<iconv_t>(-1)) {
        static_cast<void>(cd.release()); // not a handle: nothing to close
        appendUtf8OrReplacement(bytes, out);
        return;
    }
    char* in = const_cast<char*>(bytes.data()); // iconv's signature; it does not write
    size_t in_left = bytes.size();
    char buffer[256];
    while (in_left > 0) {
        char* w = buffer;
        size_t w_left = sizeof buffer;
        const size_t rc = iconv(cd.get(), &in, &in_left, &w, &w_left);
        out.append(buffer, static_cast<size_t>(w - buffer));
        if (rc != static_cast<size_t>(-1)) break;
        if (errno == E2BIG) continue;
        out += kReplacement;
        if (errno == EILSEQ) {
            ++in;
            --in_left;
        } else { // EINVAL: an incomplete sequence at the end
            break;
        }
    }
}

} // namespace

bool isValidUtf8(std::string_view s) noexcept {
    while (!s.empty()) {
        const size_t n = utf8SequenceLength(s);
        if (n == 0) return false;
        s.remove_prefix(n);
    }
    return true;
}

void appendCharsetAsUtf8(std::string_view charset, std::string_view bytes, std::string& out) {
    charset = charset.substr(0, charset.find('*')); // RFC 2231 section 5: "utf-8*en"
    if (equalsNoCase(charset, "iso-8859-1") || equalsNoCase(charset, "latin1") ||
        equalsNoCase(charset, "iso8859-1")) {
        appendLatin1(bytes, out);
    } else if (const char* name = iconvName(charset)) {
        appendIconv(name, bytes, out);
    } else { // utf-8, us-ascii and every charset not converted: as UTF-8 as far as it goes
        appendUtf8OrReplacement(bytes, out);
    }
}

void appendUnlabelledAsUtf8(std::string_view bytes, std::string& out) {
    if (isValidUtf8(bytes)) {
        out.append(bytes);
    } else {
        appendIconv("GB18030", bytes, out);
    }
}

void truncateUtf8(std::string& s, size_t max) noexcept {
    if (s.size() <= max) return;
    size_t end = max;
    while (end > 0 && (static_cast<uint8_t>(s[end]) & 0xC0) == 0x80)
        --end;
    s.resize(end);
}

} // namespace egressmon::dpi
