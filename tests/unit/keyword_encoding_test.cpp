#include <gtest/gtest.h>

#include "rules/keyword_encoding.h"
#include "rules/rule_set.h"

using namespace egressmon::rules;

namespace {
std::string bytes(std::initializer_list<unsigned> list) {
    std::string s;
    for (const unsigned b : list)
        s += static_cast<char>(b);
    return s;
}
} // namespace

TEST(KeywordEncoding, Utf8IsKeptAsWritten) {
    EXPECT_EQ(encodeKeyword("绝密 TOP", Encoding::kUtf8), "绝密 TOP");
}

TEST(KeywordEncoding, Gb18030OfJueMiIsBef8C3dc) {
    EXPECT_EQ(encodeKeyword("绝密", Encoding::kGb18030), bytes({0xBE, 0xF8, 0xC3, 0xDC}));
}

TEST(KeywordEncoding, Gb18030CoversCharactersOutsideGbkWithFourByteForms) {
    EXPECT_EQ(encodeKeyword("😀", Encoding::kGb18030), bytes({0x94, 0x39, 0xFC, 0x36}));
}

TEST(KeywordEncoding, Utf16HasNoByteOrderMark) {
    EXPECT_EQ(encodeKeyword("TOP", Encoding::kUtf16Le), std::string("T\0O\0P\0", 6));
    EXPECT_EQ(encodeKeyword("TOP", Encoding::kUtf16Be), std::string("\0T\0O\0P", 6));
    EXPECT_EQ(encodeKeyword("😀", Encoding::kUtf16Be), bytes({0xD8, 0x3D, 0xDE, 0x00}));
}

TEST(KeywordEncoding, InvalidUtf8IsARuleError) {
    for (const Encoding e : {Encoding::kUtf8, Encoding::kGb18030, Encoding::kUtf16Le}) {
        EXPECT_THROW(encodeKeyword("ab\xff", e), RuleError);
        EXPECT_THROW(encodeKeyword("\xe7\xbb", e), RuleError);     // truncated 绝
        EXPECT_THROW(encodeKeyword("\xc0\xaf", e), RuleError);     // overlong '/'
        EXPECT_THROW(encodeKeyword("\xed\xa0\x80", e), RuleError); // surrogate
    }
}

TEST(LiteralExpression, EscapesEveryByte) {
    EXPECT_EQ(literalExpression("a.*", Encoding::kUtf8, false), "\\x61\\x2e\\x2a");
    EXPECT_EQ(literalExpression("绝密", Encoding::kGb18030, false), "\\xbe\\xf8\\xc3\\xdc");
}

TEST(LiteralExpression, NocaseFoldsOnlyAsciiLetters) {
    EXPECT_EQ(literalExpression("a1Z", Encoding::kUtf8, true), "[aA]\\x31[zZ]");
    EXPECT_EQ(literalExpression("é", Encoding::kUtf8, true), "\\xc3\\xa9");
}

TEST(LiteralExpression, NocaseInUtf16FoldsTheLetterByteOnly) {
    EXPECT_EQ(literalExpression("Ab", Encoding::kUtf16Le, true), "[aA]\\x00[bB]\\x00");
    EXPECT_EQ(literalExpression("Ab", Encoding::kUtf16Be, true), "\\x00[aA]\\x00[bB]");
}

TEST(LiteralExpression, NocaseNeverFoldsGb18030TrailBytes) {
    // 門 is E9 54 in GBK/GB18030: its trail byte looks like 'T' but is half a character.
    ASSERT_EQ(encodeKeyword("門", Encoding::kGb18030), bytes({0xE9, 0x54}));
    EXPECT_EQ(literalExpression("門", Encoding::kGb18030, true), "\\xe9\\x54");
    EXPECT_EQ(literalExpression("門t", Encoding::kGb18030, true), "\\xe9\\x54[tT]");
}

TEST(LiteralExpression, NocaseNeverFoldsUtf16HalvesThatLookLikeLetters) {
    // U+6100 is 00 61 in UTF-16LE: its second byte looks like 'a'.
    EXPECT_EQ(literalExpression("愀", Encoding::kUtf16Le, true), "\\x00\\x61");
    EXPECT_EQ(literalExpression("䅁", Encoding::kUtf16Be, true), "\\x41\\x41");
}
