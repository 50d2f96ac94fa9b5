#include "metrics_collector.h"

#include <cstring>
#include <initializer_list>
#include <limits>
#include <utility>
#include <vector>

#include "app/counter_export.h"
#include "app/fleet_agent.h"
#include "export/metrics_endpoint.h"

namespace egressmon::app {

namespace {

using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<prometheus::ClientMetric::Label>;
using exporting::addSample;

MetricFamily counter(const std::string& name, const std::string& help) {
    return exporting::makeFamily(name, help, MetricType::Counter);
}
MetricFamily gauge(const std::string& name, const std::string& help) {
    return exporting::makeFamily(name, help, MetricType::Gauge);
}

// The family `name` in `out`, created (at the end) if it is not there yet. The reference is
// valid until the next family is added.
MetricFamily& familyIn(std::vector<MetricFamily>& out, const std::string& name,
                       const std::string& help, MetricType type = MetricType::Counter) {
    for (auto& f : out)
        if (f.name == name) return f;
    out.push_back(exporting::makeFamily(name, help, type));
    return out.back();
}

// The series of one counter group's table (core/counter_table.h): a family of its own per
// counter::metric line, a sample of a shared family per counter::series / counter::in line.
template <class Group>
void addCounterSeries(std::vector<MetricFamily>& out, const Group& c, bool with_rules) {
    const core::CounterGroupInfo& group = Group::kCounterGroup;
    c.forEachCounter([&](const core::CounterInfo& info, uint64_t value) {
        const core::CounterExports& e = info.exports;
        const char* family = familyOf(info, group);
        if (!family || e.per_worker || (e.rules_only && !with_rules)) return;
        if (!e.label) {
            addSample(familyIn(out, family, info.help), double(value));
            return;
        }
        const SharedFamily* shared = sharedFamily(family);
        if (!shared) return; // every family a table names is in kSharedFamilies (unit-tested)
        Labels labels;
        if (!e.family && group.fixed_label)
            labels.push_back({group.fixed_label, group.fixed_value});
        labels.push_back({shared->label, e.label});
        addSample(familyIn(out, shared->name, shared->help), double(value), labels);
    });
}

// The counter::perWorker series of one worker.
void addWorkerSeries(std::vector<MetricFamily>& out, const WorkerCounters& c, size_t worker) {
    c.forEachCounter([&](const core::CounterInfo& info, uint64_t value) {
        if (!info.exports.per_worker || !info.exports.family) return;
        addSample(familyIn(out, info.exports.family, info.help), double(value),
                  {{"worker", std::to_string(worker)}});
    });
}

// The counter::limit lines of counter groups, as samples of egressmon_limit_hits_total: one per
// key in the order first met, summed over the groups that share it (ZIP and tar walks both hit
// extraction.max-archive-entries).
class LimitHits {
  public:
    template <class Group> void add(const Group& c) {
        c.forEachCounter([&](const core::CounterInfo& info, uint64_t value) {
            const core::CounterExports& e = info.exports;
            if (!e.limit_key) return;
            if (e.limit_minus) value -= core::counterValue(c, e.limit_minus);
            for (auto& [key, sum] : hits_)
                if (std::strcmp(key, e.limit_key) == 0) {
                    sum += value;
                    return;
                }
            hits_.emplace_back(e.limit_key, value);
        });
    }
    void addTo(MetricFamily& family) const {
        for (const auto& [key, sum] : hits_)
            addSample(family, double(sum), {{kLimitHits.label, key}});
    }

  private:
    std::vector<std::pair<const char*, uint64_t>> hits_;
};

// Adds the capture families; returns the capture counters summed over sources.
CaptureStats addCapture(std::vector<MetricFamily>& out, const MetricsSources& src) {
    CaptureStats total;
    auto packets = counter("egressmon_capture_packets_total", "Frames captured, per source");
    auto bytes = counter("egressmon_capture_bytes_total", "Wire bytes captured, per source");
    auto drops = counter("egressmon_capture_kernel_drops_total",
                         "Frames the kernel or interface dropped (pcap_stats), per source");
    for (const auto* snapshot : src.captures) {
        const CaptureStats c = snapshot->read();
        for (const auto& s : c.sources) {
            addSample(packets, double(s.packets), {{"source", s.name}});
            addSample(bytes, double(s.bytes), {{"source", s.name}});
            addSample(drops, double(s.kernel_drops), {{"source", s.name}});
        }
        total.decode += c.decode;
        total.defrag += c.defrag;
        total.addCounters(c);
    }
    out.push_back(std::move(packets));
    out.push_back(std::move(bytes));
    out.push_back(std::move(drops));

    auto decode =
        counter("egressmon_decode_errors_total", "Frames not decoded to an IP packet, by reason");
    for (size_t i = 1; i < total.decode.by_reason.size(); ++i)
        addSample(decode, double(total.decode.by_reason[i]),
                  {{"reason", capture::kDecodeErrorNames[i]}});
    out.push_back(std::move(decode));

    addCounterSeries(out, total, false);
    addCounterSeries(out, total.defrag, false);
    return total;
}

// Adds the worker families; `total` receives the workers' stats summed, and the ICAP threads'
// inspection (their engines' counters, their alerts by rule), which is the same work.
void addWorkers(std::vector<MetricFamily>& out, const MetricsSources& src, const IcapStats& icap,
                WorkerStats& total) {
    for (size_t i = 0; i < src.workers.size(); ++i) {
        const WorkerStats w = src.workers[i]->read();
        addWorkerSeries(out, w.counters, i);
        total += w;
    }
    total.counters += icap.engine;
    for (const auto& [rule, n] : icap.alerts_by_rule)
        total.alerts_by_rule[rule] += n;

    auto active = gauge("egressmon_flows_active", "Flows in the flow tables now");
    addSample(active, double(total.flows_active));
    out.push_back(std::move(active));
    addCounterSeries(out, total.counters.flows, false);
    auto by_proto = counter("egressmon_flows_by_protocol_total",
                            "Ended flows by nDPI protocol (spelled as in flow records)");
    for (const auto& [name, n] : total.flows_by_protocol)
        addSample(by_proto, double(n), {{"protocol", name}});
    out.push_back(std::move(by_proto));

    auto alerts = counter("egressmon_alerts_total", "Alerts raised, by rule and severity");
    for (const auto& [rule, n] : total.alerts_by_rule)
        addSample(alerts, double(n),
                  {{"signature_id", std::to_string(rule.first)},
                   {"severity", std::to_string(rule.second)}});
    out.push_back(std::move(alerts));

    const bool with_rules = src.rules != nullptr;
    total.counters.forEachGroup([&](const auto& group) {
        if (static_cast<const void*>(&group) != &total.counters.flows)
            addCounterSeries(out, group, with_rules);
    });
}

void addLimitHits(std::vector<MetricFamily>& out, const WorkerStats& w, const CaptureStats& cap,
                  const IcapStats& icap, const exporting::SinkCounters& alerts) {
    auto family = counter(kLimitHits.name, kLimitHits.help);
    LimitHits hits;
    hits.add(w.counters.flows);
    hits.add(cap.defrag);
    hits.add(icap.icap);
    w.counters.forEachGroup([&](const auto& group) {
        if (static_cast<const void*>(&group) != &w.counters.flows) hits.add(group);
    });
    hits.addTo(family);
    addSample(family, double(alerts.spool_full), {{kLimitHits.label, kSpoolLimit.key}});
    out.push_back(std::move(family));
}

} // namespace

void addSinkMetrics(std::vector<MetricFamily>& fams, const char* kind,
                    const exporting::SinkCounters& c, bool kafka) {
    // Family by family in kSinkFamilies order, each with its lines' samples in table order.
    for (const exporting::SinkFamily& family : exporting::kSinkFamilies) {
        if (family.kafka_only && !kafka) continue;
        c.forEachCounter([&](const exporting::SinkCounterInfo& info, uint64_t value) {
            for (const exporting::SinkSeries& series : info.exports.series) {
                if (!series.family || std::strcmp(series.family, family.name) != 0) continue;
                Labels labels = {{"sink", kind}};
                if (series.reason) labels.push_back({"reason", series.reason});
                addSample(familyIn(fams, family.name, family.help,
                                   family.gauge ? MetricType::Gauge : MetricType::Counter),
                          double(value), std::move(labels));
            }
        });
    }
}

namespace {

void addSink(std::vector<MetricFamily>& fams, const char* kind, const exporting::RecordSink& sink) {
    addSinkMetrics(fams, kind, sink.counters(), sink.spec().rfind("kafka://", 0) == 0);
}

void addLatency(std::vector<MetricFamily>& out, const char* name, const char* help,
                const exporting::LatencyHistogram::Snapshot& s) {
    auto fam = exporting::makeFamily(name, help, MetricType::Histogram);
    prometheus::ClientMetric m;
    m.histogram.sample_count = s.count;
    m.histogram.sample_sum = s.sum_seconds;
    uint64_t cumulative = 0;
    for (size_t i = 0; i < s.buckets.size(); ++i) {
        cumulative += s.buckets[i];
        prometheus::ClientMetric::Bucket b;
        b.cumulative_count = cumulative;
        b.upper_bound = i < exporting::LatencyHistogram::kBounds.size()
                            ? exporting::LatencyHistogram::kBounds[i]
                            : std::numeric_limits<double>::infinity();
        m.histogram.bucket.push_back(b);
    }
    fam.metric.push_back(std::move(m));
    out.push_back(std::move(fam));
}

void addIcap(std::vector<MetricFamily>& out, const IcapStats& icap) {
    addCounterSeries(out, icap.icap, false);
    auto open = gauge("egressmon_icap_connections_open", "ICAP connections open now");
    addSample(open, double(icap.open_connections));
    out.push_back(std::move(open));
    auto held = gauge("egressmon_icap_held_bytes",
                      "Request bodies held now to echo them (icap.max-buffered-bytes per thread)");
    addSample(held, double(icap.held_bytes));
    out.push_back(std::move(held));
    addLatency(out, "egressmon_icap_decision_seconds",
               "ICAP REQMOD: from the complete header block to the answer (body receipt and "
               "inspection)",
               icap.latency);
}

void addRules(std::vector<MetricFamily>& out, const MetricsSources& src) {
    if (!src.rules) return;
    const ReloadCounters r = src.reloader ? src.reloader->counters() : ReloadCounters{};
    addCounterSeries(out, r, true);
    auto info = gauge("egressmon_policy_info", "The rule set in force (policy_version label)");
    addSample(info, 1, {{"policy_version", src.rules->current()->policyVersion()}});
    out.push_back(std::move(info));
}

void addFleet(std::vector<MetricFamily>& out, const MetricsSources& src) {
    if (!src.fleet) return;
    addCounterSeries(out, src.fleet->counters(), false);
    auto version = gauge("egressmon_fleet_bundle_version",
                         "Version of the signed policy bundle in force (0: none, the rules are "
                         "--rules files or none)");
    addSample(version, double(src.fleet->bundleVersion().value_or(0)));
    out.push_back(std::move(version));
}

} // namespace

std::vector<MetricFamily> collectMetrics(const MetricsSources& src) {
    std::vector<MetricFamily> out;
    auto build = gauge("egressmon_build_info", "The running egressmon's version (label)");
    addSample(build, 1, {{"version", EGRESSMON_VERSION}});
    out.push_back(std::move(build));
    const CaptureStats capture_total = addCapture(out, src);
    IcapStats icap;
    for (const auto* lane : src.icap)
        icap += lane->read();
    WorkerStats workers;
    addWorkers(out, src, icap, workers);
    if (!src.icap.empty()) addIcap(out, icap);
    const exporting::SinkCounters alert_counters =
        src.alert_sink ? src.alert_sink->counters() : exporting::SinkCounters{};
    addLimitHits(out, workers, capture_total, icap, alert_counters);
    if (src.alert_sink) {
        addSink(out, "alerts", *src.alert_sink);
        if (const auto* latency = src.alert_sink->latency())
            addLatency(out, "egressmon_alert_latency_seconds",
                       "From the event (capture time live, detection time for files) to Kafka's "
                       "acknowledgement",
                       latency->snapshot());
    }
    if (src.flow_sink) addSink(out, "flows", *src.flow_sink);
    if (src.file_sink) addSink(out, "files", *src.file_sink);
    addRules(out, src);
    addFleet(out, src);
    return out;
}

} // namespace egressmon::app
