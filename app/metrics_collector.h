#pragma once
// Builds egressmon's Prometheus metric families at scrape time from what the threads publish:
// worker snapshots (about once a second), capture snapshots, and the sinks' and the rule
// reloader's own thread-safe counters. Sums are taken here, never on a shared counter bumped
// per packet. Metric names and labels are listed in docs/METRICS.md.

#include <memory>
#include <string>
#include <vector>

#include <prometheus/metric_family.h>

#include "app/capture_stats.h"
#include "app/icap_stats.h"
#include "app/published_snapshot.h"
#include "app/rule_reloader.h"
#include "app/worker.h"
#include "export/record_sink.h"
#include "rules/rule_set_source.h"

namespace egressmon::app {

class FleetAgent;

struct MetricsSources {
    std::vector<const PublishedSnapshot<WorkerStats>*> workers;
    std::vector<const PublishedSnapshot<CaptureStats>*> captures;
    const exporting::RecordSink* alert_sink = nullptr;
    const exporting::RecordSink* flow_sink = nullptr;      // null without --flows
    const exporting::RecordSink* file_sink = nullptr;      // null without --files
    const RuleReloader* reloader = nullptr;                // null without --rules
    std::shared_ptr<rules::RuleSetSource> rules;           // null without --rules
    std::vector<const PublishedSnapshot<IcapStats>*> icap; // empty without --icap
    const FleetAgent* fleet = nullptr;                     // null without a fleet policy
};

std::vector<prometheus::MetricFamily> collectMetrics(const MetricsSources& sources);

// The families of one sink's counters (kind: the sink="..." label, "alerts" or "flows"),
// appended to `families` or added to those already there; the Kafka-only families only when
// `kafka` (a kafka:// sink). Part of collectMetrics.
void addSinkMetrics(std::vector<prometheus::MetricFamily>& families, const char* kind,
                    const exporting::SinkCounters& counters, bool kafka);

} // namespace egressmon::app
