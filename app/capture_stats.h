#pragma once
// What a capture thread (the file reader, or one live lane) publishes for the metrics endpoint.

#include <cstdint>
#include <string>
#include <vector>

#include "capture/decode_error.h"
#include "capture/ip_defragmenter.h"
#include "core/counter_table.h"

namespace egressmon::app {

struct CaptureSourceStats {
    std::string name; // the capture file, or "IFACE/N" for live handle N
    uint64_t packets = 0;
    uint64_t bytes = 0;
    uint64_t kernel_drops = 0; // pcap_stats: ps_drop + ps_ifdrop (live only)
};

// A capture thread's own counters (also in RunSummary): one line per counter, X(field, unit,
// help, exports); see core/counter_table.h.
#define EGRESSMON_CAPTURE_FILE_COUNTERS(X)                                                         \
    X(read_errors, "files", "Capture files that ended in a read error",                            \
      counter::metric("egressmon_capture_read_errors_total"))                                      \
    X(timestamp_anomalies, "records", "Capture-file timestamps clamped (out of order or corrupt)", \
      counter::metric("egressmon_capture_timestamp_anomalies_total"))                              \
    X(length_anomalies, "records",                                                                 \
      "Capture-file records whose captured length exceeds the wire length (decoded as captured)",  \
      counter::metric("egressmon_capture_length_anomalies_total"))                                 \
    /* one X(...) per counter, above this line */

struct CaptureStats {
    std::vector<CaptureSourceStats> sources;
    capture::DecodeCounters decode;
    capture::DefragCounters defrag;
    EGRESSMON_CAPTURE_FILE_COUNTERS(EGRESSMON_COUNTER_FIELD)
    EGRESSMON_COUNTER_TABLE(CaptureStats, EGRESSMON_CAPTURE_FILE_COUNTERS, "capture", "capture",
                            nullptr)
};

} // namespace egressmon::app
