#include <gtest/gtest.h>

#include "dpi/content/content_percent_decoder.h"
#include "http_test_support.h"

namespace egressmon::dpi {
namespace {

std::string decode(std::string_view in, PercentDecoder::Plus plus) {
    PercentDecoder d(plus);
    std::string out;
    d.decode(test::u8(in), in.size(), out);
    d.finish(out);
    return out;
}

TEST(PercentDecoder, DecodesEscapes) {
    EXPECT_EQ(decode("a%41%4a%4A%20b", PercentDecoder::Plus::Literal), "aAJJ b");
    EXPECT_EQ(decode("%00x", PercentDecoder::Plus::Literal), std::string("\0x", 2));
}

TEST(PercentDecoder, InvalidEscapesPassThrough) {
    EXPECT_EQ(decode("%G1%4%", PercentDecoder::Plus::Literal), "%G1%4%");
    EXPECT_EQ(decode("%%41", PercentDecoder::Plus::Literal), "%A");
    EXPECT_EQ(decode("%4%41", PercentDecoder::Plus::Literal), "%4A");
}

TEST(PercentDecoder, PlusHandling) {
    EXPECT_EQ(decode("/a+b?c+d%2B", PercentDecoder::Plus::SpaceAfterQuery), "/a+b?c d+");
    EXPECT_EQ(decode("/a%3Fb+c", PercentDecoder::Plus::SpaceAfterQuery), "/a?b+c");
    EXPECT_EQ(decode("a+b", PercentDecoder::Plus::Space), "a b");
    EXPECT_EQ(decode("a+b", PercentDecoder::Plus::Literal), "a+b");
}

TEST(PercentDecoder, SplitEverywhere) {
    const std::string in = "/p+x?q=%E4%B8%AD+%2541%4g%zz&r=%";
    const std::string out = test::expectSplitInvariant(in, [](const auto& pieces) {
        PercentDecoder d(PercentDecoder::Plus::SpaceAfterQuery);
        std::string o;
        for (auto p : pieces)
            d.decode(test::u8(p), p.size(), o);
        d.finish(o);
        return o;
    });
    EXPECT_EQ(out, "/p+x?q=\xE4\xB8\xAD %41%4g%zz&r=%");
}

} // namespace
} // namespace egressmon::dpi
