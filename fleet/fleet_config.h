#pragma once
// The `policy:` keys that make a sensor part of a fleet (INTERFACE.md "Fleet"): where its
// signed policy bundles come from and where it reports its health. The Kafka security
// properties are the `kafka:` section's (exporting::KafkaSinkConfig::properties).

#include <cstdint>
#include <string>
#include <vector>

#include "fleet/policy_bundle.h"

namespace egressmon::fleet {

struct FleetConfig {
    std::string brokers;                  // policy.brokers: HOST:PORT[,HOST:PORT...]
    std::string topic;                    // policy.topic: signed bundles, keyed by group
    std::string group = "all";            // policy.group: this sensor's group
    std::vector<std::string> public_keys; // policy.public-key: a file or a list of files
    std::string cache_dir = "/var/lib/egressmon/policy"; // policy.cache-dir
    std::string status_topic;           // policy.status-topic: heartbeats (empty: none)
    uint32_t heartbeat_interval_s = 10; // policy.heartbeat-interval
    // policy.max-bundle-bytes, policy.max-bundle-files: a bundle over them is refused
    // (malformed); the cache is read with the same size bound.
    BundleLimits limits;

    bool takesBundles() const { return !topic.empty(); }
    bool sendsHeartbeats() const { return !status_topic.empty(); }
    bool enabled() const { return takesBundles() || sendsHeartbeats(); }
};

} // namespace egressmon::fleet
