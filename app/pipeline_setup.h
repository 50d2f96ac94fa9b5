#pragma once
// Start-up pieces shared by the file and live pipelines.

#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "app/capture_stats.h"
#include "app/fleet_agent.h"
#include "app/icap_service.h"
#include "app/metrics_collector.h"
#include "app/options.h"
#include "app/pipeline.h"
#include "app/rule_reloader.h"
#include "app/worker.h"
#include "core/home_net.h"
#include "export/metrics_endpoint.h"
#include "export/record_sink.h"
#include "rules/rule_set.h"

namespace egressmon::app {

struct PipelineParts {
    std::shared_ptr<const core::HomeNet> home_net;
    std::unique_ptr<exporting::RecordSink> flow_sink; // null when --flows is not given
    std::unique_ptr<exporting::RecordSink> file_sink; // null when --files is not given
    // Opened at start-up so a bad --alerts fails before any packet; the rules engine feeds it.
    std::unique_ptr<exporting::RecordSink> alert_sink;
    std::vector<std::unique_ptr<Worker>> workers;
    uint64_t hash_seed = 0;
    std::shared_ptr<rules::RuleSetSource> rules;        // null without --rules
    std::unique_ptr<RuleReloader> reloader;             // SIGHUP -> new rules, with --rules
    std::shared_ptr<dpi::VolumeLedgers> volume_ledgers; // volume rules' sums, all workers
    // The Public Suffix List, loaded once for every worker's DNS tunnel detector.
    std::shared_ptr<const dpi::RegisteredDomains> registered_domains;
    // One per capture thread (the file reader, or each live lane), written by that thread.
    std::vector<std::unique_ptr<PublishedSnapshot<CaptureStats>>> capture_stats;
    std::unique_ptr<IcapService> icap; // --icap: its threads start with the capture's
    // policy.topic / policy.status-topic: bundles from Kafka, heartbeats. Before `metrics` so
    // scrapes can read it; stopped first in closeParts (its thread reads the parts above).
    std::unique_ptr<FleetAgent> fleet;
    // Last, so it is destroyed first: scrapes read everything above.
    std::unique_ptr<exporting::MetricsEndpoint> metrics;
};

// The sink options for --alerts or --flows: Kafka alert sinks spool, flow sinks shed.
// An alert is never dropped at the worker's ring, not even live: a worker that finds the ring to
// the exporter full waits, and the packets that arrive meanwhile wait in the kernel buffer (and
// are counted as kernel drops if it overflows), because a lost alert is the one loss a DLP sensor
// must not have. The exporter never waits on Kafka (it spools), so only an output slower than
// the alert rate, a stuck stdout reader say, can make a worker wait. Flow records are shed.
inline exporting::SinkOptions sinkOptions(const Options& o, bool lossless, bool alerts,
                                          const char* event_type = "flow") {
    exporting::SinkOptions so;
    so.producers = o.workers + (o.icap.enabled ? o.icap.threads : 0);
    so.lossless = lossless || alerts;
    so.stop = &stopRequested(); // a stalled output may hold a stopping worker 5 s, not forever
    so.kafka = o.kafka;
    so.kafka.use_spool = alerts;
    so.kafka.sensor_name = o.sensor_name;
    so.kafka.event_type = alerts ? "alert" : event_type;
    return so;
}

// The rules a run starts with, and which source wins, said on stderr. With policy.topic a valid
// cached bundle is in force from the start and the --rules files are not loaded (a bundle takes
// precedence, and never gives way to local files again); without one, the --rules files run
// until the first bundle arrives, or no rules at all when there are none. Null when the run has
// no rules of any kind.
inline std::shared_ptr<rules::RuleSetSource> initialRules(const Options& o,
                                                          const FleetAgent* fleet) {
    const bool bundles = fleet && o.fleet.takesBundles();
    if (bundles && fleet->cachedRules()) {
        if (!o.rule_files.empty())
            std::cerr << "egressmon: policy: the --rules files are not loaded: a signed policy "
                         "bundle is in force, and bundles take precedence over --rules\n";
        return std::make_shared<rules::RuleSetSource>(fleet->cachedRules());
    }
    if (!o.rule_files.empty()) {
        if (bundles)
            std::cerr << "egressmon: policy: running the --rules files until a signed policy "
                         "bundle arrives from "
                      << o.fleet.topic << " (bundles take precedence over --rules)\n";
        return std::make_shared<rules::RuleSetSource>(rules::RuleSet::load(o.rule_files));
    }
    if (bundles) {
        std::cerr << "egressmon: policy: no rules until a signed policy bundle arrives from "
                  << o.fleet.topic << " (no cached bundle in " << o.fleet.cache_dir << ")\n";
        return std::make_shared<rules::RuleSetSource>(rules::RuleSet::compile({}, ""));
    }
    return nullptr;
}

// `lossless`: flow sinks make producers wait instead of dropping (capture files, not live);
// alert sinks always do.
// `capture_threads`: how many capture threads will publish CaptureStats.
// `icap_listeners`: IcapService::openListeners(o), opened before privileges were dropped.
inline PipelineParts buildPipelineParts(const Options& o, bool lossless, unsigned capture_threads,
                                        std::vector<core::UniqueFd> icap_listeners = {}) {
    PipelineParts parts;
    if (o.fleet.enabled()) parts.fleet = std::make_unique<FleetAgent>(o);
    parts.rules = initialRules(o, parts.fleet.get());
    parts.home_net = std::make_shared<const core::HomeNet>(core::HomeNet::parse(o.home_net));
    if (!o.flows.empty())
        parts.flow_sink = exporting::RecordSink::open(o.flows, sinkOptions(o, lossless, false));
    // fileinfo records are shed like flow records under pressure (counted), never alerts.
    if (!o.files.empty())
        parts.file_sink =
            exporting::RecordSink::open(o.files, sinkOptions(o, lossless, false, "fileinfo"));
    parts.alert_sink = exporting::RecordSink::open(o.alerts, sinkOptions(o, lossless, true));
    parts.hash_seed = o.hash_seed ? o.hash_seed : std::random_device{}() * 0x100000001ULL;
    const uint32_t per_worker = std::max<uint32_t>(1, o.max_flows / o.workers);
    // One ledger for all workers: a host's flows are spread over them (dpi/policy/).
    parts.volume_ledgers = std::make_shared<dpi::VolumeLedgers>(o.max_tracked_hosts);
    // Loaded now, not at the first reload that names DNS_TUNNEL (a few milliseconds).
    if (parts.rules) parts.registered_domains = std::make_shared<const dpi::RegisteredDomains>();
    for (unsigned i = 0; i < o.workers; ++i) {
        WorkerConfig wc;
        wc.id = i;
        wc.max_flows = per_worker;
        wc.timeouts = o.flow_timeouts;
        wc.classifier = o.classifier;
        wc.sensor_name = o.sensor_name;
        wc.rules = parts.rules;
        wc.inspection = o.inspection;
        wc.policy = {parts.volume_ledgers, parts.registered_domains, o.dns_tunnel};
        wc.live = !lossless;
        parts.workers.push_back(std::make_unique<Worker>(wc, parts.home_net, parts.flow_sink.get(),
                                                         parts.alert_sink.get(),
                                                         parts.file_sink.get()));
        // Names are resolved with the first worker's nDPI module, before any thread starts.
        if (i == 0 && parts.rules)
            checkRuleNames(*parts.rules->current(), parts.workers[0]->classifier());
    }
    if (!o.rule_files.empty()) {
        const FleetAgent* fleet = parts.fleet.get();
        std::function<std::optional<uint64_t>()> bundle_in_force;
        if (fleet) bundle_in_force = [fleet] { return fleet->bundleVersion(); };
        parts.reloader =
            std::make_unique<RuleReloader>(o.rule_files, parts.rules, std::move(bundle_in_force));
    }
    if (!icap_listeners.empty())
        parts.icap = std::make_unique<IcapService>(o, std::move(icap_listeners), parts.rules,
                                                   parts.alert_sink.get(), parts.file_sink.get(),
                                                   /*first_producer=*/o.workers);
    for (unsigned i = 0; i < capture_threads; ++i)
        parts.capture_stats.push_back(std::make_unique<PublishedSnapshot<CaptureStats>>());
    MetricsSources sources;
    for (const auto& w : parts.workers)
        sources.workers.push_back(&w->published());
    for (const auto& c : parts.capture_stats)
        sources.captures.push_back(c.get());
    sources.alert_sink = parts.alert_sink.get();
    sources.flow_sink = parts.flow_sink.get();
    sources.file_sink = parts.file_sink.get();
    sources.reloader = parts.reloader.get();
    sources.rules = parts.rules;
    if (parts.icap) sources.icap = parts.icap->published();
    sources.fleet = parts.fleet.get();
    // Heartbeats sum what the metrics endpoint does.
    if (parts.fleet) parts.fleet->start(parts.rules, sources);
    if (!o.metrics.empty())
        parts.metrics = std::make_unique<exporting::MetricsEndpoint>(
            o.metrics, [sources] { return collectMetrics(sources); });
    return parts;
}

// After the workers were joined: closes the sinks (Kafka delivers within its grace period and
// spools the rest), stops the rule reloader, and puts their and the workers' counters into the
// summary. The same for the file and the live pipeline.
inline void closeParts(PipelineParts& parts, RunSummary& summary) {
    if (parts.fleet) {
        parts.fleet->stop();
        summary.fleet_enabled = true;
        summary.fleet = parts.fleet->counters();
    }
    if (parts.icap) { // its threads stop with the capture (stopRequested) and publish no more
        parts.icap->join();
        const IcapStats icap = parts.icap->stats();
        summary.icap_enabled = true;
        summary.icap = icap.icap;
        summary.icap_latency = icap.latency;
        summary.workers += icap.engine;
    }
    if (parts.flow_sink) {
        parts.flow_sink->close();
        summary.flow_sink = parts.flow_sink->counters();
        summary.flow_sink_kafka = parts.flow_sink->spec().rfind("kafka://", 0) == 0;
    }
    if (parts.file_sink) {
        parts.file_sink->close();
        summary.file_records = true;
        summary.file_sink = parts.file_sink->counters();
        summary.file_sink_kafka = parts.file_sink->spec().rfind("kafka://", 0) == 0;
    }
    parts.alert_sink->close();
    summary.alert_sink = parts.alert_sink->counters();
    summary.alert_sink_kafka = parts.alert_sink->spec().rfind("kafka://", 0) == 0;
    if (const auto* latency = parts.alert_sink->latency())
        summary.alert_latency = latency->snapshot();
    if (parts.reloader) {
        parts.reloader->stop();
        summary.reload = parts.reloader->counters();
    }
    if (parts.rules) summary.policy_version = parts.rules->current()->policyVersion();
    for (const auto& w : parts.workers)
        summary.workers += w->counters();
}

} // namespace egressmon::app
