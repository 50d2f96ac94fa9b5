#include <gtest/gtest.h>

#include "dpi/content/content_quoted_printable.h"
#include "http_test_support.h"

namespace egressmon::dpi {
namespace {

std::string decode(std::string_view in) {
    QuotedPrintableDecoder d;
    std::string out;
    d.decode(test::u8(in), in.size(), out);
    d.finish(out);
    return out;
}

TEST(QuotedPrintableDecoder, DecodesEscapes) {
    EXPECT_EQ(decode("caf=C3=A9 =3D ok"), "caf\xC3\xA9 = ok");
    EXPECT_EQ(decode("a=4a"), "aJ");
}

TEST(QuotedPrintableDecoder, SoftLineBreaks) {
    EXPECT_EQ(decode("CONFI=\r\nDENTIAL"), "CONFIDENTIAL");
    EXPECT_EQ(decode("CONFI=\nDENTIAL"), "CONFIDENTIAL");
    EXPECT_EQ(decode("hard\r\nbreak"), "hard\r\nbreak");
}

TEST(QuotedPrintableDecoder, MalformedPassesThrough) {
    EXPECT_EQ(decode("a=G1b"), "a=G1b");
    EXPECT_EQ(decode("a=4"), "a=4");
    EXPECT_EQ(decode("a="), "a=");
    EXPECT_EQ(decode("a=\rb"), "a=\rb");
    EXPECT_EQ(decode("a==41"), "a=A");
}

TEST(QuotedPrintableDecoder, SplitEverywhere) {
    const std::string in = "Top Se=\r\ncret: CONFI=\nDENTIAL =E4=B8=AD=e6=96=87 =3D=\r\n end=4";
    const std::string out = test::expectSplitInvariant(in, [](const auto& pieces) {
        QuotedPrintableDecoder d;
        std::string o;
        for (auto p : pieces)
            d.decode(test::u8(p), p.size(), o);
        d.finish(o);
        return o;
    });
    EXPECT_EQ(out, "Top Secret: CONFIDENTIAL \xE4\xB8\xAD\xE6\x96\x87 = end=4");
}

} // namespace
} // namespace egressmon::dpi
