#pragma once
// A sensor's heartbeat: the health record a sensor in a fleet publishes to the status topic
// every `policy.heartbeat-interval` seconds (INTERFACE.md "Fleet"; README "Run a fleet" documents
// the JSON), keyed by the sensor's name so a compacted topic keeps each sensor's latest.
// `egressmon fleet status` reads them back.
//
// One JSON object per Kafka message, flat, in this order (optional fields are left out when
// they have no value, as EVE does):
//
//   {"timestamp":"2026-12-04T10:00:00.000Z","event_type":"heartbeat","sensor":"site-a-1",
//    "version":"0.4.0","policy_version":"7534ab07fffc","bundle_version":1718000000123,
//    "uptime":3600,"heartbeat_interval":10,"packets":123456,"packets_per_sec":34.3,
//    "drops":0,"alerts":12,"spool_bytes":0,"last_error":"policy bundle ..."}
//
// policy_version: the digest of the rules in force (what alerts carry), absent when the sensor
// runs no rules; bundle_version: the signed bundle in force, absent when the rules are local
// files; last_error: the latest error an operator should see (a refused bundle, an unreachable
// broker), absent when none happened.
//
// Any thread; the writer cannot fail, the parser never throws.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace egressmon::fleet {

struct Heartbeat {
    uint64_t time_ms = 0; // when it was sent, ms since the epoch ("timestamp")
    std::string sensor;
    std::string version;                    // egressmon's version
    std::string policy_version;             // "" : no rules
    std::optional<uint64_t> bundle_version; // none: local rule files (or no rules)
    uint64_t uptime_s = 0;
    uint32_t heartbeat_interval_s = 0;
    uint64_t packets = 0;       // captured since start, all sources
    double packets_per_sec = 0; // over the last heartbeat interval
    uint64_t drops = 0;         // kernel and interface drops since start
    uint64_t alerts = 0;        // alerts raised since start
    uint64_t spool_bytes = 0;   // bytes waiting in the alert spool now
    std::string last_error;     // "" : none
    bool operator==(const Heartbeat&) const = default;
};

std::string heartbeatJson(const Heartbeat& heartbeat);

struct ParsedHeartbeat {
    std::optional<Heartbeat> heartbeat;
    std::string error; // one line when !heartbeat
};

// Parses what heartbeatJson() writes; unknown fields are skipped (newer sensors may add some),
// a missing required field or a wrong type is an error.
ParsedHeartbeat parseHeartbeat(std::string_view json);

} // namespace egressmon::fleet
