#pragma once
// Checks a policy bundle against the public keys a sensor trusts, then compiles its rules: the
// whole answer to "may this sensor run this bundle?", short of the version check against the
// bundle it runs (the caller's: it alone knows that version).
//
// Built once from the configured keys (construction throws KeyError); verify() is const, never
// throws for any input, and may be called from any thread (the sensor's policy thread; the
// `egressmon policy verify` command). Compiling the rules is the slow part (Hyperscan), which is
// why a sensor calls this off the packet path and swaps the result in.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ed25519_key.h"
#include "policy_bundle.h"
#include "rules/rule_set.h"

namespace egressmon::fleet {

enum class VerifyOutcome {
    kOk,
    kMalformed,    // not a bundle, cut short, over a limit
    kUnknownKey,   // signed by a key id none of the configured keys has
    kBadSignature, // the configured key with that id did not sign these bytes
    kBadRules,     // signed, but a rule file does not parse or compile
};

struct VerifyResult {
    VerifyOutcome outcome = VerifyOutcome::kMalformed;
    std::string error;                           // one line, empty when kOk
    std::string key_id;                          // the bundle's key id, once parsed
    std::optional<PolicyBundle> bundle;          // set from kBadRules on
    std::shared_ptr<const rules::RuleSet> rules; // set when kOk
    bool ok() const { return outcome == VerifyOutcome::kOk; }
};

const char* outcomeName(VerifyOutcome outcome); // "ok", "malformed", ... (metrics, logs)

class BundleVerifier {
  public:
    explicit BundleVerifier(std::vector<EvpPkey> public_keys, BundleLimits limits = {});

    VerifyResult verify(std::string_view bundle_bytes) const;

    // The ids of the configured keys, in the order given.
    std::vector<std::string> keyIds() const;

  private:
    struct TrustedKey {
        std::string id;
        EvpPkey key;
    };
    std::vector<TrustedKey> keys_;
    BundleLimits limits_;
};

} // namespace egressmon::fleet
