// A rule's `action: block` (INTERFACE.md "ICAP"): on captured traffic it only alerts, exactly
// like `action: alert`, and its alert says "allowed"; the inspection session never decides that
// traffic was blocked. An adapter that can stop traffic (the ICAP service) learns the rule's
// action from the rule index its SessionOutput is offered, and marks the alert itself.

#include <gtest/gtest.h>

#include "dpi/inspect/inspection_engine.h"
#include "dpi/inspect/inspection_session.h"
#include "export/eve_alert_record.h"
#include "inspector_harness.h"

namespace egressmon::testing {
namespace {

rules::Rule blockRule(uint32_t id, std::vector<std::string> keywords) {
    rules::Rule r = keywordRule(id, std::move(keywords));
    r.action = rules::RuleAction::kBlock;
    return r;
}

TEST(RuleAction, ABlockRuleOnCapturedTrafficAlertsAsAllowedLikeAnAlertRule) {
    InspectorHarness h(
        ruleSet({blockRule(1, {"TOP SECRET"}), keywordRule(2, {"CONFIDENTIAL"})}, "v1"));
    h.classify();
    h.send(true, 0, "TOP SECRET and CONFIDENTIAL");
    h.end();

    ASSERT_EQ(h.alertIds(), (std::vector<uint32_t>{1, 2}));
    for (const CollectedAlert& a : h.alerts()) {
        SCOPED_TRACE(a.signature_id);
        EXPECT_EQ(a.action, core::AlertAction::kAllowed);
        EXPECT_EQ(a.origin, core::AlertSource::kCapture);
        EXPECT_EQ(a.layer, "tcp.stream");
        EXPECT_EQ(a.offset, a.signature_id == 1 ? 0u : 15u);
    }
}

// Records each offer with the action of the rule it names, as an ICAP adapter would look it up.
class ActionLookingOutput final : public dpi::SessionOutput {
  public:
    explicit ActionLookingOutput(const dpi::InspectionEngine& engine) : engine_(engine) {}
    Verdict offer(uint32_t rule_index, core::Alert&& alert) noexcept override {
        offered.push_back(
            {engine_.matcher().ruleSet().rules()[rule_index].action, std::move(alert)});
        return Verdict::kDelivered;
    }
    std::vector<std::pair<rules::RuleAction, core::Alert>> offered;

  private:
    const dpi::InspectionEngine& engine_;
};

TEST(RuleAction, TheSessionLeavesTheBlockingToItsAdapter) {
    dpi::InspectionEngine engine(
        dpi::InspectionConfig{},
        ruleSet({keywordRule(1, {"CONFIDENTIAL"}), blockRule(2, {"TOP SECRET"})}, "v1"),
        [](const std::string&) { return -1; });
    dpi::SessionScope scope;
    scope.bytes_relation[0] = core::NetRelation::kEgress;
    scope.raw_layer = "icap.request";
    ActionLookingOutput out(engine);
    dpi::InspectionSession session(engine, scope);
    const std::string_view body = "TOP SECRET, CONFIDENTIAL";
    session.data(dpi::Direction::kToServer, reinterpret_cast<const uint8_t*>(body.data()),
                 static_cast<uint32_t>(body.size()), 1, out);
    session.end(2, out);

    ASSERT_EQ(out.offered.size(), 2u);
    for (auto& [rule_action, alert] : out.offered) {
        SCOPED_TRACE(alert.signature_id);
        EXPECT_EQ(rule_action,
                  alert.signature_id == 2 ? rules::RuleAction::kBlock : rules::RuleAction::kAlert);
        EXPECT_EQ(alert.action, core::AlertAction::kAllowed) << "not the session's to decide";
    }

    // The adapter that answered 403 for the block rule says so in the record.
    core::AlertSubject subject;
    subject.origin = core::AlertSource::kIcap;
    for (auto& [rule_action, alert] : out.offered) {
        if (rule_action == rules::RuleAction::kBlock) alert.action = core::AlertAction::kBlocked;
        const std::string record = exporting::buildEveAlertRecord(subject, alert, "s");
        const bool blocked = record.find(R"("action":"blocked")") != std::string::npos;
        EXPECT_EQ(blocked, alert.signature_id == 2) << record;
    }
}

} // namespace
} // namespace egressmon::testing
