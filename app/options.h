#pragma once
// Command line and YAML configuration (INTERFACE.md). Every flag has a config key of the same
// name (without dashes for the short ones: -r is `read`, -i `interface`, -f `filter`,
// -c has none); a flag given on the command line overrides the file.
// Start-up only: errors throw UsageError, which main() turns into one line and exit status 2.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "capture/ip_defragmenter.h"
#include "core/flow_table.h"
#include "dpi/classify/flow_classifier.h"
#include "dpi/inspect/flow_inspector.h"
#include "export/kafka_sink_config.h"
#include "fleet/fleet_config.h"
#include "icap/icap_config.h"

namespace egressmon::app {

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Options {
    std::vector<std::string> read_files;
    std::string interface;
    std::vector<std::string> rule_files;
    std::string home_net;
    unsigned workers = 0;
    // policy.max-tracked-hosts: inside hosts whose volume windows are kept (all workers).
    uint32_t max_tracked_hosts = dpi::kDefaultMaxTrackedHosts;
    dpi::DnsTunnelConfig dns_tunnel; // policy.dns-tunnel-*
    fleet::FleetConfig fleet;        // policy.brokers, .topic, ...: bundles and heartbeats
    std::string alerts = "-";
    std::string flows;   // empty: flow records off
    std::string files;   // empty: fileinfo records off
    std::string metrics; // empty: off
    bool stats = false;
    std::string bpf_filter;
    std::string sensor_name;

    // Tunables (config keys; some also flags).
    uint32_t max_flows = 1'000'000;   // all workers together
    dpi::ClassifierConfig classifier; // classifier.max-new-flows-per-second (per worker)
    core::FlowTimeouts flow_timeouts;
    capture::DefragConfig defrag;
    dpi::InspectionConfig inspection;
    int snaplen = 262144;
    int buffer_mib = 64;
    bool immediate = false;
    uint64_t hash_seed = 0; // 0: random per run
    // Started as root: the user to switch to once everything privileged is open (empty: nobody).
    std::string user;
    // kafka.* keys: librdkafka properties, the alert spool, the shutdown grace period.
    exporting::KafkaSinkConfig kafka = defaultKafkaConfig();
    // --icap / icap.*: the ICAP service (off unless given).
    icap::IcapConfig icap;

    static exporting::KafkaSinkConfig defaultKafkaConfig() {
        exporting::KafkaSinkConfig k;
        k.spool.dir = "/var/spool/egressmon";
        return k;
    }
};

// kTestConfig: -T / --test-config, check the configuration and rules, then exit.
enum class Action { kRun, kHelp, kVersion, kTestConfig };

struct ParsedCommandLine {
    Action action = Action::kRun;
    Options options;
};

// Parses argv (and the -c file it names). Throws UsageError.
ParsedCommandLine parseCommandLine(int argc, char** argv);

std::string usageText();

} // namespace egressmon::app
