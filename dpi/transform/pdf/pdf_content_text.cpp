#include "dpi/transform/pdf/pdf_content_text.h"

#include <algorithm>
#include <array>
#include <new>

#include "dpi/transform/pdf/pdf_cmap.h"
#include "dpi/transform/pdf/pdf_content_lexer.h"

namespace egressmon::dpi {

using pdf_content::Lexer;
using pdf_content::Token;
using pdf_content::TokenKind;

namespace {

// ISO 32000-1 Annex D. 0 where the encoding has no character.
constexpr uint16_t kWinAnsi80[32] = {
    // 0x80-0x9F (cp1252); 0xA0-0xFF are Latin-1
    0x20AC, 0x0000, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x0000, 0x017D, 0x0000, 0x0000, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x0000, 0x017E, 0x0178,
};
constexpr uint16_t kPdfDoc80[32] = {
    // 0x80-0x9F; 0xA0 is the euro, 0xAD undefined, else Latin-1
    0x2022, 0x2020, 0x2021, 0x2026, 0x2014, 0x2013, 0x0192, 0x2044, 0x2039, 0x203A, 0x2212,
    0x2030, 0x201E, 0x201C, 0x201D, 0x2018, 0x2019, 0x201A, 0x2122, 0xFB01, 0xFB02, 0x0141,
    0x0152, 0x0160, 0x0178, 0x017D, 0x0131, 0x0142, 0x0153, 0x0161, 0x017E, 0x0000,
};
// 0x80-0xFF. As Annex D's MacRomanEncoding: 0xDB is the currency sign, 0xF0 (the Apple logo
// in Mac OS Roman) has no character.
constexpr uint16_t kMacRoman80[128] = {
    0x00C4, 0x00C5, 0x00C7, 0x00C9, 0x00D1, 0x00D6, 0x00DC, 0x00E1, 0x00E0, 0x00E2, 0x00E4, 0x00E3,
    0x00E5, 0x00E7, 0x00E9, 0x00E8, 0x00EA, 0x00EB, 0x00ED, 0x00EC, 0x00EE, 0x00EF, 0x00F1, 0x00F3,
    0x00F2, 0x00F4, 0x00F6, 0x00F5, 0x00FA, 0x00F9, 0x00FB, 0x00FC, 0x2020, 0x00B0, 0x00A2, 0x00A3,
    0x00A7, 0x2022, 0x00B6, 0x00DF, 0x00AE, 0x00A9, 0x2122, 0x00B4, 0x00A8, 0x2260, 0x00C6, 0x00D8,
    0x221E, 0x00B1, 0x2264, 0x2265, 0x00A5, 0x00B5, 0x2202, 0x2211, 0x220F, 0x03C0, 0x222B, 0x00AA,
    0x00BA, 0x03A9, 0x00E6, 0x00F8, 0x00BF, 0x00A1, 0x00AC, 0x221A, 0x0192, 0x2248, 0x2206, 0x00AB,
    0x00BB, 0x2026, 0x00A0, 0x00C0, 0x00C3, 0x00D5, 0x0152, 0x0153, 0x2013, 0x2014, 0x201C, 0x201D,
    0x2018, 0x2019, 0x00F7, 0x25CA, 0x00FF, 0x0178, 0x2044, 0x00A4, 0x2039, 0x203A, 0xFB01, 0xFB02,
    0x2021, 0x00B7, 0x201A, 0x201E, 0x2030, 0x00C2, 0x00CA, 0x00C1, 0x00CB, 0x00C8, 0x00CD, 0x00CE,
    0x00CF, 0x00CC, 0x00D3, 0x00D4, 0x0000, 0x00D2, 0x00DA, 0x00DB, 0x00D9, 0x0131, 0x02C6, 0x02DC,
    0x00AF, 0x02D8, 0x02D9, 0x02DA, 0x00B8, 0x02DD, 0x02DB, 0x02C7,
};
// 0xA0-0xFF of Adobe StandardEncoding (nothing at 0x80-0x9F). Below 0x80 it is read as ASCII
// like the others, though Standard puts quoteright at 0x27 and quoteleft at 0x60.
constexpr uint16_t kStandardA0[96] = {
    0x0000, 0x00A1, 0x00A2, 0x00A3, 0x2044, 0x00A5, 0x0192, 0x00A7, 0x00A4, 0x0027, 0x201C, 0x00AB,
    0x2039, 0x203A, 0xFB01, 0xFB02, 0x0000, 0x2013, 0x2020, 0x2021, 0x00B7, 0x0000, 0x00B6, 0x2022,
    0x201A, 0x201E, 0x201D, 0x00BB, 0x2026, 0x2030, 0x0000, 0x00BF, 0x0000, 0x0060, 0x00B4, 0x02C6,
    0x02DC, 0x00AF, 0x02D8, 0x02D9, 0x00A8, 0x0000, 0x02DA, 0x00B8, 0x0000, 0x02DD, 0x02DB, 0x02C7,
    0x2014, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000,
    0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x00C6, 0x0000, 0x00AA, 0x0000, 0x0000, 0x0000, 0x0000,
    0x0141, 0x00D8, 0x0152, 0x00BA, 0x0000, 0x0000, 0x0000, 0x0000, 0x0000, 0x00E6, 0x0000, 0x0000,
    0x0000, 0x0131, 0x0000, 0x0000, 0x0142, 0x00F8, 0x0153, 0x00DF, 0x0000, 0x0000, 0x0000, 0x0000,
};

// The TJ adjustment (thousandths of text space, negative moves right) from which a gap reads as
// a space between words: kerning inside a word stays well above it.
constexpr double kWordGap = -200;

bool isConstant(const Token& t) noexcept { // keywords that are operands, not operators
    return t.text == "true" || t.text == "false" || t.text == "null";
}

// Reads one content stream. Operands are tokens; an array or dictionary operand is held as a
// token of kind ArrayOpen / DictOpen whose text is what lies between its brackets.
class ContentReader {
  public:
    ContentReader(std::string_view content, const PdfFontResolver& fonts, std::string& out,
                  const PdfContentLimits& limits) noexcept
        : lexer_(content), fonts_(fonts), out_(out), start_(out.size()), limits_(limits) {}

    void run(); // throws std::bad_alloc
    const PdfContentResult& result() const noexcept { return result_; }

  private:
    void push(const Token& t) noexcept;
    const Token* top(size_t back) const noexcept {
        return size_ > back ? &stack_[size_ - 1 - back] : nullptr;
    }
    bool topIs(size_t back, TokenKind kind) const noexcept {
        return size_ > back && stack_[size_ - 1 - back].kind == kind;
    }
    void composite(TokenKind open);
    void operate(std::string_view op);
    void selectFont();
    void showString(const Token* t);
    void showArray(const Token* t);
    void moveText();
    void separator(char c);
    void skipInlineImage() noexcept;

    Lexer lexer_;
    const PdfFontResolver& fonts_;
    std::string& out_;
    const size_t start_; // out_'s size on entry: no separator before this call's first text
    PdfContentLimits limits_;
    PdfContentResult result_;
    std::array<Token, kPdfMaxOperands> stack_{};
    size_t size_ = 0;
    const PdfFont* font_ = nullptr; // nullptr: read as WinAnsi bytes
    std::string scratch_;
    size_t stray_until_ = 0; // brackets that open before this position are stray
};

void ContentReader::run() {
    for (;;) {
        const Token t = lexer_.next();
        switch (t.kind) {
        case TokenKind::End: return;
        case TokenKind::Number:
        case TokenKind::Name:
        case TokenKind::LiteralString:
        case TokenKind::HexString: push(t); break;
        case TokenKind::ArrayOpen:
        case TokenKind::DictOpen: composite(t.kind); break;
        case TokenKind::Keyword:
            if (isConstant(t)) {
                push(t);
            } else {
                operate(t.text);
                size_ = 0; // an operator consumes its operands, used or not
            }
            break;
        default: break; // a stray closing bracket
        }
    }
}

// Past the bound, the older half goes: operators only read the last few operands.
void ContentReader::push(const Token& t) noexcept {
    if (size_ == stack_.size()) {
        std::copy(stack_.begin() + stack_.size() / 2, stack_.end(), stack_.begin());
        size_ = stack_.size() / 2;
    }
    stack_[size_++] = t;
}

// An array or dictionary operand, from just after its opening bracket: read to its matching
// close, counting depth only (']' and '>>' both close a level); dropped when it nests past
// max_operand_depth. When the stream ends first or an operator appears inside, the bracket was
// stray: reading goes back to just after it with every bracket up to that point taken as stray
// too (so each byte is read at most twice more, however many brackets open), and a stray '['
// loses no text.
void ContentReader::composite(TokenKind open) {
    const size_t inner = lexer_.position();
    if (inner <= stray_until_) return;
    size_t depth = 1;
    bool too_deep = depth > limits_.max_operand_depth;
    for (;;) {
        const size_t before = lexer_.position();
        const Token t = lexer_.next();
        switch (t.kind) {
        case TokenKind::ArrayOpen:
        case TokenKind::DictOpen:
            if (++depth > limits_.max_operand_depth) too_deep = true;
            break;
        case TokenKind::ArrayClose:
        case TokenKind::DictClose:
            if (--depth == 0) {
                if (!too_deep) push({open, lexer_.input().substr(inner, before - inner)});
                return;
            }
            break;
        case TokenKind::End:
        case TokenKind::Keyword:
            if (t.kind == TokenKind::Keyword && isConstant(t)) break;
            stray_until_ = before;
            lexer_.seek(inner);
            return;
        default: break;
        }
    }
}

void ContentReader::operate(std::string_view op) {
    if (op == "Tj") {
        ++result_.text_operators;
        showString(top(0));
    } else if (op == "TJ") {
        ++result_.text_operators;
        showArray(top(0));
    } else if (op == "'" || op == "\"") { // " also sets word and character spacing
        ++result_.text_operators;
        separator('\n');
        showString(top(0));
    } else if (op == "Tf") {
        selectFont();
    } else if (op == "Td" || op == "TD") {
        moveText();
    } else if (op == "T*" || op == "Tm" || op == "ET") {
        separator('\n');
    } else if (op == "BI") {
        skipInlineImage();
    }
}

// `/F1 12 Tf`: the name is the second-to-last operand (the last, when the size is missing).
void ContentReader::selectFont() {
    const Token* name = topIs(1, TokenKind::Name)   ? top(1)
                        : topIs(0, TokenKind::Name) ? top(0)
                                                    : nullptr;
    if (name == nullptr) return;
    scratch_.clear();
    pdf_content::appendNameBytes(name->text, scratch_);
    font_ = fonts_.font(scratch_);
    if (font_ == nullptr) result_.unknown_font = true;
}

void ContentReader::showString(const Token* t) {
    if (t == nullptr || (t->kind != TokenKind::LiteralString && t->kind != TokenKind::HexString))
        return;
    scratch_.clear();
    pdf_content::appendStringBytes(*t, scratch_);
    if (font_ != nullptr && font_->to_unicode != nullptr && !font_->to_unicode->empty()) {
        font_->to_unicode->decode(scratch_, out_);
        return;
    }
    if (font_ != nullptr && font_->two_byte_codes) return; // glyph ids: no text to be had
    const PdfSimpleEncoding encoding = font_ ? font_->encoding : PdfSimpleEncoding::WinAnsi;
    for (const char c : scratch_) {
        const uint32_t cp = pdfSimpleEncodingCodePoint(encoding, static_cast<uint8_t>(c));
        if (cp != 0) pdf_content::appendTextCodePoint(cp, out_);
    }
}

// [(TOP S) -60 (ECRET)] TJ: strings join; a number at or below kWordGap is a word space.
// Nested arrays (invalid) are passed over.
void ContentReader::showArray(const Token* t) {
    if (t == nullptr || t->kind != TokenKind::ArrayOpen) return;
    Lexer items(t->text);
    size_t depth = 0;
    for (Token item = items.next(); item.kind != TokenKind::End; item = items.next()) {
        if (item.kind == TokenKind::ArrayOpen || item.kind == TokenKind::DictOpen) {
            ++depth;
        } else if (item.kind == TokenKind::ArrayClose || item.kind == TokenKind::DictClose) {
            if (depth > 0) --depth;
        } else if (depth == 0 && item.kind == TokenKind::Number) {
            if (item.number <= kWordGap) separator(' ');
        } else if (depth == 0) {
            showString(&item);
        }
    }
}

// `tx ty Td`: a new line when it moves down (or up); along the line, a space.
void ContentReader::moveText() {
    if (!topIs(0, TokenKind::Number) || !topIs(1, TokenKind::Number)) return;
    if (top(0)->number != 0)
        separator('\n');
    else if (top(1)->number != 0)
        separator(' ');
}

// A separator collapses into the one before it (a newline overrides a space) and none starts
// the text of this call.
void ContentReader::separator(char c) {
    if (out_.size() == start_) return;
    char& last = out_.back();
    if (last == '\n') return;
    if (last == ' ') {
        if (c == '\n') last = '\n';
        return;
    }
    out_.push_back(c);
}

// After BI: the image dictionary up to ID, one whitespace byte, the data, EI. The data is
// binary: it ends at /L (/Length) bytes when the dictionary says so and "EI" follows there,
// else at the first "EI" with whitespace before and whitespace (or the end) after.
void ContentReader::skipInlineImage() noexcept {
    ++result_.inline_images;
    double length = -1;
    bool length_key = false;
    for (;;) {
        const Token t = lexer_.next();
        if (t.kind == TokenKind::End) return;
        if (pdf_content::isKeyword(t, "ID")) break;
        if (length_key && t.kind == TokenKind::Number) length = t.number;
        length_key = t.kind == TokenKind::Name && (t.text == "L" || t.text == "Length");
    }
    const std::string_view in = lexer_.input();
    const auto space = [&](size_t i) {
        return i < in.size() && pdf_content::isWhitespace(static_cast<uint8_t>(in[i]));
    };
    const auto endsAt = [&](size_t i) { // "EI" at i, then whitespace or the end
        return in.substr(i, 2) == "EI" && (i + 2 == in.size() || space(i + 2));
    };
    size_t data = lexer_.position();
    if (space(data)) ++data;
    if (length >= 0 && length <= static_cast<double>(in.size() - data)) {
        size_t i = data + static_cast<size_t>(length);
        while (space(i))
            ++i;
        if (endsAt(i)) {
            lexer_.seek(i + 2);
            return;
        }
    }
    for (size_t from = data;;) {
        const size_t k = in.find("EI", from);
        if (k == std::string_view::npos) {
            lexer_.seek(in.size());
            return;
        }
        if (k > 0 && space(k - 1) && endsAt(k)) {
            lexer_.seek(k + 2);
            return;
        }
        from = k + 1;
    }
}

} // namespace

uint32_t pdfSimpleEncodingCodePoint(PdfSimpleEncoding encoding, uint8_t byte) noexcept {
    if (byte < 0x20) return byte == '\t' || byte == '\n' ? byte : 0;
    if (byte == 0x7F) return 0;
    if (byte < 0x80) return byte;
    switch (encoding) {
    case PdfSimpleEncoding::WinAnsi: return byte < 0xA0 ? kWinAnsi80[byte - 0x80] : byte;
    case PdfSimpleEncoding::MacRoman: return kMacRoman80[byte - 0x80];
    case PdfSimpleEncoding::Standard: return byte < 0xA0 ? 0 : kStandardA0[byte - 0xA0];
    case PdfSimpleEncoding::PdfDoc:
        if (byte < 0xA0) return kPdfDoc80[byte - 0x80];
        if (byte == 0xA0) return 0x20AC;
        return byte == 0xAD ? 0 : byte;
    }
    return 0;
}

PdfContentResult extractPdfContentText(std::string_view content, const PdfFontResolver& fonts,
                                       std::string& out, const PdfContentLimits& limits) noexcept {
    ContentReader reader(content, fonts, out, limits);
    try {
        reader.run();
    } catch (const std::bad_alloc&) { // the text so far stays
    }
    return reader.result();
}

} // namespace egressmon::dpi
