// The sink counters' exports (exporting::SinkCounters, EGRESSMON_SINK_COUNTERS): the --stats
// objects and the Prometheus families, for file and Kafka sinks, pinned byte for byte.

#include <cstdio>
#include <cstdlib>

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

TEST(SinkCounters, Dump) {
    if (!std::getenv("EGRESSMON_DUMP_SINKS")) GTEST_SKIP();
    std::printf("%s\n----\n%s\n----\n%s\n----\n%s\n----\n", scrape(false, false).c_str(),
                scrape(true, false).c_str(), scrape(false, true).c_str(),
                scrape(true, true).c_str());
    exporting::SinkCounters file;
    file.written = 7, file.ring_dropped = 1, file.write_failed = 2, file.queue_depth = 3,
    file.spool_bytes = 4;
    std::printf("%s\n----\n%s\n----\n", stats(file, file).c_str(),
                stats(numbered(100), numbered(200)).c_str());
}

} // namespace
} // namespace egressmon::app
