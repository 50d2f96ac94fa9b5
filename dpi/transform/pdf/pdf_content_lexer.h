#pragma once
// The tokens of a PDF content stream or CMap program (ISO 32000-1 §7.2, §7.3.4-7.3.7, §7.8.2):
// numbers, names, literal and hex strings, array and dictionary brackets, keywords (operators,
// true/false/null, CMap words), with comments and whitespace skipped. Tokens are views into the
// input; strings and names are decoded on demand, since most operands are never used.
//
// Internal to pdf_cmap.cpp, pdf_content_text.cpp and (its character classes) pdf_dictionary.cpp
// (namespace pdf_content keeps it apart from the object dictionaries' own lexer).
//
// Thread: any; a lexer is a position over a buffer the caller keeps alive. Memory: none; the
// append* decoders grow the caller's string (and may throw std::bad_alloc there).
// Every call advances or ends, and each byte is looked at a bounded number of times.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace egressmon::dpi::pdf_content {

enum class TokenKind : uint8_t {
    End,
    Number,
    Name,          // text: the bytes after '/', #xx escapes not decoded
    LiteralString, // text: between the parentheses, escapes not decoded
    HexString,     // text: between '<' and '>'
    ArrayOpen,
    ArrayClose,
    DictOpen,
    DictClose,
    Keyword, // a run of regular characters that is not a number
    Other,   // a stray ')', '>', '{' or '}'
};

struct Token {
    TokenKind kind = TokenKind::End;
    std::string_view text;
    double number = 0; // Number only
};

class Lexer {
  public:
    explicit Lexer(std::string_view input) noexcept : in_(input) {}

    Token next() noexcept;
    size_t position() const noexcept { return pos_; }
    void seek(size_t pos) noexcept { pos_ = pos < in_.size() ? pos : in_.size(); }
    std::string_view input() const noexcept { return in_; }

  private:
    void skipWhitespaceAndComments() noexcept;
    Token literalString() noexcept;
    Token hexString() noexcept;
    Token regular() noexcept;

    std::string_view in_;
    size_t pos_ = 0;
};

bool isWhitespace(uint8_t c) noexcept;
bool isDelimiter(uint8_t c) noexcept;
bool isKeyword(const Token& t, std::string_view word) noexcept;

// The bytes of a literal string's raw text: escapes \n \r \t \b \f \( \) \\ \ddd, a backslash
// before an end of line joins the lines, an end of line inside reads as "\n".
void appendLiteralBytes(std::string_view raw, std::string& out);
// The bytes of a hex string's raw text: whitespace and other non-hex bytes ignored, an odd last
// digit read as if followed by 0.
void appendHexBytes(std::string_view raw, std::string& out);
// The bytes of a string token (literal or hex).
void appendStringBytes(const Token& t, std::string& out);
// A name's bytes with its #xx escapes decoded.
void appendNameBytes(std::string_view raw, std::string& out);

// `cp` as UTF-8, except control characters (below 0x20 but tab and line feed, and 0x7F), which
// are not text; surrogates and values past U+10FFFF give U+FFFD.
void appendTextCodePoint(uint32_t cp, std::string& out);

inline bool isHighSurrogate(uint32_t u) noexcept {
    return u >= 0xD800 && u <= 0xDBFF;
}
inline bool isLowSurrogate(uint32_t u) noexcept {
    return u >= 0xDC00 && u <= 0xDFFF;
}

// `count` UTF-16 code units, unit(i) the i-th, as UTF-8 (appendTextCodePoint): surrogate pairs
// join, a lone surrogate gives U+FFFD. CMap destinations and text strings are both UTF-16BE.
template <class Unit> void appendUtf16Units(size_t count, Unit&& unit, std::string& out) {
    for (size_t i = 0; i < count; ++i) {
        uint32_t cp = unit(i);
        if (isHighSurrogate(cp) && i + 1 < count && isLowSurrogate(unit(i + 1)))
            cp = 0x10000 + ((cp - 0xD800) << 10) + (unit(++i) - 0xDC00);
        appendTextCodePoint(cp, out);
    }
}

} // namespace egressmon::dpi::pdf_content
