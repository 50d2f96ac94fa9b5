#pragma once
// Builds the EVE `alert` record of INTERFACE.md. src_* / dest_* are the sender and receiver of
// the matching bytes (not the flow's client/server); DLP detail lives in the open
// alert.context object so Suricata's closed schema and existing EVE consumers accept it.
// Called on the worker thread that owns the flow.

#include <string>

#include "core/alert.h"
#include "core/flow.h"
#include "eve_flow_record.h"

namespace egressmon::exporting {

// Unique per sensor and stable for the same (flow, rule): retries and replays of one alert
// carry the same id, so at-least-once consumers can de-duplicate.
std::string makeAlertId(const std::string& sensor_name, uint64_t flow_id, uint32_t signature_id);

// One JSON object followed by '\n'.
std::string buildEveAlertRecord(const core::Flow& flow, const core::Alert& alert,
                                const FlowNames& names, const std::string& sensor_name);

} // namespace egressmon::exporting
