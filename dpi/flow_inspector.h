#pragma once
// Content inspection of a worker's flows: TCP reassembly per direction, UDP datagram by
// datagram, Hyperscan streaming match on the raw bytes, rule scoping (direction of the bytes
// relative to --home-net, nDPI protocol, validators), one alert per (flow, rule).
//
// Call flow per packet: Worker -> FlowInspector::onPacket -> TcpReassembler -> DirectionConsumer
// ::onData -> StreamMatcher::scan -> onMatch -> scope checks -> AlertSink::onAlert.
// A match waits (bounded) until nDPI has classified the flow, so the alert can honour the rule's
// protocols and name the flow's protocol.
//
// Thread: one instance per worker; per-flow state hangs off core::Flow::inspection and is
// freed by onFlowEnd. Construction may throw (start-up); the rest is noexcept.

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/alert.h"
#include "core/counter_table.h"
#include "core/flow.h"
#include "core/flow_table.h"
#include "core/packet.h"
#include "core/tcp_reassembler.h"
#include "http_decoder.h"
#include "rules/stream_matcher.h"
#include "smtp_decoder.h"

namespace egressmon::dpi {

struct InspectionConfig {
    core::ReassemblyConfig reassembly;
    uint64_t reassembly_budget_bytes = 256ull << 20; // out-of-order bytes, whole worker
    uint64_t max_depth_bytes = 64ull << 20;          // inspected per flow direction
    uint32_t context_width = 0;                      // payload bytes allowed in a snippet
    uint32_t max_pending_alerts = 32;                // per flow, waiting for classification
    SmtpDecoderLimits smtp;                          // line, header and MIME nesting bounds
    HttpDecoderLimits http;                          // header and decompression bounds
};

// One line per counter: X(field, unit, help, exports); see core/counter_table.h.
#define EGRESSMON_INSPECTION_COUNTERS(X)                                                           \
    X(bytes_inspected, "bytes", "Stream and decoded-layer bytes scanned by the rules",             \
      counter::metric("egressmon_inspected_bytes_total"))                                          \
    X(depth_exceeded, "directions", "Flow directions whose inspection stopped at the depth limit", \
      counter::limit("inspection-depth"))                                                          \
    X(alerts, "alerts", "Alerts raised (by rule and severity: egressmon_alerts_total)",            \
      counter::stats("alerts"))                                                                    \
    X(repeat_matches, "matches", "Later matches of an already alerted (flow, rule)",               \
      counter::series("repeat_match"))                                                             \
    X(validator_rejected, "matches", "Matches a validator (Luhn, GB 11643) rejected",              \
      counter::series("validator_rejected"))                                                       \
    X(validator_unavailable, "matches",                                                            \
      "Matches a validator could no longer check (text left the history window)",                  \
      counter::series("validator_unavailable"))                                                    \
    X(protocol_filtered, "matches", "Matches outside a rule's protocols",                          \
      counter::series("protocol_filtered"))                                                        \
    X(pending_overflow, "matches", "Matches dropped because too many waited for classification",   \
      counter::series("pending_overflow"))                                                         \
    /* one X(...) per counter, above this line */

struct InspectionCounters {
    EGRESSMON_INSPECTION_COUNTERS(EGRESSMON_COUNTER_FIELD)
    EGRESSMON_COUNTER_TABLE(InspectionCounters, EGRESSMON_INSPECTION_COUNTERS, "inspection",
                            "inspection", "egressmon_inspection_events_total")
    EGRESSMON_COUNTER_SUM(InspectionCounters)
};

class AlertSink {
  public:
    virtual ~AlertSink() = default;
    virtual void onAlert(const core::Flow& flow, core::Alert&& alert) noexcept = 0;
};

struct FlowInspection; // per-flow state (flow_inspector.cpp)
struct ScanContext;    // one scan call's scope (layer_scan.h)

class FlowInspector {
  public:
    // `protocol_ids` resolves a rule's nDPI protocol name to nDPI ids (-1 unknown); the caller
    // already rejected unknown names at rule load.
    FlowInspector(InspectionConfig config, std::shared_ptr<const rules::RuleSet> rules,
                  const std::function<int(const std::string&)>& protocol_id);
    ~FlowInspector();

    // After the packet was counted on the flow and shown to the classifier.
    void onPacket(core::Flow& flow, const core::Packet& packet, bool to_server,
                  AlertSink& sink) noexcept;
    // The flow ends (classification already finished): drain reassembly, close streams, settle
    // waiting matches, free the flow's state.
    void onFlowEnd(core::Flow& flow, AlertSink& sink) noexcept;

    // Hot reload, on the worker between batches: everything for `rules` is built first (throws,
    // leaving the old rules in force, if that fails); then every live flow of `table` moves to
    // it: its streams are closed (a match spanning the switch is lost; one ending exactly at it,
    // "$"-anchored, too) and reopen on the next byte against the new database, and the rules it
    // already alerted on or is waiting to alert on carry over by signature id.
    void switchRules(std::shared_ptr<const rules::RuleSet> rules, core::FlowTable& table);

    const InspectionCounters& counters() const noexcept { return counters_; }
    const core::ReassemblyBudget& reassembly() const noexcept { return budget_; }
    const rules::StreamMatcher& matcher() const noexcept { return matcher_; }
    const HttpDecoderCounters& http() const noexcept { return http_counters_; }
    const SmtpDecoderCounters& smtp() const noexcept { return smtp_counters_; }

  private:
    friend struct ScanContext;
    void handleMatch(ScanContext& context, const rules::MatchEvent& event) noexcept;
    struct RuleScope {
        std::vector<int> protocol_ids; // empty: any protocol
    };

    FlowInspection* stateFor(core::Flow& flow) noexcept;
    bool appliesTo(core::NetRelation bytes_relation) const noexcept;
    void adopt(std::shared_ptr<const rules::RuleSet> rules);
    void acknowledge(core::Flow& flow, FlowInspection& st, const core::Packet& p,
                     bool data_to_server, AlertSink& sink) noexcept;
    void settlePending(core::Flow& flow, FlowInspection& st, AlertSink& sink) noexcept;
    bool protocolAllows(const core::Flow& flow,
                        const std::vector<int>& protocol_ids) const noexcept;

    InspectionConfig config_;
    std::function<int(const std::string&)> protocol_id_;
    rules::StreamMatcher matcher_;
    // Decoded-layer bytes of the raw chunk being processed, per layer slot (see LayerTable):
    // worker-wide, so no flow holds a buffer of its own.
    std::array<std::string, 4> layer_gather_;
    std::vector<RuleScope> scopes_;
    std::vector<uint32_t> pattern_lengths_;     // encoded keyword length per pattern (0: regex)
    bool rules_for_[3] = {false, false, false}; // some rule applies to egress/ingress/any bytes
    core::ReassemblyBudget budget_;
    HttpDecoderCounters http_counters_;
    SmtpDecoderCounters smtp_counters_;
    InspectionCounters counters_;
};

} // namespace egressmon::dpi
