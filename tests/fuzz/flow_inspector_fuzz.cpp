// FlowInspector (dpi/flow_inspector.h) on one flow, with the shipped rules/default.yaml plus a
// few short rules that fire often: TCP reassembly into the HTTP or SMTP decoder (picked by the
// stream's first bytes) or the raw stream, UDP datagrams, Hyperscan on every layer, validators,
// snippets, matches waiting for classification, depth and reassembly bounds, application, risk
// and volume rules judged at classification, the DNS tunnel detector on every datagram (set to
// flag after two names), all together as a worker runs them.
//
// Input: [flow: control][depth][ISN client: 4][ISN server: 4] then records
//   [control][offset: 2][length][ack: 2][payload: length]
// flow control: bit 0 UDP (else TCP); bits 1-2 the net relation; bit 3 classified from the
// start; bit 4 classified as HTTP (else SMTP) when it happens; bit 5 server port 53 (DNS);
// bit 6 the classification is a port match; depth bit 0: max_depth_bytes 512 (else 64 KiB).
// record control: bit 0 server -> client; bit 1 SYN; bit 2 FIN; bit 3 RST; bit 5 ACK; bit 6 the
// offset is 32 bits (two more bytes); bit 7 classification finishes before this packet.
// Checks: one alert per (flow, rule), snippets within the context width, alert layers and
// offsets plausible, each alert's subject the flow with the sender of its bytes as the source,
// and every byte of per-flow state released at flow end.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/flow.h"
#include "core/packet.h"
#include "dpi/inspect/flow_inspector.h"
#include "fuzz_input.h"
#include "rules/rule_set.h"
#include "shipped_rules.h"

using namespace egressmon;

namespace {

constexpr uint16_t kHttp = 7; // nDPI's ids for HTTP and SMTP
constexpr uint16_t kSmtp = 3;
constexpr uint32_t kContextWidth = 24;
constexpr uint64_t kBudget = 6000; // out-of-order bytes held, all flows of the inspector

// Short keywords and regexes, so the fuzzer reaches alerts quickly, on top of the shipped rules.
constexpr const char* kExtraRules = R"(rules:
  - id: 9001
    name: short keyword in any encoding
    keywords: [leak, "机密"]
    nocase: true
    direction: any
  - id: 9002
    name: regex on HTTP only
    regex: ['pass(word)?=[a-z0-9]{4,}']
    protocols: [HTTP]
  - id: 9003
    name: card on SMTP only
    regex: ['4[0-9]{12}(?:[0-9]{3})?']
    validate: luhn
    protocols: [SMTP]
  - id: 9004
    name: volume over every flow, one-second windows
    volume: {bytes: 300, window: 1}
    direction: any
  - id: 9005
    name: DNS tunnel
    risks: [DNS_TUNNEL]
    direction: any
  - id: 9006
    name: HTTP seen
    protocols: [HTTP]
    direction: any
)";

// A DNS tunnel detector that flags after a few names, so the fuzzer gets there.
dpi::PolicyContext policy() {
    dpi::PolicyContext p;
    p.dns_tunnel.window_seconds = 1;
    p.dns_tunnel.min_distinct_names = 2;
    p.dns_tunnel.min_name_bytes = 4;
    p.dns_tunnel.min_mean_entropy = 0;
    p.dns_tunnel.max_tracked_pairs = 4;
    p.dns_tunnel.max_names_per_pair = 4;
    return p;
}

std::shared_ptr<const rules::RuleSet> loadRules() {
    return fuzz::shippedRulesWith(kExtraRules);
}

int protocolId(const std::string& name) {
    return name == "HTTP" ? kHttp : name == "SMTP" ? kSmtp : 200;
}

dpi::InspectionConfig config(uint64_t max_depth_bytes) {
    dpi::InspectionConfig config;
    config.reassembly = {.max_buffered_bytes = 4096, .max_segments = 8};
    config.reassembly_budget_bytes = kBudget;
    config.max_depth_bytes = max_depth_bytes;
    config.context_width = kContextWidth;
    config.max_pending_alerts = 2;
    config.smtp = {.max_line_bytes = 256, .max_header_bytes = 2048, .max_mime_depth = 3};
    config.http = {.max_header_bytes = 2048,
                   .max_decompressed_bytes = 128 * 1024,
                   .max_compression_ratio = 50};
    return config;
}

constexpr uint8_t kInside[4] = {10, 1, 0, 2}; // the flow's client
constexpr uint8_t kOutside[4] = {203, 0, 113, 10};
constexpr uint64_t kFlowId = 42;

class CheckingSink final : public dpi::AlertSink {
  public:
    void onAlert(const core::AlertSubject& subject, core::Alert&& alert) noexcept override {
        const std::string_view kind = alert.kind;
        ++alerts_;
        // One per (flow, rule); a volume rule once per window, which a long flow may see twice.
        if (!rules_.insert(alert.signature_id).second && kind != "volume") std::abort();
        if (alert.snippet.size() > kContextWidth) std::abort();
        if (kind == "volume" || kind == "risk" || kind == "application") {
            // Judged on the flow, not on bytes: no layer, no match; a volume alert has its sum.
            if (!alert.layer.empty() || !alert.match.empty()) std::abort();
            if ((kind == "volume") != alert.volume.has_value()) std::abort();
            if (kind == "volume" && alert.volume->bytes <= 300) std::abort();
            if (alert.dns_tunnel && kind != "risk") std::abort();
            return;
        }
        if (alert.layer.empty()) std::abort();
        // A content alert names what matched and how it was encoded; a file alert (a rule's
        // file: conditions held for a whole file) names the file instead and has no match.
        if (kind == "content" && (alert.match.empty() || alert.encoding.empty())) std::abort();
        if (kind == "file" && (!alert.file || alert.file->type.empty() ||
                               alert.file->path.empty() || !alert.match.empty()))
            std::abort();
        if (kind != "content" && kind != "file") std::abort();
        // The subject is the flow, with the sender of the matching bytes as its source.
        const core::IpAddress client = core::IpAddress::fromV4(kInside);
        if (subject.flow_id != kFlowId || !subject.source.ip || !subject.destination.ip)
            std::abort();
        if ((*subject.source.ip == client) != alert.to_server) std::abort();
        if ((*subject.destination.ip == client) == alert.to_server) std::abort();
    }
    size_t alerts() const { return alerts_; }

  private:
    std::set<uint32_t> rules_;
    size_t alerts_ = 0;
};

core::Flow makeFlow(uint8_t control) {
    core::Flow flow;
    flow.key.lo_ip = core::IpAddress::fromV4(kInside);
    flow.key.hi_ip = core::IpAddress::fromV4(kOutside);
    flow.key.lo_port = 40000;
    flow.key.hi_port = (control & 0x20) ? 53 : (control & 1) ? 7000 : 80;
    flow.key.ip_proto = (control & 1) ? core::ipproto::kUdp : core::ipproto::kTcp;
    flow.relation = static_cast<core::NetRelation>((control >> 1) & 3);
    flow.flow_id = kFlowId;
    flow.in_use = true;
    return flow;
}

// What the worker does when nDPI finishes: the classification, then the inspector's judgement
// of the rules on it (application, risk and volume rules).
void classify(dpi::FlowInspector& inspector, core::Flow& flow, uint8_t control, uint64_t ts_us,
              dpi::AlertSink& sink) {
    flow.classification.done = true;
    flow.classification.master_protocol = (control & 0x10) ? kHttp : kSmtp;
    flow.classification.app_protocol = flow.classification.master_protocol;
    flow.classification.port_match = control & 0x40;
    inspector.onClassified(flow, ts_us, sink);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::shared_ptr<const rules::RuleSet> rules = loadRules();
    fuzz::FuzzInput in(data, size);
    const uint8_t flow_control = in.u8();
    const uint8_t depth = in.u8(); // bit 0: the small max_depth_bytes
    const uint32_t isn[2] = {in.u32(), in.u32()};

    // A worker's inspector serves flow after flow, so two of them (small and large depth bound)
    // are kept across inputs: what one flow leaves behind would show up in the next.
    static dpi::FlowInspector* inspectors[2] = {
        new dpi::FlowInspector(config(512), rules, protocolId, {}, policy()),
        new dpi::FlowInspector(config(64 * 1024), rules, protocolId, {}, policy())};
    dpi::FlowInspector& inspector = *inspectors[depth & 1];
    const uint64_t alerts_before = inspector.counters().alerts;
    core::Flow flow = makeFlow(flow_control);
    CheckingSink sink;
    uint64_t ts_us = 1'800'000'000'000'000;
    if (flow_control & 8) classify(inspector, flow, flow_control, ts_us, sink);
    const bool udp = flow_control & 1;
    std::vector<uint8_t> frame;
    while (!in.empty()) {
        const uint8_t control = in.u8();
        const bool to_server = !(control & 1);
        uint32_t offset = in.u16();
        if (control & 0x40) offset |= static_cast<uint32_t>(in.u16()) << 16;
        const uint8_t length = in.u8();
        const uint16_t ack = in.u16();
        const auto payload = in.bytes(length);
        // As core::updateFlowWithPacket: the payload counted on the flow first.
        (to_server ? flow.payload_toserver : flow.payload_toclient) += payload.size();
        if ((control & 0x80) && !flow.classification.done)
            classify(inspector, flow, flow_control, ts_us, sink);
        // The payload in a buffer of its own size, so ASan sees any read beyond it.
        frame.assign(payload.begin(), payload.end());
        core::Packet packet;
        packet.ts_us = ts_us += 1000;
        packet.data = frame.data();
        packet.caplen = packet.wire_len = static_cast<uint32_t>(frame.size());
        packet.payload_len = static_cast<uint32_t>(frame.size());
        packet.ip_proto = udp ? core::ipproto::kUdp : core::ipproto::kTcp;
        if (!udp) {
            packet.tcp_seq = isn[to_server ? 0 : 1] + offset;
            packet.tcp_ack = isn[to_server ? 1 : 0] + ack;
            packet.tcp_flags = static_cast<uint8_t>(((control & 0x02) ? core::tcpflag::kSyn : 0) |
                                                    ((control & 0x04) ? core::tcpflag::kFin : 0) |
                                                    ((control & 0x08) ? core::tcpflag::kRst : 0) |
                                                    ((control & 0x20) ? core::tcpflag::kAck : 0));
        }
        inspector.onPacket(flow, packet, to_server, sink);
        if (inspector.reassembly().bytes_held > kBudget) std::abort();
    }
    if (!flow.classification.done) classify(inspector, flow, flow_control, ts_us, sink);
    inspector.onFlowEnd(flow, sink);
    if (flow.inspection != nullptr || flow.volume != nullptr) std::abort();
    if (inspector.reassembly().bytes_held != 0) std::abort();
    if (inspector.counters().alerts - alerts_before != sink.alerts()) std::abort();
    return 0;
}
