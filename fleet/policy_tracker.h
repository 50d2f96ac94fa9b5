#pragma once
// Which signed policy bundle a sensor runs. Every candidate (from the policy topic, or the cache
// at start-up) is judged here: the verifier's answer (format, key, signature, rules compile),
// the names its rules use (nDPI's protocols and categories, checked by the caller's function),
// then the version rule: only a newer bundle replaces the one in force, so a replayed old bundle
// cannot roll a sensor back. The bundle in force met again (a restart reading the topic that
// filled its cache) is neither applied again nor refused.
//
// Owned and called by one thread (the fleet agent's); judge() compiles rules, which takes
// milliseconds to seconds, so never on a packet worker.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "fleet/bundle_verifier.h"
#include "fleet/fleet_counters.h"

namespace egressmon::fleet {

enum class BundleVerdict {
    kApply,   // newer and valid: run it (then accept())
    kInForce, // the very bytes in force
    kRefused, // see BundleJudgement::refusal
};

enum class BundleRefusal { kMalformed, kUnknownKey, kBadSignature, kBadRules, kNotNewer };

struct BundleJudgement {
    BundleVerdict verdict = BundleVerdict::kRefused;
    BundleRefusal refusal = BundleRefusal::kMalformed; // when kRefused
    std::string error;                                 // one line when kRefused
    std::optional<PolicyBundle> bundle;                // when kApply
    std::shared_ptr<const rules::RuleSet> rules;       // when kApply
};

// Adds one to the counter of `j`'s outcome (applied is counted by the caller, once in force).
void countRefusal(const BundleJudgement& j, FleetCounters& counters);

class PolicyTracker {
  public:
    // The names check returns "" when every protocol and category a rule names is known, else
    // one line naming the file, line and name.
    using NameCheck = std::function<std::string(const rules::RuleSet&)>;

    PolicyTracker(std::shared_ptr<const BundleVerifier> verifier, NameCheck check_names);

    BundleJudgement judge(std::string_view bundle_bytes) const;

    // `bytes` (judged kApply as `j`) is now in force.
    void accept(std::string_view bytes, const BundleJudgement& j);

    // The version in force; nullopt before any bundle.
    std::optional<uint64_t> version() const { return version_; }
    const std::string& bytesInForce() const { return bytes_; }

  private:
    std::shared_ptr<const BundleVerifier> verifier_;
    NameCheck check_names_;
    std::optional<uint64_t> version_;
    std::string bytes_;
};

} // namespace egressmon::fleet
