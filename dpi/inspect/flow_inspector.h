#pragma once
// The packet side of content inspection: what turns a worker's packets into the bytes, gaps and
// ends an InspectionSession (dpi/inspect/inspection_session.h) takes. Per flow: TCP reassembly
// per direction (the receiver's ACKs give up holes the capture missed), UDP datagram by
// datagram, and one session for both directions. A session's alert waits here (bounded) until
// nDPI has classified the flow, so it can honour the rule's protocols and name the flow's
// protocol; then it goes to the AlertSink (alert_sink.h) with its subject: the flow's endpoints
// as sender and receiver of the matching bytes (core/flow_alert_subject.h). The application
// names are left to the sink: the classifier that spells them is the worker's, not this one's.
//
// Call flow per packet: Worker -> FlowInspector::onPacket -> TcpReassembler -> SessionFeeder ->
// InspectionSession::data / gap -> (match) FlowOutput::offer -> AlertSink::onAlert.
//
// Thread: one instance per worker; per-flow state hangs off core::Flow::inspection and is
// freed by onFlowEnd. Construction may throw (start-up); the rest is noexcept.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/alert.h"
#include "core/flow.h"
#include "core/flow_table.h"
#include "core/packet.h"
#include "core/tcp_reassembler.h"
#include "dpi/inspect/alert_sink.h"
#include "dpi/inspect/inspection_engine.h"
#include "dpi/inspect/inspection_types.h"
#include "dpi/policy/policy_context.h"
#include "dpi/policy/policy_counters.h"

namespace egressmon::dpi {

struct FlowInspection; // per-flow state (flow_inspector.cpp)

class FlowInspector {
  public:
    // `protocol_id` resolves a rule's nDPI protocol name to nDPI ids (-1 unknown), and
    // `category_id` a category name; the caller already rejected unknown names at rule load.
    // `policy`: the volume ledgers shared by every worker of the process (volume rules sum a
    // host's bytes over all of them; null: this inspector's own), the Public Suffix List and
    // the DNS tunnel detector's configuration (the detector runs only while a rule names
    // DNS_TUNNEL). Throws (start-up) when the list cannot be loaded.
    FlowInspector(InspectionConfig config, std::shared_ptr<const rules::RuleSet> rules,
                  const std::function<int(const std::string&)>& protocol_id,
                  const std::function<int(const std::string&)>& category_id = {},
                  PolicyContext policy = {});
    ~FlowInspector();

    // After the packet was counted on the flow and shown to the classifier.
    void onPacket(core::Flow& flow, const core::Packet& packet, bool to_server,
                  AlertSink& sink) noexcept;
    // nDPI has just finished classifying the flow (`ts_us`: the packet that finished it, or the
    // flow's last one when it ended first): every application and risk rule that holds alerts,
    // once, since a flow is classified once. nDPI 4.2 raises no risk after that: its per-flow
    // state is gone (dpi/classify). The alert's source is the inside host, else the client.
    // A flow between an inside and an outside host that volume rules hold for starts adding
    // the inside host's payload to their sums, what it sent before classification included.
    // A risk egressmon adds later (DNS_TUNNEL, on a DNS message of the flow) alerts then for
    // the rules it newly satisfies.
    void onClassified(core::Flow& flow, uint64_t ts_us, AlertSink& sink) noexcept;
    // The flow ends (classification already finished): drain reassembly, end the session,
    // settle waiting matches, free the flow's state.
    void onFlowEnd(core::Flow& flow, AlertSink& sink) noexcept;

    // Hot reload, on the worker between batches: everything for `rules` is built first (throws,
    // leaving the old rules in force, if that fails); then every live flow of `table` moves to
    // it: its session's streams are closed (a match spanning the switch is lost; one ending
    // exactly at it, "$"-anchored, too) and reopen on the next byte against the new database,
    // and the rules it already alerted on or is waiting to alert on carry over by signature id.
    void switchRules(std::shared_ptr<const rules::RuleSet> rules, core::FlowTable& table);

    const InspectionCounters& counters() const noexcept { return engine_.counters(); }
    const PolicyCounters& policyCounters() const noexcept { return policy_counters_; }
    // Zero when no rule names DNS_TUNNEL (the detector is not running).
    DnsTunnelCounters dnsTunnelCounters() const noexcept {
        return dns_tunnel_ ? dns_tunnel_->counters() : DnsTunnelCounters{};
    }
    // The worker's clock moved (at most once a second of it): idle DNS tunnel windows go.
    void advanceClock(uint64_t now_us) noexcept {
        if (dns_tunnel_) dns_tunnel_->expire(now_us);
    }
    const core::ReassemblyBudget& reassembly() const noexcept { return budget_; }
    // The engine's counters (decoders, transforms, the matcher) are read through it.
    const InspectionEngine& engine() const noexcept { return engine_; }

  private:
    friend struct FlowOutput;
    FlowInspection* stateFor(core::Flow& flow) noexcept;
    void acknowledge(core::Flow& flow, FlowInspection& st, const core::Packet& p,
                     bool data_to_server, AlertSink& sink) noexcept;
    void settlePending(core::Flow& flow, FlowInspection& st, AlertSink& sink) noexcept;
    void releaseUnwanted(FlowInspection& st) noexcept;
    bool protocolAllows(const core::Flow& flow,
                        const std::vector<int>& protocol_ids) const noexcept;
    void deliver(core::Flow& flow, core::Alert&& alert, AlertSink& sink) noexcept;
    // Volume rules (dpi/policy/): which of them the flow counts for, and its payload's share.
    void joinVolumeRules(core::Flow& flow, uint64_t ts_us, bool count_past,
                         AlertSink* sink) noexcept;
    void countVolume(core::Flow& flow, uint64_t ts_us, AlertSink* sink) noexcept;
    // The volume ledger's slot for `host`, an eviction it made counted.
    VolumeLedger::Acquired acquireHost(const core::IpAddress& host) noexcept;
    // A rule with `suppress` already alerted for `host` in the current window (counted).
    bool suppressed(uint32_t rule_index, const core::IpAddress& host, uint64_t ts_us) noexcept;
    void raiseVolumeAlert(core::Flow& flow, uint32_t column, const VolumeLedger::Added& added,
                          uint64_t ts_us, AlertSink& sink) noexcept;
    // DNS tunnel detection (dpi/policy/dns_tunnel_detector.h) on one of the flow's datagrams.
    void observeDns(core::Flow& flow, const core::Packet& p, bool to_server,
                    AlertSink& sink) noexcept;
    void raiseLaterRisk(core::Flow& flow, unsigned risk, const DnsTunnelFigures& figures,
                        uint64_t ts_us, AlertSink& sink) noexcept;
    // The detector runs exactly while some rule names DNS_TUNNEL (made at start-up or reload;
    // throws when the Public Suffix List cannot be loaded).
    static bool namesDnsTunnel(const rules::RuleSet& rules) noexcept;
    std::unique_ptr<DnsTunnelDetector> newDnsTunnelDetector();

    InspectionEngine engine_;
    core::ReassemblyBudget budget_;
    PolicyContext policy_;
    std::unique_ptr<DnsTunnelDetector> dns_tunnel_; // null: no rule names DNS_TUNNEL
    int dns_protocol_id_ = -1;                      // nDPI's id of "DNS"
    std::shared_ptr<VolumeLedger> volume_ledger_;   // of the current rules; null: no volume rule
    PolicyCounters policy_counters_;
};

} // namespace egressmon::dpi
