#include "app/icap_service.h"

#include <chrono>

#include "app/engine_counters.h"
#include "app/pipeline.h"
#include "core/wall_clock.h"
#include "export/eve_alert_record.h"
#include "export/eve_file_record.h"
#include "icap/icap_listener.h"

namespace egressmon::app {

IcapStats& IcapStats::operator+=(const IcapStats& o) {
    icap += o.icap;
    engine += o.engine;
    for (const auto& [rule, n] : o.alerts_by_rule)
        alerts_by_rule[rule] += n;
    open_connections += o.open_connections;
    held_bytes += o.held_bytes;
    for (size_t i = 0; i < latency.buckets.size(); ++i)
        latency.buckets[i] += o.latency.buckets[i];
    latency.count += o.latency.count;
    latency.sum_seconds += o.latency.sum_seconds;
    return *this;
}

// One ICAP thread with what it publishes to: the EVE records of its alerts and files (its own
// producer slot in the sinks), and its statistics.
class IcapService::Lane final : public dpi::AlertSink {
  public:
    Lane(const Options& o, unsigned index, core::UniqueFd listener,
         std::shared_ptr<rules::RuleSetSource> rules, exporting::RecordSink* alert_sink,
         exporting::RecordSink* file_sink, unsigned producer)
        : sensor_name_(o.sensor_name), alert_sink_(alert_sink), file_sink_(file_sink),
          producer_(producer), server_(o.icap, index, std::move(listener), std::move(rules),
                                       o.inspection, *this, o.sensor_name) {}

    void onAlert(const core::AlertSubject& subject, core::Alert&& alert) noexcept override {
        if (!alert_sink_) return;
        try {
            ++alerts_by_rule_[{alert.signature_id, alert.severity}];
            exporting::SinkRecord record;
            record.json = exporting::buildEveAlertRecord(subject, alert, sensor_name_);
            record.flow_id = subject.flow_id;
            record.origin_us = core::wallClockUs(); // raised now: the request is live
            alert_sink_->publish(producer_, std::move(record));
        } catch (const std::bad_alloc&) {
            ++alert_records_lost_;
        }
    }
    void onFile(const core::AlertSubject& subject, core::FileRecord&& file) noexcept override {
        if (!file_sink_) return;
        try {
            exporting::SinkRecord record;
            record.json = exporting::buildEveFileRecord(subject, file, sensor_name_);
            record.flow_id = subject.flow_id;
            file_sink_->publish(producer_, std::move(record));
        } catch (const std::bad_alloc&) {
            ++file_records_lost_;
        }
    }

    void run() {
        server_.run(stopRequested(), [this](const icap::IcapServerThread&, bool force) {
            if (force) {
                if (alert_sink_) alert_sink_->stopDropping();
                if (file_sink_) file_sink_->stopDropping();
            }
            try {
                published_.publish(stats());
            } catch (const std::exception&) {
                // No memory for a snapshot: the metrics show the previous one.
            }
        });
    }

    // On the lane's thread while it runs, anywhere after it was joined.
    IcapStats stats() const {
        IcapStats s;
        s.icap = server_.counters();
        copyEngineCounters(server_.engine(), s.engine);
        s.engine.alert_records_lost = alert_records_lost_;
        s.engine.file_records_lost = file_records_lost_;
        s.engine.rule_switch_failures = server_.ruleSwitchFailures();
        s.alerts_by_rule = alerts_by_rule_;
        s.open_connections = server_.openConnections();
        s.held_bytes = server_.heldBytes();
        s.latency = server_.latency().snapshot();
        return s;
    }
    const PublishedSnapshot<IcapStats>& published() const { return published_; }

  private:
    const std::string& sensor_name_;
    exporting::RecordSink* alert_sink_;
    exporting::RecordSink* file_sink_;
    unsigned producer_;
    icap::IcapServerThread server_;
    std::map<std::pair<uint32_t, uint8_t>, uint64_t> alerts_by_rule_;
    uint64_t alert_records_lost_ = 0;
    uint64_t file_records_lost_ = 0;
    PublishedSnapshot<IcapStats> published_;
};

std::vector<core::UniqueFd> IcapService::openListeners(const Options& o) {
    if (!o.icap.enabled) return {};
    return icap::openIcapListeners(o.icap.address, o.icap.port, o.icap.threads);
}

IcapService::IcapService(const Options& o, std::vector<core::UniqueFd> listeners,
                         std::shared_ptr<rules::RuleSetSource> rules,
                         exporting::RecordSink* alert_sink, exporting::RecordSink* file_sink,
                         unsigned first_producer) {
    port_ = icap::boundPort(listeners.front().get());
    for (unsigned i = 0; i < o.icap.threads; ++i)
        lanes_.push_back(std::make_unique<Lane>(o, i, std::move(listeners[i]), rules, alert_sink,
                                                file_sink, first_producer + i));
}

IcapService::~IcapService() {
    stopRequested().store(true);
    join();
}

void IcapService::start() {
    for (auto& lane : lanes_)
        threads_.emplace_back([&lane] { lane->run(); });
}

void IcapService::join() {
    for (auto& t : threads_)
        if (t.joinable()) t.join();
}

IcapStats IcapService::stats() const {
    IcapStats total;
    for (const auto& lane : lanes_)
        total += lane->stats();
    return total;
}

std::vector<const PublishedSnapshot<IcapStats>*> IcapService::published() const {
    std::vector<const PublishedSnapshot<IcapStats>*> out;
    for (const auto& lane : lanes_)
        out.push_back(&lane->published());
    return out;
}

} // namespace egressmon::app
