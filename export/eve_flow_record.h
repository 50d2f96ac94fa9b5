#pragma once
// Builds the EVE `flow` record of INTERFACE.md for a flow that has ended. Called on the worker
// thread that owns the flow; the names of nDPI's protocol and category are passed in so this
// layer stays free of nDPI.

#include <string>

#include "core/flow.h"

namespace egressmon::exporting {

struct FlowNames {
    std::string ndpi_protocol; // "TLS.Google"
    std::string ndpi_category; // "Web"
    std::string app_proto;     // "tls", or "failed"
};

// Suricata's spelling of an IP protocol ("TCP", "UDP", "IPv6-ICMP", ..., else the number).
std::string ipProtoName(uint8_t proto);

class JsonWriter;

// The fields every EVE record of a flow starts with (timestamp .. app_proto). `client_is_source`
// false makes the server the source (an alert on bytes the server sent).
void writeEveHeader(JsonWriter& w, const core::Flow& flow, uint64_t ts_us, const char* event_type,
                    const std::string& sensor_name, bool client_is_source,
                    const std::string& app_proto);

// One JSON object, no trailing newline.
std::string buildEveFlowRecord(const core::Flow& flow, core::FlowEndReason reason,
                               const FlowNames& names, const std::string& sensor_name);

} // namespace egressmon::exporting
