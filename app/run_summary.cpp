#include <atomic>
#include <string_view>
#include <type_traits>

#include "app/counter_export.h"
#include "app/pipeline.h"
#include "export/json_writer.h"

namespace egressmon::app {

std::atomic<bool>& stopRequested() {
    static std::atomic<bool> flag{false};
    return flag;
}

namespace {

// Writes every counter of `groups` whose --stats path (app/counter_export.h) lies in `object`
// ("" for the top level) as a field of the object being written, in table order.
template <class... Groups>
void writeCounters(exporting::JsonWriter& w, std::string_view object, const Groups&... groups) {
    const auto one = [&](const auto& group) {
        using Group = std::decay_t<decltype(group)>;
        group.forEachCounter([&](const core::CounterInfo& info, uint64_t value) {
            const std::string path = statsPath(info, Group::kCounterGroup);
            if (path.empty()) return;
            const size_t dot = path.rfind('.');
            const std::string_view in = dot == std::string::npos
                                            ? std::string_view()
                                            : std::string_view(path).substr(0, dot);
            if (in == object) w.field(std::string_view(path).substr(dot + 1), value);
        });
    };
    (one(groups), ...);
}

// Every counter group of a run, for writeCounters.
void writeRunCounters(exporting::JsonWriter& w, std::string_view object, const RunSummary& s) {
    writeCounters(w, object, s, s.defrag, s.reload, s.icap, s.fleet);
    s.workers.forEachGroup([&](const auto& group) { writeCounters(w, object, group); });
}

// A sink's object (EGRESSMON_SINK_COUNTERS): its keys in table order, the sink's "lost" run
// counters after those every sink has, then the Kafka-only keys for a kafka:// sink (zeros
// included), or for another sink when one of them is non-zero.
void writeSinkCounters(exporting::JsonWriter& w, const char* name, const exporting::SinkCounters& c,
                       bool kafka, const RunSummary& s) {
    w.key(name).beginObject();
    bool any_kafka = kafka;
    c.forEachCounter([&](const exporting::SinkCounterInfo& info, uint64_t value) {
        if (!info.stats) return;
        if (!info.kafka_only)
            w.field(info.stats, value);
        else if (value > 0)
            any_kafka = true;
    });
    writeRunCounters(w, name, s); // lost
    if (any_kafka)
        c.forEachCounter([&](const exporting::SinkCounterInfo& info, uint64_t value) {
            if (info.stats && info.kafka_only) w.field(info.stats, value);
        });
    w.endObject();
}

// One object of counters only.
void writeCounterObject(exporting::JsonWriter& w, const char* object, const RunSummary& s) {
    w.key(object).beginObject();
    writeRunCounters(w, object, s);
    w.endObject();
}

} // namespace

std::string formatStatsJson(const RunSummary& s) {
    std::string out;
    exporting::JsonWriter w(out);
    const double secs = s.elapsed_seconds > 0 ? s.elapsed_seconds : 1e-9;
    // ARP, LLDP, STP... are not IP, not damage: counted under decode_errors.not_ip, not drops.
    const uint64_t not_ip = s.decode.by_reason[static_cast<size_t>(capture::DecodeError::kNotIp)];
    const uint64_t drops = s.capture_drops + (s.decode.total() - not_ip) + s.flow_sink.dropped() +
                           s.alert_sink.dropped() + s.file_sink.dropped();
    w.beginObject();
    w.field("packets", s.frames_read);
    w.field("bytes", s.frames_bytes);
    w.field("flows", s.workers.flows.created);
    writeRunCounters(w, "", s); // alerts
    w.field("drops", drops);
    w.field("elapsed_seconds", s.elapsed_seconds);
    w.field("gbps", double(s.frames_bytes) * 8 / secs / 1e9);
    w.field("pps", double(s.frames_read) / secs);

    w.key("capture").beginObject();
    w.field("kernel_drops", s.capture_drops);
    writeRunCounters(w, "capture", s);
    w.endObject();

    w.key("decode_errors").beginObject();
    for (size_t i = 1; i < s.decode.by_reason.size(); ++i)
        w.field(capture::kDecodeErrorNames[i], s.decode.by_reason[i]);
    w.endObject();

    writeCounterObject(w, "defrag", s);
    writeCounterObject(w, "flow_table", s);
    writeCounterObject(w, "classifier", s);

    w.key("rules").beginObject();
    w.field("policy_version", s.policy_version);
    writeRunCounters(w, "rules", s);
    w.endObject();

    writeCounterObject(w, "inspection", s);
    writeCounterObject(w, "policy", s);
    writeCounterObject(w, "dns_tunnel", s);
    writeCounterObject(w, "reassembly", s);
    writeCounterObject(w, "http", s);
    writeCounterObject(w, "smtp", s);
    writeCounterObject(w, "zip", s);
    writeCounterObject(w, "xml", s);
    writeCounterObject(w, "tar", s);
    writeCounterObject(w, "rtf", s);
    writeCounterObject(w, "pdf", s);
    writeCounterObject(w, "sealed", s);

    writeSinkCounters(w, "alert_records", s.alert_sink, s.alert_sink_kafka, s);
    if (s.alert_latency.count > 0) {
        // Bucket upper bounds (the histogram's resolution), in seconds.
        w.key("alert_latency").beginObject();
        w.field("count", s.alert_latency.count);
        w.field("p50_le_seconds", s.alert_latency.quantileUpperBound(0.5));
        w.field("p99_le_seconds", s.alert_latency.quantileUpperBound(0.99));
        w.field("mean_seconds", s.alert_latency.sum_seconds / double(s.alert_latency.count));
        w.endObject();
    }
    writeSinkCounters(w, "flow_records", s.flow_sink, s.flow_sink_kafka, s);
    if (s.icap_enabled) {
        w.key("icap").beginObject();
        writeRunCounters(w, "icap", s);
        if (s.icap_latency.count > 0) {
            w.field("decision_p50_le_seconds", s.icap_latency.quantileUpperBound(0.5));
            w.field("decision_p99_le_seconds", s.icap_latency.quantileUpperBound(0.99));
            w.field("decision_mean_seconds",
                    s.icap_latency.sum_seconds / double(s.icap_latency.count));
        }
        w.endObject();
    }
    if (s.file_records) writeSinkCounters(w, "file_records", s.file_sink, s.file_sink_kafka, s);
    if (s.fleet_enabled) writeCounterObject(w, "fleet", s);
    w.endObject();
    return out;
}

} // namespace egressmon::app
