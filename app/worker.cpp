#include "worker.h"

#include "core/flow_tracker.h"
#include "export/eve_flow_record.h"

namespace egressmon::app {

WorkerCounters& WorkerCounters::operator+=(const WorkerCounters& o) {
    packets += o.packets;
    bytes += o.bytes;
    flow_records_lost += o.flow_records_lost;
    flows += o.flows;
    classifier += o.classifier;
    return *this;
}

Worker::Worker(WorkerConfig config, std::shared_ptr<const core::HomeNet> home_net,
               exporting::RecordSink* flow_sink)
    : config_(std::move(config)), home_net_(std::move(home_net)), flow_sink_(flow_sink),
      table_(config_.max_flows, config_.timeouts), classifier_(config_.classifier) {}

void Worker::processPacket(const core::Packet& packet, uint64_t flow_hash) noexcept {
    ++packets_;
    bytes_ += packet.wire_len;
    if (packet.ts_us > clock_us_) clock_us_ = packet.ts_us;

    bool sender_is_lo = false;
    const core::FlowKey key = core::FlowKey::fromPacket(packet, &sender_is_lo);
    core::Flow* flow = table_.find(key, flow_hash);
    if (!flow) {
        flow = table_.create(key, flow_hash, packet.ts_us,
                             [this](core::Flow& f, core::FlowEndReason r) { endFlow(f, r); });
        if (!flow) return; // max_flows == 0: nothing can be tracked
        core::initFlowFromFirstPacket(*flow, packet, sender_is_lo);
        flow->relation = home_net_->relation(flow->clientIp(), flow->serverIp());
    }
    core::updateFlowWithPacket(*flow, packet, sender_is_lo);
    table_.touch(*flow, core::timeoutClassOf(*flow), packet.ts_us);
    classifier_.process(*flow, packet);
}

void Worker::advanceClock(uint64_t now_us) noexcept {
    if (now_us > clock_us_) clock_us_ = now_us;
    if (clock_us_ - last_expiry_us_ < 1'000'000) return;
    last_expiry_us_ = clock_us_;
    table_.expire(clock_us_, [this](core::Flow& f, core::FlowEndReason r) { endFlow(f, r); });
}

void Worker::flushAllFlows() noexcept {
    table_.flushAll([this](core::Flow& f, core::FlowEndReason r) { endFlow(f, r); });
}

void Worker::endFlow(core::Flow& flow, core::FlowEndReason reason) noexcept {
    classifier_.finish(flow);
    if (!flow_sink_) return;
    try {
        const exporting::FlowNames names{classifier_.protocolName(flow.classification),
                                         classifier_.categoryName(flow.classification),
                                         classifier_.appProtoName(flow.classification)};
        std::string record =
            exporting::buildEveFlowRecord(flow, reason, names, config_.sensor_name);
        record.push_back('\n');
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
    c.flows = table_.counters();
    c.classifier = classifier_.counters();
    return c;
}

} // namespace egressmon::app
