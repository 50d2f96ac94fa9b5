#pragma once
// What a kafka:// sink needs besides its spec: librdkafka properties passed through as given
// (TLS, SASL, tuning), the disk spool for alerts, the shutdown grace period, and what goes into
// every message's headers.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "export/disk_spool.h"

namespace egressmon::exporting {

// "kafka://HOST:PORT[,HOST:PORT]/TOPIC" split into librdkafka's bootstrap.servers and a topic.
struct KafkaTarget {
    std::string brokers;
    std::string topic;
};

// Throws std::invalid_argument naming the spec and what is wrong with it.
KafkaTarget parseKafkaSpec(const std::string& spec);

struct KafkaSinkConfig {
    // librdkafka global properties, applied in order after egressmon's defaults, so any of them
    // can be tuned; enable.idempotence and acks are fixed (a different value is refused).
    std::vector<std::pair<std::string, std::string>> properties;
    // Alerts: what cannot be handed to the broker goes to this spool and is replayed. Flow
    // records have no spool: under pressure they are shed and counted, so alerts keep the room.
    bool use_spool = false;
    SpoolConfig spool;
    uint32_t shutdown_grace_ms = 10'000; // at close: deliver for this long, then spool the rest
    uint32_t replay_retry_ms = 1'000;    // wait after a failed replay before trying again
    std::string sensor_name;             // message header "sensor"
    std::string event_type;              // message header "event_type": "alert" or "flow"
};

// The version of the record layout a consumer can expect (message header "schema_version"):
// EVE as Suricata's schema describes it, with egressmon's extensions of INTERFACE.md.
inline constexpr const char* kRecordSchemaVersion = "eve-egressmon-1";

} // namespace egressmon::exporting
