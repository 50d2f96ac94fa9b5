#include "worker.h"

#include "app/engine_counters.h"
#include "core/flow_tracker.h"
#include "core/wall_clock.h"
#include "export/eve_alert_record.h"
#include "export/eve_file_record.h"
#include "export/eve_flow_record.h"

namespace egressmon::app {

namespace {
// The subject with the flow's application names (views into `names`, which must outlive it);
// empty names leave the fields empty, so the record omits them.
core::AlertSubject withNames(const core::AlertSubject& subject,
                             const exporting::FlowNames& names) noexcept {
    core::AlertSubject named = subject;
    named.app_proto = names.app_proto;
    named.ndpi_protocol = names.ndpi_protocol;
    named.ndpi_category = names.ndpi_category;
    return named;
}
} // namespace

// Made for each call into the inspector, so the alerts it raises meet the flow they are about.
class Worker::FlowAlerts final : public dpi::AlertSink {
  public:
    FlowAlerts(Worker& worker, const core::Flow& flow) noexcept : worker_(worker), flow_(flow) {}
    void onAlert(const core::AlertSubject& subject, core::Alert&& alert) noexcept override {
        worker_.publishAlert(subject, flow_, std::move(alert));
    }
    void onFile(const core::AlertSubject& subject, core::FileRecord&& record) noexcept override {
        worker_.publishFile(subject, flow_, record);
    }

  private:
    Worker& worker_;
    const core::Flow& flow_;
};

WorkerCounters& WorkerCounters::operator+=(const WorkerCounters& o) {
    addCounters(o);
    flows += o.flows;
    classifier += o.classifier;
    inspection += o.inspection;
    policy += o.policy;
    dns_tunnel += o.dns_tunnel;
    reassembly += o.reassembly;
    http += o.http;
    smtp += o.smtp;
    zip += o.zip;
    xml += o.xml;
    tar += o.tar;
    rtf += o.rtf;
    pdf += o.pdf;
    sealed += o.sealed;
    return *this;
}

WorkerStats& WorkerStats::operator+=(const WorkerStats& o) {
    counters += o.counters;
    flows_active += o.flows_active;
    for (const auto& [name, n] : o.flows_by_protocol)
        flows_by_protocol[name] += n;
    for (const auto& [rule, n] : o.alerts_by_rule)
        alerts_by_rule[rule] += n;
    return *this;
}

Worker::Worker(WorkerConfig config, std::shared_ptr<const core::HomeNet> home_net,
               exporting::RecordSink* flow_sink, exporting::RecordSink* alert_sink,
               exporting::RecordSink* file_sink)
    : config_(std::move(config)), home_net_(std::move(home_net)), flow_sink_(flow_sink),
      alert_sink_(alert_sink), file_sink_(file_sink), table_(config_.max_flows, config_.timeouts),
      classifier_(config_.classifier) {
    if (config_.rules) {
        rules_generation_ = config_.rules->generation();
        inspector_ = std::make_unique<dpi::FlowInspector>(
            config_.inspection, config_.rules->current(),
            [this](const std::string& name) { return classifier_.protocolId(name); },
            [this](const std::string& name) { return classifier_.categoryId(name); },
            config_.policy);
    }
}

void Worker::processPacket(const core::Packet& packet, uint64_t flow_hash) noexcept {
    ++packets_;
    bytes_ += packet.wire_len;
    if (packet.ts_us > clock_us_) clock_us_ = packet.ts_us;

    bool sender_is_lo = false;
    const core::FlowKey key = core::FlowKey::fromPacket(packet, &sender_is_lo);
    core::Flow* flow = table_.find(key, flow_hash);
    if (flow && table_.endIfIdle(*flow, packet.ts_us,
                                 [this](core::Flow& f, core::FlowEndReason r) { endFlow(f, r); }))
        flow = nullptr;
    if (!flow) {
        flow = table_.create(key, flow_hash, packet.ts_us,
                             [this](core::Flow& f, core::FlowEndReason r) { endFlow(f, r); });
        if (!flow) return; // max_flows == 0: nothing can be tracked
        core::initFlowFromFirstPacket(*flow, packet, sender_is_lo);
        flow->relation = home_net_->relation(flow->clientIp(), flow->serverIp());
    }
    const bool to_server = core::updateFlowWithPacket(*flow, packet, sender_is_lo);
    table_.touch(*flow, core::timeoutClassOf(*flow), packet.ts_us);
    const bool was_classified = flow->classification.done;
    classifier_.process(*flow, packet);
    if (inspector_) {
        FlowAlerts alerts(*this, *flow);
        if (!was_classified && flow->classification.done)
            inspector_->onClassified(*flow, packet.ts_us, alerts);
        inspector_->onPacket(*flow, packet, to_server, alerts);
    }
}

void Worker::refreshRules() noexcept {
    if (!config_.rules || config_.rules->generation() == rules_generation_) return;
    rules_generation_ = config_.rules->generation();
    try {
        inspector_->switchRules(config_.rules->current(), table_);
    } catch (const std::exception&) {
        ++rule_switch_failures_; // e.g. no memory for scratch: the previous rules stay in force
    }
}

void Worker::advanceClock(uint64_t now_us) noexcept {
    if (now_us > clock_us_) clock_us_ = now_us;
    if (clock_us_ - last_expiry_us_ < 1'000'000) return;
    last_expiry_us_ = clock_us_;
    if (inspector_) inspector_->advanceClock(clock_us_);
    table_.expire(clock_us_, [this](core::Flow& f, core::FlowEndReason r) { endFlow(f, r); });
}

void Worker::flushAllFlows() noexcept {
    if (flow_sink_) flow_sink_->stopDropping();
    if (alert_sink_) alert_sink_->stopDropping();
    if (file_sink_) file_sink_->stopDropping();
    table_.flushAll([this](core::Flow& f, core::FlowEndReason r) { endFlow(f, r); });
}

exporting::FlowNames Worker::namesOf(const core::Flow& flow) const {
    return {classifier_.protocolName(flow.classification),
            classifier_.categoryName(flow.classification),
            classifier_.appProtoName(flow.classification)};
}

void Worker::publishAlert(const core::AlertSubject& subject, const core::Flow& flow,
                          core::Alert&& alert) noexcept {
    if (!alert_sink_) return;
    try {
        ++alerts_by_rule_[{alert.signature_id, alert.severity}];
        const exporting::FlowNames names = namesOf(flow); // outlives the named subject
        exporting::SinkRecord record;
        record.json =
            exporting::buildEveAlertRecord(withNames(subject, names), alert, config_.sensor_name);
        record.flow_id = subject.flow_id;
        record.origin_us = config_.live ? static_cast<int64_t>(alert.ts_us) : core::wallClockUs();
        alert_sink_->publish(config_.id, std::move(record));
    } catch (const std::bad_alloc&) {
        ++alert_records_lost_; // out of memory while formatting: counted, not fatal
    }
}

void Worker::publishFile(const core::AlertSubject& subject, const core::Flow& flow,
                         const core::FileRecord& file) noexcept {
    if (!file_sink_) return;
    try {
        // A file can end before nDPI has named the flow (unlike alerts, file records do not
        // wait): then the record names no application rather than a wrong one.
        const exporting::FlowNames names =
            flow.classification.done ? namesOf(flow) : exporting::FlowNames{};
        exporting::SinkRecord record;
        record.json =
            exporting::buildEveFileRecord(withNames(subject, names), file, config_.sensor_name);
        record.flow_id = subject.flow_id;
        file_sink_->publish(config_.id, std::move(record));
    } catch (const std::bad_alloc&) {
        ++file_records_lost_; // out of memory while formatting: counted, not fatal
    }
}

void Worker::endFlow(core::Flow& flow, core::FlowEndReason reason) noexcept {
    const bool was_classified = flow.classification.done;
    classifier_.finish(flow);
    // After classification, so matches waiting for the protocol are settled with the final one.
    if (inspector_) {
        FlowAlerts alerts(*this, flow);
        if (!was_classified) inspector_->onClassified(flow, flow.last_ts_us, alerts);
        inspector_->onFlowEnd(flow, alerts);
    }
    try {
        ++flows_by_protocol_id_[uint32_t{flow.classification.master_protocol} << 16 |
                                flow.classification.app_protocol];
    } catch (const std::bad_alloc&) {
    }
    if (!flow_sink_) return;
    try {
        exporting::SinkRecord record;
        record.json =
            exporting::buildEveFlowRecord(flow, reason, namesOf(flow), config_.sensor_name);
        record.json.push_back('\n');
        record.flow_id = flow.flow_id;
        flow_sink_->publish(config_.id, std::move(record));
    } catch (const std::bad_alloc&) {
        ++flow_records_lost_; // out of memory while formatting: counted, not fatal
    }
}

WorkerCounters Worker::counters() const {
    WorkerCounters c;
    c.packets = packets_;
    c.bytes = bytes_;
    c.flow_records_lost = flow_records_lost_;
    c.alert_records_lost = alert_records_lost_;
    c.file_records_lost = file_records_lost_;
    c.rule_switch_failures = rule_switch_failures_;
    c.flows = table_.counters();
    c.classifier = classifier_.counters();
    if (inspector_) {
        copyEngineCounters(inspector_->engine(), c);
        c.policy = inspector_->policyCounters();
        c.dns_tunnel = inspector_->dnsTunnelCounters();
        c.reassembly = inspector_->reassembly();
    }
    return c;
}

WorkerStats Worker::stats() const {
    WorkerStats s;
    s.counters = counters();
    s.flows_active = table_.size();
    for (const auto& [id, n] : flows_by_protocol_id_) {
        core::FlowClassification c;
        c.master_protocol = static_cast<uint16_t>(id >> 16);
        c.app_protocol = static_cast<uint16_t>(id & 0xffff);
        s.flows_by_protocol[classifier_.protocolName(c)] += n;
    }
    s.alerts_by_rule = alerts_by_rule_;
    return s;
}

void Worker::publishStatsIfDue(bool force) noexcept {
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last_published_ < std::chrono::seconds(1)) return;
    last_published_ = now;
    try {
        published_.publish(stats());
    } catch (const std::exception&) {
        // Out of memory: the previous snapshot stays; the next publication catches up.
    }
}

} // namespace egressmon::app
