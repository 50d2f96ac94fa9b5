#pragma once
// Hot reload of the rule files. SIGHUP sets a flag; this thread (never a worker) re-reads and
// compiles the files, checks their protocol names against its own nDPI module, and publishes
// the new RuleSet. Workers switch at their next batch boundary. A file that fails to load
// leaves the running rules in force; the failure is reported on stderr and counted.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "rules/rule_set_source.h"

namespace egressmon::app {

// Every protocol a rule names must be one nDPI knows (`protocol_id` resolves a name, -1 when
// unknown). Throws RuleError naming file and line. Used at start-up and on every reload.
void checkRuleProtocols(const rules::RuleSet& rules,
                        const std::function<int(const std::string&)>& protocol_id);

// Set from the SIGHUP handler.
std::atomic<bool>& reloadRequested();

struct ReloadCounters {
    uint64_t reloads = 0;
    uint64_t failures = 0;
};

class RuleReloader {
  public:
    RuleReloader(std::vector<std::string> files, std::shared_ptr<rules::RuleSetSource> source);
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
    std::atomic<bool> stop_{false};
    std::atomic<uint64_t> reloads_{0};
    std::atomic<uint64_t> failures_{0};
    std::thread thread_;
};

} // namespace egressmon::app
