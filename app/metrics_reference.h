#pragma once
// The parts of docs/METRICS.md generated from the counter tables (core/counter_table.h): one
// Markdown table per counter group and the table of egressmon_limit_hits_total's limits. The
// file marks each block with
//
//   <!-- BEGIN generated from the counter tables: ID -->
//   ...
//   <!-- END generated: ID -->
//
// where ID is "counters:GROUP" (a CounterGroupInfo id), "decode_errors" (capture::DecodeError's
// reasons), "limits" or "sinks" (exporting::SinkCounters, EGRESSMON_SINK_COUNTERS). A unit test
// keeps the file equal to regenerateMetricsDoc() of itself (EGRESSMON_UPDATE_GOLDEN=1 rewrites it).

#include <string>
#include <string_view>
#include <vector>

namespace egressmon::app {

// The Markdown of one block; throws std::invalid_argument for an unknown id.
std::string renderMetricsBlock(std::string_view id);
// Every block id there is: one per counter group, "decode_errors", "limits", "sinks".
std::vector<std::string> metricsBlockIds();
// `doc` with the content of every marked block replaced by its rendering. Throws
// std::invalid_argument for an unknown id or an unterminated block.
std::string regenerateMetricsDoc(const std::string& doc);

} // namespace egressmon::app
