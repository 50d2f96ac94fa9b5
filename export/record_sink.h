#pragma once
// Where EVE records go: stdout ("-"), a file (JSON lines, appended) or Kafka
// ("kafka://HOST:PORT[,HOST:PORT]/TOPIC").
//
// Threads: workers (producers) call publish() on their own SPSC ring; one exporter thread owned
// by the sink drains the rings and hands each record to the sink's RecordWriter (file or
// Kafka). A sink opened lossless makes a worker whose ring is full wait for room (alert sinks,
// and every sink when replaying capture files, where waiting costs nothing but time); any other
// sink drops the record and counts it (live flow records: capture must go on).

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/spsc_ring.h"
#include "export/kafka_sink_config.h"
#include "export/record_writer.h"

namespace egressmon::exporting {

struct SinkOptions {
    unsigned producers = 1;
    bool lossless = false;
    size_t ring_capacity = 16384;
    // Set when the run is to stop. A producer waiting on a full ring of a lossless sink gives
    // up after `stop_wait` of it (the record is dropped and counted): an output that stalled
    // (a stdout nobody reads) must not keep a stopping sensor from finishing.
    const std::atomic<bool>* stop = nullptr;
    std::chrono::milliseconds stop_wait{5000};
    KafkaSinkConfig kafka; // for kafka:// specs only
};

class RecordSink {
  public:
    // Throws std::invalid_argument (bad spec) or std::runtime_error (cannot open the file,
    // cannot create the Kafka producer or its spool).
    static std::unique_ptr<RecordSink> open(const std::string& spec, const SinkOptions& options);
    ~RecordSink();
    RecordSink(const RecordSink&) = delete;
    RecordSink& operator=(const RecordSink&) = delete;

    // Producer thread `producer` only.
    void publish(unsigned producer, SinkRecord&& record) noexcept;

    // From now on producers wait for room instead of dropping: a live capture that stopped
    // reading has nothing left to lose by waiting while its last flows are flushed.
    void stopDropping() noexcept { lossless_.store(true, std::memory_order_relaxed); }

    // Main thread: drains everything published so far, lets the writer finish (flush, or for
    // Kafka deliver within the grace period and spool the rest), stops the exporter thread.
    void close();

    // Any thread, any time (metrics scrapes); final after close().
    SinkCounters counters() const;
    const std::string& spec() const { return spec_; }
    // Event-to-acknowledgement latency (Kafka sinks), else null.
    const LatencyHistogram* latency() const { return writer_->latency(); }

  private:
    RecordSink(std::string spec, std::unique_ptr<RecordWriter> writer, const SinkOptions& options);
    void run();
    bool drainOnce();

    std::string spec_;
    std::unique_ptr<RecordWriter> writer_;
    std::atomic<bool> lossless_;
    const std::atomic<bool>* stop_requested_;
    std::chrono::milliseconds stop_wait_;
    std::vector<std::unique_ptr<core::SpscRing<SinkRecord>>> rings_;
    std::unique_ptr<OwnedCounter[]> ring_dropped_by_producer_; // each written by its producer
    std::atomic<bool> stop_{false};
    std::thread thread_;
    bool closed_ = false;
};

} // namespace egressmon::exporting
