#include "app/config_check.h"

#include "app/rule_reloader.h"
#include "dpi/classify/flow_classifier.h"
#include "dpi/policy/dns_tunnel_detector.h"
#include "rules/rule_set.h"

namespace egressmon::app {

std::string checkConfiguration(const Options& options) {
    std::string summary = "configuration OK";
    if (options.rule_files.empty()) return summary + " (no rule files)";
    const auto rules = rules::RuleSet::load(options.rule_files);
    const dpi::FlowClassifier names;
    checkRuleProtocols(*rules, [&](const std::string& n) { return names.protocolId(n); });
    checkRuleCategories(*rules, [&](const std::string& n) { return names.categoryId(n); });
    // What a DNS_TUNNEL rule would need at start-up: the Public Suffix List.
    const dpi::RegisteredDomains domains;
    return summary + ": " + std::to_string(rules->rules().size()) + " rules in " +
           std::to_string(options.rule_files.size()) + " file" +
           (options.rule_files.size() == 1 ? "" : "s") + ", policy " + rules->policyVersion();
}

} // namespace egressmon::app
