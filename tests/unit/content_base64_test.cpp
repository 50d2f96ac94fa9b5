#include <gtest/gtest.h>

#include "dpi/content/content_base64.h"
#include "http_test_support.h"

namespace egressmon::dpi {
namespace {

std::string decode(std::string_view in) {
    Base64Decoder d;
    std::string out;
    d.decode(test::u8(in), in.size(), out);
    d.finish(out);
    return out;
}

TEST(Base64Decoder, DecodesWithPadding) {
    EXPECT_EQ(decode("U2VjcmV0"), "Secret");
    EXPECT_EQ(decode("U2VjcmV0IQ=="), "Secret!");
    EXPECT_EQ(decode("U2VjcmV0ISE="), "Secret!!");
    EXPECT_EQ(decode(""), "");
}

TEST(Base64Decoder, SkipsWhitespaceAndJunk) {
    EXPECT_EQ(decode("U2Vj\r\ncmV0\r\n"), "Secret");
    EXPECT_EQ(decode(" U 2 V j*cmV0 "), "Secret");
}

TEST(Base64Decoder, UnpaddedTailAndConcatenation) {
    EXPECT_EQ(decode("U2VjcmV0IQ"), "Secret!");
    EXPECT_EQ(decode("QQ==QkM="), "ABC");
}

TEST(Base64Decoder, SplitEverywhere) {
    const std::string in = "VG9wIFNlY3JldDog\r\nQ09ORklERU5USUFM\r\nIGRhdGEh\r\nIQ==\r\n";
    const std::string out = test::expectSplitInvariant(in, [](const auto& pieces) {
        Base64Decoder d;
        std::string o;
        for (auto p : pieces)
            d.decode(test::u8(p), p.size(), o);
        d.finish(o);
        return o;
    });
    EXPECT_EQ(out, "Top Secret: CONFIDENTIAL data!!");
}

} // namespace
} // namespace egressmon::dpi
