#pragma once
// The counters of a sensor's fleet agent (app/fleet_agent.h): bundles taken or refused by
// reason, the bundle cache, Kafka errors and heartbeats. One line per counter, X(field, unit,
// help, exports); see core/counter_table.h.

#include "core/counter_table.h"

namespace egressmon::fleet {

#define EGRESSMON_FLEET_COUNTERS(X)                                                                \
    X(bundles_applied, "bundles",                                                                  \
      "Signed policy bundles that took effect (from the policy topic or the cache at start)",      \
      counter::in("egressmon_fleet_bundles_total", "applied"))                                     \
    X(bundles_malformed, "bundles",                                                                \
      "Bundles refused as malformed (not a bundle, cut short, over a bound); old rules kept",      \
      counter::in("egressmon_fleet_bundles_total", "malformed"))                                   \
    X(bundles_unknown_key, "bundles",                                                              \
      "Bundles refused: signed by a key none of `policy.public-key` has; old rules kept",          \
      counter::in("egressmon_fleet_bundles_total", "unknown_key"))                                 \
    X(bundles_bad_signature, "bundles",                                                            \
      "Bundles refused: the signature does not match the bytes (tampered); old rules kept",        \
      counter::in("egressmon_fleet_bundles_total", "bad_signature"))                               \
    X(bundles_bad_rules, "bundles",                                                                \
      "Bundles refused: well signed, but a rule does not compile or names a protocol or "          \
      "category nDPI does not know; old rules kept",                                               \
      counter::in("egressmon_fleet_bundles_total", "bad_rules"))                                   \
    X(bundles_not_newer, "bundles",                                                                \
      "Bundles refused: older than the bundle in force, or its version with other bytes",          \
      counter::in("egressmon_fleet_bundles_total", "not_newer"))                                   \
    X(cache_write_failures, "writes",                                                              \
      "A bundle in force could not be written to `policy.cache-dir` (it runs, but a restart "      \
      "without Kafka would not find it)",                                                          \
      counter::metric("egressmon_fleet_cache_write_failures_total"))                               \
    X(kafka_errors, "errors",                                                                      \
      "Kafka errors of the policy consumer and the heartbeat producer (brokers unreachable, "      \
      "policy topic missing)",                                                                     \
      counter::metric("egressmon_fleet_kafka_errors_total"))                                       \
    X(heartbeats_delivered, "heartbeats", "Heartbeats the status topic acknowledged",              \
      counter::in("egressmon_fleet_heartbeats_total", "delivered"))                                \
    X(heartbeats_failed, "heartbeats",                                                             \
      "Heartbeats not delivered (brokers unreachable; not retried: the next one replaces it)",     \
      counter::in("egressmon_fleet_heartbeats_total", "failed"))                                   \
    /* one X(...) per counter, above this line */

struct FleetCounters {
    EGRESSMON_FLEET_COUNTERS(EGRESSMON_COUNTER_FIELD)
    EGRESSMON_COUNTER_TABLE(FleetCounters, EGRESSMON_FLEET_COUNTERS, "fleet", "fleet", nullptr)
};

} // namespace egressmon::fleet
