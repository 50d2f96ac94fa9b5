#pragma once
// One EVE record on its way from a worker to a sink, with what a sink needs besides the JSON:
// the flow it belongs to (Kafka keys one flow's records to one partition) and when its event
// happened (for the alert latency histogram).

#include <cstdint>
#include <string>

namespace egressmon::exporting {

struct SinkRecord {
    std::string json;      // one JSON object ending in '\n'
    uint64_t flow_id = 0;  // the flow the record describes
    int64_t origin_us = 0; // wall-clock time of the event (0: unknown, not timed)
};

} // namespace egressmon::exporting
