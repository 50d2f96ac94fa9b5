#pragma once
// Where EVE records go: stdout ("-") or a file (JSON lines, appended). Kafka arrives with the
// delivery work; a kafka:// sink is refused at start-up until then.
//
// Threads: workers (producers) call publish() on their own SPSC ring; one exporter thread owned
// by the sink drains the rings and writes. A worker never waits on I/O: when its ring is full
// the record is dropped and counted, unless the sink was opened lossless (used when replaying
// capture files, where waiting costs nothing but time and losing records would be silent loss).
// A record counts as written only once the stdio buffer holding it was flushed successfully;
// a failed write or flush (full disk, closed pipe) drops and counts what it held and says so
// once on stderr.

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/spsc_ring.h"

namespace egressmon::exporting {

struct SinkCounters {
    uint64_t written = 0;      // flushed to the file or stdout
    uint64_t ring_dropped = 0; // producer's ring full (live capture only)
    uint64_t write_failed = 0; // lost to a failed write/flush
    uint64_t dropped() const { return ring_dropped + write_failed; }
};

class RecordSink {
  public:
    // Throws std::invalid_argument (bad spec) or std::runtime_error (cannot open the file).
    static std::unique_ptr<RecordSink> open(const std::string& spec, unsigned producers,
                                            bool lossless, size_t ring_capacity = 16384);
    ~RecordSink();
    RecordSink(const RecordSink&) = delete;
    RecordSink& operator=(const RecordSink&) = delete;

    // Producer thread `producer` only. One record = one JSON object ending in '\n' (the
    // producer adds it, so the exporter thread never allocates).
    void publish(unsigned producer, std::string&& record) noexcept;

    // Main thread: drains everything published so far, flushes, stops the exporter thread.
    void close();

    // Valid after close().
    SinkCounters counters() const;
    const std::string& spec() const { return spec_; }

  private:
    RecordSink(std::string spec, FILE* file, bool owns_file, unsigned producers, bool lossless,
               size_t ring_capacity);
    void run();
    bool drainOnce();
    void flush();
    void reportWriteError(int error);

    std::string spec_;
    FILE* file_;
    bool owns_file_;
    bool lossless_;
    std::vector<std::unique_ptr<core::SpscRing<std::string>>> rings_;
    std::vector<uint64_t> ring_dropped_by_producer_; // each written only by its producer
    std::atomic<bool> stop_{false};
    // Exporter thread only (and close(), after joining it):
    uint64_t written_ = 0;
    uint64_t unflushed_ = 0; // records handed to stdio since the last successful flush
    uint64_t write_failed_ = 0;
    bool error_reported_ = false;
    std::thread thread_;
    bool closed_ = false;
};

} // namespace egressmon::exporting
