#include "fleet/heartbeat.h"

#include "export/json_writer.h"
#include "fleet/policy_bundle.h"

namespace egressmon::fleet {

std::string heartbeatJson(const Heartbeat& h) {
    std::string out;
    exporting::JsonWriter w(out);
    w.beginObject();
    w.field("timestamp", formatUtcMillis(h.time_ms));
    w.field("event_type", "heartbeat");
    w.field("sensor", h.sensor);
    w.field("version", h.version);
    if (!h.policy_version.empty()) w.field("policy_version", h.policy_version);
    if (h.bundle_version) w.field("bundle_version", *h.bundle_version);
    w.field("uptime", h.uptime_s);
    w.field("heartbeat_interval", h.heartbeat_interval_s);
    w.field("packets", h.packets);
    w.field("packets_per_sec", h.packets_per_sec);
    w.field("drops", h.drops);
    w.field("alerts", h.alerts);
    w.field("spool_bytes", h.spool_bytes);
    if (!h.last_error.empty()) w.field("last_error", h.last_error);
    w.endObject();
    return out;
}

} // namespace egressmon::fleet
