#include "metrics_collector.h"

#include <initializer_list>
#include <limits>
#include <tuple>

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

// A counter family with one unlabelled sample.
void addCounter(std::vector<MetricFamily>& out, const std::string& name, const std::string& help,
                uint64_t value) {
    auto family = counter(name, help);
    addSample(family, double(value));
    out.push_back(std::move(family));
}

// A counter family with one sample per value of one label.
void addLabelledCounter(std::vector<MetricFamily>& out, const std::string& name,
                        const std::string& help, const char* label,
                        std::initializer_list<std::pair<const char*, uint64_t>> values) {
    auto family = counter(name, help);
    for (const auto& [value, n] : values)
        addSample(family, double(n), {{label, value}});
    out.push_back(std::move(family));
}

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
        total.read_errors += c.read_errors;
        total.timestamp_anomalies += c.timestamp_anomalies;
        total.length_anomalies += c.length_anomalies;
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

    addCounter(out, "egressmon_capture_read_errors_total",
               "Capture files that ended in a read error", total.read_errors);
    addCounter(out, "egressmon_capture_timestamp_anomalies_total",
               "Capture-file timestamps clamped (out of order or corrupt)",
               total.timestamp_anomalies);
    addCounter(out, "egressmon_capture_length_anomalies_total",
               "Capture-file records whose captured length exceeds the wire length",
               total.length_anomalies);

    const auto& d = total.defrag;
    addCounter(out, "egressmon_defrag_fragments_total", "IP fragments seen", d.fragments);
    addCounter(out, "egressmon_defrag_reassembled_total", "IP datagrams reassembled",
               d.reassembled);
    addLabelledCounter(out, "egressmon_defrag_dropped_total",
                       "Fragments or datagrams given up in reassembly, by reason", "reason",
                       {{"timed_out", d.timed_out},
                        {"evicted", d.evicted},
                        {"overlap_conflict", d.overlap_conflicts},
                        {"too_large", d.too_large},
                        {"too_many_fragments", d.too_many_fragments},
                        {"truncated", d.truncated},
                        {"inconsistent", d.bad}});
    return total;
}

// Adds the worker families; `total` receives the workers' stats summed.
void addWorkers(std::vector<MetricFamily>& out, const MetricsSources& src, WorkerStats& total) {
    auto wpackets = counter("egressmon_worker_packets_total", "Packets handled, per worker");
    auto wbytes = counter("egressmon_worker_bytes_total", "Wire bytes handled, per worker");
    for (size_t i = 0; i < src.workers.size(); ++i) {
        const WorkerStats w = src.workers[i]->read();
        addSample(wpackets, double(w.counters.packets), {{"worker", std::to_string(i)}});
        addSample(wbytes, double(w.counters.bytes), {{"worker", std::to_string(i)}});
        total += w;
    }
    out.push_back(std::move(wpackets));
    out.push_back(std::move(wbytes));

    const auto& c = total.counters;
    auto active = gauge("egressmon_flows_active", "Flows in the flow tables now");
    addSample(active, double(total.flows_active));
    out.push_back(std::move(active));
    addCounter(out, "egressmon_flows_created_total", "Flows created", c.flows.created);
    addCounter(out, "egressmon_flows_expired_total", "Flows ended by an idle timeout",
               c.flows.expired);
    addCounter(out, "egressmon_flows_evicted_total", "Flows ended early to stay within max-flows",
               c.flows.evicted);
    addCounter(out, "egressmon_flows_flushed_total", "Flows ended by end of input or shutdown",
               c.flows.flushed);
    auto by_proto = counter("egressmon_flows_by_protocol_total",
                            "Ended flows by nDPI protocol (spelled as in flow records)");
    for (const auto& [name, n] : total.flows_by_protocol)
        addSample(by_proto, double(n), {{"protocol", name}});
    out.push_back(std::move(by_proto));

    addLabelledCounter(out, "egressmon_classifier_flows_total",
                       "Flows by how nDPI classification ended", "result",
                       {{"detected", c.classifier.flows_detected},
                        {"guessed", c.classifier.flows_guessed},
                        {"unknown", c.classifier.flows_unknown}});

    auto alerts = counter("egressmon_alerts_total", "Alerts raised, by rule and severity");
    for (const auto& [rule, n] : total.alerts_by_rule)
        addSample(alerts, double(n),
                  {{"signature_id", std::to_string(rule.first)},
                   {"severity", std::to_string(rule.second)}});
    out.push_back(std::move(alerts));

    addCounter(out, "egressmon_inspected_bytes_total",
               "Stream and decoded-layer bytes scanned by the rules", c.inspection.bytes_inspected);

    addLabelledCounter(out, "egressmon_inspection_events_total",
                       "Match outcomes other than alerts, and matcher failures, by event", "event",
                       {{"repeat_match", c.inspection.repeat_matches},
                        {"validator_rejected", c.inspection.validator_rejected},
                        {"validator_unavailable", c.inspection.validator_unavailable},
                        {"protocol_filtered", c.inspection.protocol_filtered},
                        {"pending_overflow", c.inspection.pending_overflow},
                        {"layer_refused", c.inspection.layers_refused},
                        {"layer_byte_refused", c.inspection.layer_bytes_refused},
                        {"matcher_error", c.matcher_errors},
                        {"classifier_alloc_failure", c.classifier.alloc_failures}});

    auto decoded = counter("egressmon_decoder_events_total",
                           "HTTP and SMTP decoder activity and errors, by decoder and event");
    const std::tuple<const char*, const char*, uint64_t> events[] = {
        {"http", "message", c.http.messages},
        {"http", "body", c.http.bodies},
        {"http", "chunked_body", c.http.chunked_bodies},
        {"http", "decompressed_body", c.http.decompressed_bodies},
        {"http", "multipart_part", c.http.multipart_parts},
        {"http", "decompression_error", c.http.decompression_errors},
        {"http", "parse_error", c.http.parse_errors},
        {"http", "gap", c.http.gaps},
        {"http", "resync", c.http.resyncs},
        {"http", "gap_cut_layer", c.http.gap_cut_layers},
        {"smtp", "message", c.smtp.messages},
        {"smtp", "mime_part", c.smtp.mime_parts},
        {"smtp", "starttls", c.smtp.starttls},
        {"smtp", "parse_error", c.smtp.parse_errors},
        {"smtp", "gap", c.smtp.gaps},
        {"smtp", "resync", c.smtp.resyncs},
        {"smtp", "starttls_refused", c.smtp.starttls_refused},
        {"smtp", "reply_error", c.smtp.reply_errors},
    };
    for (const auto& [decoder, event, n] : events)
        addSample(decoded, double(n), {{"decoder", decoder}, {"event", event}});
    out.push_back(std::move(decoded));

    addLabelledCounter(out, "egressmon_reassembly_events_total",
                       "TCP reassembly: overlaps, conflicts and gaps", "event",
                       {{"overlap", c.reassembly.overlaps},
                        {"overlap_conflict", c.reassembly.overlap_conflicts},
                        {"gap", c.reassembly.gaps},
                        {"retransmitted_byte", c.reassembly.retransmitted_bytes}});

    addLabelledCounter(out, "egressmon_records_lost_total",
                       "Records that could not be formatted (out of memory), by kind", "kind",
                       {{"alert", c.alert_records_lost}, {"flow", c.flow_records_lost}});
}

// One family for every configured bound, labelled with the configuration key that sets it, so
// a dashboard shows which knob an operator would turn.
void addLimitHits(std::vector<MetricFamily>& out, const WorkerStats& w, const CaptureStats& cap,
                  const exporting::SinkCounters& alerts) {
    const auto& c = w.counters;
    addLabelledCounter(
        out, "egressmon_limit_hits_total",
        "Times a configured bound was reached, by configuration key", "limit",
        {{"max-flows", c.flows.evicted},
         {"defrag.max-datagrams", cap.defrag.evicted},
         {"defrag.timeout", cap.defrag.timed_out},
         {"defrag.max-fragments", cap.defrag.too_many_fragments},
         {"inspection-depth", c.inspection.depth_exceeded},
         {"inspection-max-layers", c.inspection.layers_refused},
         {"reassembly.max-buffered-bytes", c.reassembly.depth_exceeded},
         {"reassembly.max-segments", c.reassembly.segments_exceeded},
         {"reassembly.memcap", c.reassembly.budget_exceeded},
         {"reassembly.max-ahead-bytes", c.reassembly.ahead_exceeded},
         {"http.max-header-bytes", c.http.header_too_large},
         {"http.max-decompressed-bytes", c.http.decompression_bombs - c.http.ratio_exceeded},
         {"http.max-compression-ratio", c.http.ratio_exceeded},
         {"http.max-part-header-bytes", c.http.part_header_too_large},
         {"http.max-trailer-bytes", c.http.trailer_too_large},
         {"http.max-pending-requests", c.http.pending_requests_exceeded},
         {"http.max-resync-bytes", c.http.resync_failures},
         {"smtp.max-line-bytes", c.smtp.line_too_long},
         {"smtp.max-header-bytes", c.smtp.header_too_large},
         {"smtp.max-mime-depth", c.smtp.mime_too_deep},
         {"smtp.max-resync-bytes", c.smtp.resync_failures},
         {"kafka.spool-max-bytes", alerts.spool_full}});
}

void addSink(std::vector<MetricFamily>& fams, const char* kind, const exporting::RecordSink& sink) {
    const exporting::SinkCounters c = sink.counters();
    const Labels base = {{"sink", kind}};
    const auto with = [&](const char* name, const char* value) {
        Labels l = base;
        l.push_back({name, value});
        return l;
    };
    auto find = [&](const std::string& name, const std::string& help,
                    MetricType type) -> MetricFamily& {
        for (auto& f : fams)
            if (f.name == name) return f;
        fams.push_back(exporting::makeFamily(name, help, type));
        return fams.back();
    };
    addSample(find("egressmon_records_written_total",
                   "Records written to a file or acknowledged by Kafka, per sink",
                   MetricType::Counter),
              double(c.written), base);
    auto& dropped = find("egressmon_records_dropped_total", "Records given up, per sink and reason",
                         MetricType::Counter);
    addSample(dropped, double(c.ring_dropped), with("reason", "ring_full"));
    addSample(dropped, double(c.write_failed), with("reason", "write_failed"));
    addSample(dropped, double(c.shed), with("reason", "shed"));
    addSample(dropped, double(c.spool_full), with("reason", "spool_full"));
    if (sink.spec().rfind("kafka://", 0) != 0) return;
    addSample(
        find("egressmon_kafka_queue_depth", "Messages in the producer's queue", MetricType::Gauge),
        double(c.queue_depth), base);
    addSample(find("egressmon_kafka_delivered_total", "Messages the broker acknowledged",
                   MetricType::Counter),
              double(c.written), base);
    addSample(find("egressmon_kafka_delivery_failed_total",
                   "Delivery reports with an error (the record was then spooled or shed)",
                   MetricType::Counter),
              double(c.delivery_failed), base);
    addSample(find("egressmon_kafka_spooled_total", "Records written to the disk spool",
                   MetricType::Counter),
              double(c.spooled), base);
    addSample(find("egressmon_kafka_replayed_total", "Spooled records delivered after all",
                   MetricType::Counter),
              double(c.replayed), base);
    addSample(find("egressmon_kafka_spool_bytes", "Size of the disk spool", MetricType::Gauge),
              double(c.spool_bytes), base);
    addSample(find("egressmon_kafka_spool_pending_records", "Spooled records waiting for delivery",
                   MetricType::Gauge),
              double(c.spool_pending), base);
    addSample(find("egressmon_kafka_spool_corrupt_records_total", "Damaged spool records skipped",
                   MetricType::Counter),
              double(c.spool_corrupt), base);
    addSample(find("egressmon_kafka_spool_io_errors_total",
                   "Spool write, fsync, read or unlink failures", MetricType::Counter),
              double(c.spool_io_errors), base);
}

void addLatency(std::vector<MetricFamily>& out, const exporting::LatencyHistogram& h) {
    auto fam = exporting::makeFamily(
        "egressmon_alert_latency_seconds",
        "From the event (capture time live, detection time for files) to Kafka's acknowledgement",
        MetricType::Histogram);
    const auto s = h.snapshot();
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

void addRules(std::vector<MetricFamily>& out, const MetricsSources& src, const WorkerStats& w) {
    if (!src.rules) return;
    const ReloadCounters r = src.reloader ? src.reloader->counters() : ReloadCounters{};
    addLabelledCounter(out, "egressmon_rule_reloads_total", "Rule reloads (SIGHUP), by result",
                       "result", {{"ok", r.reloads}, {"failed", r.failures}});
    addCounter(out, "egressmon_rule_switch_failures_total",
               "Times a worker could not adopt a reloaded rule set",
               w.counters.rule_switch_failures);
    auto info = gauge("egressmon_policy_info", "The rule set in force (policy_version label)");
    addSample(info, 1, {{"policy_version", src.rules->current()->policyVersion()}});
    out.push_back(std::move(info));
}

} // namespace

std::vector<MetricFamily> collectMetrics(const MetricsSources& src) {
    std::vector<MetricFamily> out;
    auto build = gauge("egressmon_build_info", "The running egressmon's version (label)");
    addSample(build, 1, {{"version", EGRESSMON_VERSION}});
    out.push_back(std::move(build));
    const CaptureStats capture_total = addCapture(out, src);
    WorkerStats workers;
    addWorkers(out, src, workers);
    const exporting::SinkCounters alert_counters =
        src.alert_sink ? src.alert_sink->counters() : exporting::SinkCounters{};
    addLimitHits(out, workers, capture_total, alert_counters);
    if (src.alert_sink) {
        addSink(out, "alerts", *src.alert_sink);
        if (const auto* latency = src.alert_sink->latency()) addLatency(out, *latency);
    }
    if (src.flow_sink) addSink(out, "flows", *src.flow_sink);
    addRules(out, src, workers);
    return out;
}

} // namespace egressmon::app
