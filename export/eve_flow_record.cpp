#include "eve_flow_record.h"

#include "core/flow_tracker.h"
#include "core/ndpi_risk_names.h"
#include "eve_ip_proto.h"
#include "json_writer.h"

namespace egressmon::exporting {

namespace {
const char* endReasonName(core::FlowEndReason r) {
    switch (r) {
    case core::FlowEndReason::kTimeout: return "timeout";
    case core::FlowEndReason::kEvicted: return "forced";
    case core::FlowEndReason::kShutdown: return "shutdown";
    }
    return "shutdown";
}

// Suricata's flow.state: "new" until both sides were seen, "closed" after FIN/RST both ways.
const char* eveFlowState(const core::Flow& f) {
    if (f.tcp_state == core::TcpState::kClosed) return "closed";
    if (f.pkts_toserver > 0 && f.pkts_toclient > 0) return "established";
    return "new";
}

std::string hexByte(uint8_t v) {
    static constexpr char kHex[] = "0123456789abcdef";
    return {kHex[v >> 4], kHex[v & 0xf]};
}

void writeTcp(JsonWriter& w, const core::Flow& f) {
    const uint8_t all = f.tcp_flags_toserver | f.tcp_flags_toclient;
    w.key("tcp").beginObject();
    w.field("tcp_flags", hexByte(all));
    w.field("tcp_flags_ts", hexByte(f.tcp_flags_toserver));
    w.field("tcp_flags_tc", hexByte(f.tcp_flags_toclient));
    if (all & core::tcpflag::kSyn) w.field("syn", true);
    if (all & core::tcpflag::kFin) w.field("fin", true);
    if (all & core::tcpflag::kRst) w.field("rst", true);
    if (all & core::tcpflag::kPsh) w.field("psh", true);
    if (all & core::tcpflag::kAck) w.field("ack", true);
    w.field("state", core::tcpStateName(f.tcp_state));
    w.endObject();
}

// timestamp .. app_proto: the client is the source.
void writeFlowHeader(JsonWriter& w, const core::Flow& f, const std::string& sensor_name,
                     const std::string& app_proto) {
    w.field("timestamp", formatEveTimestamp(f.last_ts_us));
    w.field("flow_id", f.flow_id);
    w.field("event_type", "flow");
    if (!sensor_name.empty()) w.field("host", sensor_name);
    if (f.key.vlan_id != 0) w.key("vlan").beginArray().value(uint32_t{f.key.vlan_id}).endArray();
    w.field("src_ip", f.clientIp().toString());
    w.field("src_port", uint32_t{f.clientPort()});
    w.field("dest_ip", f.serverIp().toString());
    w.field("dest_port", uint32_t{f.serverPort()});
    w.field("proto", ipProtoName(f.key.ip_proto));
    w.field("app_proto", app_proto);
}
} // namespace

std::string buildEveFlowRecord(const core::Flow& f, core::FlowEndReason reason,
                               const FlowNames& names, const std::string& sensor_name) {
    std::string out;
    out.reserve(640);
    JsonWriter w(out);
    w.beginObject();
    writeFlowHeader(w, f, sensor_name, names.app_proto);

    w.key("flow").beginObject();
    w.field("pkts_toserver", f.pkts_toserver);
    w.field("pkts_toclient", f.pkts_toclient);
    w.field("bytes_toserver", f.bytes_toserver);
    w.field("bytes_toclient", f.bytes_toclient);
    w.field("start", formatEveTimestamp(f.first_ts_us));
    w.field("end", formatEveTimestamp(f.last_ts_us));
    w.field("age", (f.last_ts_us - f.first_ts_us) / 1'000'000);
    w.field("state", eveFlowState(f));
    w.field("reason", endReasonName(reason));
    w.field("alerted", f.alerts > 0);
    w.endObject();

    if (f.key.ip_proto == core::ipproto::kTcp) writeTcp(w, f);

    if (const core::FlowMetadata* md = f.metadata.get()) {
        if (!md->tls_sni.empty() || !md->tls_ja3_client.empty()) {
            w.key("tls").beginObject();
            if (!md->tls_sni.empty()) w.field("sni", md->tls_sni);
            if (!md->tls_ja3_client.empty())
                w.key("ja3").beginObject().field("hash", md->tls_ja3_client).endObject();
            w.endObject();
        }
        if (!md->http_host.empty() || !md->http_url.empty()) {
            w.key("http").beginObject();
            if (!md->http_host.empty()) w.field("hostname", md->http_host);
            if (!md->http_url.empty()) w.field("url", md->http_url);
            w.endObject();
        }
        if (!md->dns_query.empty()) {
            // Suricata's v2 DNS logging carries the query name as dns.rrname.
            w.key("dns").beginObject().field("version", 2).field("rrname", md->dns_query);
            w.endObject();
        }
    }

    w.key("ndpi").beginObject();
    w.field("protocol", names.ndpi_protocol);
    w.field("category", names.ndpi_category);
    if (const uint64_t risks = f.classification.risks; risks != 0) {
        // INTERFACE.md: "ndpi.risks (list of risk names) when nDPI raised any".
        w.key("risks").beginArray();
        for (unsigned risk = 1; risk < 64; ++risk)
            if (risks & (uint64_t{1} << risk))
                if (const char* name = core::ndpiRiskName(risk)) w.value(name);
        w.endArray();
    }
    w.endObject();
    w.endObject();
    return out;
}

} // namespace egressmon::exporting
