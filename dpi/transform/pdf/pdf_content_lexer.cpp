#include "dpi/transform/pdf/pdf_content_lexer.h"

namespace egressmon::dpi::pdf_content {

namespace {

int hexValue(char ch) noexcept {
    const auto c = static_cast<uint8_t>(ch);
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool isOctal(uint8_t c) noexcept {
    return c >= '0' && c <= '7';
}

// A run of regular characters read as a number ([+-] digits [. digits]), or false. Digits past
// the 15th of the integer part stop counting: the value only has to order kerning and offsets,
// and this keeps it finite whatever the run's length.
bool parseNumber(std::string_view run, double& value) noexcept {
    size_t i = 0;
    bool negative = false;
    if (i < run.size() && (run[i] == '+' || run[i] == '-')) negative = run[i++] == '-';
    double v = 0;
    double scale = 0; // 0 before the point, then the place value of the next digit
    bool digit = false;
    for (; i < run.size(); ++i) {
        const char c = run[i];
        if (c == '.' && scale == 0) {
            scale = 0.1;
        } else if (c >= '0' && c <= '9') {
            digit = true;
            if (scale == 0) {
                if (v < 1e15) v = v * 10 + (c - '0');
            } else if (scale > 1e-12) {
                v += (c - '0') * scale;
                scale /= 10;
            }
        } else {
            return false;
        }
    }
    if (!digit) return false;
    value = negative ? -v : v;
    return true;
}

} // namespace

bool isWhitespace(uint8_t c) noexcept {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\0';
}

bool isDelimiter(uint8_t c) noexcept {
    switch (c) {
    case '(':
    case ')':
    case '<':
    case '>':
    case '[':
    case ']':
    case '{':
    case '}':
    case '/':
    case '%': return true;
    default: return false;
    }
}

bool isKeyword(const Token& t, std::string_view word) noexcept {
    return t.kind == TokenKind::Keyword && t.text == word;
}

void Lexer::skipWhitespaceAndComments() noexcept {
    while (pos_ < in_.size()) {
        const auto c = static_cast<uint8_t>(in_[pos_]);
        if (isWhitespace(c)) {
            ++pos_;
        } else if (c == '%') {
            while (pos_ < in_.size() && in_[pos_] != '\n' && in_[pos_] != '\r')
                ++pos_;
        } else {
            return;
        }
    }
}

Token Lexer::next() noexcept {
    skipWhitespaceAndComments();
    if (pos_ >= in_.size()) return {};
    const char c = in_[pos_];
    switch (c) {
    case '(': return literalString();
    case '<':
        if (pos_ + 1 < in_.size() && in_[pos_ + 1] == '<') {
            pos_ += 2;
            return {TokenKind::DictOpen, in_.substr(pos_ - 2, 2)};
        }
        return hexString();
    case '>':
        if (pos_ + 1 < in_.size() && in_[pos_ + 1] == '>') {
            pos_ += 2;
            return {TokenKind::DictClose, in_.substr(pos_ - 2, 2)};
        }
        return {TokenKind::Other, in_.substr(pos_++, 1)};
    case '[': return {TokenKind::ArrayOpen, in_.substr(pos_++, 1)};
    case ']': return {TokenKind::ArrayClose, in_.substr(pos_++, 1)};
    case ')':
    case '{':
    case '}': return {TokenKind::Other, in_.substr(pos_++, 1)};
    case '/': {
        const size_t start = ++pos_;
        while (pos_ < in_.size() && !isWhitespace(static_cast<uint8_t>(in_[pos_])) &&
               !isDelimiter(static_cast<uint8_t>(in_[pos_])))
            ++pos_;
        return {TokenKind::Name, in_.substr(start, pos_ - start)};
    }
    default: return regular();
    }
}

// Parentheses nest unless escaped; an unterminated string runs to the end of the input.
Token Lexer::literalString() noexcept {
    const size_t start = ++pos_;
    size_t depth = 1;
    while (pos_ < in_.size()) {
        const char c = in_[pos_];
        if (c == '\\') {
            pos_ = pos_ + 2 < in_.size() ? pos_ + 2 : in_.size();
            continue;
        }
        if (c == '(') {
            ++depth;
        } else if (c == ')' && --depth == 0) {
            ++pos_;
            return {TokenKind::LiteralString, in_.substr(start, pos_ - 1 - start)};
        }
        ++pos_;
    }
    return {TokenKind::LiteralString, in_.substr(start)};
}

Token Lexer::hexString() noexcept {
    const size_t start = ++pos_;
    const size_t end = in_.find('>', start);
    if (end == std::string_view::npos) {
        pos_ = in_.size();
        return {TokenKind::HexString, in_.substr(start)};
    }
    pos_ = end + 1;
    return {TokenKind::HexString, in_.substr(start, end - start)};
}

Token Lexer::regular() noexcept {
    const size_t start = pos_;
    while (pos_ < in_.size() && !isWhitespace(static_cast<uint8_t>(in_[pos_])) &&
           !isDelimiter(static_cast<uint8_t>(in_[pos_])))
        ++pos_;
    Token t{TokenKind::Keyword, in_.substr(start, pos_ - start)};
    if (parseNumber(t.text, t.number)) t.kind = TokenKind::Number;
    return t;
}

void appendLiteralBytes(std::string_view raw, std::string& out) {
    for (size_t i = 0; i < raw.size(); ++i) {
        const char c = raw[i];
        if (c == '\r') { // an end of line in a string reads as one "\n", whatever its bytes
            if (i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
            out.push_back('\n');
            continue;
        }
        if (c != '\\') {
            out.push_back(c);
            continue;
        }
        if (++i >= raw.size()) return; // a lone backslash at the end: nothing
        const char e = raw[i];
        switch (e) {
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case '\r': // continuation: the backslash and its end of line vanish
            if (i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
            break;
        case '\n': break;
        default:
            if (isOctal(static_cast<uint8_t>(e))) {
                unsigned value = static_cast<unsigned>(e - '0');
                for (int n = 1;
                     n < 3 && i + 1 < raw.size() && isOctal(static_cast<uint8_t>(raw[i + 1])); ++n)
                    value = value * 8 + static_cast<unsigned>(raw[++i] - '0');
                out.push_back(static_cast<char>(value & 0xFF)); // \400 and up: high bit ignored
            } else {
                out.push_back(e); // \( \) \\ and any other: the character itself
            }
        }
    }
}

void appendHexBytes(std::string_view raw, std::string& out) {
    int high = -1;
    for (const char c : raw) {
        const int v = hexValue(c);
        if (v < 0) continue;
        if (high < 0) {
            high = v;
        } else {
            out.push_back(static_cast<char>(high << 4 | v));
            high = -1;
        }
    }
    if (high >= 0) out.push_back(static_cast<char>(high << 4));
}

void appendStringBytes(const Token& t, std::string& out) {
    if (t.kind == TokenKind::HexString)
        appendHexBytes(t.text, out);
    else if (t.kind == TokenKind::LiteralString)
        appendLiteralBytes(t.text, out);
}

void appendNameBytes(std::string_view raw, std::string& out) {
    for (size_t i = 0; i < raw.size(); ++i) {
        const int high = i + 2 < raw.size() && raw[i] == '#' ? hexValue(raw[i + 1]) : -1;
        const int low = high >= 0 ? hexValue(raw[i + 2]) : -1;
        if (low >= 0) {
            out.push_back(static_cast<char>(high << 4 | low));
            i += 2;
        } else {
            out.push_back(raw[i]);
        }
    }
}

void appendTextCodePoint(uint32_t cp, std::string& out) {
    if ((cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0x7F) return;
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = 0xFFFD;
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | cp >> 6));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | cp >> 12));
        out.push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | cp >> 18));
        out.push_back(static_cast<char>(0x80 | (cp >> 12 & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

} // namespace egressmon::dpi::pdf_content
