#include "dpi/decode/mime/mime_charset.h"

#include <cerrno>
#include <cstdint>
#include <iconv.h>
#include <iterator>

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

// The charsets converted with iconv, by their iconv names.
enum class IconvCharset : uint8_t { Gb18030, Big5, Cp1252, None };
constexpr const char* kIconvNames[] = {"GB18030", "BIG5", "CP1252"};
constexpr size_t kIconvCharsets = std::size(kIconvNames);

IconvCharset iconvCharset(std::string_view label) noexcept {
    struct Alias {
        std::string_view label;
        IconvCharset charset;
    };
    static constexpr Alias kAliases[] = {
        {"gb18030", IconvCharset::Gb18030},     {"gbk", IconvCharset::Gb18030},
        {"gb2312", IconvCharset::Gb18030},      {"cp936", IconvCharset::Gb18030},
        {"x-gbk", IconvCharset::Gb18030},       {"euc-cn", IconvCharset::Gb18030},
        {"big5", IconvCharset::Big5},           {"x-big5", IconvCharset::Big5},
        {"windows-1252", IconvCharset::Cp1252}, {"cp1252", IconvCharset::Cp1252},
    };
    for (const Alias& a : kAliases)
        if (equalsNoCase(label, a.label)) return a.charset;
    return IconvCharset::None;
}

// iconv_open costs far more than converting a name (gconv module lookup), and a hostile header
// may hold hundreds of encoded words, so each thread keeps one handle per charset, opened on
// first use and closed at thread exit. nullptr when iconv lacks the charset.
iconv_t threadIconv(IconvCharset charset) noexcept {
    thread_local Iconv handles[kIconvCharsets];
    thread_local bool unavailable[kIconvCharsets] = {};
    const auto i = static_cast<size_t>(charset);
    if (handles[i] == nullptr && !unavailable[i]) {
        const iconv_t cd = iconv_open("UTF-8", kIconvNames[i]);
        if (cd == reinterpret_cast<iconv_t>(-1)) {
            unavailable[i] = true;
        } else {
            handles[i].reset(cd);
        }
    }
    if (handles[i] == nullptr) return nullptr;
    iconv(handles[i].get(), nullptr, nullptr, nullptr, nullptr); // back to the initial state
    return handles[i].get();
}

// Converts with iconv; an undecodable byte becomes U+FFFD and conversion goes on after it, a
// sequence cut by the end becomes one U+FFFD.
void appendIconv(IconvCharset charset, std::string_view bytes, std::string& out) {
    const iconv_t cd = threadIconv(charset);
    if (cd == nullptr) {
        appendUtf8OrReplacement(bytes, out);
        return;
    }
    char* in = const_cast<char*>(bytes.data()); // iconv's signature; it does not write
    size_t in_left = bytes.size();
    char buffer[256];
    while (in_left > 0) {
        char* w = buffer;
        size_t w_left = sizeof buffer;
        const size_t rc = iconv(cd, &in, &in_left, &w, &w_left);
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
    } else if (const IconvCharset converted = iconvCharset(charset);
               converted != IconvCharset::None) {
        appendIconv(converted, bytes, out);
    } else { // utf-8, us-ascii and every charset not converted: as UTF-8 as far as it goes
        appendUtf8OrReplacement(bytes, out);
    }
}

void appendUnlabelledAsUtf8(std::string_view bytes, std::string& out) {
    if (isValidUtf8(bytes)) {
        out.append(bytes);
    } else {
        appendIconv(IconvCharset::Gb18030, bytes, out);
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
