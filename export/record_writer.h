#pragma once
// The back end of a RecordSink: what the sink's exporter thread does with each record. Every
// method runs on that one thread; counters() may be called from any thread (metrics scrapes),
// so implementations keep their counters in relaxed atomics.

#include <cstdint>

#include "export/latency_histogram.h"
#include "export/owned_counter.h"
#include "export/sink_record.h"

namespace egressmon::exporting {

struct SinkCounters {
    uint64_t written = 0;      // flushed to the file / acknowledged by the broker
    uint64_t ring_dropped = 0; // producer's ring full (live capture only)
    uint64_t write_failed = 0; // lost to a failed write/flush; Kafka: rejected by the broker for
                               // good, or refused by the spool for a reason other than its bound
    // Kafka only:
    uint64_t queue_depth = 0;     // messages in librdkafka's queue right now
    uint64_t delivery_failed = 0; // delivery reports with an error (then spooled or shed)
    uint64_t shed = 0;            // flow records given up under pressure (never alerts)
    uint64_t spooled = 0;         // alert records written to the disk spool
    uint64_t replayed = 0;        // spooled records delivered after all
    uint64_t spool_full = 0;      // alerts lost because the spool bound was reached
    uint64_t spool_corrupt = 0;   // damaged spool records skipped
    uint64_t spool_bytes = 0;     // size of the spool on disk right now
    uint64_t spool_pending = 0;   // spooled records not yet delivered
    uint64_t spool_io_errors = 0; // spool write/fsync/read/unlink failures
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
