// appendPdfTextString (dpi/transform/pdf/pdf_text_string.h): a text string's value as UTF-8,
// whichever of its three encodings and two spellings it uses.

#include <string>

#include <gtest/gtest.h>

#include "dpi/transform/pdf/pdf_text_string.h"

using namespace egressmon::dpi;

namespace {
std::string text(PdfValueKind kind, std::string_view written) {
    std::string out;
    EXPECT_TRUE(appendPdfTextString(PdfValue{kind, written, 0}, out));
    return out;
}
} // namespace

TEST(PdfTextString, LiteralEscapesAndPdfDocEncoding) {
    EXPECT_EQ(text(PdfValueKind::String, "(a\\(b\\) \\\\ \\101\\tz)"), "a(b) \\ A\tz");
    EXPECT_EQ(text(PdfValueKind::String, "(caf\\351 \\205 \\240)"),
              "caf\xc3\xa9 \xe2\x80\x93 \xe2\x82\xac");
}

TEST(PdfTextString, Utf16BeWithItsMarkAndSurrogatePairs) {
    // 机密 then U+1F512 (a surrogate pair), then a lone high surrogate: U+FFFD.
    EXPECT_EQ(text(PdfValueKind::HexString, "<FEFF673A5BC6D83DDD12D800>"),
              "\xe6\x9c\xba\xe5\xaf\x86\xf0\x9f\x94\x92\xef\xbf\xbd");
    EXPECT_EQ(text(PdfValueKind::String, "(\xfe\xff\\000T\\000O)"), "TO");
}

TEST(PdfTextString, Utf8BehindItsMarkAndHexWithAnOddDigit) {
    EXPECT_EQ(text(PdfValueKind::String, "(\xef\xbb\xbf\xe7\xbb\x9d\xe5\xaf\x86)"),
              "\xe7\xbb\x9d\xe5\xaf\x86");
    EXPECT_EQ(text(PdfValueKind::HexString, "<54 4F 5>"), "TOP");
}

// The mark says UTF-8; a hostile file's bytes need not be: the text stays valid UTF-8 (found by
// pdf_document_fuzz), and control characters are dropped as in the other encodings.
TEST(PdfTextString, InvalidUtf8BehindTheMarkBecomesReplacementCharacters) {
    EXPECT_EQ(text(PdfValueKind::String, "(\xef\xbb\xbf"
                                         "A\x85\xc3"
                                         "Z\x01\x02\tb)"),
              "A\xef\xbf\xbd\xef\xbf\xbd"
              "Z\tb");
}

TEST(PdfTextString, AStringCutByTheObjectBoundStillReads) {
    EXPECT_EQ(text(PdfValueKind::String, "(TOP SECR"), "TOP SECR");
}

TEST(PdfTextString, OtherKindsAppendNothing) {
    std::string out = "x";
    EXPECT_FALSE(appendPdfTextString(PdfValue{PdfValueKind::Reference, "4 0 R", 4}, out));
    EXPECT_FALSE(appendPdfTextString(PdfValue{PdfValueKind::Name, "Tx", 0}, out));
    EXPECT_EQ(out, "x");
}
