#include "fleet/policy_tracker.h"

namespace egressmon::fleet {

namespace {

BundleRefusal refusalOf(VerifyOutcome outcome) {
    switch (outcome) {
    case VerifyOutcome::kUnknownKey: return BundleRefusal::kUnknownKey;
    case VerifyOutcome::kBadSignature: return BundleRefusal::kBadSignature;
    case VerifyOutcome::kBadRules: return BundleRefusal::kBadRules;
    case VerifyOutcome::kOk:
    case VerifyOutcome::kMalformed: break;
    }
    return BundleRefusal::kMalformed;
}

BundleJudgement refused(BundleRefusal why, std::string error) {
    BundleJudgement j;
    j.refusal = why;
    j.error = std::move(error);
    return j;
}

} // namespace

void countRefusal(const BundleJudgement& j, FleetCounters& c) {
    if (j.verdict != BundleVerdict::kRefused) return;
    switch (j.refusal) {
    case BundleRefusal::kMalformed: ++c.bundles_malformed; break;
    case BundleRefusal::kUnknownKey: ++c.bundles_unknown_key; break;
    case BundleRefusal::kBadSignature: ++c.bundles_bad_signature; break;
    case BundleRefusal::kBadRules: ++c.bundles_bad_rules; break;
    case BundleRefusal::kNotNewer: ++c.bundles_not_newer; break;
    }
}

PolicyTracker::PolicyTracker(std::shared_ptr<const BundleVerifier> verifier, NameCheck check_names)
    : verifier_(std::move(verifier)), check_names_(std::move(check_names)) {}

BundleJudgement PolicyTracker::judge(std::string_view bytes) const {
    if (version_ && bytes == bytes_) {
        BundleJudgement j;
        j.verdict = BundleVerdict::kInForce;
        return j;
    }
    VerifyResult v = verifier_->verify(bytes);
    if (!v.ok()) return refused(refusalOf(v.outcome), std::move(v.error));
    const uint64_t version = v.bundle->version;
    // Checked after the signature, so a forged bundle is reported as forged whatever version it
    // claims; equal versions with other bytes are refused too, or two bundles signed within one
    // millisecond would take turns.
    if (version_ && version <= *version_)
        return refused(BundleRefusal::kNotNewer, "version " + std::to_string(version) +
                                                     " is not newer than version " +
                                                     std::to_string(*version_) + " in force");
    if (check_names_) {
        std::string why = check_names_(*v.rules);
        if (!why.empty()) return refused(BundleRefusal::kBadRules, std::move(why));
    }
    BundleJudgement j;
    j.verdict = BundleVerdict::kApply;
    j.bundle = std::move(v.bundle);
    j.rules = std::move(v.rules);
    return j;
}

void PolicyTracker::accept(std::string_view bytes, const BundleJudgement& j) {
    version_ = j.bundle->version;
    bytes_.assign(bytes);
}

} // namespace egressmon::fleet
