#include "dpi/inspect/flow_inspector.h"

#include <algorithm>
#include <new>
#include <vector>

#include "core/flow_alert_subject.h"
#include "core/home_net.h"
#include "core/ndpi_risk_names.h"
#include "dpi/inspect/classification_rules.h"
#include "dpi/inspect/inspection_session.h"
#include "dpi/policy/flow_volume.h"

namespace egressmon::dpi {

namespace {

// An alert about a whole flow (application, risk, volume rules): no match, no layer; its
// direction is the flow's, not that of some bytes. Throws std::bad_alloc.
core::Alert flowAlert(const rules::Rule& rule, const rules::RuleSet& rs, const core::Flow& flow,
                      uint64_t ts_us, bool to_server, const char* kind) {
    core::Alert a;
    a.ts_us = ts_us;
    a.to_server = to_server;
    a.signature_id = rule.id;
    a.signature = rule.name;
    a.category = rule.category;
    a.severity = rule.severity;
    a.policy_version = rs.policyVersion();
    a.direction = core::netRelationName(flow.relation);
    a.kind = kind;
    return a;
}

// The inside host of a flow that counts for volume rules, and the payload it has sent.
const core::IpAddress& insideHost(const core::Flow& flow, const FlowVolume& volume) noexcept {
    return volume.inside_is_client ? flow.clientIp() : flow.serverIp();
}
uint64_t insidePayload(const core::Flow& flow, const FlowVolume& volume) noexcept {
    return volume.inside_is_client ? flow.payload_toserver : flow.payload_toclient;
}

// alert.context.dlp.dns_tunnel from a verdict (its domain a view into the detector).
core::AlertDnsTunnel dnsTunnelContext(const DnsTunnelFigures& f) {
    return {std::string(f.domain), f.distinct_names, f.name_bytes, f.mean_entropy,
            f.window_seconds};
}
constexpr const char* kTcpLayer = "tcp.stream";
constexpr const char* kUdpLayer = "udp.datagram";

// Where the bytes of one direction go, relative to --home-net.
core::NetRelation bytesRelation(core::NetRelation flow_relation, bool to_server) {
    if (to_server) return flow_relation;
    switch (flow_relation) {
    case core::NetRelation::kEgress: return core::NetRelation::kIngress;
    case core::NetRelation::kIngress: return core::NetRelation::kEgress;
    default: return flow_relation;
    }
}

SessionScope scopeOf(const core::Flow& flow) {
    SessionScope scope;
    scope.bytes_relation[0] = bytesRelation(flow.relation, true);
    scope.bytes_relation[1] = bytesRelation(flow.relation, false);
    scope.raw_layer = flow.key.ip_proto == core::ipproto::kTcp ? kTcpLayer : kUdpLayer;
    return scope;
}

Direction directionOf(bool to_server) {
    return to_server ? Direction::kToServer : Direction::kToClient;
}
} // namespace

// A match waiting for classification. It carries its rule's protocol scope, so a reload that
// drops or renumbers the rule cannot change the verdict of a match made under it.
struct PendingMatch {
    static constexpr uint32_t kRuleGone = 0xffffffffu; // rule not in the current rule set
    uint32_t rule_index;
    std::vector<int> protocol_ids; // empty (no allocation) for rules without protocols
    core::Alert alert;
};

struct FlowInspection {
    FlowInspection(InspectionEngine& engine, const SessionScope& scope) noexcept
        : session(engine, scope) {}
    std::unique_ptr<core::TcpReassembler> reassembler[2]; // [0] client -> server
    InspectionSession session;
    std::vector<PendingMatch> pending;
};

// The flow's side of a session's alerts: until nDPI has classified the flow an alert could
// neither honour the rule's protocols nor tell the analyst what the traffic is, so it waits
// (bounded) and is settled when classification ends, at the latest when the flow does.
struct FlowOutput final : SessionOutput {
    FlowInspector& inspector;
    core::Flow& flow;
    FlowInspection& state;
    AlertSink& sink;

    FlowOutput(FlowInspector& i, core::Flow& f, FlowInspection& s, AlertSink& a) noexcept
        : inspector(i), flow(f), state(s), sink(a) {}

    Verdict offer(uint32_t rule_index, core::Alert&& alert) noexcept override {
        InspectionEngine& engine = inspector.engine_;
        const std::vector<int>& protocol_ids = engine.protocolIds(rule_index);
        if (!flow.classification.done) {
            if (state.pending.size() >= engine.config().max_pending_alerts) {
                ++engine.counters().pending_overflow;
                return Verdict::kRefused;
            }
            try {
                state.pending.push_back(PendingMatch{rule_index, protocol_ids, std::move(alert)});
            } catch (const std::bad_alloc&) {
                ++engine.counters().pending_overflow;
                return Verdict::kRefused;
            }
            return Verdict::kHeld;
        }
        if (!inspector.protocolAllows(flow, protocol_ids)) {
            ++engine.counters().protocol_filtered;
            return Verdict::kRefused;
        }
        inspector.deliver(flow, std::move(alert), sink);
        return Verdict::kDelivered;
    }
    void fileEnded(core::FileRecord&& record) noexcept override {
        sink.onFile(core::alertSubjectOf(flow, record.to_server), std::move(record));
    }
};

// Hands one direction's reassembled stream to the flow's session.
struct SessionFeeder final : core::StreamConsumer {
    InspectionSession& session;
    Direction direction;
    uint64_t ts_us;
    SessionOutput& out;

    SessionFeeder(InspectionSession& s, Direction d, uint64_t t, SessionOutput& o) noexcept
        : session(s), direction(d), ts_us(t), out(o) {}
    void onData(const uint8_t* data, uint32_t len) noexcept override {
        session.data(direction, data, len, ts_us, out);
    }
    void onGap(uint64_t missing) noexcept override { session.gap(direction, missing, ts_us, out); }
};

FlowInspector::FlowInspector(InspectionConfig config, std::shared_ptr<const rules::RuleSet> rules,
                             const std::function<int(const std::string&)>& protocol_id,
                             const std::function<int(const std::string&)>& category_id,
                             PolicyContext policy)
    : engine_(config, std::move(rules), protocol_id, category_id), policy_(std::move(policy)),
      dns_protocol_id_(protocol_id("DNS")) {
    budget_.max_bytes = config.reassembly_budget_bytes;
    if (!policy_.volume_ledgers)
        policy_.volume_ledgers = std::make_shared<VolumeLedgers>(kDefaultMaxTrackedHosts);
    volume_ledger_ = policy_.volume_ledgers->forRules(engine_.matcher().ruleSetPtr());
    if (namesDnsTunnel(engine_.matcher().ruleSet())) dns_tunnel_ = newDnsTunnelDetector();
}

bool FlowInspector::namesDnsTunnel(const rules::RuleSet& rules) noexcept {
    const uint64_t bit = uint64_t{1} << core::kDnsTunnelRisk;
    return std::any_of(rules.rules().begin(), rules.rules().end(),
                       [&](const rules::Rule& r) { return (r.risks & bit) != 0; });
}

std::unique_ptr<DnsTunnelDetector> FlowInspector::newDnsTunnelDetector() {
    if (!policy_.registered_domains)
        policy_.registered_domains = std::make_shared<const RegisteredDomains>();
    return std::make_unique<DnsTunnelDetector>(policy_.dns_tunnel, policy_.registered_domains);
}

FlowInspector::~FlowInspector() = default;

void FlowInspector::switchRules(std::shared_ptr<const rules::RuleSet> rules,
                                core::FlowTable& table) {
    const auto old_rules = engine_.matcher().ruleSetPtr(); // keeps the old database alive below
    // Everything that may throw first, so a failure leaves the old rules whole.
    std::shared_ptr<VolumeLedger> ledger = policy_.volume_ledgers->forRules(rules);
    const bool dns_tunnel = namesDnsTunnel(*rules);
    // A running detector's windows carry on across the reload.
    std::unique_ptr<DnsTunnelDetector> detector =
        dns_tunnel && !dns_tunnel_ ? newDnsTunnelDetector() : nullptr;
    const std::vector<int64_t> moved = engine_.adopt(std::move(rules)); // may throw: unchanged
    volume_ledger_ = std::move(ledger);
    if (!dns_tunnel)
        dns_tunnel_.reset();
    else if (detector)
        dns_tunnel_ = std::move(detector);
    table.forEach([&](core::Flow& flow) {
        // Volume sums start again under the new rules; a running flow counts on from here.
        delete flow.volume;
        flow.volume = nullptr;
        if (flow.classification.done) joinVolumeRules(flow, flow.last_ts_us, false, nullptr);
        flow.inspection_declined = false; // the new rules may cover this flow after all
        FlowInspection* st = flow.inspection;
        if (!st) return;
        st->session.rebase(moved);
        // Matches made under the old rules still alert (with the policy that matched); those
        // whose rule is gone just no longer deduplicate against future matches.
        for (PendingMatch& pm : st->pending)
            pm.rule_index = pm.rule_index >= moved.size() || moved[pm.rule_index] < 0
                                ? PendingMatch::kRuleGone
                                : static_cast<uint32_t>(moved[pm.rule_index]);
    });
}

FlowInspection* FlowInspector::stateFor(core::Flow& flow) noexcept {
    if (flow.inspection) return flow.inspection;
    // Without content or file rules only fileinfo records (--files) need the flow's bytes.
    if ((!engine_.hasRules() && !engine_.config().file_records) || flow.inspection_declined)
        return nullptr;
    const SessionScope scope = scopeOf(flow);
    if (!engine_.appliesTo(scope.bytes_relation[0]) &&
        !engine_.appliesTo(scope.bytes_relation[1])) {
        flow.inspection_declined = true; // no rule can ever match this flow: no state at all
        return nullptr;
    }
    flow.inspection = new (std::nothrow) FlowInspection(engine_, scope);
    return flow.inspection;
}

void FlowInspector::onPacket(core::Flow& flow, const core::Packet& p, bool to_server,
                             AlertSink& sink) noexcept {
    if (flow.volume && p.payload_len > 0) countVolume(flow, p.ts_us, &sink);
    if (dns_tunnel_ && p.ip_proto == core::ipproto::kUdp && p.payload_len > 0) {
        const auto& c = flow.classification;
        const bool dns = flow.serverPort() == 53 || flow.clientPort() == 53 ||
                         (dns_protocol_id_ > 0 && (c.master_protocol == dns_protocol_id_ ||
                                                   c.app_protocol == dns_protocol_id_));
        if (dns) observeDns(flow, p, to_server, sink);
    }
    const bool tcp = p.ip_proto == core::ipproto::kTcp;
    if (!tcp && p.ip_proto != core::ipproto::kUdp) return;
    FlowInspection* st = stateFor(flow);
    if (!st) return;
    // Matches made before nDPI finished go out first: a new match of the same rule in this
    // packet must be a repeat of them, not replace them (their offset and time are earlier).
    if (!st->pending.empty() && flow.classification.done) settlePending(flow, *st, sink);
    const Direction direction = directionOf(to_server);
    releaseUnwanted(*st);
    if (st->session.wants(direction)) {
        FlowOutput out(*this, flow, *st, sink);
        const uint8_t* payload = p.data + p.payload_offset;
        if (tcp) {
            std::unique_ptr<core::TcpReassembler>& reassembler = st->reassembler[to_server ? 0 : 1];
            if (!reassembler)
                reassembler.reset(new (std::nothrow)
                                      core::TcpReassembler(engine_.config().reassembly, budget_));
            SessionFeeder feeder(st->session, direction, p.ts_us, out);
            if (reassembler)
                reassembler->onSegment(p.tcp_seq, payload, p.payload_len, p.tcp_flags, feeder);
            releaseUnwanted(*st);
        } else {
            st->session.datagram(direction, payload, p.payload_len, p.ts_us, out);
        }
    }
    // The ACK tells what the other side received, whether or not any rule inspects this
    // packet's own direction: with egress-only rules the receiver's ACKs travel in a direction
    // nothing inspects, and they are what gives up a hole that mirror-port loss left upstream.
    if (tcp) acknowledge(flow, *st, p, !to_server, sink);
    // Between datagrams a UDP flow needs state only to remember what it alerted on or what
    // waits for classification; without either it goes (most UDP flows are DNS lookups that
    // never alert) and is built again for the next datagram.
    if (!tcp && !st->session.hasAlerted() && st->pending.empty()) {
        delete st;
        flow.inspection = nullptr;
    }
}

void FlowInspector::acknowledge(core::Flow& flow, FlowInspection& st, const core::Packet& p,
                                bool data_to_server, AlertSink& sink) noexcept {
    // This packet's ACK tells what the other side received: holes it covers were capture loss.
    if (!(p.tcp_flags & core::tcpflag::kAck)) return;
    const Direction direction = directionOf(data_to_server);
    core::TcpReassembler* reassembler = st.reassembler[data_to_server ? 0 : 1].get();
    if (!reassembler || !st.session.wants(direction)) return;
    FlowOutput out(*this, flow, st, sink);
    SessionFeeder feeder(st.session, direction, p.ts_us, out);
    reassembler->onAck(p.tcp_ack, feeder);
    releaseUnwanted(st); // the ACK may have carried the direction past its depth
}

// A direction the session no longer wants (past its depth, found to be no companion stream, or
// out of the rules after a reload) holds no out-of-order bytes any longer. Never called while a
// feeder of that reassembler runs.
void FlowInspector::releaseUnwanted(FlowInspection& st) noexcept {
    for (int d = 0; d < 2; ++d)
        if (st.reassembler[d] && !st.session.wants(directionOf(d == 0))) st.reassembler[d].reset();
}

void FlowInspector::onClassified(core::Flow& flow, uint64_t ts_us, AlertSink& sink) noexcept {
    const rules::RuleSet& rs = engine_.matcher().ruleSet();
    for (const uint32_t r : rs.classificationRules()) {
        const rules::Rule& rule = rs.rules()[r];
        if (!classificationHolds(rule, flow, engine_.protocolIds(r), engine_.categoryIds(r)))
            continue;
        try {
            // src_* is the inside host: the server of an ingress flow, else the client.
            const bool to_server = flow.relation != core::NetRelation::kIngress;
            if (rule.suppress_s != 0 &&
                suppressed(r, to_server ? flow.clientIp() : flow.serverIp(), ts_us))
                continue;
            core::Alert a = flowAlert(rule, rs, flow, ts_us, to_server, classificationKind(rule));
            if (flow.dns_tunnel && (rule.risks & uint64_t{1} << core::kDnsTunnelRisk))
                a.dns_tunnel = *flow.dns_tunnel;
            deliver(flow, std::move(a), sink);
        } catch (const std::bad_alloc&) {
            ++engine_.counters().classification_alerts_lost;
        }
    }
    joinVolumeRules(flow, ts_us, true, &sink);
}

VolumeLedger::Acquired FlowInspector::acquireHost(const core::IpAddress& host) noexcept {
    const VolumeLedger::Acquired acquired = volume_ledger_->acquire(host);
    if (acquired.evicted) ++policy_counters_.volume_hosts_evicted;
    return acquired;
}

bool FlowInspector::suppressed(uint32_t rule_index, const core::IpAddress& host,
                               uint64_t ts_us) noexcept {
    if (!volume_ledger_) return false;
    const rules::RuleSet& rs = engine_.matcher().ruleSet();
    const std::vector<uint32_t>& list = rs.suppressedRules();
    const auto it = std::find(list.begin(), list.end(), rule_index);
    if (it == list.end()) return false;
    const uint32_t column =
        static_cast<uint32_t>(rs.volumeRules().size() + static_cast<size_t>(it - list.begin()));
    const VolumeLedger::Acquired acquired = acquireHost(host);
    // No room to remember the host: the alert goes out (a lost suppression is noise, a lost
    // alert is not).
    if (acquired.handle.slot == VolumeLedger::kNoSlot) return false;
    uint64_t counted_window = 0;
    if (volume_ledger_->add(acquired.handle, column, 1, ts_us, counted_window).crossed)
        return false;
    ++policy_counters_.alerts_suppressed;
    return true;
}

void FlowInspector::joinVolumeRules(core::Flow& flow, uint64_t ts_us, bool count_past,
                                    AlertSink* sink) noexcept {
    if (!volume_ledger_ || engine_.matcher().ruleSet().volumeRules().empty()) return;
    // Only bytes an inside host sends to an outside host count (egress: the client's; ingress:
    // the server's); a rule's direction narrows that further.
    if (flow.relation != core::NetRelation::kEgress && flow.relation != core::NetRelation::kIngress)
        return;
    const rules::RuleSet& rs = engine_.matcher().ruleSet();
    const std::vector<uint32_t>& volume_rules = rs.volumeRules();
    auto* volume = new (std::nothrow) FlowVolume;
    if (!volume) {
        ++policy_counters_.volume_flows_untracked;
        return;
    }
    try {
        for (uint32_t c = 0; c < volume_rules.size(); ++c) {
            const uint32_t r = volume_rules[c];
            if (classificationHolds(rs.rules()[r], flow, engine_.protocolIds(r),
                                    engine_.categoryIds(r)))
                volume->columns.push_back({c, 0});
        }
    } catch (const std::bad_alloc&) {
        volume->columns.clear();
        ++policy_counters_.volume_flows_untracked;
    }
    if (volume->columns.empty()) {
        delete volume;
        return;
    }
    volume->inside_is_client = flow.relation == core::NetRelation::kEgress;
    const VolumeLedger::Acquired acquired = acquireHost(insideHost(flow, *volume));
    if (acquired.handle.slot == VolumeLedger::kNoSlot) {
        ++policy_counters_.volume_flows_untracked;
        delete volume;
        return;
    }
    ++policy_counters_.volume_flows;
    volume->handle = acquired.handle;
    flow.volume = volume;
    if (!count_past) volume->counted_payload = insidePayload(flow, *volume);
    countVolume(flow, ts_us, sink);
}

// Adds what the inside host sent since the last call: on the packet path that is the packet's
// payload; right after classification, everything it sent before.
void FlowInspector::countVolume(core::Flow& flow, uint64_t ts_us, AlertSink* sink) noexcept {
    FlowVolume& volume = *flow.volume;
    const uint64_t sent = insidePayload(flow, volume);
    if (sent <= volume.counted_payload) return;
    const uint64_t bytes = sent - volume.counted_payload;
    volume.counted_payload = sent;
    for (FlowVolume::Column& column : volume.columns) {
        VolumeLedger::Added added =
            volume_ledger_->add(volume.handle, column.column, bytes, ts_us, column.counted_window);
        if (added.stale) {
            // The host was evicted while this flow ran: its windows start again with this flow.
            ++policy_counters_.volume_hosts_reacquired;
            volume.handle = acquireHost(insideHost(flow, volume)).handle;
            for (FlowVolume::Column& c : volume.columns)
                c.counted_window = 0;
            added = volume_ledger_->add(volume.handle, column.column, bytes, ts_us,
                                        column.counted_window);
        }
        if (added.crossed && sink) raiseVolumeAlert(flow, column.column, added, ts_us, *sink);
    }
}

void FlowInspector::observeDns(core::Flow& flow, const core::Packet& p, bool to_server,
                               AlertSink& sink) noexcept {
    const core::IpAddress& sender = to_server ? flow.clientIp() : flow.serverIp();
    const core::IpAddress& receiver = to_server ? flow.serverIp() : flow.clientIp();
    const std::optional<DnsTunnelFigures> verdict = dns_tunnel_->observeMessage(
        sender, receiver, {p.data + p.payload_offset, p.payload_len}, p.ts_us);
    if (verdict) raiseLaterRisk(flow, core::kDnsTunnelRisk, *verdict, p.ts_us, sink);
}

void FlowInspector::raiseLaterRisk(core::Flow& flow, unsigned risk, const DnsTunnelFigures& figures,
                                   uint64_t ts_us, AlertSink& sink) noexcept {
    core::FlowClassification& c = flow.classification;
    const uint64_t before = c.risks;
    const uint64_t after = before | uint64_t{1} << risk;
    if (after == before) return; // the flow has it already: its rules have had their say
    c.risks = after;
    if (!c.done) { // onClassified judges the rules with it, and needs the figures then
        try {
            flow.dns_tunnel = std::make_unique<core::AlertDnsTunnel>(dnsTunnelContext(figures));
        } catch (const std::bad_alloc&) {
            // the alert will lack alert.context.dlp.dns_tunnel, nothing else
        }
        return;
    }
    const rules::RuleSet& rs = engine_.matcher().ruleSet();
    for (const uint32_t r : rs.classificationRules()) {
        const rules::Rule& rule = rs.rules()[r];
        if (!(rule.risks & (uint64_t{1} << risk))) continue;
        // Only rules the new risk makes hold: the others alerted (or not) at classification.
        const bool holds =
            classificationHolds(rule, flow, engine_.protocolIds(r), engine_.categoryIds(r));
        c.risks = before;
        const bool held =
            classificationHolds(rule, flow, engine_.protocolIds(r), engine_.categoryIds(r));
        c.risks = after;
        if (!holds || held) continue;
        if (rule.suppress_s != 0 && suppressed(r, figures.host, ts_us)) continue;
        try {
            // The querying host is the source: the client of a DNS flow.
            core::Alert a =
                flowAlert(rule, rs, flow, ts_us, figures.host == flow.clientIp(), "risk");
            a.dns_tunnel = dnsTunnelContext(figures);
            deliver(flow, std::move(a), sink);
        } catch (const std::bad_alloc&) {
            ++engine_.counters().classification_alerts_lost;
        }
    }
}

void FlowInspector::raiseVolumeAlert(core::Flow& flow, uint32_t column,
                                     const VolumeLedger::Added& added, uint64_t ts_us,
                                     AlertSink& sink) noexcept {
    const rules::RuleSet& rs = engine_.matcher().ruleSet();
    const rules::Rule& rule = rs.rules()[rs.volumeRules()[column]];
    try {
        // The inside host sent the bytes.
        core::Alert a = flowAlert(rule, rs, flow, ts_us, flow.volume->inside_is_client, "volume");
        a.volume = core::AlertVolume{added.bytes, rule.volume->window_s, added.flows,
                                     added.window_start_us};
        ++policy_counters_.volume_alerts;
        deliver(flow, std::move(a), sink);
    } catch (const std::bad_alloc&) {
        ++policy_counters_.volume_alerts_lost;
    }
}

void FlowInspector::onFlowEnd(core::Flow& flow, AlertSink& sink) noexcept {
    delete flow.volume;
    flow.volume = nullptr;
    FlowInspection* st = flow.inspection;
    if (!st) return;
    FlowOutput out(*this, flow, *st, sink);
    for (int d = 0; d < 2; ++d) { // each direction drained, then ended, the client's first
        const Direction direction = directionOf(d == 0);
        if (st->reassembler[d]) {
            SessionFeeder feeder(st->session, direction, flow.last_ts_us, out);
            st->reassembler[d]->close(feeder);
        }
        st->session.endDirection(direction, flow.last_ts_us, out);
    }
    settlePending(flow, *st, sink);
    delete st;
    flow.inspection = nullptr;
}

bool FlowInspector::protocolAllows(const core::Flow& flow,
                                   const std::vector<int>& ids) const noexcept {
    if (ids.empty()) return true;
    const auto& c = flow.classification;
    for (int id : ids)
        if (id >= 0 && (id == c.master_protocol || id == c.app_protocol)) return true;
    return false;
}

void FlowInspector::deliver(core::Flow& flow, core::Alert&& alert, AlertSink& sink) noexcept {
    ++flow.alerts;
    ++engine_.counters().alerts;
    const core::AlertSubject subject = core::alertSubjectOf(flow, alert.to_server);
    sink.onAlert(subject, std::move(alert));
}

void FlowInspector::settlePending(core::Flow& flow, FlowInspection& st, AlertSink& sink) noexcept {
    for (PendingMatch& pm : st.pending) {
        // A match whose rule a reload removed still alerts (under the policy that made it); the
        // session no longer knows its rule, which cannot match again anyway.
        if (!protocolAllows(flow, pm.protocol_ids)) {
            ++engine_.counters().protocol_filtered;
            if (pm.rule_index != PendingMatch::kRuleGone) st.session.releaseRule(pm.rule_index);
            continue;
        }
        deliver(flow, std::move(pm.alert), sink);
    }
    st.pending.clear();
}

} // namespace egressmon::dpi
