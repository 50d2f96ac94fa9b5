// Keywords are converted one code point at a time, so that literalExpression knows which bytes
// make up which character: only a byte that is a whole ASCII letter may be case-folded.

#include "keyword_encoding.h"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <iconv.h>
#include <optional>

#include "rule_set.h"

namespace egressmon::rules {

namespace {

const char* iconvName(Encoding e) {
    switch (e) {
    case Encoding::kUtf8: return "UTF-8";
    case Encoding::kGb18030: return "GB18030";
    case Encoding::kUtf16Le: return "UTF-16LE";
    case Encoding::kUtf16Be: return "UTF-16BE";
    }
    return "UTF-8";
}

// An iconv descriptor from UTF-8 to one target encoding, closed on destruction.
class Converter {
  public:
    explicit Converter(Encoding to) : to_(to), cd_(iconv_open(iconvName(to), "UTF-8")) {
        if (cd_ == reinterpret_cast<iconv_t>(-1))
            throw RuleError(std::string("iconv cannot convert UTF-8 to ") + iconvName(to) + ": " +
                            std::strerror(errno));
    }
    ~Converter() { iconv_close(cd_); }
    Converter(const Converter&) = delete;
    Converter& operator=(const Converter&) = delete;

    // `utf8` must already be valid UTF-8 (stateless targets only: no BOM, no shift state).
    std::string convert(std::string_view utf8) {
        std::string out(utf8.size() * 4 + 8, '\0');
        char* in = const_cast<char*>(utf8.data()); // iconv's signature, it does not write
        size_t in_left = utf8.size();
        char* dst = out.data();
        size_t out_left = out.size();
        iconv(cd_, nullptr, nullptr, nullptr, nullptr);
        if (iconv(cd_, &in, &in_left, &dst, &out_left) == static_cast<size_t>(-1) ||
            iconv(cd_, nullptr, nullptr, &dst, &out_left) == static_cast<size_t>(-1))
            throw RuleError(std::string("keyword '") + std::string(utf8) +
                            "' cannot be represented in " + encodingName(to_));
        out.resize(out.size() - out_left);
        return out;
    }

  private:
    Encoding to_;
    iconv_t cd_;
};

// Length of the UTF-8 sequence starting at s[i] and its code point, or nullopt when it is not
// a well-formed sequence (truncated, overlong, surrogate, beyond U+10FFFF).
struct CodePoint {
    size_t length;
    uint32_t value;
};

std::optional<CodePoint> decodeUtf8(std::string_view s, size_t i) {
    const auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
    const uint8_t lead = byte(i);
    if (lead < 0x80) return CodePoint{1, lead};
    size_t length = 0;
    uint32_t value = 0;
    uint32_t min = 0;
    if ((lead & 0xE0) == 0xC0) {
        length = 2, value = lead & 0x1Fu, min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
        length = 3, value = lead & 0x0Fu, min = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
        length = 4, value = lead & 0x07u, min = 0x10000;
    } else {
        return std::nullopt;
    }
    if (i + length > s.size()) return std::nullopt;
    for (size_t k = 1; k < length; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return std::nullopt;
        value = (value << 6) | (byte(i + k) & 0x3Fu);
    }
    if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
        return std::nullopt;
    return CodePoint{length, value};
}

CodePoint nextCodePoint(std::string_view utf8, size_t i) {
    const auto cp = decodeUtf8(utf8, i);
    if (!cp)
        throw RuleError("keyword '" + std::string(utf8) + "' is not valid UTF-8 (byte " +
                        std::to_string(i) + ")");
    return *cp;
}

bool isAsciiLetter(uint32_t c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

void appendHexByte(std::string& out, uint8_t b) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += "\\x";
    out += kHex[b >> 4];
    out += kHex[b & 0x0F];
}

} // namespace

std::string encodeKeyword(std::string_view utf8, Encoding encoding) {
    size_t i = 0;
    while (i < utf8.size())
        i += nextCodePoint(utf8, i).length; // throws on malformed UTF-8
    if (encoding == Encoding::kUtf8) return std::string(utf8);
    return Converter(encoding).convert(utf8);
}

std::string literalExpression(std::string_view utf8, Encoding encoding, bool nocase) {
    std::optional<Converter> converter;
    if (encoding != Encoding::kUtf8) converter.emplace(encoding);
    std::string expression;
    for (size_t i = 0; i < utf8.size();) {
        const CodePoint cp = nextCodePoint(utf8, i);
        const std::string_view character = utf8.substr(i, cp.length);
        i += cp.length;
        const std::string bytes =
            converter ? converter->convert(character) : std::string(character);
        const bool fold = nocase && isAsciiLetter(cp.value);
        for (const char c : bytes) {
            const auto b = static_cast<uint8_t>(c);
            if (fold && b == cp.value) {
                // Upper and lower case differ only in bit 0x20 for ASCII letters.
                expression += '[';
                expression += static_cast<char>(b | 0x20);
                expression += static_cast<char>(b & ~0x20);
                expression += ']';
            } else {
                appendHexByte(expression, b);
            }
        }
    }
    return expression;
}

} // namespace egressmon::rules
