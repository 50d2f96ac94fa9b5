// fleet/policy_tracker.h: which bundle a sensor runs. Valid and newer: applied; the bundle in
// force met again: neither applied nor refused; every other case refused with its reason (and
// the counter of that reason), the version in force unchanged.

#include <openssl/evp.h>

#include <gtest/gtest.h>

#include "fleet/bundle_signer.h"
#include "fleet/policy_tracker.h"

using namespace egressmon;
using namespace egressmon::fleet;

namespace {

EvpPkey generate() {
    EvpPkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    if (!key) throw std::runtime_error("keygen failed");
    return key;
}

// The raw key halves shared through one EVP_PKEY: the signer takes a handle of its own.
EvpPkey copyOf(const EvpPkey& key) {
    EVP_PKEY_up_ref(key.get());
    return EvpPkey(key.get());
}

const std::vector<BundleFile> kRules = {
    {"a.yaml", "rules:\n  - {id: 1, name: secret, keywords: [topsecret]}\n"}};
const std::vector<BundleFile> kOtherRules = {
    {"a.yaml", "rules:\n  - {id: 2, name: other, keywords: [confidential]}\n"}};
const std::vector<BundleFile> kHttpRule = {
    {"app.yaml", "rules:\n  - {id: 3, name: web, protocols: [HTTP]}\n"}};

struct Fixture {
    EvpPkey key = generate();
    EvpPkey foreign = generate();
    BundleSigner signer{copyOf(key)};
    BundleSigner foreign_signer{copyOf(foreign)};
    std::string names_problem; // what the names check answers
    PolicyTracker tracker;

    Fixture()
        : tracker(std::make_shared<const BundleVerifier>([this] {
                      std::vector<EvpPkey> keys;
                      keys.push_back(copyOf(key));
                      return keys;
                  }()),
                  [this](const rules::RuleSet&) { return names_problem; }) {}

    std::string bundle(uint64_t version, const std::vector<BundleFile>& files = kRules) const {
        return serializeBundle(signer.sign(files, version, 1718000000000));
    }
    // Judges and, when applicable, accepts (as the fleet agent does).
    BundleJudgement offer(const std::string& bytes) {
        BundleJudgement j = tracker.judge(bytes);
        if (j.verdict == BundleVerdict::kApply) tracker.accept(bytes, j);
        return j;
    }
};

void expectRefused(const BundleJudgement& j, BundleRefusal why, const char* counter) {
    ASSERT_EQ(j.verdict, BundleVerdict::kRefused);
    EXPECT_EQ(j.refusal, why);
    EXPECT_FALSE(j.error.empty());
    EXPECT_FALSE(j.rules);
    FleetCounters c;
    countRefusal(j, c);
    EXPECT_EQ(core::counterValue(c, counter), 1u) << counter;
    uint64_t total = 0;
    c.forEachCounter([&](const core::CounterInfo&, uint64_t v) { total += v; });
    EXPECT_EQ(total, 1u);
}

} // namespace

TEST(PolicyTracker, FirstValidBundleIsAppliedWithItsRules) {
    Fixture f;
    EXPECT_FALSE(f.tracker.version());
    const BundleJudgement j = f.offer(f.bundle(5));
    ASSERT_EQ(j.verdict, BundleVerdict::kApply) << j.error;
    ASSERT_TRUE(j.rules);
    EXPECT_EQ(j.rules->rules().size(), 1u);
    EXPECT_EQ(j.bundle->version, 5u);
    EXPECT_EQ(f.tracker.version(), 5u);
}

TEST(PolicyTracker, TheBundleInForceMetAgainIsNeitherAppliedNorRefused) {
    Fixture f;
    const std::string bytes = f.bundle(5);
    ASSERT_EQ(f.offer(bytes).verdict, BundleVerdict::kApply);
    const BundleJudgement again = f.tracker.judge(bytes);
    EXPECT_EQ(again.verdict, BundleVerdict::kInForce);
    FleetCounters c;
    countRefusal(again, c);
    EXPECT_EQ(c.bundles_not_newer, 0u);
}

TEST(PolicyTracker, OnlyANewerVersionReplacesTheOneInForce) {
    Fixture f;
    ASSERT_EQ(f.offer(f.bundle(5)).verdict, BundleVerdict::kApply);
    expectRefused(f.offer(f.bundle(4)), BundleRefusal::kNotNewer, "bundles_not_newer");
    // The same version with other bytes (signed twice in one millisecond, or a replay of
    // another group's bundle): refused too, so two bundles cannot take turns.
    expectRefused(f.offer(f.bundle(5, kOtherRules)), BundleRefusal::kNotNewer, "bundles_not_newer");
    EXPECT_EQ(f.tracker.version(), 5u);
    const BundleJudgement newer = f.offer(f.bundle(6, kOtherRules));
    ASSERT_EQ(newer.verdict, BundleVerdict::kApply) << newer.error;
    EXPECT_EQ(f.tracker.version(), 6u);
}

TEST(PolicyTracker, AnotherKeysBundleIsRefusedWhateverItsVersion) {
    Fixture f;
    ASSERT_EQ(f.offer(f.bundle(5)).verdict, BundleVerdict::kApply);
    const std::string foreign = serializeBundle(f.foreign_signer.sign(kRules, 99, 1718000000000));
    expectRefused(f.offer(foreign), BundleRefusal::kUnknownKey, "bundles_unknown_key");
    EXPECT_EQ(f.tracker.version(), 5u);
}

TEST(PolicyTracker, TamperedBundleIsRefusedAsBadSignatureEvenWithAnOldVersion) {
    Fixture f;
    ASSERT_EQ(f.offer(f.bundle(5)).verdict, BundleVerdict::kApply);
    std::string tampered = f.bundle(3);
    const size_t at = tampered.find("topsecret");
    ASSERT_NE(at, std::string::npos);
    tampered[at] = 'T';
    // Checked before the version: a forged bundle is reported as forged.
    expectRefused(f.offer(tampered), BundleRefusal::kBadSignature, "bundles_bad_signature");
}

TEST(PolicyTracker, MalformedBytesAreRefused) {
    Fixture f;
    expectRefused(f.offer("not a bundle"), BundleRefusal::kMalformed, "bundles_malformed");
    const std::string cut = f.bundle(5).substr(0, 40);
    expectRefused(f.offer(cut), BundleRefusal::kMalformed, "bundles_malformed");
    expectRefused(f.offer(""), BundleRefusal::kMalformed, "bundles_malformed");
    EXPECT_FALSE(f.tracker.version());
}

TEST(PolicyTracker, RulesThatDoNotCompileOrNameUnknownProtocolsAreRefused) {
    Fixture f;
    const std::vector<BundleFile> broken = {{"bad.yaml", "rules:\n  - {id: 1, regex: ['(']}\n"}};
    expectRefused(f.offer(f.bundle(5, broken)), BundleRefusal::kBadRules, "bundles_bad_rules");
    f.names_problem = "app.yaml:2: unknown protocol 'HTTPX' in rule 3";
    const BundleJudgement j = f.offer(f.bundle(6, kHttpRule));
    expectRefused(j, BundleRefusal::kBadRules, "bundles_bad_rules");
    EXPECT_EQ(j.error, f.names_problem);
    EXPECT_FALSE(f.tracker.version());
    f.names_problem.clear();
    EXPECT_EQ(f.offer(f.bundle(6, kHttpRule)).verdict, BundleVerdict::kApply);
}

TEST(PolicyTracker, TheConfiguredBundleSizeBoundHoldsAtItsLimit) {
    Fixture f;
    const std::string bytes = f.bundle(5);
    const auto trackerWithin = [&](size_t max_bytes) {
        BundleLimits limits;
        limits.max_bundle_bytes = max_bytes; // policy.max-bundle-bytes
        std::vector<EvpPkey> keys;
        keys.push_back(copyOf(f.key));
        return PolicyTracker(std::make_shared<const BundleVerifier>(std::move(keys), limits),
                             nullptr);
    };
    EXPECT_EQ(trackerWithin(bytes.size()).judge(bytes).verdict, BundleVerdict::kApply);
    const BundleJudgement over = trackerWithin(bytes.size() - 1).judge(bytes);
    expectRefused(over, BundleRefusal::kMalformed, "bundles_malformed");
    EXPECT_NE(over.error.find("limit"), std::string::npos) << over.error;
}
