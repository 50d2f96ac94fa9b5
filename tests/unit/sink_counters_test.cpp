// The sink counters' exports (exporting::SinkCounters, EGRESSMON_SINK_COUNTERS): the --stats
// objects and the Prometheus families, for file and Kafka sinks, pinned byte for byte.

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include "app/metrics_collector.h"
#include "app/pipeline.h"

namespace egressmon::app {
namespace {

// Every counter a distinct value: 101, 102, ... in field order.
exporting::SinkCounters numbered(uint64_t base) {
    exporting::SinkCounters c;
    uint64_t* fields[] = {&c.written,         &c.ring_dropped,  &c.write_failed, &c.queue_depth,
                          &c.delivery_failed, &c.shed,          &c.spooled,      &c.replayed,
                          &c.spool_full,      &c.spool_corrupt, &c.spool_bytes,  &c.spool_pending,
                          &c.spool_io_errors};
    for (auto* f : fields)
        *f = ++base;
    return c;
}

std::string scrape(bool alerts_kafka, bool flows_kafka) {
    std::vector<prometheus::MetricFamily> families;
    addSinkMetrics(families, "alerts", numbered(100), alerts_kafka);
    addSinkMetrics(families, "flows", numbered(200), flows_kafka);
    return prometheus::TextSerializer().Serialize(families);
}

std::string stats(const exporting::SinkCounters& alerts, const exporting::SinkCounters& flows) {
    RunSummary s;
    s.alert_sink = alerts;
    s.flow_sink = flows;
    const std::string json = formatStatsJson(s);
    const size_t from = json.find("\"alert_records\"");
    return from == std::string::npos ? json : json.substr(from);
}

std::vector<std::string> familyNames(bool alerts_kafka, bool flows_kafka) {
    std::vector<prometheus::MetricFamily> families;
    addSinkMetrics(families, "alerts", numbered(100), alerts_kafka);
    addSinkMetrics(families, "flows", numbered(200), flows_kafka);
    std::vector<std::string> names;
    for (const auto& f : families)
        names.push_back(f.name);
    return names;
}

TEST(SinkCounters, StatsKeysInOrderKafkaOnesOnlyWhenNonZero) {
    exporting::SinkCounters file;
    file.written = 7, file.ring_dropped = 1, file.write_failed = 2, file.queue_depth = 3,
    file.spool_bytes = 4;
    EXPECT_EQ(stats(file, exporting::SinkCounters{}),
              R"("alert_records":{"written":7,"ring_dropped":1,"write_failed":2,"lost":0},)"
              R"("flow_records":{"written":0,"ring_dropped":0,"write_failed":0,"lost":0}})");
    EXPECT_EQ(stats(numbered(100), exporting::SinkCounters{}),
              R"("alert_records":{"written":101,"ring_dropped":102,"write_failed":103,"lost":0,)"
              R"("delivery_failed":105,"shed":106,"spooled":107,"replayed":108,"spool_full":109,)"
              R"("spool_corrupt":110,"spool_pending":112,"spool_io_errors":113},)"
              R"("flow_records":{"written":0,"ring_dropped":0,"write_failed":0,"lost":0}})");
}

TEST(SinkCounters, PrometheusFamiliesInScrapeOrder) {
    const std::vector<std::string> file = {"egressmon_records_written_total",
                                           "egressmon_records_dropped_total"};
    EXPECT_EQ(familyNames(false, false), file);
    std::vector<std::string> kafka = file;
    for (const char* name :
         {"egressmon_kafka_queue_depth", "egressmon_kafka_delivered_total",
          "egressmon_kafka_delivery_failed_total", "egressmon_kafka_spooled_total",
          "egressmon_kafka_replayed_total", "egressmon_kafka_spool_bytes",
          "egressmon_kafka_spool_pending_records", "egressmon_kafka_spool_corrupt_records_total",
          "egressmon_kafka_spool_io_errors_total"})
        kafka.push_back(name);
    EXPECT_EQ(familyNames(true, false), kafka);
    EXPECT_EQ(familyNames(false, true), kafka);
    const std::string text = scrape(true, false);
    EXPECT_NE(
        text.find("egressmon_records_dropped_total{sink=\"alerts\",reason=\"ring_full\"} 102\n"
                  "egressmon_records_dropped_total{sink=\"alerts\",reason=\"write_failed\"} 103\n"
                  "egressmon_records_dropped_total{sink=\"alerts\",reason=\"shed\"} 106\n"
                  "egressmon_records_dropped_total{sink=\"alerts\",reason=\"spool_full\"} 109\n"
                  "egressmon_records_dropped_total{sink=\"flows\",reason=\"ring_full\"} 202\n"),
        std::string::npos)
        << text;
    EXPECT_NE(text.find("# TYPE egressmon_kafka_spool_bytes gauge\n"
                        "egressmon_kafka_spool_bytes{sink=\"alerts\"} 111\n#"),
              std::string::npos);
    EXPECT_NE(text.find("egressmon_kafka_delivered_total{sink=\"alerts\"} 101\n#"),
              std::string::npos);
}

// Every scrape (alerts and flows as file or Kafka sinks) and both --stats shapes, byte for byte,
// against a reviewed file: tests/golden/sink_exports.txt (EGRESSMON_UPDATE_GOLDEN=1 rewrites
// it). Its first version was taken from the hand-written code this table replaced.
TEST(SinkCounters, ExportsMatchTheGoldenFile) {
    exporting::SinkCounters file;
    file.written = 7, file.ring_dropped = 1, file.write_failed = 2, file.queue_depth = 3,
    file.spool_bytes = 4;
    const std::string text = scrape(false, false) + "\n----\n" + scrape(true, false) + "\n----\n" +
                             scrape(false, true) + "\n----\n" + scrape(true, true) + "\n----\n" +
                             stats(file, file) + "\n----\n" + stats(numbered(100), numbered(200)) +
                             "\n";
    const std::string path = std::string(EGRESSMON_SOURCE_DIR) + "/tests/golden/sink_exports.txt";
    const char* update = std::getenv("EGRESSMON_UPDATE_GOLDEN");
    if (update && std::string(update) == "1") {
        std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
        GTEST_SKIP() << "rewrote " << path;
    }
    std::ifstream in(path, std::ios::binary);
    const std::string golden((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
    EXPECT_EQ(text, golden) << "sink exports changed; rerun with EGRESSMON_UPDATE_GOLDEN=1 and "
                               "review the diff of "
                            << path;
}

} // namespace
} // namespace egressmon::app
