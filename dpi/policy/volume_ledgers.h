#pragma once
// Hands every worker the same volume ledger (volume_ledger.h) for the same rule set, so all of
// them add to one sum per host. A reload's rule set gets a new, empty ledger: the rules' columns
// may have changed, so windows start again after a reload (the flows still running count on in
// the new one from the reload on).
//
// Thread: any; forRules() takes a mutex and runs at start-up and at a worker's rule switch
// (between batches), never per packet.

#include <cstdint>
#include <memory>
#include <mutex>

#include "dpi/policy/volume_ledger.h"
#include "rules/rule_set.h"

namespace egressmon::dpi {

// policy.max-tracked-hosts when the configuration does not say.
inline constexpr uint32_t kDefaultMaxTrackedHosts = 65536;

class VolumeLedgers {
  public:
    explicit VolumeLedgers(uint32_t max_tracked_hosts) : max_hosts_(max_tracked_hosts) {}

    // The ledger of `rules` (made by the first caller): a column per volume rule, then one per
    // suppressed rule (`suppress`); null when it has neither.
    // Throws std::bad_alloc.
    std::shared_ptr<VolumeLedger> forRules(const std::shared_ptr<const rules::RuleSet>& rules);

    uint32_t maxTrackedHosts() const noexcept { return max_hosts_; }
    // Hosts in the newest ledger (0: none).
    uint32_t hostsTracked() const;

  private:
    const uint32_t max_hosts_;
    mutable std::mutex mutex_;
    std::weak_ptr<const rules::RuleSet> rules_; // the rule set ledger_ belongs to
    std::shared_ptr<VolumeLedger> ledger_;
};

} // namespace egressmon::dpi
