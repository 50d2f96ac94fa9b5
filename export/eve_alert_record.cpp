#include "eve_alert_record.h"

#include <cmath>
#include <cstdio>
#include <string_view>

#include "core/hash_mix.h"
#include "eve_ip_proto.h"
#include "json_writer.h"

namespace egressmon::exporting {

namespace {
void writeEndpoint(JsonWriter& w, const core::AlertEndpoint& end, const char* ip_key,
                   const char* port_key) {
    if (end.ip) w.field(ip_key, end.ip->toString());
    if (end.port) w.field(port_key, uint32_t{*end.port});
}

} // namespace

void writeEveSubjectHeader(JsonWriter& w, const core::AlertSubject& s, uint64_t ts_us,
                           const char* event_type, const std::string& sensor_name) {
    w.field("timestamp", formatEveTimestamp(ts_us));
    w.field("flow_id", s.flow_id);
    w.field("event_type", event_type);
    if (!sensor_name.empty()) w.field("host", sensor_name);
    if (s.vlan_id != 0) w.key("vlan").beginArray().value(uint32_t{s.vlan_id}).endArray();
    writeEndpoint(w, s.source, "src_ip", "src_port");
    writeEndpoint(w, s.destination, "dest_ip", "dest_port");
    if (s.ip_proto) w.field("proto", ipProtoName(*s.ip_proto));
    if (!s.app_proto.empty()) w.field("app_proto", s.app_proto);
}

void writeEveNdpi(JsonWriter& w, const core::AlertSubject& s) {
    if (!s.ndpi_protocol.empty()) {
        w.key("ndpi").beginObject();
        w.field("protocol", s.ndpi_protocol);
        if (!s.ndpi_category.empty()) w.field("category", s.ndpi_category);
        w.endObject();
    }
}

namespace {
void writeFile(JsonWriter& w, const core::AlertFile& f) {
    w.key("file").beginObject();
    w.field("name", f.name);
    w.field("type", f.type);
    w.key("path").beginArray();
    for (const std::string& step : f.path)
        w.value(step);
    w.endArray();
    w.field("encrypted", f.encrypted);
    if (!f.uninspectable.empty()) w.field("uninspectable", f.uninspectable);
    w.endObject();
}

// Suricata's `http` object of an alert: the request the alert is about (ICAP), when known.
void writeHttp(JsonWriter& w, const core::AlertSubject& s) {
    if (s.http_hostname.empty() && s.http_url.empty() && s.http_method.empty()) return;
    w.key("http").beginObject();
    if (!s.http_hostname.empty()) w.field("hostname", s.http_hostname);
    if (!s.http_url.empty()) w.field("url", s.http_url);
    if (!s.http_method.empty()) w.field("http_method", s.http_method);
    w.endObject();
}
} // namespace

std::string makeAlertId(const std::string& sensor_name, uint64_t flow_id, uint32_t signature_id) {
    const uint64_t h = core::mix64(flow_id ^ core::mix64(signature_id + 0x9e3779b97f4a7c15ULL));
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    return sensor_name + "-" + hex;
}

std::string buildEveAlertRecord(const core::AlertSubject& s, const core::Alert& a,
                                const std::string& sensor_name) {
    std::string out;
    out.reserve(768);
    JsonWriter w(out);
    w.beginObject();
    writeEveSubjectHeader(w, s, a.ts_us, "alert", sensor_name);
    w.field("direction", a.to_server ? "to_server" : "to_client");

    w.key("alert").beginObject();
    w.field("action", core::alertActionName(a.action));
    w.field("gid", 1);
    w.field("signature_id", a.signature_id);
    w.field("rev", 1);
    w.field("signature", a.signature);
    w.field("category", a.category);
    w.field("severity", uint32_t{a.severity});
    w.key("context").beginObject();
    // A volume rule alerts once per window, possibly more than once on one long flow: the
    // window's start keeps those ids apart.
    w.field("alert_id",
            makeAlertId(sensor_name,
                        a.volume ? s.flow_id ^ core::mix64(a.volume->window_start_us) : s.flow_id,
                        a.signature_id));
    w.field("policy_version", a.policy_version);
    w.key("dlp").beginObject();
    w.field("kind", a.kind);
    w.field("source", core::alertSourceName(s.origin));
    if (!s.user.empty()) w.field("user", s.user);
    w.field("direction", a.direction);
    const bool content = std::string_view(a.kind) == "content";
    if (content) {
        w.field("match", a.match);
        w.field("encoding", a.encoding);
    }
    if (!a.layer.empty()) w.field("layer", a.layer); // application and risk alerts have none
    if (content) w.field("offset", a.offset);
    if (!a.snippet.empty()) w.field("snippet", a.snippet);
    if (a.file) writeFile(w, *a.file);
    if (a.volume) {
        w.key("volume").beginObject();
        w.field("bytes", a.volume->bytes);
        w.field("window", a.volume->window_s);
        w.field("flows", a.volume->flows);
        w.endObject();
    }
    if (a.dns_tunnel) {
        w.key("dns_tunnel").beginObject();
        w.field("domain", a.dns_tunnel->domain);
        w.field("names", a.dns_tunnel->names);
        w.field("name_bytes", a.dns_tunnel->name_bytes);
        w.field("entropy", std::round(a.dns_tunnel->entropy * 100) / 100);
        w.field("window", a.dns_tunnel->window_s);
        w.endObject();
    }
    w.endObject(); // dlp
    w.endObject(); // context
    w.endObject(); // alert

    writeHttp(w, s);
    writeEveNdpi(w, s);
    w.endObject();
    out.push_back('\n');
    return out;
}

} // namespace egressmon::exporting
