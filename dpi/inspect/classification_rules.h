#pragma once
// Application and risk rules (INTERFACE.md "Application, risk and volume rules"): rules without
// content or `file:` conditions, judged once per flow on its classification. What decides
// whether one holds, as a pure function; FlowInspector::onClassified raises the alerts.
//
// Thread: any; pure functions, noexcept.

#include <vector>

#include "core/flow.h"
#include "rules/rule.h"

namespace egressmon::dpi {

// The rule's `direction` for a whole flow: egress, an inside host opened the flow to an outside
// host; ingress, the reverse; any, no condition (flows between two inside or two outside hosts
// included).
bool flowDirectionAllows(rules::RuleDirection direction, core::NetRelation relation) noexcept;

// Every condition the rule gives holds for the flow's (finished) classification: its direction,
// one of its protocols as the master or the app protocol (`protocol_ids`, nDPI ids), one of its
// categories (`category_ids`), one of its risks. An empty list is no condition; an id of -1 (a
// name nDPI does not know) never matches. A classification nDPI made from the port alone
// (FlowClassification::port_match) on a flow without payload in both directions meets no
// protocols, categories or nDPI risks.
bool classificationHolds(const rules::Rule& rule, const core::Flow& flow,
                         const std::vector<int>& protocol_ids,
                         const std::vector<int>& category_ids) noexcept;

// alert.context.dlp.kind of the rule's alerts: "risk" when it names risks, else "application".
const char* classificationKind(const rules::Rule& rule) noexcept;

} // namespace egressmon::dpi
