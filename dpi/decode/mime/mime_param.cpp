#include "dpi/decode/mime/mime_param.h"

#include <array>
#include <cstdint>
#include <new>

#include "dpi/content/content_base64.h"
#include "dpi/content/hex_digit.h"
#include "dpi/decode/mime/mime_charset.h"

namespace egressmon::dpi {

namespace {

// RFC 2047 section 2: an encoded word is at most 75 characters, so a charset is shorter.
constexpr size_t kMaxCharsetLabel = 64;

bool isSpace(char c) noexcept {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool startsWithNoCase(std::string_view s, std::string_view prefix) noexcept {
    return s.size() >= prefix.size() && mimeEqualsNoCase(s.substr(0, prefix.size()), prefix);
}

struct RawParam {
    std::string_view key;
    std::string_view value; // between the quotes when quoted, escapes not yet undone
    bool quoted = false;
};

// Calls fn(RawParam) for each "key=value" after the first ';' of a header value. A quoted
// value runs to its closing quote (a ';' inside it does not end it) or to the end.
template <class Fn> void forEachParam(std::string_view header, Fn&& fn) {
    const size_t n = header.size();
    size_t i = header.find(';');
    if (i == std::string_view::npos) return;
    while (i < n) {
        while (i < n && (isSpace(header[i]) || header[i] == ';'))
            ++i;
        const size_t key_start = i;
        while (i < n && header[i] != '=' && header[i] != ';')
            ++i;
        if (i >= n || header[i] == ';') continue; // no '=': not a parameter
        RawParam p;
        p.key = mimeTrim(header.substr(key_start, i - key_start));
        ++i;
        while (i < n && isSpace(header[i]))
            ++i;
        if (i < n && header[i] == '"') {
            const size_t start = ++i;
            while (i < n && header[i] != '"')
                i += header[i] == '\\' && i + 1 < n ? 2 : 1;
            p.value = header.substr(start, i - start);
            p.quoted = true;
            while (i < n && header[i] != ';')
                ++i;
        } else {
            const size_t start = i;
            while (i < n && header[i] != ';')
                ++i;
            p.value = mimeTrim(header.substr(start, i - start));
        }
        fn(p);
    }
}

// Undoes the quoted-string escapes this decoder honours (see mime_param.h).
std::string unquote(const RawParam& p) {
    if (!p.quoted) return std::string(p.value);
    std::string out;
    out.reserve(p.value.size());
    for (size_t i = 0; i < p.value.size(); ++i) {
        const bool escape = p.value[i] == '\\' && i + 1 < p.value.size() &&
                            (p.value[i + 1] == '"' || p.value[i + 1] == '\\');
        if (escape) ++i;
        out += p.value[i];
    }
    return out;
}

// %XX to a byte; a '%' not followed by two hex digits stays as it is.
void appendPercentDecoded(std::string_view s, std::string& out) {
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            const int hi = hexDigitValue(static_cast<uint8_t>(s[i + 1]));
            const int lo = hexDigitValue(static_cast<uint8_t>(s[i + 2]));
            if (hi >= 0 && lo >= 0) {
                out += static_cast<char>(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        out += s[i];
    }
}

// charset'language'rest: true and the parts when both apostrophes are there.
bool splitExtended(std::string_view value, std::string_view& charset, std::string_view& rest) {
    const size_t q1 = value.find('\'');
    if (q1 == std::string_view::npos) return false;
    const size_t q2 = value.find('\'', q1 + 1);
    if (q2 == std::string_view::npos) return false;
    charset = value.substr(0, q1);
    rest = value.substr(q2 + 1);
    return true;
}

void appendLabelledAsUtf8(std::string_view charset, std::string_view bytes, std::string& out) {
    if (charset.empty()) {
        appendUnlabelledAsUtf8(bytes, out);
    } else {
        appendCharsetAsUtf8(charset, bytes, out);
    }
}

struct EncodedWord {
    std::string_view charset;
    char encoding = 'B';
    std::string_view text;
    size_t length = 0; // of the whole word, "=?" to "?="
};

enum class WordParse : uint8_t { Word, NotWord, NoTerminator };

// `s` starts with "=?". NoTerminator: no "?=" follows, so no later word can end either.
WordParse parseEncodedWord(std::string_view s, EncodedWord& w) {
    const size_t q1 = s.substr(0, 2 + kMaxCharsetLabel + 1).find('?', 2);
    if (q1 == std::string_view::npos || q1 == 2) return WordParse::NotWord;
    w.charset = s.substr(2, q1 - 2);
    for (char c : w.charset)
        if (isSpace(c) || c == '=') return WordParse::NotWord;
    if (q1 + 2 >= s.size() || s[q1 + 2] != '?') return WordParse::NotWord;
    const char e = s[q1 + 1];
    if (e != 'B' && e != 'b' && e != 'Q' && e != 'q') return WordParse::NotWord;
    w.encoding = e == 'b' || e == 'B' ? 'B' : 'Q';
    const size_t text_start = q1 + 3;
    const size_t end = s.find("?=", text_start);
    if (end == std::string_view::npos) return WordParse::NoTerminator;
    w.text = s.substr(text_start, end - text_start);
    w.length = end + 2;
    return WordParse::Word;
}

void appendWordBytes(const EncodedWord& w, std::string& out) {
    if (w.encoding == 'B') {
        Base64Decoder b64;
        b64.decode(reinterpret_cast<const uint8_t*>(w.text.data()), w.text.size(), out);
        b64.finish(out);
        return;
    }
    for (size_t i = 0; i < w.text.size(); ++i) { // Q: RFC 2047 section 4.2
        const char c = w.text[i];
        if (c == '_') {
            out += ' ';
        } else if (c == '=' && i + 2 < w.text.size() &&
                   hexDigitValue(static_cast<uint8_t>(w.text[i + 1])) >= 0 &&
                   hexDigitValue(static_cast<uint8_t>(w.text[i + 2])) >= 0) {
            out += static_cast<char>(hexDigitValue(static_cast<uint8_t>(w.text[i + 1])) * 16 +
                                     hexDigitValue(static_cast<uint8_t>(w.text[i + 2])));
            i += 2;
        } else {
            out += c;
        }
    }
}

bool allSpace(std::string_view s) noexcept {
    for (char c : s)
        if (!isSpace(c)) return false;
    return true;
}

struct Section {
    bool present = false;
    bool encoded = false; // "name*N*=": percent-encoded, section 0 with charset'language'
    RawParam raw;
};

// RFC 2231 section 3: the sections from 0 up to the first missing index, in index order.
void appendSectionsAsUtf8(const std::array<Section, kMaxMimeParamSections>& sections,
                          std::string& out) {
    std::string bytes;
    std::string charset;
    bool labelled = false;
    for (size_t k = 0; k < sections.size() && sections[k].present; ++k) {
        const std::string value = unquote(sections[k].raw);
        std::string_view v = value;
        if (!sections[k].encoded) {
            bytes += v;
            continue;
        }
        std::string_view label, rest;
        if (k == 0 && splitExtended(v, label, rest)) {
            charset.assign(label);
            labelled = true;
            v = rest;
        }
        appendPercentDecoded(v, bytes);
    }
    if (labelled) {
        appendLabelledAsUtf8(charset, bytes, out);
    } else { // plain sections: what a plain value may hold, encoded words included
        appendEncodedWordsAsUtf8(bytes, out);
    }
}

// "name*N" or "name*N*" for the parameter `name`: the index and whether it is encoded.
bool sectionKey(std::string_view key, std::string_view name, size_t& index, bool& encoded) {
    std::string_view rest = key.substr(name.size() + 1); // after "name*"
    encoded = !rest.empty() && rest.back() == '*';
    if (encoded) rest.remove_suffix(1);
    if (rest.empty() || rest.size() > 3) return false;
    index = 0;
    for (char c : rest) {
        if (c < '0' || c > '9') return false;
        index = index * 10 + static_cast<size_t>(c - '0');
    }
    return index < kMaxMimeParamSections;
}

std::string decodeFileNameParam(std::string_view value, std::string_view name) {
    RawParam plain, extended;
    bool has_plain = false, has_extended = false;
    std::array<Section, kMaxMimeParamSections> sections{};
    forEachParam(value, [&](const RawParam& p) {
        if (mimeEqualsNoCase(p.key, name)) {
            if (!has_plain) plain = p;
            has_plain = true;
            return;
        }
        if (p.key.size() <= name.size() || !startsWithNoCase(p.key, name) ||
            p.key[name.size()] != '*')
            return;
        if (p.key.size() == name.size() + 1) {
            if (!has_extended) extended = p;
            has_extended = true;
            return;
        }
        size_t index = 0;
        bool encoded = false;
        if (!sectionKey(p.key, name, index, encoded) || sections[index].present) return;
        sections[index] = Section{true, encoded, p};
    });
    std::string out;
    if (has_extended) appendExtendedValueAsUtf8(unquote(extended), out);
    if (out.empty() && sections[0].present) appendSectionsAsUtf8(sections, out);
    if (out.empty() && has_plain) appendEncodedWordsAsUtf8(unquote(plain), out);
    truncateUtf8(out, kMaxMimeFileName);
    return out;
}

} // namespace

void appendExtendedValueAsUtf8(std::string_view value, std::string& out) {
    std::string_view charset, rest;
    std::string bytes;
    if (!splitExtended(value, charset, rest)) { // not RFC 2231, but percent-encoded bytes
        appendPercentDecoded(value, bytes);
        appendUnlabelledAsUtf8(bytes, out);
        return;
    }
    appendPercentDecoded(rest, bytes);
    appendLabelledAsUtf8(charset, bytes, out);
}

void appendEncodedWordsAsUtf8(std::string_view text, std::string& out) {
    std::string pending; // bytes of adjacent words in one charset, converted together
    std::string_view pending_charset;
    const auto flush = [&] {
        if (!pending.empty()) appendCharsetAsUtf8(pending_charset, pending, out);
        pending.clear();
    };
    size_t literal_start = 0, i = 0;
    bool after_word = false;
    // The name is cut at kMaxMimeFileName anyway: no more words are decoded past it, which
    // bounds the work a header of thousands of words costs.
    while (i + 1 < text.size() && out.size() + pending.size() <= kMaxMimeFileName) {
        if (text[i] != '=' || text[i + 1] != '?') {
            ++i;
            continue;
        }
        EncodedWord w;
        const WordParse parsed = parseEncodedWord(text.substr(i), w);
        if (parsed == WordParse::NoTerminator) break;
        if (parsed == WordParse::NotWord) {
            ++i;
            continue;
        }
        // RFC 2047 section 6.2: whitespace between adjacent encoded words is not displayed.
        const std::string_view literal = text.substr(literal_start, i - literal_start);
        if (!literal.empty() && !(after_word && allSpace(literal))) {
            flush();
            appendUnlabelledAsUtf8(literal, out);
        }
        if (!mimeEqualsNoCase(w.charset, pending_charset)) flush();
        pending_charset = w.charset;
        appendWordBytes(w, pending);
        after_word = true;
        i += w.length;
        literal_start = i;
    }
    flush();
    appendUnlabelledAsUtf8(text.substr(literal_start), out);
}

std::string mimeFileNameParam(std::string_view value, std::string_view name) noexcept {
    try {
        return decodeFileNameParam(value, name);
    } catch (const std::bad_alloc&) {
        return {};
    }
}

} // namespace egressmon::dpi
