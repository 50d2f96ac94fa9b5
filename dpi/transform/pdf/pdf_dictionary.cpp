#include "dpi/transform/pdf/pdf_dictionary.h"

#include <charconv>

#include "dpi/transform/pdf/pdf_content_lexer.h"

namespace egressmon::dpi {

namespace {

// Arrays and dictionaries nested deeper than this in one value are not read: no real
// dictionary needs it, and the lexer recurses once per level.
constexpr int kMaxNesting = 32;

// The character classes of ISO 32000-1 §7.2.2, shared with the content stream lexer.
bool isSpace(unsigned char c) noexcept {
    return pdf_content::isWhitespace(c);
}

// Past whitespace and comments.
size_t skipSpace(std::string_view s, size_t pos) noexcept {
    while (pos < s.size()) {
        const auto c = static_cast<unsigned char>(s[pos]);
        if (isSpace(c)) {
            ++pos;
        } else if (c == '%') {
            while (pos < s.size() && s[pos] != '\n' && s[pos] != '\r')
                ++pos;
        } else {
            break;
        }
    }
    return pos;
}

// Past a bare token (name body, number, keyword).
size_t skipRegular(std::string_view s, size_t pos) noexcept {
    while (pos < s.size() && !isPdfDelimiterOrSpace(static_cast<unsigned char>(s[pos])))
        ++pos;
    return pos;
}

// `pos` at '(': past its balanced ')', or npos when the string is not closed.
size_t skipLiteralString(std::string_view s, size_t pos) noexcept {
    int depth = 0;
    for (; pos < s.size(); ++pos) {
        const char c = s[pos];
        if (c == '\\') {
            ++pos; // the escaped character, whatever it is
        } else if (c == '(') {
            ++depth;
        } else if (c == ')' && --depth == 0) {
            return pos + 1;
        }
    }
    return std::string_view::npos;
}

bool isNumber(std::string_view t) noexcept {
    if (t.empty()) return false;
    for (char c : t)
        if (!((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) return false;
    return true;
}

std::optional<PdfLexedValue> lex(std::string_view s, size_t pos, int depth) noexcept;

// `pos` past the opening bracket: the container's elements up to its closing token.
std::optional<size_t> skipContainer(std::string_view s, size_t pos, std::string_view close,
                                    int depth) noexcept {
    if (depth >= kMaxNesting) return std::nullopt;
    for (;;) {
        auto v = lex(s, pos, depth + 1);
        if (!v) return std::nullopt;
        pos = v->end;
        if (v->value.kind == PdfValueKind::Keyword && v->value.text == close) return pos;
    }
}

std::optional<PdfLexedValue> lex(std::string_view s, size_t pos, int depth) noexcept {
    pos = skipSpace(s, pos);
    if (pos >= s.size()) return std::nullopt;
    const size_t start = pos;
    PdfLexedValue out;
    const char c = s[pos];
    if (c == '/') {
        const size_t end = skipRegular(s, pos + 1);
        out.value = {PdfValueKind::Name, s.substr(pos + 1, end - pos - 1)};
        out.end = end;
        return out;
    }
    if (c == '(') {
        const size_t end = skipLiteralString(s, pos);
        if (end == std::string_view::npos) return std::nullopt;
        out.value = {PdfValueKind::String, s.substr(start, end - start)};
        out.end = end;
        return out;
    }
    if (c == '<' && pos + 1 < s.size() && s[pos + 1] == '<') {
        auto end = skipContainer(s, pos + 2, ">>", depth);
        if (!end) return std::nullopt;
        out.value = {PdfValueKind::Dictionary, s.substr(start, *end - start)};
        out.end = *end;
        return out;
    }
    if (c == '<') {
        const size_t end = s.find('>', pos);
        if (end == std::string_view::npos) return std::nullopt;
        out.value = {PdfValueKind::HexString, s.substr(start, end + 1 - start)};
        out.end = end + 1;
        return out;
    }
    if (c == '>' && pos + 1 < s.size() && s[pos + 1] == '>') {
        out.value = {PdfValueKind::Keyword, s.substr(pos, 2)};
        out.end = pos + 2;
        return out;
    }
    if (c == '[') {
        auto end = skipContainer(s, pos + 1, "]", depth);
        if (!end) return std::nullopt;
        out.value = {PdfValueKind::Array, s.substr(start, *end - start)};
        out.end = *end;
        return out;
    }
    if (c == ']' || c == ')' || c == '>' || c == '{' || c == '}') {
        out.value = {PdfValueKind::Keyword, s.substr(pos, 1)};
        out.end = pos + 1;
        return out;
    }
    const size_t end = skipRegular(s, pos);
    const std::string_view token = s.substr(pos, end - pos);
    out.value = {isNumber(token) ? PdfValueKind::Number : PdfValueKind::Keyword, token};
    out.end = end;
    return out;
}

std::optional<uint32_t> parseObjectNumber(std::string_view t) noexcept {
    uint32_t n = 0;
    const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
    if (ec != std::errc{} || p != t.data() + t.size()) return std::nullopt;
    return n;
}

} // namespace

bool isPdfDelimiterOrSpace(unsigned char c) noexcept {
    return pdf_content::isWhitespace(c) || pdf_content::isDelimiter(c);
}

std::optional<PdfLexedValue> lexPdfValue(std::string_view source, size_t pos) noexcept {
    auto v = lex(source, pos, 0);
    if (!v || v->value.kind != PdfValueKind::Number) return v;
    // "12 0 R": three tokens that make one value.
    auto gen = lex(source, v->end, 0);
    if (!gen || gen->value.kind != PdfValueKind::Number) return v;
    auto r = lex(source, gen->end, 0);
    if (!r || r->value.kind != PdfValueKind::Keyword || r->value.text != "R") return v;
    const auto num = parseObjectNumber(v->value.text);
    if (!num) return v;
    const size_t start = v->value.text.data() - source.data();
    PdfLexedValue out;
    out.value = {PdfValueKind::Reference, source.substr(start, r->end - start), *num};
    out.end = r->end;
    return out;
}

bool PdfDictionary::parse(std::string_view source) noexcept {
    size_ = 0;
    complete_ = false;
    size_t pos = skipSpace(source, 0);
    end_ = source.size();
    if (source.substr(pos, 2) != "<<") return false;
    pos += 2;
    for (;;) {
        auto key = lexPdfValue(source, pos);
        if (!key) return true; // cut short: the entries so far
        if (key->value.kind == PdfValueKind::Keyword && key->value.text == ">>") {
            end_ = key->end;
            complete_ = true;
            return true;
        }
        if (key->value.kind != PdfValueKind::Name) return true; // damaged
        auto value = lexPdfValue(source, key->end);
        if (!value) return true;
        if (value->value.kind == PdfValueKind::Keyword && value->value.text == ">>") {
            end_ = value->end; // a key without a value: the dictionary ends here
            complete_ = true;
            return true;
        }
        if (size_ < kMaxEntries) entries_[size_++] = {key->value.text, value->value};
        pos = value->end;
    }
}

const PdfValue* PdfDictionary::find(std::string_view key) const noexcept {
    for (size_t i = 0; i < size_; ++i)
        if (entries_[i].key == key) return &entries_[i].value;
    return nullptr;
}

std::string_view PdfDictionary::name(std::string_view key) const noexcept {
    const PdfValue* v = find(key);
    return v && v->kind == PdfValueKind::Name ? v->text : std::string_view{};
}

std::optional<uint32_t> PdfDictionary::reference(std::string_view key) const noexcept {
    const PdfValue* v = find(key);
    if (!v || v->kind != PdfValueKind::Reference) return std::nullopt;
    return v->reference;
}

std::optional<int64_t> PdfDictionary::integer(std::string_view key) const noexcept {
    const PdfValue* v = find(key);
    if (!v || v->kind != PdfValueKind::Number) return std::nullopt;
    int64_t n = 0;
    const auto [p, ec] = std::from_chars(v->text.data(), v->text.data() + v->text.size(), n);
    if (ec != std::errc{} || p != v->text.data() + v->text.size()) return std::nullopt;
    return n;
}

} // namespace egressmon::dpi
