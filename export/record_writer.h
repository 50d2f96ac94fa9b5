#pragma once
// The back end of a RecordSink: what the sink's exporter thread does with each record. Every
// method runs on that one thread; counters() may be called from any thread (metrics scrapes),
// so implementations keep their counters in relaxed atomics.

#include <cstddef>
#include <cstdint>

#include "export/latency_histogram.h"
#include "export/owned_counter.h"
#include "export/sink_record.h"

namespace egressmon::exporting {

// The sink counters are declared once, in EGRESSMON_SINK_COUNTERS below, in the spirit of
// core/counter_table.h but with a table shape of their own: every series carries the sink's
// label (sink="alerts"/"flows"), some families are gauges, some are Kafka-only, and one counter
// feeds two families. From a line come the SinkCounters field, its `--stats` key inside
// alert_records / flow_records (app/run_summary.cpp), its Prometheus samples
// (app/metrics_collector.cpp) and its row of docs/METRICS.md (app/metrics_reference.cpp).

// A Prometheus family fed by sink counters, listed in scrape order: a scrape has the families
// in this order, each with its samples in sink order (alerts, flows), then in table order.
struct SinkFamily {
    const char* name;
    const char* help;
    bool gauge;      // a value now; else a counter
    bool kafka_only; // exported for kafka:// sinks only
};
inline constexpr SinkFamily kSinkFamilies[] = {
    {"egressmon_records_written_total",
     "Records written to a file or acknowledged by Kafka, per sink", false, false},
    {"egressmon_records_dropped_total", "Records given up, per sink and reason", false, false},
    {"egressmon_kafka_queue_depth", "Messages in the producer's queue", true, true},
    {"egressmon_kafka_delivered_total", "Messages the broker acknowledged", false, true},
    {"egressmon_kafka_delivery_failed_total",
     "Delivery reports with an error (the record was then spooled or shed)", false, true},
    {"egressmon_kafka_spooled_total", "Records written to the disk spool", false, true},
    {"egressmon_kafka_replayed_total", "Spooled records delivered after all", false, true},
    {"egressmon_kafka_spool_bytes", "Size of the disk spool", true, true},
    {"egressmon_kafka_spool_pending_records", "Spooled records waiting for delivery", true, true},
    {"egressmon_kafka_spool_corrupt_records_total", "Damaged spool records skipped", false, true},
    {"egressmon_kafka_spool_io_errors_total", "Spool write, fsync, read or unlink failures", false,
     true},
};

// One sample a sink counter feeds: of `family` (a kSinkFamilies name) with the sink label and,
// when `reason` is set, reason="REASON".
struct SinkSeries {
    const char* family = nullptr;
    const char* reason = nullptr;
};

// A line's Prometheus samples (at most two), built with sink::metric / sink::dropped and .also.
struct SinkExports {
    SinkSeries series[2] = {};
    constexpr SinkExports also(const char* family) const {
        SinkExports e = *this;
        e.series[1] = SinkSeries{family, nullptr};
        return e;
    }
};
namespace sink {
constexpr SinkExports metric(const char* family) {
    return SinkExports{{SinkSeries{family, nullptr}, SinkSeries{}}};
}
constexpr SinkExports dropped(const char* reason) {
    return SinkExports{{SinkSeries{"egressmon_records_dropped_total", reason}, SinkSeries{}}};
}
} // namespace sink

// One table line.
struct SinkCounterInfo {
    const char* name;  // the SinkCounters field
    const char* stats; // --stats key in alert_records / flow_records (null: not in --stats)
    // Counted by Kafka sinks only. --stats writes the Kafka-only keys only when one is non-zero.
    bool kafka_only;
    const char* unit; // what one count is
    const char* help; // the meaning, for docs/METRICS.md
    SinkExports exports;
};

// X(field, --stats key, Kafka only, unit, meaning, Prometheus samples). Field order is --stats
// key order; the written/ring_dropped/write_failed keys always, the Kafka-only ones after "lost".
#define EGRESSMON_SINK_COUNTERS(X)                                                                 \
    X(written, "written", false, "records",                                                        \
      "Records written to a file, or acknowledged by Kafka, including replayed ones "              \
      "(`egressmon_kafka_delivered_total` has the same value)",                                    \
      sink::metric("egressmon_records_written_total").also("egressmon_kafka_delivered_total"))     \
    X(ring_dropped, "ring_dropped", false, "records",                                              \
      "Records given up: a worker's ring to the sink was full (reasons below)",                    \
      sink::dropped("ring_full"))                                                                  \
    X(write_failed, "write_failed", false, "records",                                              \
      "Records given up: a failed write or flush, a record Kafka dropped for good, or one the "    \
      "spool refused for a reason other than its bound",                                           \
      sink::dropped("write_failed"))                                                               \
    X(queue_depth, nullptr, true, "messages", "Messages in librdkafka's producer queue now",       \
      sink::metric("egressmon_kafka_queue_depth"))                                                 \
    X(delivery_failed, "delivery_failed", true, "reports",                                         \
      "Delivery reports with an error; the record was then spooled (alerts) or shed (flows)",      \
      sink::metric("egressmon_kafka_delivery_failed_total"))                                       \
    X(shed, "shed", true, "records", "Flow records given up under Kafka pressure. Never alerts",   \
      sink::dropped("shed"))                                                                       \
    X(spooled, "spooled", true, "records", "Records written to the disk spool (alerts only)",      \
      sink::metric("egressmon_kafka_spooled_total"))                                               \
    X(replayed, "replayed", true, "records",                                                       \
      "Spooled records delivered after all (committed batches)",                                   \
      sink::metric("egressmon_kafka_replayed_total"))                                              \
    X(spool_full, "spool_full", true, "records", "Alerts lost at `kafka.spool-max-bytes`",         \
      sink::dropped("spool_full"))                                                                 \
    X(spool_corrupt, "spool_corrupt", true, "records", "Damaged spool records skipped",            \
      sink::metric("egressmon_kafka_spool_corrupt_records_total"))                                 \
    X(spool_bytes, nullptr, true, "bytes", "Size of the spool on disk now",                        \
      sink::metric("egressmon_kafka_spool_bytes"))                                                 \
    X(spool_pending, "spool_pending", true, "records", "Spooled records waiting for delivery",     \
      sink::metric("egressmon_kafka_spool_pending_records"))                                       \
    X(spool_io_errors, "spool_io_errors", true, "failures",                                        \
      "Spool write, fsync, read or unlink failures (a full disk under the spool shows here, and "  \
      "its lost alerts under `records_dropped{reason=\"write_failed\"}`)",                         \
      sink::metric("egressmon_kafka_spool_io_errors_total"))

#define EGRESSMON_SINK_COUNTER_FIELD_(name, stats, kafka_only, unit, help, exports)                \
    uint64_t name = 0;
#define EGRESSMON_SINK_COUNTER_INFO_(name, stats, kafka_only, unit, help, exports)                 \
    SinkCounterInfo{#name, stats, kafka_only, unit, help, exports},
#define EGRESSMON_SINK_COUNTER_VISIT_(name, stats, kafka_only, unit, help, exports)                \
    fn(kCounters[i++], name);

struct SinkCounters {
    EGRESSMON_SINK_COUNTERS(EGRESSMON_SINK_COUNTER_FIELD_)

    static constexpr SinkCounterInfo kCounters[] = {
        EGRESSMON_SINK_COUNTERS(EGRESSMON_SINK_COUNTER_INFO_)};
    // fn(const SinkCounterInfo&, uint64_t value) per line, in table order.
    template <class Fn> void forEachCounter(Fn&& fn) const {
        size_t i = 0;
        EGRESSMON_SINK_COUNTERS(EGRESSMON_SINK_COUNTER_VISIT_)
    }
    uint64_t dropped() const { return ring_dropped + write_failed + shed + spool_full; }
};

class RecordWriter {
  public:
    virtual ~RecordWriter() = default;
    // Takes one record. Must not block for long: workers' rings fill while this runs.
    virtual void write(SinkRecord&& record) noexcept = 0;
    // Called after every drain pass; `idle` when the pass found nothing (flush, poll, replay).
    virtual void service(bool idle) noexcept = 0;
    // The producers are done: deliver what can be delivered (within a bounded time), keep or
    // count the rest. Called once.
    virtual void finish() noexcept = 0;
    virtual SinkCounters counters() const noexcept = 0;
    // Event-to-acknowledgement latency, where the back end has acknowledgements (Kafka).
    virtual const LatencyHistogram* latency() const noexcept { return nullptr; }
};

} // namespace egressmon::exporting
