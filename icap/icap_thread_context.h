#pragma once
// What the connections of one ICAP thread share: the configuration, the thread's inspection
// engine and alert sink, its counters and latency histogram, and the body bytes its
// connections hold to echo them. Owned by the thread (icap_server_thread.h); single-threaded.

#include <chrono>
#include <cstdint>
#include <string>

#include "dpi/inspect/alert_sink.h"
#include "dpi/inspect/inspection_engine.h"
#include "export/latency_histogram.h"
#include "icap/icap_config.h"
#include "icap/icap_counters.h"
#include "icap/icap_request_parser.h"

namespace egressmon::icap {

// The clock of the ICAP threads' timeouts (monotonic milliseconds).
inline uint64_t steadyMs() noexcept {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
}

struct IcapThreadContext {
    IcapThreadContext(const IcapConfig& c, dpi::InspectionEngine& e, dpi::AlertSink& a,
                      const std::string& sensor) noexcept
        : config(c), engine(e), alerts(a), sensor_name(sensor) {
        parser_limits.max_header_bytes = c.max_header_bytes;
    }

    const IcapConfig& config;
    dpi::InspectionEngine& engine;
    dpi::AlertSink& alerts;
    const std::string& sensor_name;
    IcapParserLimits parser_limits; // icap.max-header-bytes
    std::string istag;              // the ISTag, without quotes (icap_responses adds them)
    IcapCounters counters;
    // From a request's complete header block to its answer: what inspection adds.
    exporting::LatencyHistogram latency;
    uint64_t held_bytes = 0; // bodies held to echo them, all connections of the thread
    uint64_t open_connections = 0;
    uint64_t id_base = 0; // transaction ids: id_base + next_id++ (id_base differs per thread)
    uint64_t next_id = 0;

    uint64_t nextTransactionId() noexcept { return id_base + ++next_id; }
};

} // namespace egressmon::icap
