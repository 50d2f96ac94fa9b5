#include "dpi/policy/volume_ledgers.h"

namespace egressmon::dpi {

std::shared_ptr<VolumeLedger>
VolumeLedgers::forRules(const std::shared_ptr<const rules::RuleSet>& rules) {
    if (!rules || (rules->volumeRules().empty() && rules->suppressedRules().empty()))
        return nullptr;
    std::lock_guard<std::mutex> lock(mutex_);
    // Same rule set (not merely the same address: a freed set's address can be reused).
    if (ledger_ && !rules_.owner_before(rules) && !rules.owner_before(rules_)) return ledger_;
    std::vector<VolumeColumn> columns;
    for (const uint32_t r : rules->volumeRules()) {
        const rules::VolumeCondition& v = *rules->rules()[r].volume;
        columns.push_back({v.bytes, uint64_t{v.window_s} * 1'000'000});
    }
    // A suppressed rule counts its alerts: the first in a window crosses a threshold of 0.
    for (const uint32_t r : rules->suppressedRules())
        columns.push_back({0, uint64_t{rules->rules()[r].suppress_s} * 1'000'000});
    ledger_ = std::make_shared<VolumeLedger>(max_hosts_, std::move(columns));
    rules_ = rules;
    return ledger_;
}

uint32_t VolumeLedgers::hostsTracked() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return ledger_ ? ledger_->hostsTracked() : 0;
}

} // namespace egressmon::dpi
