#pragma once
// Runs egressmon over capture files or a live interface: capture -> decode -> defragment ->
// symmetric flow hash -> N share-nothing workers -> sinks. Returns when the input ends or a
// stop is requested, after every queued packet was processed and every flow flushed.

#include <atomic>
#include <cstdint>

#include "app/capture_stats.h"
#include "app/options.h"
#include "app/rule_reloader.h"
#include "app/worker.h"
#include "capture/decode_error.h"
#include "capture/ip_defragmenter.h"
#include "export/record_sink.h"
#include "fleet/fleet_counters.h"
#include "icap/icap_counters.h"

namespace egressmon::app {

struct RunSummary {
    uint64_t frames_read = 0;    // frames libpcap handed us
    uint64_t frames_bytes = 0;   // their wire length
    uint64_t capture_drops = 0;  // kernel/interface drops reported by libpcap (live)
    bool capture_failed = false; // a live handle failed mid-run (reported on stderr)
    // read_errors, timestamp_anomalies (see CaptureClock), length_anomalies, as CaptureStats
    EGRESSMON_CAPTURE_FILE_COUNTERS(EGRESSMON_COUNTER_FIELD)
    EGRESSMON_COUNTER_TABLE(RunSummary, EGRESSMON_CAPTURE_FILE_COUNTERS, "capture", "capture",
                            nullptr)
    capture::DecodeCounters decode;
    capture::DefragCounters defrag;
    WorkerCounters workers;
    exporting::SinkCounters flow_sink;
    bool file_records = false; // --files given: file_sink below is reported
    exporting::SinkCounters file_sink;
    exporting::SinkCounters alert_sink;
    // kafka:// sinks: --stats shows their Kafka keys (delivered, spooled, replayed, pending...)
    // even when zero, as the README lists them.
    bool flow_sink_kafka = false, file_sink_kafka = false, alert_sink_kafka = false;
    exporting::LatencyHistogram::Snapshot alert_latency; // Kafka alert sinks only
    ReloadCounters reload;
    bool fleet_enabled = false; // a policy: section with brokers: the fleet object of --stats
    fleet::FleetCounters fleet;
    bool icap_enabled = false; // --icap: the icap object of --stats
    icap::IcapCounters icap;
    exporting::LatencyHistogram::Snapshot icap_latency;
    std::string policy_version; // of the rules in force at the end (empty without --rules)
    double elapsed_seconds = 0;
};

// Set from the SIGINT/SIGTERM handler; polled by the capture loops.
std::atomic<bool>& stopRequested();

// Start-up errors (unreadable capture, bad filter, cannot open a sink) throw
// std::runtime_error / std::invalid_argument before any packet is processed.
RunSummary runFilePipeline(const Options& options);
RunSummary runLivePipeline(const Options& options);
// --icap without capture: serves until SIGINT/SIGTERM.
RunSummary runIcapPipeline(const Options& options);

// The --stats object (one line of JSON).
std::string formatStatsJson(const RunSummary& s);

} // namespace egressmon::app
