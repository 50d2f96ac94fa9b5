#pragma once
// Builds the EVE `flow` record of INTERFACE.md for a flow that has ended. Called on the worker
// thread that owns the flow; the names of nDPI's protocol and category are passed in so this
// layer stays free of nDPI. src_* is the flow's client (alert records instead name the sender
// of the matching bytes: eve_alert_record.h).

#include <string>

#include "core/flow.h"

namespace egressmon::exporting {

struct FlowNames {
    std::string ndpi_protocol; // "TLS.Google"
    std::string ndpi_category; // "Web"
    std::string app_proto;     // "tls", or "failed"
};

// One JSON object, no trailing newline.
std::string buildEveFlowRecord(const core::Flow& flow, core::FlowEndReason reason,
                               const FlowNames& names, const std::string& sensor_name);

} // namespace egressmon::exporting
