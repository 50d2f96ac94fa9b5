#pragma once
// Hot reload of the rule files. SIGHUP sets a flag; this thread (never a worker) re-reads and
// compiles the files, checks their protocol names against its own nDPI module, and publishes
// the new RuleSet. Workers switch at their next batch boundary. A file that fails to load
// leaves the running rules in force; the failure is reported on stderr and counted.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/counter_table.h"
#include "rules/rule_set_source.h"

namespace egressmon::dpi {
class FlowClassifier;
}

namespace egressmon::app {

// Every protocol a rule names must be one nDPI knows (`protocol_id` resolves a name, -1 when
// unknown). Throws RuleError naming file and line. Used at start-up and on every reload.
void checkRuleProtocols(const rules::RuleSet& rules,
                        const std::function<int(const std::string&)>& protocol_id);

// Every category a rule names must be one nDPI knows (`category_id`: ndpi_get_category_id).
void checkRuleCategories(const rules::RuleSet& rules,
                         const std::function<int(const std::string&)>& category_id);

// Both checks above with one nDPI module's names: what start-up (-T), a SIGHUP reload and a
// signed bundle (app/fleet_agent.h) run on a rule set before it may go in. Throws RuleError.
void checkRuleNames(const rules::RuleSet& rules, const dpi::FlowClassifier& names);

// Set from the SIGHUP handler.
std::atomic<bool>& reloadRequested();

// One line per counter, X(field, unit, help, exports); see core/counter_table.h.
#define EGRESSMON_RELOAD_COUNTERS(X)                                                               \
    X(reloads, "reloads", "Rule reloads requested by SIGHUP that took effect",                     \
      counter::in("egressmon_rule_reloads_total", "ok").withRules().stats("rules.reloads"))        \
    X(failures, "reloads",                                                                         \
      "Rule reloads that failed (the running rules stay in force; the error is on stderr)",        \
      counter::in("egressmon_rule_reloads_total", "failed")                                        \
          .withRules()                                                                             \
          .stats("rules.reload_failures"))                                                         \
    /* one X(...) per counter, above this line */

struct ReloadCounters {
    EGRESSMON_RELOAD_COUNTERS(EGRESSMON_COUNTER_FIELD)
    EGRESSMON_COUNTER_TABLE(ReloadCounters, EGRESSMON_RELOAD_COUNTERS, "rules", nullptr, nullptr)
};

class RuleReloader {
  public:
    // `bundle_in_force`: the signed policy bundle in force, if any (app/fleet_agent.h). While
    // one is, SIGHUP does not load the files: a bundle takes precedence over --rules, and a
    // local edit must not silently replace what the fleet's signer published.
    RuleReloader(std::vector<std::string> files, std::shared_ptr<rules::RuleSetSource> source,
                 std::function<std::optional<uint64_t>()> bundle_in_force = {});
    ~RuleReloader(); // stops and joins
    RuleReloader(const RuleReloader&) = delete;
    RuleReloader& operator=(const RuleReloader&) = delete;

    // After the destructor has run or stop(): plain reads.
    void stop();
    ReloadCounters counters() const { return {reloads_.load(), failures_.load()}; }

    // One reload attempt, synchronously (the thread's body; also for tests).
    bool reloadOnce();

  private:
    void run();

    std::vector<std::string> files_;
    std::shared_ptr<rules::RuleSetSource> source_;
    std::function<std::optional<uint64_t>()> bundle_in_force_;
    std::atomic<bool> stop_{false};
    std::atomic<uint64_t> reloads_{0};
    std::atomic<uint64_t> failures_{0};
    std::thread thread_;
};

} // namespace egressmon::app
