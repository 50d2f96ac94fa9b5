// Heartbeats read from the status topic (fleet/heartbeat.h, parseHeartbeat): the input is one
// record's bytes. Bad input must give an error value with one line, never an exception or a
// crash. A parsed heartbeat must re-serialise to a record that parses to the same struct (its
// packets_per_sec rounded to the writer's six decimals) and serialises to the very same bytes
// again; and every field of it must be within what the parser promises (a non-empty sensor, a
// finite non-negative rate within kMaxPacketsPerSec).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fleet/heartbeat.h"
#include "fleet/heartbeat_parser.h"

using namespace egressmon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const fleet::ParsedHeartbeat parsed = fleet::parseHeartbeat(input);
    if (!parsed.heartbeat) {
        if (parsed.error.empty() || parsed.error.find('\n') != std::string::npos) std::abort();
        return 0;
    }
    if (!parsed.error.empty() || size > fleet::kMaxHeartbeatBytes) std::abort();
    const fleet::Heartbeat& first = *parsed.heartbeat;
    if (first.sensor.empty() || !std::isfinite(first.packets_per_sec) ||
        first.packets_per_sec < 0 || first.packets_per_sec > fleet::kMaxPacketsPerSec)
        std::abort();

    const std::string json = fleet::heartbeatJson(first);
    const fleet::ParsedHeartbeat again = fleet::parseHeartbeat(json);
    if (!again.heartbeat) std::abort();
    fleet::Heartbeat expected = first;
    expected.packets_per_sec = again.heartbeat->packets_per_sec;
    if (*again.heartbeat != expected) std::abort();
    // The rate may move by the writer's rounding to six decimals (and the parse of that) only.
    if (std::fabs(again.heartbeat->packets_per_sec - first.packets_per_sec) >
        5e-7 + first.packets_per_sec * 1e-15)
        std::abort();
    if (fleet::heartbeatJson(*again.heartbeat) != json) std::abort();
    return 0;
}
