#pragma once
// What a capture thread (the file reader, or one live lane) publishes for the metrics endpoint.

#include <cstdint>
#include <string>
#include <vector>

#include "capture/decode_error.h"
#include "capture/ip_defragmenter.h"

namespace egressmon::app {

struct CaptureSourceStats {
    std::string name; // the capture file, or "IFACE/N" for live handle N
    uint64_t packets = 0;
    uint64_t bytes = 0;
    uint64_t kernel_drops = 0; // pcap_stats: ps_drop + ps_ifdrop (live only)
};

struct CaptureStats {
    std::vector<CaptureSourceStats> sources;
    capture::DecodeCounters decode;
    capture::DefragCounters defrag;
    uint64_t read_errors = 0;
    uint64_t timestamp_anomalies = 0;
    uint64_t length_anomalies = 0; // records with incl_len > orig_len
};

} // namespace egressmon::app
