#pragma once
// One worker: owns a flow table and an nDPI module, and handles every packet of the flows the
// dispatcher hashes to it. Everything here runs on the worker's own thread; the only outputs are
// the records it publishes to the sinks and its counters, read after the thread is joined.

#include <cstdint>
#include <memory>
#include <string>

#include "core/flow_table.h"
#include "core/home_net.h"
#include "core/packet.h"
#include "dpi/flow_classifier.h"
#include "dpi/flow_inspector.h"
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
};

struct WorkerCounters {
    uint64_t packets = 0;
    uint64_t bytes = 0;             // wire bytes
    uint64_t flow_records_lost = 0; // could not be formatted (out of memory)
    core::FlowTableCounters flows;
    dpi::ClassifierCounters classifier;
    dpi::InspectionCounters inspection;
    dpi::HttpDecoderCounters http;
    dpi::SmtpDecoderCounters smtp;
    core::ReassemblyBudget reassembly; // counters only (max_bytes/bytes_held are per worker)
    uint64_t matcher_errors = 0;
    uint64_t alert_records_lost = 0;
    uint64_t rule_switch_failures = 0; // a worker could not adopt a reloaded rule set
    WorkerCounters& operator+=(const WorkerCounters& o);
};

class Worker final : public dpi::AlertSink {
  public:
    // flow_sink may be null (flow records off); sinks must outlive the worker.
    Worker(WorkerConfig config, std::shared_ptr<const core::HomeNet> home_net,
           exporting::RecordSink* flow_sink, exporting::RecordSink* alert_sink);

    void processPacket(const core::Packet& packet, uint64_t flow_hash) noexcept;

    // Advances the worker's clock (packet time for files, wall time for live) and ends flows
    // idle past their timeout, at most once per second of clock time.
    void advanceClock(uint64_t now_us) noexcept;

    // Ends every flow (end of input or shutdown).
    void flushAllFlows() noexcept;

    // Between batches: switches to a reloaded rule set if one was published.
    void refreshRules() noexcept;

    WorkerCounters counters() const;
    int protocolId(const std::string& name) const { return classifier_.protocolId(name); }
    unsigned id() const { return config_.id; }

    void onAlert(const core::Flow& flow, core::Alert&& alert) noexcept override;

  private:
    void endFlow(core::Flow& flow, core::FlowEndReason reason) noexcept;
    exporting::FlowNames namesOf(const core::Flow& flow) const;

    WorkerConfig config_;
    std::shared_ptr<const core::HomeNet> home_net_; // shared read-only by all workers
    exporting::RecordSink* flow_sink_;
    exporting::RecordSink* alert_sink_;
    core::FlowTable table_;
    dpi::FlowClassifier classifier_;
    std::unique_ptr<dpi::FlowInspector> inspector_; // null without rules
    uint64_t clock_us_ = 0;
    uint64_t last_expiry_us_ = 0;
    uint64_t packets_ = 0;
    uint64_t bytes_ = 0;
    uint64_t flow_records_lost_ = 0;
    uint64_t alert_records_lost_ = 0;
    uint64_t rules_generation_ = 0;
    uint64_t rule_switch_failures_ = 0;
};

} // namespace egressmon::app
