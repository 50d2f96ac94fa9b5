#pragma once
// Test harness for dpi::FlowInspector without captures: one TCP or UDP flow in a real FlowTable,
// segments built as core::Packet values around caller-owned payloads, alerts collected.
// Classification is set by the test (nDPI is not involved), so a test decides when matches
// stop waiting for it.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/flow_table.h"
#include "core/packet.h"
#include "dpi/inspect/flow_inspector.h"
#include "rules/rule_set.h"

namespace egressmon::testing {

inline rules::Rule keywordRule(uint32_t id, std::vector<std::string> keywords) {
    rules::Rule r;
    r.id = id;
    r.name = "rule " + std::to_string(id);
    r.keywords = std::move(keywords);
    r.encodings = {rules::Encoding::kUtf8};
    return r;
}

inline std::shared_ptr<const rules::RuleSet> ruleSet(std::vector<rules::Rule> rules,
                                                     std::string version) {
    return rules::RuleSet::compile(std::move(rules), std::move(version));
}

struct CollectedAlert {
    uint32_t signature_id;
    std::string policy_version;
    std::string layer;
    uint64_t offset;
    bool to_server;
    std::string kind;                    // alert.context.dlp.kind
    std::optional<core::AlertFile> file; // alert.context.dlp.file
    core::AlertAction action;            // alert.action
    core::AlertSource origin;            // alert.context.dlp.source (of the subject)
};

class CollectingSink final : public dpi::AlertSink {
  public:
    void onAlert(const core::AlertSubject& s, core::Alert&& a) noexcept override {
        alerts.push_back({a.signature_id, a.policy_version, a.layer, a.offset, a.to_server, a.kind,
                          std::move(a.file), a.action, s.origin});
    }
    std::vector<CollectedAlert> alerts;
};

// One flow from an inside client (10.0.0.1:40000) to an outside server (192.0.2.1:port): the
// client's bytes are egress. Segments are given by stream offset; sequence numbers start at
// kIsn + 1 in both directions (the SYNs are not sent: mid-stream pickup at the first segment).
class InspectorHarness {
  public:
    static constexpr uint32_t kIsn = 1000;

    explicit InspectorHarness(std::shared_ptr<const rules::RuleSet> rules,
                              dpi::InspectionConfig config = {}, bool tcp = true,
                              uint16_t server_port = 7000)
        : table_(16, core::FlowTimeouts{}),
          inspector_(config, std::move(rules), [](const std::string&) { return -1; }), tcp_(tcp) {
        core::FlowKey key;
        key.lo_ip = *core::IpAddress::parse("10.0.0.1");
        key.hi_ip = *core::IpAddress::parse("192.0.2.1");
        key.lo_port = 40000;
        key.hi_port = server_port;
        key.ip_proto = tcp ? core::ipproto::kTcp : core::ipproto::kUdp;
        flow_ = table_.create(key, 1, 0, [](core::Flow&, core::FlowEndReason) {});
        flow_->client_is_lo = true;
        flow_->relation = core::NetRelation::kEgress;
    }

    ~InspectorHarness() {
        if (flow_->inspection || flow_->volume) end(); // frees the flow's per-flow state
    }
    InspectorHarness(const InspectorHarness&) = delete;
    InspectorHarness& operator=(const InspectorHarness&) = delete;

    // `bytes` at stream offset `offset` of one direction, acknowledging `ack_offset` bytes of
    // the other direction (no ACK flag when negative).
    void send(bool to_server, uint64_t offset, std::string_view bytes, int64_t ack_offset = -1) {
        core::Packet p;
        p.ts_us = ++clock_;
        payloads_.emplace_back(bytes);
        p.data = reinterpret_cast<const uint8_t*>(payloads_.back().data());
        p.payload_offset = 0;
        p.payload_len = static_cast<uint32_t>(bytes.size());
        // As core::updateFlowWithPacket would (volume rules read these).
        (to_server ? flow_->payload_toserver : flow_->payload_toclient) += bytes.size();
        p.ip_proto = tcp_ ? core::ipproto::kTcp : core::ipproto::kUdp;
        p.tcp_seq = static_cast<uint32_t>(kIsn + 1 + offset);
        p.tcp_flags = core::tcpflag::kPsh;
        if (ack_offset >= 0) {
            p.tcp_flags |= core::tcpflag::kAck;
            p.tcp_ack = static_cast<uint32_t>(kIsn + 1 + ack_offset);
        }
        inspector_.onPacket(*flow_, p, to_server, sink_);
    }
    // A client -> server stream sent in order in `pieces`, starting at offset 0.
    void sendInPieces(const std::vector<std::string>& pieces) {
        uint64_t offset = 0;
        for (const std::string& piece : pieces) {
            send(true, offset, piece);
            offset += piece.size();
        }
    }

    void classify(uint16_t master = 0, uint16_t app = 0) {
        flow_->classification.master_protocol = master;
        flow_->classification.app_protocol = app;
        flow_->classification.done = true;
    }
    // classify(), then what the worker does when nDPI has just finished.
    void classifyNow(uint16_t master = 0, uint16_t app = 0) {
        classify(master, app);
        inspector_.onClassified(*flow_, clock_, sink_);
    }
    void reload(std::shared_ptr<const rules::RuleSet> rules) {
        inspector_.switchRules(std::move(rules), table_);
    }
    void end() { inspector_.onFlowEnd(*flow_, sink_); }

    std::vector<uint32_t> alertIds() const {
        std::vector<uint32_t> ids;
        for (const CollectedAlert& a : sink_.alerts)
            ids.push_back(a.signature_id);
        return ids;
    }
    const std::vector<CollectedAlert>& alerts() const { return sink_.alerts; }
    dpi::FlowInspector& inspector() { return inspector_; }
    core::Flow& flow() { return *flow_; }

  private:
    core::FlowTable table_;
    dpi::FlowInspector inspector_;
    bool tcp_;
    core::Flow* flow_ = nullptr;
    CollectingSink sink_;
    std::vector<std::string> payloads_; // kept alive: the inspector reads them during onPacket
    uint64_t clock_ = 0;
};

} // namespace egressmon::testing
