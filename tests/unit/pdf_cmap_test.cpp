// PdfCMap (dpi/transform/pdf/pdf_cmap.h): ToUnicode CMaps — codespace ranges deciding code
// lengths, bfchar, both bfrange forms, UTF-16 destinations (pairs, ligatures, lone surrogates),
// the mapping bound and malformed programs.

#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "dpi/decode/mime/mime_charset.h"
#include "dpi/transform/pdf/pdf_cmap.h"

namespace egressmon::dpi {
namespace {

// What tests/gen/documents.py to_unicode_cmap({1: "机", 2: "密"}) writes.
constexpr std::string_view kGeneratorCMap =
    "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
    "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
    "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
    "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
    "2 beginbfchar\n<0001> <673A>\n<0002> <5BC6>\nendbfchar\n"
    "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n";

std::string decode(const PdfCMap& cmap, std::string_view shown) {
    std::string out;
    cmap.decode(shown, out);
    EXPECT_TRUE(isValidUtf8(out));
    return out;
}

std::string decode(std::string_view program, std::string_view shown) {
    return decode(PdfCMap::parse(program, 1000), shown);
}

constexpr std::string_view kTwoByteSpace =
    "1 begincodespacerange <0000> <FFFF> endcodespacerange\n";

TEST(PdfCMapTest, GeneratorCMapReadsTwoByteGlyphIds) {
    const PdfCMap cmap = PdfCMap::parse(kGeneratorCMap, 100);
    EXPECT_FALSE(cmap.empty());
    EXPECT_EQ(cmap.droppedMappings(), 0u);
    EXPECT_EQ(decode(cmap, std::string_view("\x00\x01\x00\x02", 4)), "\u673a\u5bc6");
    // A code without a mapping gives nothing; a lone last byte is a (short) code of its own.
    EXPECT_EQ(decode(cmap, std::string_view("\x00\x03\x00\x01\x00", 5)), "\u673a");
    EXPECT_GT(cmap.memoryBytes(), 0u);
}

TEST(PdfCMapTest, EmptyProgramsMapNothing) {
    for (std::string_view program :
         {std::string_view(), std::string_view("garbage ] >> ) {"), kTwoByteSpace}) {
        const PdfCMap cmap = PdfCMap::parse(program, 100);
        EXPECT_TRUE(cmap.empty());
        EXPECT_EQ(decode(cmap, "abc"), "");
    }
}

TEST(PdfCMapTest, BfrangeIncrementsTheLastUnit) {
    const std::string program =
        std::string(kTwoByteSpace) + "1 beginbfrange\n<0010> <0012> <0041>\nendbfrange\n";
    EXPECT_EQ(decode(program, std::string_view("\x00\x10\x00\x11\x00\x12\x00\x13", 8)), "ABC");
}

TEST(PdfCMapTest, BfrangeIncrementCarriesPastTheLastByte) {
    // <01FF> + 1 reads as U+0200, as pdf.js reads it.
    const std::string program =
        std::string(kTwoByteSpace) + "1 beginbfrange\n<0000> <0001> <01FF>\nendbfrange\n";
    EXPECT_EQ(decode(program, std::string_view("\x00\x00\x00\x01", 4)), "\u01ff\u0200");
}

TEST(PdfCMapTest, BfrangeArrayGivesOneDestinationPerCode) {
    const std::string program =
        std::string(kTwoByteSpace) +
        "1 beginbfrange\n<0005> <0008> [<0058> <00590059> /space <005A>]\nendbfrange\n";
    // 5 -> X, 6 -> YY, 7 -> a name (nothing), 8 -> Z; 9 is outside the range.
    EXPECT_EQ(decode(program, std::string_view("\x00\x05\x00\x06\x00\x07\x00\x08\x00\x09", 10)),
              "XYYZ");
}

TEST(PdfCMapTest, ShortBfrangeArrayLeavesTheRestUnmapped) {
    const std::string program =
        std::string(kTwoByteSpace) + "1 beginbfrange <0001> <0004> [<0041>] endbfrange\n";
    EXPECT_EQ(decode(program, std::string_view("\x00\x01\x00\x02", 4)), "A");
}

TEST(PdfCMapTest, SurrogatePairDestinations) {
    const std::string program = std::string(kTwoByteSpace) +
                                "1 beginbfchar <0001> <D83DDE00> endbfchar\n"
                                "1 beginbfrange <0002> <0003> <D835DC00> endbfrange\n";
    // U+1F600, then U+1D400 and U+1D401 (the low surrogate increments).
    EXPECT_EQ(decode(program, std::string_view("\x00\x01\x00\x02\x00\x03", 6)),
              "\U0001F600\U0001D400\U0001D401");
}

TEST(PdfCMapTest, LoneSurrogatesReadAsReplacementCharacter) {
    const std::string program =
        std::string(kTwoByteSpace) + "2 beginbfchar <0001> <D83D> <0002> <DE000041> endbfchar\n";
    EXPECT_EQ(decode(program, std::string_view("\x00\x01\x00\x02", 4)), "\ufffd\ufffdA");
}

TEST(PdfCMapTest, LigatureDestinationsAreStrings) {
    const std::string program = std::string(kTwoByteSpace) +
                                "2 beginbfchar <0001> <006600660069> <0002> <FB01> endbfchar\n";
    EXPECT_EQ(decode(program, std::string_view("\x00\x01\x00\x02", 4)), "ffi\ufb01");
}

TEST(PdfCMapTest, LongDestinationsAreCut) {
    std::string dst;
    for (int i = 0; i < 40; ++i)
        dst += "0041";
    const std::string program =
        std::string(kTwoByteSpace) + "1 beginbfchar <0001> <" + dst + "> endbfchar\n";
    EXPECT_EQ(decode(program, std::string_view("\x00\x01", 2)),
              std::string(PdfCMap::kMaxDestinationUnits, 'A'));
}

TEST(PdfCMapTest, MixedOneAndTwoByteCodespaces) {
    // Shift-JIS-like: 00-80 single bytes, 81-9F then 40-FC pairs.
    const std::string_view program = "2 begincodespacerange\n<00> <80>\n<8140> <9FFC>\n"
                                     "endcodespacerange\n"
                                     "3 beginbfchar\n<41> <0061>\n<8140> <3000>\n<889F> <4E9C>\n"
                                     "endbfchar\n";
    EXPECT_EQ(decode(program, "A\x88\x9F"
                              "A\x81\x40"),
              "a\u4e9ca\u3000");
}

TEST(PdfCMapTest, BytesOutsideEveryCodespaceTakeTheMatchingFirstByteLength) {
    const std::string_view program = "2 begincodespacerange <00> <80> <8140> <9FFC> "
                                     "endcodespacerange 1 beginbfchar <41> <0061> endbfchar";
    // 0x81 0x20: the first byte starts a 2-byte range, the second is outside it: one 2-byte
    // code with no mapping, then "A".
    EXPECT_EQ(decode(program, "\x81\x20"
                              "A"),
              "a");
    // 0xF0 starts no range: the shortest length, 1 byte.
    EXPECT_EQ(decode(program, "\xF0"
                              "A"),
              "a");
}

TEST(PdfCMapTest, WithoutCodespaceTheMappedLengthsDecide) {
    EXPECT_EQ(decode("1 beginbfchar <0041> <0042> endbfchar", std::string_view("\x00\x41", 2)),
              "B");
    EXPECT_EQ(decode("1 beginbfchar <41> <0042> endbfchar", "AA"), "BB");
    // Both lengths mapped: the shorter one that maps wins, else the longer.
    EXPECT_EQ(decode("2 beginbfchar <41> <0061> <4243> <0062> endbfchar", "ABCA"), "aba");
}

TEST(PdfCMapTest, LaterBfcharWinsAndBfcharWinsOverBfrange) {
    const std::string program = std::string(kTwoByteSpace) +
                                "1 beginbfrange <0001> <0003> <0041> endbfrange\n"
                                "2 beginbfchar <0002> <0058> <0002> <0059> endbfchar\n";
    EXPECT_EQ(decode(program, std::string_view("\x00\x01\x00\x02\x00\x03", 6)), "AYC");
}

TEST(PdfCMapTest, OverlappingRangesNearestStartWins) {
    const std::string program = std::string(kTwoByteSpace) +
                                "2 beginbfrange <0000> <00FF> <0061> <0010> <0011> <0041> "
                                "endbfrange\n";
    EXPECT_EQ(decode(program, std::string_view("\x00\x01\x00\x10\x00\x11\x00\x12", 8)),
              "bAB\u0073");
}

TEST(PdfCMapTest, MaxMappingsAtItsBound) {
    // Three mappings: two bfchar entries and one bfrange.
    const std::string program = std::string(kTwoByteSpace) +
                                "2 beginbfchar <0001> <0041> <0002> <0042> endbfchar\n"
                                "1 beginbfrange <0003> <0004> <0043> endbfrange\n";
    const std::string_view shown("\x00\x01\x00\x02\x00\x03\x00\x04", 8);
    const PdfCMap below = PdfCMap::parse(program, 2);
    EXPECT_EQ(below.droppedMappings(), 1u);
    EXPECT_EQ(decode(below, shown), "AB");
    const PdfCMap at = PdfCMap::parse(program, 3);
    EXPECT_EQ(at.droppedMappings(), 0u);
    EXPECT_EQ(decode(at, shown), "ABCD");
    const PdfCMap above = PdfCMap::parse(program, 4);
    EXPECT_EQ(above.droppedMappings(), 0u);
    EXPECT_EQ(decode(above, shown), "ABCD");
    const PdfCMap none = PdfCMap::parse(program, 0);
    EXPECT_EQ(none.droppedMappings(), 3u);
    EXPECT_TRUE(none.empty());
}

TEST(PdfCMapTest, ControlCharacterDestinationsAreNotText) {
    const std::string program = std::string(kTwoByteSpace) +
                                "3 beginbfchar <0001> <0000> <0002> <000A> <0003> <0007> "
                                "endbfchar\n";
    EXPECT_EQ(decode(program, std::string_view("\x00\x01\x00\x02\x00\x03", 6)), "\n");
}

TEST(PdfCMapTest, MalformedEntriesAreSkipped) {
    const std::string program =
        std::string(kTwoByteSpace) +
        "5 beginbfchar <0001> <0041> <0102030405> <0042> <> <0043> 12 <0002> <0044> endbfchar\n"
        "3 beginbfrange <0009> <0005> <0041> <00> <0001> <0041> <0006> <0007> [<0058> "
        "endbfrange\n"
        "1 beginbfchar <0008> <0045> endbfchar\n"
        "1 beginbfchar <0009> <0046"; // cut off
    // The unterminated array ends at endbfrange; what follows still parses.
    EXPECT_EQ(decode(program, std::string_view("\x00\x01\x00\x02\x00\x06\x00\x08\x00\x09", 10)),
              "ADXEF");
}

TEST(PdfCMapTest, LiteralStringCodesAndHexWhitespace) {
    const std::string program =
        std::string(kTwoByteSpace) + "1 beginbfchar (\\000A) < 00 4 > endbfchar\n";
    EXPECT_EQ(decode(program, std::string_view("\x00\x41", 2)), "@");
}

TEST(PdfCMapTest, GarbageNeverBreaksIt) {
    std::string program;
    uint32_t x = 12345;
    for (int i = 0; i < 20000; ++i) {
        x = x * 1103515245 + 12345;
        program.push_back(static_cast<char>(x >> 16));
        if (i % 97 == 0) program += " beginbfrange <00> <FF> [ <0041";
    }
    const PdfCMap cmap = PdfCMap::parse(program, 50);
    std::string out;
    cmap.decode(program, out);
    EXPECT_TRUE(isValidUtf8(out));
    EXPECT_LE(out.size(), program.size() * PdfCMap::kMaxCodeUtf8);
}

} // namespace
} // namespace egressmon::dpi
