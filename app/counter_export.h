#pragma once
// How the counter tables (core/counter_table.h) are exported: the labelled Prometheus families
// that table lines feed, the --stats path of a line, and the list of every counter group. Used
// by the --stats summary (run_summary.cpp), the metrics collector and the METRICS.md reference.

#include <string>
#include <string_view>
#include <type_traits>

#include "app/capture_stats.h"
#include "app/rule_reloader.h"
#include "app/worker.h"
#include "core/counter_table.h"
#include "fleet/fleet_counters.h"
#include "icap/icap_counters.h"

namespace egressmon::app {

// A Prometheus family that table lines feed with a label value (counter::series, counter::in).
struct SharedFamily {
    const char* name;
    const char* label; // the label a line's value goes into
    const char* help;
};

inline constexpr SharedFamily kSharedFamilies[] = {
    {"egressmon_defrag_dropped_total", "reason",
     "Fragments or datagrams given up in reassembly, by reason"},
    {"egressmon_inspection_events_total", "event",
     "Match outcomes other than alerts, and matcher failures, by event"},
    {"egressmon_records_lost_total", "kind",
     "Records that could not be formatted (out of memory), by kind"},
    {"egressmon_classifier_flows_total", "result", "Flows by how nDPI classification ended"},
    {"egressmon_decoder_events_total", "event",
     "HTTP and SMTP decoder activity and errors, by decoder and event"},
    {"egressmon_reassembly_events_total", "event", "TCP reassembly: overlaps, conflicts and gaps"},
    {"egressmon_rule_reloads_total", "result", "Rule reloads (SIGHUP), by result"},
    {"egressmon_policy_events_total", "event",
     "Egress policy on whole flows and hosts (volume rules): flows counted, alerts, evictions"},
    {"egressmon_dns_tunnel_events_total", "event",
     "DNS tunnel detector: messages, malformed ones, tunnels flagged, pairs dropped"},
    {"egressmon_fleet_bundles_total", "result",
     "Signed policy bundles from the policy topic or the cache: applied, or refused by reason"},
    {"egressmon_fleet_heartbeats_total", "result", "Heartbeats to the status topic, by result"},
    {"egressmon_icap_events_total", "event",
     "ICAP service: connections, requests by method, decisions by outcome, errors, by event"},
};

// Every line with counter::limit(...) is a sample of this family, labelled limit="KEY": one
// family for every configured bound, so a dashboard shows which knob an operator would turn.
inline constexpr SharedFamily kLimitHits = {
    "egressmon_limit_hits_total", "limit",
    "Times a configured bound was reached, by configuration key"};

// The one limit that is not a table line: it counts a sink's spool_full (exporting::SinkCounters).
struct SpoolLimit {
    const char* key;
    const char* help;
    const char* stats;
};
inline constexpr SpoolLimit kSpoolLimit = {
    "kafka.spool-max-bytes",
    "Alerts lost because the Kafka spool was full (= "
    "`records_dropped{sink=\"alerts\",reason=\"spool_full\"}`)",
    "alert_records.spool_full"};

inline const SharedFamily* sharedFamily(std::string_view name) noexcept {
    for (const auto& f : kSharedFamilies)
        if (name == f.name) return &f;
    return nullptr;
}

// The family a line's sample goes to (null: none).
inline const char* familyOf(const core::CounterInfo& info,
                            const core::CounterGroupInfo& group) noexcept {
    if (!info.exports.inPrometheus()) return nullptr;
    return info.exports.family ? info.exports.family : group.family;
}

// The --stats path of a line: "object.key", or "key" at the top level; empty: not in --stats.
inline std::string statsPath(const core::CounterInfo& info, const core::CounterGroupInfo& group) {
    if (!info.exports.in_stats) return {};
    if (info.exports.stats_path) return info.exports.stats_path;
    if (!group.stats_object) return {};
    return std::string(group.stats_object) + "." + info.name;
}

// Calls fn(group) for a zero instance of every counter group, in the order of the reference.
template <class Fn> void forEachCounterGroup(Fn&& fn) {
    fn(CaptureStats{});
    fn(capture::DefragCounters{});
    WorkerCounters{}.forEachGroup(fn);
    fn(ReloadCounters{});
    fn(icap::IcapCounters{});
    fn(fleet::FleetCounters{});
}

} // namespace egressmon::app
