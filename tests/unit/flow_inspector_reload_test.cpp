// Hot reload with matches waiting for classification: a rule deleted by one reload must not
// corrupt the flow's state for the next (it read moved[0xffffffff] and crashed the worker).

#include <gtest/gtest.h>

#include "inspector_harness.h"

namespace egressmon::testing {
namespace {

std::shared_ptr<const rules::RuleSet> bothRules(const char* version) {
    return ruleSet({keywordRule(1, {"TOP SECRET"}), keywordRule(2, {"CONFIDENTIAL"})}, version);
}
std::shared_ptr<const rules::RuleSet> secondRuleOnly(const char* version) {
    return ruleSet({keywordRule(2, {"CONFIDENTIAL"})}, version);
}

TEST(FlowInspectorReload, RuleDeletedWhileItsMatchWaitsSurvivesThreeReloads) {
    InspectorHarness h(bothRules("v1"));
    h.send(true, 0, "TOP SECRET plans");    // rule 1 matches, waits for classification
    h.reload(secondRuleOnly("v2"));         // rule 1 is gone while its match waits
    h.reload(secondRuleOnly("v3"));         // ... and again
    h.reload(bothRules("v4"));              // rule 1 is back under a new index
    h.send(true, 16, " CONFIDENTIAL memo"); // rule 2 matches, waits too
    h.classify();
    h.end();
    ASSERT_EQ(h.alertIds(), (std::vector<uint32_t>{1, 2}));
    EXPECT_EQ(h.alerts()[0].policy_version, "v1"); // the policy that made the match
    EXPECT_EQ(h.alerts()[1].policy_version, "v4");
}

TEST(FlowInspectorReload, SettledMatchOfDeletedRuleThenTwoMoreReloads) {
    InspectorHarness h(bothRules("v1"));
    h.send(true, 0, "TOP SECRET plans");
    h.reload(secondRuleOnly("v2"));
    h.classify();
    h.send(true, 16, " more text"); // settles the waiting match of the deleted rule
    ASSERT_EQ(h.alertIds(), (std::vector<uint32_t>{1}));
    h.reload(secondRuleOnly("v3")); // crashed here: the settled marker was taken as an index
    h.reload(bothRules("v4"));
    h.send(true, 26, " CONFIDENTIAL and TOP SECRET again");
    h.end();
    // Rule 1 alerted under v1 already, but that was a rule the flow's state no longer knows
    // by index: under v4 it is a new rule for this flow and may alert once more.
    EXPECT_EQ(h.alertIds(), (std::vector<uint32_t>{1, 2, 1}));
}

TEST(FlowInspectorReload, TwoWaitingMatchesOfDeletedRulesBothAlert) {
    InspectorHarness h(bothRules("v1"));
    h.send(true, 0, "TOP SECRET and CONFIDENTIAL");
    h.reload(ruleSet({keywordRule(3, {"unrelated"})}, "v2")); // both rules gone
    h.reload(ruleSet({keywordRule(3, {"unrelated"})}, "v3"));
    h.classify();
    h.end();
    EXPECT_EQ(h.alertIds(), (std::vector<uint32_t>{1, 2}));
}

TEST(FlowInspectorReload, AlertedRuleStaysDeduplicatedAcrossReloads) {
    InspectorHarness h(bothRules("v1"));
    h.classify();
    h.send(true, 0, "TOP SECRET");
    h.reload(bothRules("v2"));
    h.reload(bothRules("v3"));
    h.send(true, 10, " TOP SECRET");
    h.end();
    EXPECT_EQ(h.alertIds(), (std::vector<uint32_t>{1}));
}

} // namespace
} // namespace egressmon::testing
