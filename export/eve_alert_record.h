#pragma once
// Builds the EVE `alert` record of INTERFACE.md from an alert and its subject
// (core/alert_subject.h): src_* / dest_* are the sender and receiver of the matching bytes (not
// a flow's client/server); DLP detail lives in the open alert.context object so Suricata's
// closed schema and existing EVE consumers accept it. Knows nothing of flows or packets, so
// captured traffic and proxied requests make the same records. Called on the thread that raised
// the alert.

#include <cstdint>
#include <string>

#include "core/alert.h"
#include "core/alert_subject.h"

namespace egressmon::exporting {

// Unique per sensor and stable for the same (flow, rule): retries and replays of one alert
// carry the same id, so at-least-once consumers can de-duplicate.
std::string makeAlertId(const std::string& sensor_name, uint64_t flow_id, uint32_t signature_id);

// One JSON object followed by '\n'. The parts of the subject that are absent are not written
// (no dest_ip without a receiver's address, no `ndpi` object without an nDPI protocol name, no
// `http` object without a request's host, URL or method, no alert.context.dlp.user without a
// user); alert.context.dlp.source (the subject's origin) is always written, alert.action from
// the alert's action ("allowed" unless the adapter blocked the traffic).
std::string buildEveAlertRecord(const core::AlertSubject& subject, const core::Alert& alert,
                                const std::string& sensor_name);

class JsonWriter;
// timestamp, flow_id, event_type, host, vlan, the subject's endpoints, proto and app_proto: the
// head every record about a subject shares (alert, fileinfo).
void writeEveSubjectHeader(JsonWriter& w, const core::AlertSubject& subject, uint64_t ts_us,
                           const char* event_type, const std::string& sensor_name);
// The open `ndpi` object (protocol, category) when the subject names an nDPI protocol.
void writeEveNdpi(JsonWriter& w, const core::AlertSubject& subject);

} // namespace egressmon::exporting
