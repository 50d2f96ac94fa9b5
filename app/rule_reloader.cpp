#include "rule_reloader.h"

#include <chrono>
#include <iostream>

#include "dpi/classify/flow_classifier.h"

namespace egressmon::app {

void checkRuleProtocols(const rules::RuleSet& rules,
                        const std::function<int(const std::string&)>& protocol_id) {
    for (const rules::Rule& r : rules.rules())
        for (const std::string& name : r.protocols)
            if (protocol_id(name) < 0)
                throw rules::RuleError(r.file + ":" + std::to_string(r.line) +
                                       ": unknown protocol '" + name + "' in rule " +
                                       std::to_string(r.id) + " (use nDPI's names, e.g. HTTP)");
}

void checkRuleCategories(const rules::RuleSet& rules,
                         const std::function<int(const std::string&)>& category_id) {
    for (const rules::Rule& r : rules.rules())
        for (const std::string& name : r.categories)
            if (category_id(name) < 0)
                throw rules::RuleError(r.file + ":" + std::to_string(r.line) +
                                       ": unknown category '" + name + "' in rule " +
                                       std::to_string(r.id) +
                                       " (use nDPI's names, e.g. RemoteAccess, Web)");
}

void checkRuleNames(const rules::RuleSet& rules, const dpi::FlowClassifier& names) {
    checkRuleProtocols(rules, [&](const std::string& n) { return names.protocolId(n); });
    checkRuleCategories(rules, [&](const std::string& n) { return names.categoryId(n); });
}

std::atomic<bool>& reloadRequested() {
    static std::atomic<bool> flag{false};
    return flag;
}

RuleReloader::RuleReloader(std::vector<std::string> files,
                           std::shared_ptr<rules::RuleSetSource> source,
                           std::function<std::optional<uint64_t>()> bundle_in_force)
    : files_(std::move(files)), source_(std::move(source)),
      bundle_in_force_(std::move(bundle_in_force)) {
    thread_ = std::thread([this] { run(); });
}

RuleReloader::~RuleReloader() {
    stop();
}

void RuleReloader::stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
}

void RuleReloader::run() {
    while (!stop_.load()) {
        if (reloadRequested().exchange(false)) reloadOnce();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

bool RuleReloader::reloadOnce() {
    // Read before anything is built: a bundle published while the files compile wins.
    const uint64_t generation = source_->generation();
    const std::string old_version = source_->current()->policyVersion();
    const auto refuseForBundle = [&] {
        if (!bundle_in_force_) return false;
        const std::optional<uint64_t> bundle = bundle_in_force_();
        if (!bundle) return false;
        ++failures_;
        std::cerr << "egressmon: error: rule reload refused: policy bundle version " << *bundle
                  << " is in force and takes precedence over the --rules files (policy "
                  << source_->current()->policyVersion() << " stays)\n";
        return true;
    };
    if (refuseForBundle()) return false;
    try {
        auto next = rules::RuleSet::load(files_);
        // Protocol names are checked with a module of our own: workers' modules are theirs.
        static thread_local std::unique_ptr<dpi::FlowClassifier> names;
        if (!names) names = std::make_unique<dpi::FlowClassifier>();
        checkRuleNames(*next, *names);
        const std::string version = next->policyVersion();
        const size_t count = next->rules().size();
        if (!source_->publishIfUnchanged(generation, std::move(next))) {
            if (refuseForBundle()) return false;
            // Another reload's rules went in meanwhile (not possible today: one reloader).
            ++failures_;
            std::cerr << "egressmon: error: rule reload dropped: the rules in force changed "
                         "while the files compiled\n";
            return false;
        }
        ++reloads_;
        std::cerr << "egressmon: rules reloaded: policy " << version << " (" << count
                  << " rules), was " << old_version << "\n";
        return true;
    } catch (const std::exception& e) {
        ++failures_;
        std::cerr << "egressmon: error: rule reload failed, policy " << old_version
                  << " stays in force: " << e.what() << "\n";
        return false;
    }
}

} // namespace egressmon::app
