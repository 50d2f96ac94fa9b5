#include "dpi/inspect/classification_rules.h"

#include <algorithm>

#include "core/ndpi_risk_names.h"

namespace egressmon::dpi {

namespace {
constexpr uint64_t kOwnRisks = uint64_t{1} << core::kDnsTunnelRisk;
} // namespace

bool flowDirectionAllows(rules::RuleDirection direction, core::NetRelation relation) noexcept {
    switch (direction) {
    case rules::RuleDirection::kEgress: return relation == core::NetRelation::kEgress;
    case rules::RuleDirection::kIngress: return relation == core::NetRelation::kIngress;
    case rules::RuleDirection::kAny: return true;
    }
    return false;
}

bool classificationHolds(const rules::Rule& rule, const core::Flow& flow,
                         const std::vector<int>& protocol_ids,
                         const std::vector<int>& category_ids) noexcept {
    const core::FlowClassification& c = flow.classification;
    if (!flowDirectionAllows(rule.direction, flow.relation)) return false;
    // A name from the port alone, on a flow that never carried payload both ways, is no
    // evidence the application is there (a port scan's SYN to 3389 is not RDP), and nDPI's
    // risks on such a flow follow from that name. With a conversation on the port (IPsec's
    // UDP 500 and ESP, which nDPI 4.2 names by port only) the name stands. egressmon's own
    // risks (DNS_TUNNEL) are evidence of their own, whatever nDPI named.
    const bool guess = c.port_match && (flow.payload_toserver == 0 || flow.payload_toclient == 0);
    const uint64_t risks = guess ? c.risks & kOwnRisks : c.risks;
    if (guess && (!protocol_ids.empty() || !category_ids.empty())) return false;
    const auto any = [](const std::vector<int>& ids, auto&& match) {
        return ids.empty() || std::any_of(ids.begin(), ids.end(), [&](int id) {
                   return id >= 0 && match(static_cast<unsigned>(id));
               });
    };
    // Exact ids: HTTP is not HTTP_Proxy. nDPI leaves the master 0 (Unknown) on a flow of one
    // protocol ("DNS"), so Unknown names only a flow that is Unknown on both.
    if (!any(protocol_ids, [&](unsigned id) {
            if (id == 0) return c.master_protocol == 0 && c.app_protocol == 0;
            return id == c.master_protocol || id == c.app_protocol;
        }))
        return false;
    if (!any(category_ids, [&](unsigned id) { return id == c.category; })) return false;
    return rule.risks == 0 || (rule.risks & risks) != 0;
}

const char* classificationKind(const rules::Rule& rule) noexcept {
    return rule.risks != 0 ? "risk" : "application";
}

} // namespace egressmon::dpi
