#include "app/config_check.h"

#include "app/fleet_agent.h"
#include "app/rule_reloader.h"
#include "dpi/classify/flow_classifier.h"
#include "dpi/policy/dns_tunnel_detector.h"
#include "rules/rule_set.h"

namespace egressmon::app {

namespace {

// The policy: section's keys, read as a sensor would read them (throws UsageError).
std::string checkFleet(const fleet::FleetConfig& f) {
    if (!f.enabled()) return {};
    std::string out = "; fleet: brokers " + f.brokers;
    if (f.takesBundles()) {
        std::vector<std::string> ids;
        for (const fleet::EvpPkey& key : trustedPolicyKeys(f))
            ids.push_back(fleet::keyIdOf(key.get()));
        out += ", bundles from " + f.topic + " for group " + f.group + " signed by key";
        out += ids.size() == 1 ? " " : "s ";
        for (size_t i = 0; i < ids.size(); ++i)
            out += (i ? ", " : "") + ids[i];
    }
    if (f.sendsHeartbeats())
        out += ", heartbeats to " + f.status_topic + " every " +
               std::to_string(f.heartbeat_interval_s) + " s";
    return out;
}

} // namespace

std::string checkConfiguration(const Options& options) {
    std::string summary = "configuration OK";
    const std::string fleet = checkFleet(options.fleet);
    if (options.rule_files.empty()) return summary + " (no rule files)" + fleet;
    const auto rules = rules::RuleSet::load(options.rule_files);
    checkRuleNames(*rules, dpi::FlowClassifier());
    // What a DNS_TUNNEL rule would need at start-up: the Public Suffix List.
    const dpi::RegisteredDomains domains;
    return summary + ": " + std::to_string(rules->rules().size()) + " rules in " +
           std::to_string(options.rule_files.size()) + " file" +
           (options.rule_files.size() == 1 ? "" : "s") + ", policy " + rules->policyVersion() +
           fleet;
}

} // namespace egressmon::app
