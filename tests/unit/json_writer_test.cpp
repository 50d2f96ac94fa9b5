#include <gtest/gtest.h>

#include "export/json_writer.h"

using egressmon::exporting::formatEveTimestamp;
using egressmon::exporting::JsonWriter;

namespace {
std::string escaped(std::string_view s) {
    std::string out;
    JsonWriter::appendEscaped(out, s);
    return out;
}
} // namespace

TEST(JsonWriter, BuildsNestedObjectsAndArrays) {
    std::string out;
    JsonWriter w(out);
    w.beginObject().field("a", uint64_t{1}).key("b").beginArray().value(2).value("x").endArray();
    w.key("c").beginObject().field("d", true).endObject().endObject();
    EXPECT_EQ(out, R"({"a":1,"b":[2,"x"],"c":{"d":true}})");
}

TEST(JsonWriter, EscapesQuotesBackslashesAndControlCharacters) {
    EXPECT_EQ(escaped("a\"b\\c\n\t\x01"), R"("a\"b\\c\n\t\u0001")");
}

TEST(JsonWriter, KeepsValidUtf8AndReplacesInvalidBytes) {
    EXPECT_EQ(escaped("绝密"), "\"绝密\"");
    EXPECT_EQ(escaped("a\xff"
                      "b"),
              "\"a\\ufffdb\"");
    EXPECT_EQ(escaped("\xc0\xaf"), "\"\\ufffd\\ufffd\"");            // overlong '/'
    EXPECT_EQ(escaped("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\""); // surrogate
    EXPECT_EQ(escaped("\xe4\xb8"), "\"\\ufffd\\ufffd\"");            // cut short
}

TEST(JsonWriter, FormatsEveTimestampsInUtcWithMicroseconds) {
    EXPECT_EQ(formatEveTimestamp(1795514400123456ULL), "2026-11-24T10:00:00.123456+0000");
    EXPECT_EQ(formatEveTimestamp(0), "1970-01-01T00:00:00.000000+0000");
}

TEST(JsonWriter, DoublesTooLargeForSixDecimalsAreWrittenShortest) {
    std::string out;
    JsonWriter w(out);
    w.beginArray().value(1.5).value(1e25).value(-3.25e300).value(1e24).endArray();
    EXPECT_EQ(out, "[1.500000,1e+25,-3.25e+300,999999999999999983222784.000000]"); // 1e24 fits
}
