#include <gtest/gtest.h>

#include "dpi/inspect/snippet.h"

using egressmon::dpi::sanitizeSnippet;

namespace {
std::string clean(std::string s, size_t keep_from = 0, size_t keep_to = 0) {
    sanitizeSnippet(s, keep_from, keep_to);
    return s;
}
} // namespace

TEST(Snippet, EveryDigitIsMaskedOutsideTheKeptRange) {
    EXPECT_EQ(clean("id 11010519491231002X card 4111"), "id *****************X card ****");
    const std::string s = "card 4111 1111 1111 1111";
    EXPECT_EQ(clean(s, s.size() - 4, s.size()), "card **** **** **** 1111");
}

TEST(Snippet, ControlAndInvalidBytesBecomeDots) {
    EXPECT_EQ(clean("a\r\nb\x01"), "a..b.");
    EXPECT_EQ(clean(std::string("x\xff\xfey")), "x..y");
    EXPECT_EQ(clean(std::string("T\0O\0P", 5)), "T.O.P");
}

TEST(Snippet, CompleteUtf8IsKeptAndACutCharacterIsNot) {
    EXPECT_EQ(clean("绝密 doc"), "绝密 doc");
    const std::string cut = std::string("绝密").substr(1); // starts mid-character
    EXPECT_EQ(clean(cut), "..密");
    EXPECT_EQ(clean(std::string("\xed\xa0\x80")), "..."); // surrogate
    EXPECT_EQ(clean(std::string("\xe0\x80\xaf")), "..."); // overlong
}

TEST(Snippet, LengthNeverChanges) {
    std::string s = "\x80\x80 12 \xe4\xb8\xad\x01 end";
    const size_t before = s.size();
    sanitizeSnippet(s, 0, 0);
    EXPECT_EQ(s.size(), before);
}
