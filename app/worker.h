#pragma once
// One worker: owns a flow table and an nDPI module, and handles every packet of the flows the
// dispatcher hashes to it. Everything here runs on the worker's own thread; the only outputs are
// the records it publishes to the sinks and its counters, read after the thread is joined.
//
// Alerts: the inspector hands each alert over with its subject (core/alert_subject.h), the
// flow's endpoints as sender and receiver of the matching bytes. Naming the application is left
// to the worker because the classifier that spells nDPI's names is the worker's: each call into
// the inspector gets a FlowAlerts sink bound to the flow, which adds the flow's names to the
// subject and publishes the EVE record (publishAlert). The inspector therefore stays free of
// nDPI, and the EVE builder of flows. Handing the inspector a naming callback instead would
// move the names' allocation onto its noexcept path, where a failure has nothing to be counted
// as; here it is a lost alert record (alert_records_lost), as for the record's own formatting.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "app/published_snapshot.h"
#include "core/alert_subject.h"
#include "core/flow_table.h"
#include "core/home_net.h"
#include "core/packet.h"
#include "dpi/classify/flow_classifier.h"
#include "dpi/inspect/flow_inspector.h"
#include "export/eve_flow_record.h"
#include "export/record_sink.h"
#include "rules/rule_set_source.h"

namespace egressmon::app {

struct WorkerConfig {
    unsigned id = 0;
    uint32_t max_flows = 0; // this worker's share
    core::FlowTimeouts timeouts;
    dpi::ClassifierConfig classifier;
    std::string sensor_name;
    std::shared_ptr<rules::RuleSetSource> rules; // null: no content inspection
    dpi::InspectionConfig inspection;
    dpi::PolicyContext policy; // volume ledgers and the Public Suffix List: all workers share
    // Live capture: alert latency is measured from the packet's capture time. Capture files:
    // from the moment the alert is raised (packet times are history there).
    bool live = false;
};

// The worker's own counters: one line per counter, X(field, unit, help, exports); see
// core/counter_table.h.
#define EGRESSMON_WORKER_COUNTERS(X)                                                               \
    X(packets, "packets", "Packets handled, per worker",                                           \
      counter::metric("egressmon_worker_packets_total").perWorker().noStats())                     \
    X(bytes, "bytes", "Wire bytes handled, per worker",                                            \
      counter::metric("egressmon_worker_bytes_total").perWorker().noStats())                       \
    X(matcher_errors, "scans", "Hyperscan errors",                                                 \
      counter::in("egressmon_inspection_events_total", "matcher_error")                            \
          .stats("inspection.matcher_errors"))                                                     \
    X(scan_calls, "scans", "Hyperscan stream scans (one per layer per chunk)",                     \
      counter::stats("inspection.scan_calls"))                                                     \
    X(streams_opened, "streams", "Hyperscan streams opened (one per layer instance)",              \
      counter::stats("inspection.streams_opened"))                                                 \
    X(alert_records_lost, "records", "Alert records that could not be formatted (out of memory)",  \
      counter::in("egressmon_records_lost_total", "alert").stats("alert_records.lost"))            \
    X(flow_records_lost, "records", "Flow records that could not be formatted (out of memory)",    \
      counter::in("egressmon_records_lost_total", "flow").stats("flow_records.lost"))              \
    X(file_records_lost, "records",                                                                \
      "fileinfo records that could not be formatted (out of memory)",                              \
      counter::in("egressmon_records_lost_total", "file").stats("file_records.lost"))              \
    X(rule_switch_failures, "reloads", "Times a worker could not adopt a reloaded rule set",       \
      counter::metric("egressmon_rule_switch_failures_total")                                      \
          .withRules()                                                                             \
          .stats("rules.switch_failures"))                                                         \
    /* one X(...) per counter, above this line */

struct WorkerCounters {
    EGRESSMON_WORKER_COUNTERS(EGRESSMON_COUNTER_FIELD)
    EGRESSMON_COUNTER_TABLE(WorkerCounters, EGRESSMON_WORKER_COUNTERS, "worker", nullptr, nullptr)
    core::FlowTableCounters flows;
    dpi::ClassifierCounters classifier;
    dpi::InspectionCounters inspection;
    dpi::PolicyCounters policy;
    dpi::DnsTunnelCounters dns_tunnel;
    dpi::HttpDecoderCounters http;
    dpi::SmtpDecoderCounters smtp;
    dpi::ZipCounters zip;
    dpi::XmlCounters xml;
    dpi::TarCounters tar;
    dpi::RtfCounters rtf;
    dpi::PdfCounters pdf;
    dpi::SealedCounters sealed;
    core::ReassemblyBudget reassembly; // counters only (max_bytes/bytes_held are per worker)
    WorkerCounters& operator+=(const WorkerCounters& o);
    // Calls fn(group) for the worker's own counters and each group it holds, in report order.
    template <class Fn> void forEachGroup(Fn&& fn) const {
        fn(flows), fn(inspection), fn(*this), fn(classifier), fn(policy), fn(dns_tunnel), fn(http),
            fn(smtp), fn(zip), fn(xml), fn(tar), fn(rtf), fn(pdf), fn(sealed), fn(reassembly);
    }
};

// Everything the metrics endpoint shows of a worker.
struct WorkerStats {
    WorkerCounters counters;
    uint64_t flows_active = 0;
    std::map<std::string, uint64_t> flows_by_protocol;               // ended flows
    std::map<std::pair<uint32_t, uint8_t>, uint64_t> alerts_by_rule; // (sid, severity)
    WorkerStats& operator+=(const WorkerStats& o);
};

class Worker final {
  public:
    // flow_sink and file_sink may be null (those records off); sinks must outlive the worker.
    Worker(WorkerConfig config, std::shared_ptr<const core::HomeNet> home_net,
           exporting::RecordSink* flow_sink, exporting::RecordSink* alert_sink,
           exporting::RecordSink* file_sink = nullptr);

    void processPacket(const core::Packet& packet, uint64_t flow_hash) noexcept;

    // Advances the worker's clock (packet time for files, wall time for live) and ends flows
    // idle past their timeout, at most once per second of clock time.
    void advanceClock(uint64_t now_us) noexcept;

    // Ends every flow (end of input or shutdown). The sinks stop dropping first: capture has
    // stopped, so waiting for room costs nothing and the last alerts must not be lost.
    void flushAllFlows() noexcept;

    // Between batches: switches to a reloaded rule set if one was published.
    void refreshRules() noexcept;

    WorkerCounters counters() const;
    WorkerStats stats() const;

    // Publishes stats() for the metrics endpoint when the last publication is a second old
    // (or now, when forced). Called between batches; cheap when not due.
    void publishStatsIfDue(bool force = false) noexcept;
    const PublishedSnapshot<WorkerStats>& published() const { return published_; }
    // Its nDPI module's names (rule checks at start-up, before the worker's thread runs).
    const dpi::FlowClassifier& classifier() const { return classifier_; }
    unsigned id() const { return config_.id; }

  private:
    class FlowAlerts; // the dpi::AlertSink of one flow's alerts (worker.cpp)

    void endFlow(core::Flow& flow, core::FlowEndReason reason) noexcept;
    // Names the subject's application after `flow`'s classification and publishes the record.
    void publishAlert(const core::AlertSubject& subject, const core::Flow& flow,
                      core::Alert&& alert) noexcept;
    // The fileinfo record of a file the inspector saw end (--files).
    void publishFile(const core::AlertSubject& subject, const core::Flow& flow,
                     const core::FileRecord& file) noexcept;
    exporting::FlowNames namesOf(const core::Flow& flow) const;

    WorkerConfig config_;
    std::shared_ptr<const core::HomeNet> home_net_; // shared read-only by all workers
    exporting::RecordSink* flow_sink_;
    exporting::RecordSink* alert_sink_;
    exporting::RecordSink* file_sink_;
    core::FlowTable table_;
    dpi::FlowClassifier classifier_;
    std::unique_ptr<dpi::FlowInspector> inspector_; // null without rules
    uint64_t clock_us_ = 0;
    uint64_t last_expiry_us_ = 0;
    uint64_t packets_ = 0;
    uint64_t bytes_ = 0;
    uint64_t flow_records_lost_ = 0;
    uint64_t alert_records_lost_ = 0;
    uint64_t file_records_lost_ = 0;
    uint64_t rules_generation_ = 0;
    uint64_t rule_switch_failures_ = 0;
    // Keyed by ids, not names, so counting costs no string work; names resolved on publishing.
    std::map<uint32_t, uint64_t> flows_by_protocol_id_; // master << 16 | app
    std::map<std::pair<uint32_t, uint8_t>, uint64_t> alerts_by_rule_;
    PublishedSnapshot<WorkerStats> published_;
    std::chrono::steady_clock::time_point last_published_{};
};

} // namespace egressmon::app
