#pragma once
// The compiled rule set: every rule's keywords (in each requested encoding) and regexes in ONE
// Hyperscan stream-mode database. Immutable once built and shared read-only by all workers
// through std::shared_ptr<const RuleSet>; a reload builds a new one off the packet path.
// Per-worker scratch space is MatcherScratch (matcher_scratch.h).
//
// Start-up only: RuleSet::load throws RuleError whose what() is one line
// "FILE:LINE: what is wrong" (Hyperscan's own message for a bad regex).

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <hs/hs.h>

#include "core/c_handle.h"
#include "rule.h"

namespace egressmon::rules {

struct RuleError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

using HsDatabase = core::CHandle<hs_database_t, hs_free_database>;
using HsScratch = core::CHandle<hs_scratch_t, hs_free_scratch>;

// What one Hyperscan expression id stands for.
struct PatternInfo {
    uint32_t rule_index = 0; // into RuleSet::rules()
    bool is_regex = false;
    std::string text;                    // the keyword (UTF-8, as written) or the regex source
    Encoding encoding = Encoding::kUtf8; // keywords: the encoding searched; regexes: kUtf8
    bool needs_match_text = false;       // compiled with SOM: the matched bytes go to a validator
};

// One rule file's YAML text and the name its messages give it (a path, or a name inside a
// signed policy bundle, fleet/policy_bundle.h).
struct RuleText {
    std::string name;
    std::string text;
};

class RuleSet {
  public:
    // Loads and compiles every file (in order; rule ids must be unique across all files).
    static std::shared_ptr<const RuleSet> load(const std::vector<std::string>& files);
    // The same from texts already read: the policy version depends on the texts alone (not the
    // names), so a bundle of files names the same policy as `--rules` with those files.
    static std::shared_ptr<const RuleSet> loadTexts(const std::vector<RuleText>& files);
    // Builds from already-parsed rules (tests, and the loader itself).
    static std::shared_ptr<const RuleSet> compile(std::vector<Rule> rules,
                                                  std::string policy_version);

    const std::vector<Rule>& rules() const { return rules_; }
    const std::vector<PatternInfo>& patterns() const { return patterns_; }
    // Indices of the rules without keywords or regexes: judged on every file's end.
    const std::vector<uint32_t>& fileOnlyRules() const { return file_only_rules_; }
    // Indices of the rules that judge a flow's classification alone (Rule::classificationOnly,
    // without `volume`): one alert per flow.
    const std::vector<uint32_t>& classificationRules() const { return classification_rules_; }
    // Indices of the volume rules (Rule::isVolume), in file order: column c of the volume ledger
    // (dpi/policy/volume_ledger.h) is volumeRules()[c].
    const std::vector<uint32_t>& volumeRules() const { return volume_rules_; }
    // Indices of the application and risk rules with `suppress`: the ledger's columns after the
    // volume rules' (column volumeRules().size() + i is suppressedRules()[i]).
    const std::vector<uint32_t>& suppressedRules() const { return suppressed_rules_; }
    // Some rule looks at content or files (the others need no inspection state at all).
    bool inspectsContent() const {
        return rules_.size() > classification_rules_.size() + volume_rules_.size();
    }
    const hs_database_t* database() const { return db_.get(); } // null when there are no rules
    // The most bytes a validated match can span (Hyperscan's max_width of every pattern whose
    // rule has a validator; kUnboundedMatchBytes when one is unbounded, 0 without validators).
    uint32_t validatorMatchBytes() const { return validator_match_bytes_; }
    // Short hex digest of the rule files' bytes: names the policy in every alert.
    const std::string& policyVersion() const { return policy_version_; }
    // A scratch prototype workers clone (hs_clone_scratch) for their own use.
    const hs_scratch_t* scratchPrototype() const { return scratch_.get(); }

    static constexpr uint32_t kUnboundedMatchBytes = 0xffffffff;

  private:
    uint32_t validator_match_bytes_ = 0;
    std::vector<Rule> rules_;
    std::vector<PatternInfo> patterns_;
    std::vector<uint32_t> file_only_rules_;
    std::vector<uint32_t> classification_rules_;
    std::vector<uint32_t> volume_rules_;
    std::vector<uint32_t> suppressed_rules_;
    HsDatabase db_;
    HsScratch scratch_;
    std::string policy_version_;
};

} // namespace egressmon::rules
