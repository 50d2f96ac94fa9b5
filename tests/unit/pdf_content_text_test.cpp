// extractPdfContentText (dpi/transform/pdf/pdf_content_text.h): the text operators and their
// separators, string syntax, fonts (ToUnicode, 2-byte glyph ids, simple encodings, unknown),
// inline images, the operand bounds and malformed streams.

#include <map>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "dpi/decode/mime/mime_charset.h"
#include "dpi/transform/pdf/pdf_cmap.h"
#include "dpi/transform/pdf/pdf_content_text.h"

namespace egressmon::dpi {
namespace {

class Fonts final : public PdfFontResolver {
  public:
    const PdfFont* font(std::string_view name) const noexcept override {
        const auto it = fonts.find(std::string(name));
        return it == fonts.end() ? nullptr : &it->second;
    }
    std::map<std::string, PdfFont> fonts;
};

// F1 WinAnsi, F2 MacRoman, F3 Type0 with 2-byte glyph ids and no ToUnicode.
Fonts simpleFonts() {
    Fonts f;
    f.fonts["F1"] = PdfFont{};
    f.fonts["F2"] = PdfFont{nullptr, false, PdfSimpleEncoding::MacRoman};
    f.fonts["F3"] = PdfFont{nullptr, true, PdfSimpleEncoding::WinAnsi};
    return f;
}

std::string text(std::string_view content, const PdfFontResolver& fonts,
                 PdfContentResult* result = nullptr, PdfContentLimits limits = {}) {
    std::string out;
    const PdfContentResult r = extractPdfContentText(content, fonts, out, limits);
    if (result != nullptr) *result = r;
    EXPECT_TRUE(isValidUtf8(out));
    return out;
}

std::string text(std::string_view content) {
    return text(content, simpleFonts());
}

TEST(PdfContentTextTest, GeneratorType0FontReadsThroughToUnicode) {
    // tests/gen/documents.py pdf_cjk_type0: BT /F1 24 Tf 72 700 Td <00010002> Tj ET
    const PdfCMap cmap = PdfCMap::parse("1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
                                        "2 beginbfchar\n<0001> <673A>\n<0002> <5BC6>\nendbfchar\n",
                                        100);
    Fonts fonts;
    fonts.fonts["F1"] = PdfFont{&cmap, true, PdfSimpleEncoding::WinAnsi};
    PdfContentResult r;
    EXPECT_EQ(text("BT /F1 24 Tf 72 700 Td <00010002> Tj ET\n", fonts, &r), "\u673a\u5bc6\n");
    EXPECT_EQ(r.text_operators, 1u);
    EXPECT_FALSE(r.unknown_font);
}

TEST(PdfContentTextTest, TwoByteGlyphIdsWithoutToUnicodeGiveNothing) {
    EXPECT_EQ(text("BT /F3 12 Tf <00010002> Tj (AB) Tj ET"), "");
    // An empty CMap is as good as none.
    const PdfCMap empty = PdfCMap::parse("", 100);
    Fonts fonts;
    fonts.fonts["F1"] = PdfFont{&empty, false, PdfSimpleEncoding::WinAnsi};
    EXPECT_EQ(text("/F1 1 Tf (AB) Tj", fonts), "AB");
}

TEST(PdfContentTextTest, TjShowsAndEtEndsTheLine) {
    PdfContentResult r;
    EXPECT_EQ(text("BT /F1 12 Tf 72 712 Td (Classification: TOP SECRET) Tj ET", simpleFonts(), &r),
              "Classification: TOP SECRET\n");
    EXPECT_EQ(r.text_operators, 1u);
}

TEST(PdfContentTextTest, TjArrayKerningJoinsAndWideGapsSpace) {
    EXPECT_EQ(text("BT [(TOP S) -60 (ECRET)] TJ"), "TOP SECRET");
    EXPECT_EQ(text("BT [(TOP) -250 (SECRET)] TJ"), "TOP SECRET");
    EXPECT_EQ(text("BT [(A) -199.9 (B) -200 (C) 300 (D) -1000 (E)] TJ"), "AB CD E");
    EXPECT_EQ(text("BT [(A) -200.5 (B)] TJ"), "A B");
    // A gap before any text is no separator; gaps collapse with the text's own spaces.
    EXPECT_EQ(text("BT [-500 (A ) -500 -500 (B)] TJ"), "A B");
}

TEST(PdfContentTextTest, QuoteOperatorsStartALine) {
    PdfContentResult r;
    EXPECT_EQ(text("BT (one) Tj (two) ' 1 2 (three) \" ET", simpleFonts(), &r),
              "one\ntwo\nthree\n");
    EXPECT_EQ(r.text_operators, 3u);
}

TEST(PdfContentTextTest, PositioningSeparators) {
    EXPECT_EQ(text("BT (a) Tj 0 -14 Td (b) Tj 10 0 Td (c) Tj 0 0 Td (d) Tj T* (e) Tj "
                   "5 0 TD (f) Tj 1 0 0 1 0 0 Tm (g) Tj ET BT (h) Tj ET"),
              "a\nb cd\ne f\ng\nh\n");
}

TEST(PdfContentTextTest, SeparatorsCollapseAndNeverLead) {
    EXPECT_EQ(text("BT T* ET 0 -1 Td 5 0 Td (a) Tj T* T* ET 5 0 Td 0 -1 Td (b) Tj 5 0 Td 5 0 Td "
                   "(c) Tj"),
              "a\nb c");
    // A newline replaces a space before it.
    EXPECT_EQ(text("(a) Tj 5 0 Td T* (b) Tj"), "a\nb");
    // Text already in `out` is not this call's: still no leading separator.
    std::string out = "before";
    const Fonts fonts = simpleFonts();
    extractPdfContentText("T* (x) Tj", fonts, out);
    EXPECT_EQ(out, "beforex");
}

TEST(PdfContentTextTest, LiteralStringEscapes) {
    EXPECT_EQ(text(R"((a\(b\)c\\d) Tj)"), "a(b)c\\d");
    EXPECT_EQ(text(R"((tab\there\nnew) Tj)"), "tab\there\nnew");
    EXPECT_EQ(text(R"((\101\102C\7\0601\1012) Tj)"), "ABC01A2");
    EXPECT_EQ(text("(nested (paren (deep)) ok) Tj"), "nested (paren (deep)) ok");
    EXPECT_EQ(text("(split \\\nline\\\r\nend) Tj"), "split lineend");
    EXPECT_EQ(text("(cr\rlf\r\nx) Tj"), "cr\nlf\nx");
    EXPECT_EQ(text(R"((\q\b\f\r) Tj)"), "q"); // unknown escape: the character; \b \f \r not text
    EXPECT_EQ(text("(\\303\\251) Tj"), "\u00c3\u00a9"); // two WinAnsi bytes, not UTF-8
}

TEST(PdfContentTextTest, HexStrings) {
    EXPECT_EQ(text("<48 65\n6c6C 6f> Tj"), "Hello");
    EXPECT_EQ(text("<414> Tj"), "A@"); // odd final digit: followed by 0
    EXPECT_EQ(text("<> Tj <4x1> Tj"), "A");
}

TEST(PdfContentTextTest, WinAnsiAndMacRomanBytes) {
    EXPECT_EQ(text("/F1 12 Tf (\x93quoted\x94 caf\xE9 \x80 \x81) Tj"),
              "\u201cquoted\u201d caf\u00e9 \u20ac ");
    EXPECT_EQ(text("/F2 12 Tf (caf\x8E \xD2x\xD3) Tj"), "caf\u00e9 \u201cx\u201d");
    EXPECT_EQ(text("(ctl\x01\x1F\x7F\tend) Tj"), "ctl\tend");
}

TEST(PdfContentTextTest, SimpleEncodingTables) {
    EXPECT_EQ(pdfSimpleEncodingCodePoint(PdfSimpleEncoding::WinAnsi, 0x93), 0x201Cu);
    EXPECT_EQ(pdfSimpleEncodingCodePoint(PdfSimpleEncoding::WinAnsi, 0xE9), 0xE9u);
    EXPECT_EQ(pdfSimpleEncodingCodePoint(PdfSimpleEncoding::WinAnsi, 0x9D), 0u);
    EXPECT_EQ(pdfSimpleEncodingCodePoint(PdfSimpleEncoding::MacRoman, 0x8E), 0xE9u);
    EXPECT_EQ(pdfSimpleEncodingCodePoint(PdfSimpleEncoding::MacRoman, 0xF0), 0u);
    EXPECT_EQ(pdfSimpleEncodingCodePoint(PdfSimpleEncoding::Standard, 0xAE), 0xFB01u);
    EXPECT_EQ(pdfSimpleEncodingCodePoint(PdfSimpleEncoding::Standard, 0xE8), 0x141u);
    EXPECT_EQ(pdfSimpleEncodingCodePoint(PdfSimpleEncoding::Standard, 0x93), 0u);
    EXPECT_EQ(pdfSimpleEncodingCodePoint(PdfSimpleEncoding::PdfDoc, 0x8D), 0x201Cu);
    EXPECT_EQ(pdfSimpleEncodingCodePoint(PdfSimpleEncoding::PdfDoc, 0xA0), 0x20ACu);
    EXPECT_EQ(pdfSimpleEncodingCodePoint(PdfSimpleEncoding::PdfDoc, 0xE9), 0xE9u);
    for (auto e : {PdfSimpleEncoding::WinAnsi, PdfSimpleEncoding::MacRoman,
                   PdfSimpleEncoding::Standard, PdfSimpleEncoding::PdfDoc}) {
        EXPECT_EQ(pdfSimpleEncodingCodePoint(e, 'A'), uint32_t{'A'});
        EXPECT_EQ(pdfSimpleEncodingCodePoint(e, '\n'), uint32_t{'\n'});
        EXPECT_EQ(pdfSimpleEncodingCodePoint(e, 0x0D), 0u);
    }
}

TEST(PdfContentTextTest, UnknownFontReadsAsWinAnsiAndIsReported) {
    PdfContentResult r;
    EXPECT_EQ(text("BT /F9 12 Tf (caf\xE9) Tj ET", simpleFonts(), &r), "caf\u00e9\n");
    EXPECT_TRUE(r.unknown_font);
    // Before any Tf: WinAnsi, and no font was unknown.
    EXPECT_EQ(text("(x) Tj", simpleFonts(), &r), "x");
    EXPECT_FALSE(r.unknown_font);
    // Back to a known font after an unknown one.
    EXPECT_EQ(text("/F9 1 Tf (a) Tj /F3 1 Tf (b) Tj /F1 1 Tf (c) Tj", simpleFonts(), &r), "ac");
    EXPECT_TRUE(r.unknown_font);
}

TEST(PdfContentTextTest, FontNameEscapes) {
    EXPECT_EQ(text("/F#33 12 Tf <0001> Tj /F#31 Tf (x) Tj"), "x");
}

TEST(PdfContentTextTest, InlineImageDataIsSkipped) {
    PdfContentResult r;
    using namespace std::string_literals;
    const std::string content = "BT (before) Tj ET\nq BI /W 4 /H 1 /BPC 8 /CS /G ID "
                                "(\0Tj) Tj [(x)] TJ EIx\xff EI\x01 EI Q BT (after) Tj ET"s;
    EXPECT_EQ(text(content, simpleFonts(), &r), "before\nafter\n");
    EXPECT_EQ(r.inline_images, 1u);
    EXPECT_EQ(r.text_operators, 2u);
}

TEST(PdfContentTextTest, InlineImageLengthIsTrusted) {
    PdfContentResult r;
    // The data holds " EI " itself: /L says where it really ends.
    EXPECT_EQ(text("BI /W 1 /L 11 ID a EI (x) Tj\nEI (after) Tj", simpleFonts(), &r), "after");
    EXPECT_EQ(text("BI /W 1 ID a EI (x) Tj\nEI (after) Tj", simpleFonts(), &r), "xafter");
    EXPECT_EQ(r.inline_images, 1u);
    // A wrong /L: the scan for EI decides.
    EXPECT_EQ(text("BI /L 3 ID abcdef EI (after) Tj", simpleFonts(), &r), "after");
}

TEST(PdfContentTextTest, UnterminatedInlineImageEndsTheStream) {
    PdfContentResult r;
    EXPECT_EQ(text("(a) Tj BI /W 1 ID (b) Tj EIx", simpleFonts(), &r), "a");
    EXPECT_EQ(r.inline_images, 1u);
    EXPECT_EQ(text("(a) Tj BI /W 1", simpleFonts(), &r), "a");
}

TEST(PdfContentTextTest, OperandDepthBound) {
    std::string deep = "(a) Tj ";
    for (int i = 0; i < 40; ++i)
        deep += "[";
    deep += "(hidden)";
    for (int i = 0; i < 40; ++i)
        deep += "]";
    deep += " TJ [(b)] TJ";
    EXPECT_EQ(text(deep), "ab");
    PdfContentLimits limits;
    limits.max_operand_depth = 1;
    const Fonts fonts = simpleFonts();
    EXPECT_EQ(text("[(a)] TJ [[(x)] (b)] TJ /P <</MCID 0>> BDC (c) Tj", fonts, nullptr, limits),
              "ac");
    limits.max_operand_depth = 2;
    EXPECT_EQ(text("[[(x)] (b)] TJ", fonts, nullptr, limits), "b");
}

TEST(PdfContentTextTest, StrayBracketsLoseNoText) {
    EXPECT_EQ(text("[(lost) (a) Tj (b) Tj"), "ab");
    EXPECT_EQ(text("<< /K [ (x) true null ] (y) Tj"), "y");
    EXPECT_EQ(text("] >> ) } { (z) Tj"), "z");
}

TEST(PdfContentTextTest, OperatorsConsumeTheirOperands) {
    // Tj with a number on top shows nothing; the string below it was consumed by nothing.
    EXPECT_EQ(text("(a) 5 Tj Tj (b) re Tj TJ ' \" (c) Tj"), "c");
    // Past kPdfMaxOperands operands the oldest go, the last still shows.
    std::string many;
    for (size_t i = 0; i < 3 * kPdfMaxOperands; ++i) {
        many += '(';
        many += std::to_string(i);
        many += ") ";
    }
    many += "Tj";
    EXPECT_EQ(text(many), std::to_string(3 * kPdfMaxOperands - 1));
}

TEST(PdfContentTextTest, CommentsAndConstants) {
    EXPECT_EQ(text("% (no) Tj\n(yes) % (no)\r Tj true false null 1 2 Td"), "yes\n");
    EXPECT_EQ(text("(a) true Tj (b) null Tj"), "");
}

// Inputs that would be quadratic for a reader that rescans: stray brackets (each one scanning
// to the end), unterminated strings, inline images with many false "EI" ends. 1 MiB each must
// read in a blink.
TEST(PdfContentTextTest, PathologicalInputsStayLinear) {
    const Fonts fonts = simpleFonts();
    const size_t n = 1 << 20;
    for (const std::string& content :
         {std::string(n, '['), std::string(n / 2, '[') + "Tj", std::string(n, '<'),
          std::string(n / 2, '[') + std::string(n / 2, ']'), std::string(n, '('),
          "BI ID " + std::string(n, 'E'), [&] {
              std::string s = "BI ID ";
              while (s.size() < n)
                  s += " EIx";
              return s;
          }()}) {
        std::string out;
        extractPdfContentText(content, fonts, out);
        EXPECT_TRUE(isValidUtf8(out));
    }
    std::string program = "1 beginbfrange ";
    while (program.size() < n)
        program += "<41> <41> [<0041>] ";
    const PdfCMap cmap = PdfCMap::parse(program, 1000);
    EXPECT_GT(cmap.droppedMappings(), 0u);
    std::string out;
    cmap.decode(std::string(n, 'A'), out);
    EXPECT_EQ(out.size(), n);
}

TEST(PdfContentTextTest, GarbageNeverBreaksIt) {
    const PdfCMap cmap = PdfCMap::parse("1 begincodespacerange <0000> <FFFF> endcodespacerange "
                                        "1 beginbfrange <0000> <FFFF> <0041> endbfrange",
                                        100);
    Fonts fonts = simpleFonts();
    fonts.fonts["F4"] = PdfFont{&cmap, true, PdfSimpleEncoding::WinAnsi};
    uint32_t x = 99;
    for (int round = 0; round < 50; ++round) {
        std::string content;
        for (int i = 0; i < 4000; ++i) {
            x = x * 1103515245 + 12345;
            content.push_back(static_cast<char>(x >> 16));
            if (x % 61 == 0) content += " /F4 1 Tf [(";
            if (x % 67 == 0) content += ") Tj BI ID ";
        }
        std::string out;
        extractPdfContentText(content, fonts, out);
        EXPECT_TRUE(isValidUtf8(out));
        EXPECT_LE(out.size(), content.size() * (PdfCMap::kMaxCodeUtf8 + 1));
    }
}

} // namespace
} // namespace egressmon::dpi
