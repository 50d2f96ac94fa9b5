// FlowInspector's side of volume rules (dpi/policy/): a flow joins the rules its
// classification meets, adds what its inside host sent before classification and then each
// packet's payload, alerts `kind: volume` on the byte that crosses, and starts again under
// reloaded rules.

#include <algorithm>

#include <gtest/gtest.h>

#include "inspector_harness.h"

namespace egressmon::testing {
namespace {

rules::Rule volumeRule(uint32_t id, uint64_t bytes,
                       rules::RuleDirection direction = rules::RuleDirection::kEgress) {
    rules::Rule r;
    r.id = id;
    r.name = "volume " + std::to_string(id);
    r.direction = direction;
    r.volume = rules::VolumeCondition{bytes, 60};
    return r;
}

TEST(FlowInspectorVolume, BytesBeforeClassificationCountAndTheCrossingByteAlerts) {
    InspectorHarness h(ruleSet({volumeRule(1, 100)}, "v1"));
    h.send(true, 0, std::string(60, 'a'));
    h.send(false, 0, std::string(500, 'b')); // the outside server's bytes never count
    EXPECT_EQ(h.flow().volume, nullptr);     // not classified yet
    h.classifyNow();
    ASSERT_NE(h.flow().volume, nullptr);
    EXPECT_TRUE(h.alerts().empty()); // 60
    h.send(true, 60, std::string(40, 'a'));
    EXPECT_TRUE(h.alerts().empty()); // 100: not more than 100
    h.send(true, 100, "a");
    ASSERT_EQ(h.alerts().size(), 1u);
    EXPECT_EQ(h.alerts()[0].kind, "volume");
    EXPECT_EQ(h.alerts()[0].signature_id, 1u);
    EXPECT_TRUE(h.alerts()[0].to_server); // the inside client sent it
    h.send(true, 101, std::string(1000, 'a'));
    EXPECT_EQ(h.alerts().size(), 1u); // once per window
    EXPECT_EQ(h.inspector().policyCounters().volume_alerts, 1u);
    EXPECT_EQ(h.inspector().policyCounters().volume_flows, 1u);
}

TEST(FlowInspectorVolume, ARuleWhoseDirectionTheFlowDoesNotMeetCountsNothing) {
    InspectorHarness h(ruleSet({volumeRule(1, 10, rules::RuleDirection::kIngress)}, "v1"));
    h.send(true, 0, std::string(60, 'a'));
    h.classifyNow();
    EXPECT_EQ(h.flow().volume, nullptr);
    EXPECT_EQ(h.inspector().policyCounters().volume_flows, 0u);
}

TEST(FlowInspectorVolume, ContentRulesBesideVolumeRulesStillMatch) {
    InspectorHarness h(ruleSet({volumeRule(1, 100), keywordRule(2, {"SECRET"})}, "v1"));
    h.send(true, 0, "xx SECRET xx");
    h.classifyNow();
    h.send(true, 12, std::string(100, 'a'));
    std::vector<uint32_t> ids = h.alertIds();
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(ids, (std::vector<uint32_t>{1, 2}));
}

TEST(FlowInspectorVolume, AReloadStartsTheWindowsAgain) {
    InspectorHarness h(ruleSet({volumeRule(1, 100)}, "v1"));
    h.classifyNow();
    h.send(true, 0, std::string(60, 'a'));
    h.reload(ruleSet({volumeRule(1, 100)}, "v2"));
    ASSERT_NE(h.flow().volume, nullptr); // the running flow carries on under the new rules
    h.send(true, 60, std::string(60, 'a'));
    EXPECT_TRUE(h.alerts().empty()); // 60 since the reload, not 120
    h.send(true, 120, std::string(41, 'a'));
    ASSERT_EQ(h.alerts().size(), 1u);
    EXPECT_EQ(h.alerts()[0].policy_version, "v2");
    h.reload(ruleSet({keywordRule(2, {"x"})}, "v3")); // no volume rule left
    EXPECT_EQ(h.flow().volume, nullptr);
}

} // namespace
} // namespace egressmon::testing
