// fleet::FleetStatusTable: the latest heartbeat per sensor wins, stale exactly past the bound,
// every column's content, alignment and the sanitised text.

#include <sstream>

#include <gtest/gtest.h>

#include "fleet/fleet_status_table.h"

namespace egressmon::fleet {
namespace {

constexpr uint64_t kNow = 1796378400000; // 2026-12-04T10:00:00.000Z

Heartbeat beat(const std::string& sensor, uint64_t age_ms, uint32_t interval_s = 10) {
    Heartbeat h;
    h.time_ms = kNow - age_ms;
    h.sensor = sensor;
    h.version = "0.4.0";
    h.heartbeat_interval_s = interval_s;
    return h;
}

std::vector<std::string> words(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> out;
    for (std::string w; in >> w;)
        out.push_back(w);
    return out;
}

TEST(FleetStatusTable, HeaderThenSensorsSortedByName) {
    FleetStatusTable table;
    table.add(beat("site-c", 1000));
    table.add(beat("site-a", 2000));
    table.add(beat("site-b", 3000));
    const auto lines = table.lines(kNow);
    ASSERT_EQ(lines.size(), 4u);
    EXPECT_EQ(words(lines[0]),
              (std::vector<std::string>{"SENSOR", "VERSION", "POLICY", "AGE", "PKTS/S", "DROPS",
                                        "ALERTS", "SPOOL", "LAST-ERROR"}));
    EXPECT_EQ(words(lines[1])[0], "site-a");
    EXPECT_EQ(words(lines[2])[0], "site-b");
    EXPECT_EQ(words(lines[3])[0], "site-c");
    EXPECT_EQ(table.sensors(), 3u);
}

TEST(FleetStatusTable, LatestByTimestampWinsWhateverTheOrder) {
    FleetStatusTable table;
    Heartbeat newer = beat("s", 1000);
    newer.alerts = 2;
    Heartbeat older = beat("s", 5000);
    older.alerts = 1;
    table.add(newer);
    table.add(older); // later in the topic, earlier in time: ignored
    ASSERT_EQ(table.sensors(), 1u);
    EXPECT_EQ(words(table.lines(kNow)[1])[6], "2");

    Heartbeat same_time = newer;
    same_time.alerts = 3; // equal timestamps: the later record wins
    table.add(same_time);
    EXPECT_EQ(words(table.lines(kNow)[1])[6], "3");
}

TEST(FleetStatusTable, StaleExactlyPastThreeIntervals) {
    FleetStatusTable table;
    const Heartbeat at_bound = beat("a", 30000, 10);
    const Heartbeat past_bound = beat("b", 30001, 10);
    EXPECT_FALSE(table.isStale(at_bound, kNow));
    EXPECT_TRUE(table.isStale(past_bound, kNow));
    table.add(at_bound);
    table.add(past_bound);
    const auto lines = table.lines(kNow);
    EXPECT_EQ(words(lines[1]).back(), "-");
    EXPECT_EQ(words(lines[2]).back(), "STALE");
    EXPECT_EQ(lines[0].find("STALE"), std::string::npos);
}

TEST(FleetStatusTable, StaleAfterOverridesTheInterval) {
    const FleetStatusTable table(5);
    EXPECT_FALSE(table.isStale(beat("a", 5000, 1), kNow));
    EXPECT_TRUE(table.isStale(beat("a", 5001, 100), kNow));
    const FleetStatusTable never(UINT64_MAX);
    EXPECT_FALSE(never.isStale(beat("a", kNow, 1), kNow));
    const FleetStatusTable zero(0);
    EXPECT_FALSE(zero.isStale(beat("a", 0), kNow));
    EXPECT_TRUE(zero.isStale(beat("a", 1), kNow));
}

TEST(FleetStatusTable, AheadOfNowIsNeverStale) {
    const FleetStatusTable table(0);
    Heartbeat h = beat("a", 0);
    h.time_ms = kNow + 65000;
    EXPECT_FALSE(table.isStale(h, kNow));
    FleetStatusTable shown;
    shown.add(h);
    EXPECT_EQ(words(shown.lines(kNow)[1])[3], "-1m05s");
}

TEST(FleetStatusTable, EveryColumn) {
    FleetStatusTable table;
    Heartbeat h = beat("site-a-1", 125000, 60);
    h.policy_version = "7534ab07fffc";
    h.bundle_version = 1718000000123;
    h.packets_per_sec = 34.25;
    h.drops = 7;
    h.alerts = 12;
    h.spool_bytes = 4096;
    h.last_error = "broker down";
    table.add(h);
    EXPECT_EQ(
        words(table.lines(kNow)[1]),
        (std::vector<std::string>{"site-a-1", "0.4.0", "7534ab07fffc", "bundle", "1718000000123",
                                  "2m05s", "34.2", "7", "12", "4096", "broker", "down"}));
}

TEST(FleetStatusTable, PolicyColumnForEachKindOfSensor) {
    FleetStatusTable table;
    Heartbeat local = beat("a-local", 0);
    local.policy_version = "aaaaaaaaaaaa";
    Heartbeat none = beat("b-none", 0);
    Heartbeat bundle_only = beat("c-bundle", 0);
    bundle_only.bundle_version = 5;
    table.add(local);
    table.add(none);
    table.add(bundle_only);
    const auto lines = table.lines(kNow);
    EXPECT_EQ(words(lines[1])[2], "aaaaaaaaaaaa");
    EXPECT_EQ(words(lines[1])[3], "0s");
    EXPECT_EQ(words(lines[2])[2], "-");
    EXPECT_EQ(words(lines[3])[2], "bundle");
    EXPECT_EQ(words(lines[3])[3], "5");
}

TEST(FleetStatusTable, ColumnsAreAligned) {
    FleetStatusTable table;
    table.add(beat("a", 0));
    table.add(beat("a-much-longer-sensor-name", 3600 * 1000));
    const auto lines = table.lines(kNow);
    const size_t version_at = lines[0].find("VERSION");
    const size_t age_at = lines[0].find("AGE");
    for (size_t i = 1; i < lines.size(); ++i) {
        EXPECT_EQ(lines[i].find("0.4.0"), version_at) << lines[i];
        EXPECT_NE(lines[i].find_first_not_of(' ', age_at), std::string::npos);
        EXPECT_NE(lines[i][age_at], ' ') << lines[i];
        EXPECT_EQ(lines[i][age_at - 1], ' ') << lines[i];
    }
    EXPECT_EQ(version_at, std::string("a-much-longer-sensor-name").size() + 2);
}

TEST(FleetStatusTable, ControlCharactersAreNotPrinted) {
    FleetStatusTable table;
    Heartbeat h = beat("evil\n\x1b[2J", 0);
    h.last_error = "line1\nline2\x7f";
    table.add(h);
    const auto lines = table.lines(kNow);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(words(lines[1])[0], "evil??[2J");
    EXPECT_EQ(words(lines[1]).back(), "line1?line2?");
}

TEST(FleetStatusTable, AgeFormats) {
    EXPECT_EQ(formatAge(0), "0s");
    EXPECT_EQ(formatAge(999), "0s");
    EXPECT_EQ(formatAge(3000), "3s");
    EXPECT_EQ(formatAge(59999), "59s");
    EXPECT_EQ(formatAge(60000), "1m00s");
    EXPECT_EQ(formatAge(125000), "2m05s");
    EXPECT_EQ(formatAge(3599999), "59m59s");
    EXPECT_EQ(formatAge(3600000), "1h00m");
    EXPECT_EQ(formatAge(3720000), "1h02m");
    EXPECT_EQ(formatAge(86400000), "1d00h");
    EXPECT_EQ(formatAge(3 * 86400000 + 4 * 3600000), "3d04h");
    EXPECT_EQ(formatAge(-500), "0s");
    EXPECT_EQ(formatAge(-3000), "-3s");
    EXPECT_EQ(formatAge(INT64_MAX), "106751991167d07h");
}

} // namespace
} // namespace egressmon::fleet
