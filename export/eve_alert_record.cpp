#include "eve_alert_record.h"

#include <cstdio>

#include "core/hash_mix.h"
#include "json_writer.h"

namespace egressmon::exporting {

std::string makeAlertId(const std::string& sensor_name, uint64_t flow_id, uint32_t signature_id) {
    const uint64_t h = core::mix64(flow_id ^ core::mix64(signature_id + 0x9e3779b97f4a7c15ULL));
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    return sensor_name + "-" + hex;
}

std::string buildEveAlertRecord(const core::Flow& f, const core::Alert& a, const FlowNames& names,
                                const std::string& sensor_name) {
    std::string out;
    out.reserve(768);
    JsonWriter w(out);
    w.beginObject();
    // The sender of the matching bytes is the source, whichever side opened the flow.
    writeEveHeader(w, f, a.ts_us, "alert", sensor_name, /*client_is_source=*/a.to_server,
                   names.app_proto);
    w.field("direction", a.to_server ? "to_server" : "to_client");

    w.key("alert").beginObject();
    w.field("action", "allowed");
    w.field("gid", 1);
    w.field("signature_id", a.signature_id);
    w.field("rev", 1);
    w.field("signature", a.signature);
    w.field("category", a.category);
    w.field("severity", uint32_t{a.severity});
    w.key("context").beginObject();
    w.field("alert_id", makeAlertId(sensor_name, f.flow_id, a.signature_id));
    w.field("policy_version", a.policy_version);
    w.key("dlp").beginObject();
    w.field("direction", a.direction);
    w.field("match", a.match);
    w.field("encoding", a.encoding);
    w.field("layer", a.layer);
    w.field("offset", a.offset);
    if (!a.snippet.empty()) w.field("snippet", a.snippet);
    w.endObject(); // dlp
    w.endObject(); // context
    w.endObject(); // alert

    w.key("ndpi").beginObject();
    w.field("protocol", names.ndpi_protocol);
    w.field("category", names.ndpi_category);
    w.endObject();
    w.endObject();
    out.push_back('\n');
    return out;
}

} // namespace egressmon::exporting
