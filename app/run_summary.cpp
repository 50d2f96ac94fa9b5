#include <atomic>

#include "app/pipeline.h"
#include "export/json_writer.h"

namespace egressmon::app {

std::atomic<bool>& stopRequested() {
    static std::atomic<bool> flag{false};
    return flag;
}

namespace {
void writeSinkCounters(exporting::JsonWriter& w, const char* name, const exporting::SinkCounters& c,
                       uint64_t lost) {
    w.key(name).beginObject();
    w.field("written", c.written);
    w.field("ring_dropped", c.ring_dropped);
    w.field("write_failed", c.write_failed);
    w.field("lost", lost);
    if (c.delivery_failed + c.shed + c.spooled + c.replayed + c.spool_full + c.spool_corrupt +
            c.spool_pending + c.spool_io_errors >
        0) {
        w.field("delivery_failed", c.delivery_failed);
        w.field("shed", c.shed);
        w.field("spooled", c.spooled);
        w.field("replayed", c.replayed);
        w.field("spool_full", c.spool_full);
        w.field("spool_corrupt", c.spool_corrupt);
        w.field("spool_pending", c.spool_pending);
        w.field("spool_io_errors", c.spool_io_errors);
    }
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
                           s.alert_sink.dropped();
    w.beginObject();
    w.field("packets", s.frames_read);
    w.field("bytes", s.frames_bytes);
    w.field("flows", s.workers.flows.created);
    w.field("alerts", s.workers.inspection.alerts);
    w.field("drops", drops);
    w.field("elapsed_seconds", s.elapsed_seconds);
    w.field("gbps", double(s.frames_bytes) * 8 / secs / 1e9);
    w.field("pps", double(s.frames_read) / secs);

    w.key("capture").beginObject();
    w.field("kernel_drops", s.capture_drops);
    w.field("read_errors", s.read_errors);
    w.field("timestamp_anomalies", s.timestamp_anomalies);
    w.field("length_anomalies", s.length_anomalies);
    w.endObject();

    w.key("decode_errors").beginObject();
    for (size_t i = 1; i < s.decode.by_reason.size(); ++i)
        w.field(capture::kDecodeErrorNames[i], s.decode.by_reason[i]);
    w.endObject();

    w.key("defrag").beginObject();
    w.field("fragments", s.defrag.fragments);
    w.field("reassembled", s.defrag.reassembled);
    w.field("timed_out", s.defrag.timed_out);
    w.field("evicted", s.defrag.evicted);
    w.field("overlaps", s.defrag.overlaps);
    w.field("overlap_conflicts", s.defrag.overlap_conflicts);
    w.field("too_large", s.defrag.too_large);
    w.field("too_many_fragments", s.defrag.too_many_fragments);
    w.field("truncated", s.defrag.truncated);
    w.field("bad", s.defrag.bad);
    w.endObject();

    w.key("flow_table").beginObject();
    w.field("created", s.workers.flows.created);
    w.field("expired", s.workers.flows.expired);
    w.field("evicted", s.workers.flows.evicted);
    w.field("flushed", s.workers.flows.flushed);
    w.endObject();

    w.key("classifier").beginObject();
    w.field("packets_inspected", s.workers.classifier.packets_inspected);
    w.field("flows_detected", s.workers.classifier.flows_detected);
    w.field("flows_guessed", s.workers.classifier.flows_guessed);
    w.field("flows_unknown", s.workers.classifier.flows_unknown);
    w.field("alloc_failures", s.workers.classifier.alloc_failures);
    w.endObject();

    w.key("rules").beginObject();
    w.field("policy_version", s.policy_version);
    w.field("reloads", s.reload.reloads);
    w.field("reload_failures", s.reload.failures);
    w.field("switch_failures", s.workers.rule_switch_failures);
    w.endObject();

    const auto& in = s.workers.inspection;
    w.key("inspection").beginObject();
    w.field("bytes_inspected", in.bytes_inspected);
    w.field("depth_exceeded", in.depth_exceeded);
    w.field("repeat_matches", in.repeat_matches);
    w.field("validator_rejected", in.validator_rejected);
    w.field("validator_unavailable", in.validator_unavailable);
    w.field("protocol_filtered", in.protocol_filtered);
    w.field("pending_overflow", in.pending_overflow);
    w.field("layers_refused", in.layers_refused);
    w.field("layer_bytes_refused", in.layer_bytes_refused);
    w.field("matcher_errors", s.workers.matcher_errors);
    w.field("scan_calls", s.workers.scan_calls);
    w.field("streams_opened", s.workers.streams_opened);
    w.endObject();

    const auto& ra = s.workers.reassembly;
    w.key("reassembly").beginObject();
    w.field("segments", ra.segments);
    w.field("delivered_bytes", ra.delivered_bytes);
    w.field("retransmitted_bytes", ra.retransmitted_bytes);
    w.field("overlaps", ra.overlaps);
    w.field("overlap_conflicts", ra.overlap_conflicts);
    w.field("gaps", ra.gaps);
    w.field("gap_bytes", ra.gap_bytes);
    w.field("depth_exceeded", ra.depth_exceeded);
    w.field("segments_exceeded", ra.segments_exceeded);
    w.field("budget_exceeded", ra.budget_exceeded);
    w.field("ahead_exceeded", ra.ahead_exceeded);
    w.endObject();

    const auto& h = s.workers.http;
    w.key("http").beginObject();
    w.field("messages", h.messages);
    w.field("bodies", h.bodies);
    w.field("chunked_bodies", h.chunked_bodies);
    w.field("decompressed_bodies", h.decompressed_bodies);
    w.field("multipart_parts", h.multipart_parts);
    w.field("header_too_large", h.header_too_large);
    w.field("decompression_bombs", h.decompression_bombs);
    w.field("ratio_exceeded", h.ratio_exceeded);
    w.field("decompression_errors", h.decompression_errors);
    w.field("parse_errors", h.parse_errors);
    w.field("gaps", h.gaps);
    w.field("part_header_too_large", h.part_header_too_large);
    w.field("trailer_too_large", h.trailer_too_large);
    w.field("pending_requests_exceeded", h.pending_requests_exceeded);
    w.field("resyncs", h.resyncs);
    w.field("resync_failures", h.resync_failures);
    w.field("gap_cut_layers", h.gap_cut_layers);
    w.endObject();

    const auto& m = s.workers.smtp;
    w.key("smtp").beginObject();
    w.field("messages", m.messages);
    w.field("mime_parts", m.mime_parts);
    w.field("starttls", m.starttls);
    w.field("parse_errors", m.parse_errors);
    w.field("gaps", m.gaps);
    w.field("line_too_long", m.line_too_long);
    w.field("header_too_large", m.header_too_large);
    w.field("mime_too_deep", m.mime_too_deep);
    w.field("resyncs", m.resyncs);
    w.field("resync_failures", m.resync_failures);
    w.field("starttls_refused", m.starttls_refused);
    w.field("reply_errors", m.reply_errors);
    w.endObject();

    writeSinkCounters(w, "alert_records", s.alert_sink, s.workers.alert_records_lost);
    if (s.alert_latency.count > 0) {
        // Bucket upper bounds (the histogram's resolution), in seconds.
        w.key("alert_latency").beginObject();
        w.field("count", s.alert_latency.count);
        w.field("p50_le_seconds", s.alert_latency.quantileUpperBound(0.5));
        w.field("p99_le_seconds", s.alert_latency.quantileUpperBound(0.99));
        w.field("mean_seconds", s.alert_latency.sum_seconds / double(s.alert_latency.count));
        w.endObject();
    }
    writeSinkCounters(w, "flow_records", s.flow_sink, s.workers.flow_records_lost);
    w.endObject();
    return out;
}

} // namespace egressmon::app
