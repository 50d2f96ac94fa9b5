// RtfTextExtractor (dpi/transform/rtf/): the text of RTF documents as UTF-8 — code page bytes
// (GBK across \'hh pieces), \uN with its fallback, skipped destinations, \bin, the depth bound,
// holes — and the same text however the input is cut.

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "dpi/decode/mime/mime_charset.h"
#include "dpi/transform/rtf/rtf_text_extractor.h"
#include "http_test_support.h"

namespace egressmon::dpi {
namespace {

struct Extracted {
    std::string text;
    RtfStop stop = RtfStop::None;
    RtfTextExtractor::Counts counts;
};

Extracted extract(const std::vector<std::string_view>& pieces, RtfLimits limits = {}) {
    RtfTextExtractor x(limits);
    Extracted r;
    for (std::string_view p : pieces)
        x.feed(test::u8(p), p.size(), r.text);
    x.finish(r.text);
    r.stop = x.stopped();
    r.counts = x.counts();
    return r;
}

// The text, after checking that every split of the input gives it.
std::string text(std::string_view rtf, RtfLimits limits = {}) {
    return test::expectSplitInvariant(rtf, [&](const std::vector<std::string_view>& pieces) {
        const Extracted r = extract(pieces, limits);
        EXPECT_TRUE(isValidUtf8(r.text));
        return r.text + "|stop=" + std::to_string(static_cast<int>(r.stop));
    });
}

std::string body(std::string_view rtf_body, std::string_view header = "\\ansi\\ansicpg1252") {
    return "{\\rtf1" + std::string(header) + " " + std::string(rtf_body) + "}";
}

constexpr std::string_view kDone = "|stop=0";

TEST(RtfTextExtractor, GbkHexEscapesJoinAcrossEscapes) {
    EXPECT_EQ(text(body("\\'be\\'f8\\'c3\\'dc\\par", "\\ansi\\ansicpg936")),
              std::string("绝密\n") + std::string(kDone));
}

TEST(RtfTextExtractor, GeneratedGbkDocument) { // tests/gen/documents.py rtf_gbk_hex
    const std::string rtf = "{\\rtf1\\ansi\\ansicpg936\\deff0{\\fonttbl{\\f0\\fnil\\fcharset134 "
                            "SimSun;}}\n\\f0\\fs24 Aurora: \\'be\\'f8\\'c3\\'dc\\par\n}\n";
    EXPECT_EQ(text(rtf), "Aurora: 绝密\n" + std::string(kDone));
}

TEST(RtfTextExtractor, RawGbkBytesAndAsciiSecondBytes) {
    // 0x81 0x40 is a GBK character whose second byte is ASCII '@' (丂, U+4E02).
    EXPECT_EQ(text(body("\\'81@ \xbe\xf8", "\\ansicpg936")), "丂 绝" + std::string(kDone));
    // A lead byte alone before a control word that writes text is U+FFFD.
    EXPECT_EQ(text(body("\\'be\\par", "\\ansicpg936")), "\xEF\xBF\xBD\n" + std::string(kDone));
}

TEST(RtfTextExtractor, Big5AndUtf8CodePages) {
    EXPECT_EQ(text(body("\\'be\\'f7\\'b1\\'4b", "\\ansicpg950")), "機密" + std::string(kDone));
    EXPECT_EQ(text(body("\\'e6\\'9c\\'ba", "\\ansicpg65001")), "机" + std::string(kDone));
    EXPECT_EQ(text(body("caf\\'e9 \x80")), "café €" + std::string(kDone));
}

TEST(RtfTextExtractor, UnicodeEscapesWithFallback) {
    EXPECT_EQ(text(body("\\u26426?\\u23494?")), "机密" + std::string(kDone));
    // Negative values are code units above 32767: -30000 + 65536 = 35536 (U+8AD0).
    EXPECT_EQ(text(body("\\u-30000?")), "\xE8\xAB\x90" + std::string(kDone));
    // A surrogate pair (U+1F600), and a lone one.
    EXPECT_EQ(text(body("\\u-10179?\\u-8704?")), "\xF0\x9F\x98\x80" + std::string(kDone));
    EXPECT_EQ(text(body("\\u-10179?x")), "\xEF\xBF\xBDx" + std::string(kDone));
}

TEST(RtfTextExtractor, UcSetsTheFallbackLengthAndHexCountsAsOne) {
    EXPECT_EQ(text(body("\\uc2\\u26426\\'bb\\'fa\\u23494\\'c3\\'dcX", "\\ansicpg936")),
              "机密X" + std::string(kDone));
    EXPECT_EQ(text(body("\\uc0\\u26426 A")), "机A" + std::string(kDone));
    // \uc is scoped to its group; a group ends the fallback.
    EXPECT_EQ(text(body("{\\uc3\\u26426}ab\\u23494 cd")), "机ab密d" + std::string(kDone));
}

TEST(RtfTextExtractor, ControlWordsDelimitersAndSymbols) {
    EXPECT_EQ(text(body("a\\par b\\line\\tab c\\~d\\-e\\{\\}\\\\f\\emdash\\cell")),
              "a\nb\n\tc\xC2\xA0"
              "de{}\\f\xE2\x80\x94\t" +
                  std::string(kDone));
    // Only one space delimits a control word; others are text. CR and LF are not text.
    EXPECT_EQ(text(body("\\b  bold\\b0\r\n text\\fs-20x")), " bold text"
                                                            "x" +
                                                                std::string(kDone));
}

TEST(RtfTextExtractor, DestinationsAreSkipped) {
    const std::string rtf =
        body("{\\fonttbl{\\f0 Arial;}}{\\colortbl;\\red0;}{\\stylesheet{\\s0 Normal;}}"
             "{\\*\\generator Riched20;}{\\*\\unknown secret}{\\pict\\pngblip 89504e47}"
             "{\\field{\\*\\fldinst HYPERLINK x}{\\fldrslt link}}"
             "{\\object\\objemb{\\*\\objclass Word}{\\objdata 0105000002}}body");
    EXPECT_EQ(text(rtf), "linkbody" + std::string(kDone));
    // List numbering for older readers: a symbol-font bullet that is no text in the code page.
    EXPECT_EQ(text(body("{\\pntext\\f1\\'B7\\tab}{\\listtext 1.\\tab}item", "\\ansicpg936")),
              "item" + std::string(kDone));
    EXPECT_EQ(extract({rtf}).counts.embedded_objects, 1u); // \objdata inside counts not again
}

TEST(RtfTextExtractor, InfoFieldsAreKeptOnePerLine) {
    EXPECT_EQ(text(body("{\\info{\\title TOP SECRET}{\\author Bob}{\\creatim\\yr2020}}Body")),
              "TOP SECRET\nBob\nBody" + std::string(kDone));
}

TEST(RtfTextExtractor, BinSkipsItsBytesEvenBraces) {
    const std::string rtf = body("A{\\pict\\bin6 }{\\x\\}}B\\bin3 \\'zC");
    EXPECT_EQ(text(rtf), "ABC" + std::string(kDone));
    EXPECT_EQ(extract({rtf}).counts.binary_bytes, 9u);
}

TEST(RtfTextExtractor, DepthAtTheBoundAndOnePast) {
    RtfLimits limits;
    limits.max_depth = 4;
    const std::string at = "{\\rtf1 a{b{c{d}}}e}"; // four groups open at once
    EXPECT_EQ(text(at, limits), "abcde" + std::string(kDone));
    const std::string past = "{\\rtf1 a{b{c{d{e}}}}f}";
    EXPECT_EQ(text(past, limits), "abcd|stop=" + std::to_string(int(RtfStop::Depth)));
}

TEST(RtfTextExtractor, LongControlWordsAreCutAndCounted) {
    const std::string rtf =
        body(std::string(100, 'x').insert(0, "\\") + " a\\u" + std::string(30, '1') + " ?b");
    const Extracted r = extract({rtf});
    EXPECT_EQ(r.counts.long_control_words, 2u);
    EXPECT_EQ(text(rtf), "a\xEF\xBF\xBD"
                         "b" +
                             std::string(kDone)); // \u out of range: U+FFFD
}

TEST(RtfTextExtractor, TextAfterTheDocumentEndIsIgnored) {
    EXPECT_EQ(text("{\\rtf1 a}b{c}"), "a" + std::string(kDone));
}

TEST(RtfTextExtractor, AHoleEndsTheTextAfterFlushing) {
    RtfTextExtractor x{RtfLimits{}};
    std::string out;
    const std::string_view a = "{\\rtf1\\ansicpg936 x\\'be\\'f8";
    x.feed(test::u8(a), a.size(), out);
    x.gap(out);
    EXPECT_EQ(out, "x绝");
    EXPECT_EQ(x.stopped(), RtfStop::Gap);
    const std::string_view b = "more}";
    x.feed(test::u8(b), b.size(), out);
    x.finish(out);
    EXPECT_EQ(out, "x绝");
}

TEST(RtfTextExtractor, LongRunsConvertWithoutCuttingCharacters) {
    std::string escapes;
    std::string expected;
    for (int i = 0; i < 300; ++i) { // 600 bytes: more than one run
        escapes += "\\'be\\'f8";
        expected += "绝";
    }
    // One single byte first, so the run's boundary falls inside a character.
    escapes.insert(0, "\\'be\\'f8A");
    EXPECT_EQ(text(body(escapes, "\\ansicpg936")), "绝A" + expected + std::string(kDone));
}

} // namespace
} // namespace egressmon::dpi
