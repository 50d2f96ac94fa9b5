// fleet::parseHeartbeat: what heartbeatJson() writes comes back equal, escapes and unknown
// fields are handled as JSON says, and every kind of bad record is an error value naming what
// is wrong, at its bound where there is one.

#include <gtest/gtest.h>

#include "fleet/heartbeat.h"
#include "fleet/heartbeat_parser.h"

namespace egressmon::fleet {
namespace {

Heartbeat fullHeartbeat() {
    Heartbeat h;
    h.time_ms = 1796378400123; // 2026-12-04T10:00:00.123Z
    h.sensor = "site-a-1";
    h.version = "0.4.0";
    h.policy_version = "7534ab07fffc";
    h.bundle_version = 1718000000123;
    h.uptime_s = 3600;
    h.heartbeat_interval_s = 10;
    h.packets = 123456;
    h.packets_per_sec = 34.25;
    h.drops = 7;
    h.alerts = 12;
    h.spool_bytes = 4096;
    h.last_error = "policy bundle refused: bad signature";
    return h;
}

Heartbeat minimalHeartbeat() {
    Heartbeat h;
    h.time_ms = 0;
    h.sensor = "s";
    return h;
}

// The documented example record, with the required fields in order.
const std::string kMinimalJson =
    R"({"timestamp":"2026-12-04T10:00:00.000Z","event_type":"heartbeat","sensor":"a",)"
    R"("version":"0.4.0","uptime":1,"heartbeat_interval":10,"packets":2,"drops":3,)"
    R"("alerts":4,"spool_bytes":5})";

std::string parseError(std::string_view json) {
    const ParsedHeartbeat p = parseHeartbeat(json);
    EXPECT_FALSE(p.heartbeat) << json;
    EXPECT_EQ(p.error.find('\n'), std::string::npos);
    return p.error;
}

// kMinimalJson with `from` replaced by `to` (which must occur once).
std::string edited(std::string_view from, std::string_view to) {
    std::string json = kMinimalJson;
    const size_t at = json.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    json.replace(at, from.size(), to);
    return json;
}

TEST(HeartbeatParser, FullRecordRoundTrips) {
    const Heartbeat h = fullHeartbeat();
    const ParsedHeartbeat p = parseHeartbeat(heartbeatJson(h));
    ASSERT_TRUE(p.heartbeat) << p.error;
    EXPECT_EQ(*p.heartbeat, h);
}

TEST(HeartbeatParser, MinimalRecordRoundTrips) {
    const Heartbeat h = minimalHeartbeat();
    const std::string json = heartbeatJson(h);
    EXPECT_EQ(json.find("policy_version"), std::string::npos);
    EXPECT_EQ(json.find("bundle_version"), std::string::npos);
    EXPECT_EQ(json.find("last_error"), std::string::npos);
    const ParsedHeartbeat p = parseHeartbeat(json);
    ASSERT_TRUE(p.heartbeat) << p.error;
    EXPECT_EQ(*p.heartbeat, h);
}

TEST(HeartbeatParser, LargestValuesRoundTrip) {
    Heartbeat h = fullHeartbeat();
    h.time_ms = 253402300799999; // 9999-12-31T23:59:59.999Z
    h.bundle_version = UINT64_MAX;
    h.uptime_s = h.packets = h.drops = h.alerts = h.spool_bytes = UINT64_MAX;
    h.heartbeat_interval_s = UINT32_MAX;
    h.packets_per_sec = kMaxPacketsPerSec;
    const ParsedHeartbeat p = parseHeartbeat(heartbeatJson(h));
    ASSERT_TRUE(p.heartbeat) << p.error;
    EXPECT_EQ(*p.heartbeat, h);
}

TEST(HeartbeatParser, StringsWithEveryEscapeRoundTrip) {
    Heartbeat h = fullHeartbeat();
    h.sensor = std::string("q\"b\\s/\n\r\t\x01\x1f\x7f") + '\0' + "end";
    h.last_error = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"; // é € U+1F600
    const ParsedHeartbeat p = parseHeartbeat(heartbeatJson(h));
    ASSERT_TRUE(p.heartbeat) << p.error;
    EXPECT_EQ(*p.heartbeat, h);
}

TEST(HeartbeatParser, ReadsJsonEscapesTheWriterDoesNotUse) {
    const ParsedHeartbeat p = parseHeartbeat(
        edited(R"("sensor":"a")", R"("sensor":"\u0041\u00e9\u20AC\ud83d\ude00\b\f\/")"));
    ASSERT_TRUE(p.heartbeat) << p.error;
    EXPECT_EQ(p.heartbeat->sensor, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\b\f/");
}

TEST(HeartbeatParser, ParsesTheMinimalRecordAndWhitespace) {
    const ParsedHeartbeat p = parseHeartbeat(kMinimalJson);
    ASSERT_TRUE(p.heartbeat) << p.error;
    EXPECT_EQ(p.heartbeat->time_ms, 1796378400000u);
    EXPECT_EQ(p.heartbeat->sensor, "a");
    EXPECT_EQ(p.heartbeat->spool_bytes, 5u);
    EXPECT_FALSE(p.heartbeat->bundle_version);
    EXPECT_EQ(p.heartbeat->packets_per_sec, 0.0);

    // Whitespace around every ':' after a key and after every ',' and '{' (no string in the
    // record holds '":' or ',').
    std::string spaced;
    for (size_t i = 0; i < kMinimalJson.size(); ++i) {
        const char c = kMinimalJson[i];
        if (c == ':' && kMinimalJson[i - 1] == '"') spaced += " \n";
        spaced += c;
        if (c == ',' || c == '{' || (c == ':' && kMinimalJson[i - 1] == '"')) spaced += " \n\t\r";
    }
    const ParsedHeartbeat q = parseHeartbeat(std::string(" \n").append(spaced).append(" \r\n"));
    ASSERT_TRUE(q.heartbeat) << q.error;
    EXPECT_EQ(*q.heartbeat, *p.heartbeat);
}

TEST(HeartbeatParser, SkipsUnknownFieldsOfEveryKind) {
    const std::string json =
        edited(R"("sensor":"a",)",
               R"("sensor":"a","x1":"s\"}","x2":-1.5e+3,"x3":true,"x4":false,"x5":null,)"
               R"("x6":{"a":[1,{"b":[]},"]"],"c":{}},"x7":[],"packets_per_sec":2.5,)");
    const ParsedHeartbeat p = parseHeartbeat(json);
    ASSERT_TRUE(p.heartbeat) << p.error;
    EXPECT_EQ(p.heartbeat->sensor, "a");
    EXPECT_EQ(p.heartbeat->packets_per_sec, 2.5);
}

TEST(HeartbeatParser, UnknownFieldsNestUpToTheDepthBound) {
    // The record is depth 1, so an unknown field may open kMaxHeartbeatDepth - 1 arrays.
    const size_t deepest = kMaxHeartbeatDepth - 1;
    const std::string ok =
        edited(R"("sensor":"a",)", R"("sensor":"a","deep":)" + std::string(deepest, '[') +
                                       std::string(deepest, ']') + ",");
    EXPECT_TRUE(parseHeartbeat(ok).heartbeat) << parseHeartbeat(ok).error;
    const std::string too_deep =
        edited(R"("sensor":"a",)", R"("sensor":"a","deep":)" + std::string(deepest + 1, '[') +
                                       std::string(deepest + 1, ']') + ",");
    EXPECT_NE(parseError(too_deep).find("nested deeper than"), std::string::npos);
}

TEST(HeartbeatParser, RefusesARecordOverTheSizeBound) {
    // Padding in an unknown field: exactly at the bound parses, one byte more does not.
    const std::string head = R"({"pad":")";
    const std::string tail = std::string("\",").append(kMinimalJson, 1);
    std::string at_bound =
        head + std::string(kMaxHeartbeatBytes - head.size() - tail.size(), 'x') + tail;
    ASSERT_EQ(at_bound.size(), kMaxHeartbeatBytes);
    EXPECT_TRUE(parseHeartbeat(at_bound).heartbeat);
    at_bound.insert(head.size(), "x");
    EXPECT_NE(parseError(at_bound).find("bytes (limit 65536)"), std::string::npos);
}

TEST(HeartbeatParser, NamesEachMissingRequiredField) {
    for (const std::string_view field :
         {"timestamp", "event_type", "sensor", "version", "uptime", "heartbeat_interval", "packets",
          "drops", "alerts", "spool_bytes"}) {
        std::string json = kMinimalJson;
        const size_t at = json.find(std::string(1, '"').append(field).append(1, '"'));
        ASSERT_NE(at, std::string::npos);
        size_t end = json.find(',', at);
        if (end == std::string::npos) { // the last field: take the comma before it instead
            json.erase(at - 1, json.size() - 1 - (at - 1));
        } else {
            json.erase(at, end + 1 - at);
        }
        EXPECT_EQ(parseError(json), std::string(field) + ": missing") << json;
    }
}

TEST(HeartbeatParser, RefusesWrongTypesAndValues) {
    const struct {
        std::string_view from, to, error;
    } cases[] = {
        {R"("sensor":"a")", R"("sensor":"")", "sensor: empty"},
        {R"("sensor":"a")", R"("sensor":7)", "sensor: expected a string"},
        {R"("event_type":"heartbeat")", R"("event_type":"alert")", "event_type: not \"heartbeat\""},
        {R"("version":"0.4.0")", R"("version":null)", "version: expected a string"},
        {R"("uptime":1)", R"("uptime":"1")", "uptime: expected a number"},
        {R"("uptime":1)", R"("uptime":-1)", "uptime: expected a whole number"},
        {R"("uptime":1)", R"("uptime":1.0)", "uptime: expected a whole number"},
        {R"("uptime":1)", R"("uptime":1e3)", "uptime: expected a whole number"},
        {R"("uptime":1)", R"("uptime":18446744073709551616)", "uptime: number out of range"},
        {R"("uptime":1)", R"("uptime":01)", "number with a leading zero"},
        {R"("heartbeat_interval":10)", R"("heartbeat_interval":4294967296)",
         "heartbeat_interval: number out of range"},
        {R"("drops":3)", R"("drops":true)", "drops: expected a number"},
        {R"("drops":3)", R"("drops":3,"bundle_version":"1")", "bundle_version: expected a number"},
        {R"("drops":3)", R"("drops":3,"packets_per_sec":-0.5)", "packets_per_sec: negative"},
        {R"("drops":3)", R"("drops":3,"packets_per_sec":1e19)",
         "packets_per_sec: number out of range"},
        {R"("drops":3)", R"("drops":3,"packets_per_sec":1e999)",
         "packets_per_sec: number out of range"},
        {R"("drops":3)", R"("drops":3,"packets_per_sec":1.)", "number without digits after '.'"},
        {R"("drops":3)", R"("drops":3,"x":1e)", "number without digits in its exponent"},
        {R"("drops":3)", R"("drops":3,"drops":3)", "drops: given twice"},
        {R"("drops":3)", R"("drops":3,"last_error":1)", "last_error: expected a string"},
        {R"("drops":3)", R"("drops":3,"x":tru)", "expected a value"},
        {R"("timestamp":"2026-12-04T10:00:00.000Z")", R"("timestamp":"2026-02-30T10:00:00.000Z")",
         "timestamp: expected YYYY-MM-DDTHH:MM:SS.mmmZ"},
        {R"("timestamp":"2026-12-04T10:00:00.000Z")", R"("timestamp":"2026-12-04T10:00:60.000Z")",
         "timestamp: expected"},
        {R"("timestamp":"2026-12-04T10:00:00.000Z")", R"("timestamp":"1969-12-31T23:59:59.999Z")",
         "timestamp: expected"},
        {R"("timestamp":"2026-12-04T10:00:00.000Z")", R"("timestamp":"2026-12-04T10:00:00.00Z")",
         "timestamp: expected"},
        {R"("timestamp":"2026-12-04T10:00:00.000Z")", R"("timestamp":"2026-12-04 10:00:00.000Z")",
         "timestamp: expected"},
        {R"("timestamp":"2026-12-04T10:00:00.000Z")",
         R"("timestamp":"2026-12-04T10:00:00.000+00:00")", "timestamp: expected"},
        {R"("timestamp":"2026-12-04T10:00:00.000Z")", R"("timestamp":1796378400000)",
         "timestamp: expected a string"},
    };
    for (const auto& c : cases) {
        const std::string error = parseError(edited(c.from, c.to));
        EXPECT_NE(error.find(c.error), std::string::npos) << c.to << " gave: " << error;
    }
}

TEST(HeartbeatParser, RefusesBadStrings) {
    const struct {
        std::string_view to, error;
    } cases[] = {
        {"\"sensor\":\"a\x01\"", "control character in a string"},
        {"\"sensor\":\"a\nb\"", "control character in a string"},
        {"\"sensor\":\"\\x\"", "bad escape in a string"},
        {"\"sensor\":\"\\u12g4\"", "bad \\u escape"},
        {"\"sensor\":\"\\ud800\"", "lone high surrogate"},
        {"\"sensor\":\"\\ud800\\u0041\"", "lone high surrogate"},
        {"\"sensor\":\"\\udc00\"", "lone low surrogate"},
        {"\"sensor\":\"\xff\"", "string is not UTF-8"},
        {"\"sensor\":\"\xc0\xaf\"", "string is not UTF-8"},         // overlong '/'
        {"\"sensor\":\"\xed\xa0\x80\"", "string is not UTF-8"},     // encoded surrogate
        {"\"sensor\":\"\xf4\x90\x80\x80\"", "string is not UTF-8"}, // past U+10FFFF
        {"\"sensor\":\"\xe2\x82\"", "string is not UTF-8"},         // cut short
    };
    for (const auto& c : cases) {
        const std::string error = parseError(edited(R"("sensor":"a")", c.to));
        EXPECT_NE(error.find(c.error), std::string::npos) << c.to << " gave: " << error;
    }
}

TEST(HeartbeatParser, RefusesWhatIsNotOneObject) {
    EXPECT_NE(parseError("").find("record ends, expected a JSON object"), std::string::npos);
    EXPECT_NE(parseError("[]").find("expected a JSON object"), std::string::npos);
    EXPECT_NE(parseError("{}").find("missing"), std::string::npos);
    EXPECT_NE(parseError(kMinimalJson + "{}").find("bytes after the record"), std::string::npos);
    EXPECT_NE(parseError(kMinimalJson + ",").find("bytes after the record"), std::string::npos);
    for (size_t cut = 0; cut < kMinimalJson.size(); ++cut)
        parseError(std::string_view(kMinimalJson).substr(0, cut)); // every prefix: an error
    EXPECT_NE(
        parseError(edited(R"("sensor":"a",)", R"("sensor":"a" )")).find("expected ',' or '}'"),
        std::string::npos);
    EXPECT_NE(parseError(edited(R"("sensor":)", R"("sensor" )")).find("expected ':'"),
              std::string::npos);
    EXPECT_NE(parseError(edited(R"("sensor":"a",)", R"(sensor:"a",)")).find("expected a string"),
              std::string::npos);
}

TEST(HeartbeatParser, ErrorsSayWhere) {
    const std::string json = edited(R"("uptime":1)", R"("uptime":"x")");
    EXPECT_EQ(parseError(json),
              "uptime: expected a number at byte " + std::to_string(json.find("\"x\"")));
}

} // namespace
} // namespace egressmon::fleet
