#pragma once
// What --stats and the metrics show of the ICAP threads: each thread publishes one, summed.

#include <cstdint>
#include <map>
#include <utility>

#include "app/worker.h"
#include "export/latency_histogram.h"
#include "icap/icap_counters.h"

namespace egressmon::app {

// What the metrics and --stats show of the ICAP threads (summed over them).
struct IcapStats {
    icap::IcapCounters icap;
    // The threads' inspection engines: the same groups as the capture workers' (flows,
    // classifier and reassembly stay zero), added into the workers' totals.
    WorkerCounters engine;
    std::map<std::pair<uint32_t, uint8_t>, uint64_t> alerts_by_rule; // (sid, severity)
    uint64_t open_connections = 0;
    uint64_t held_bytes = 0;
    exporting::LatencyHistogram::Snapshot latency; // header complete -> answer
    IcapStats& operator+=(const IcapStats& o);
};

} // namespace egressmon::app
