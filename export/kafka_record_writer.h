#pragma once
// RecordWriter for kafka:// sinks: one idempotent librdkafka producer (acks=all), owned and
// polled by the sink's exporter thread, which also serves its delivery reports.
//
// No loss for alerts: a record the broker does not take (queue full, brokers down, timed out,
// delivery failed, still queued at shutdown) is appended to the disk spool. While the spool
// holds anything, new records go behind it, and the spool is replayed in order, a batch at a
// time: a batch is committed only when every record of it was acknowledged, otherwise it is
// handed out again after replay_retry_ms (at least once; consumers de-duplicate on alert_id).
// Flow records have no spool: they are shed and counted, so the alerts keep the room.
//
// Message key: the flow id, so one flow's records stay in one partition, in order. Headers:
// sensor, schema_version, event_type.

#include <chrono>
#include <memory>
#include <string>

#include <librdkafka/rdkafkacpp.h>

#include "export/disk_spool.h"
#include "export/kafka_sink_config.h"
#include "export/latency_histogram.h"
#include "export/record_writer.h"

namespace egressmon::exporting {

class KafkaRecordWriter final : public RecordWriter,
                                public RdKafka::DeliveryReportCb,
                                public RdKafka::EventCb {
  public:
    // Throws std::runtime_error (bad property, producer or spool cannot be created).
    static std::unique_ptr<KafkaRecordWriter> open(const KafkaTarget& target,
                                                   const KafkaSinkConfig& config);
    ~KafkaRecordWriter() override;

    void write(SinkRecord&& record) noexcept override;
    void service(bool idle) noexcept override;
    void finish() noexcept override;
    SinkCounters counters() const noexcept override;
    const LatencyHistogram* latency() const noexcept override { return &latency_; }

    // librdkafka callbacks, called from poll() on the exporter thread.
    void dr_cb(RdKafka::Message& message) override;
    void event_cb(RdKafka::Event& event) override;

  private:
    KafkaRecordWriter(KafkaTarget target, KafkaSinkConfig config);
    std::unique_ptr<RdKafka::Producer> createProducer();
    // false: not queued (the caller keeps the record's fate).
    bool produce(const std::string& key, const std::string& payload, int64_t origin_us,
                 bool from_spool) noexcept;
    void keepUndelivered(const std::string& key, const std::string& payload,
                         int64_t origin_us) noexcept;
    void replayFromSpool() noexcept;
    void settleReplayBatch() noexcept;
    void replaceFailedProducer() noexcept;
    void purgeAndCollect() noexcept;
    bool spoolHasWork() const noexcept { return spool_ && !spool_->empty(); }
    void logOnce(const std::string& what) noexcept;

    KafkaTarget target_;
    KafkaSinkConfig config_;
    std::unique_ptr<RdKafka::Conf> conf_;
    std::unique_ptr<RdKafka::Producer> producer_;
    std::unique_ptr<DiskSpool> spool_; // alerts only
    LatencyHistogram latency_;

    bool brokers_down_ = false;     // from "all brokers down" until the next acknowledgement
    bool producer_failed_ = false;  // fatal idempotence error: the producer must be replaced
    size_t replay_outstanding_ = 0; // records of the current replay batch not yet reported
    bool replay_batch_failed_ = false;
    // Grows after successes, back to 1 (a probe) after a failure.
    size_t replay_batch_size_ = 64;
    std::chrono::steady_clock::time_point next_replay_{};
    std::chrono::steady_clock::time_point last_log_{};
    std::string last_logged_;

    OwnedCounter delivered_;
    OwnedCounter delivery_failed_;
    OwnedCounter shed_;
    OwnedCounter spooled_;
    OwnedCounter spool_full_;
    OwnedCounter queue_depth_;
};

} // namespace egressmon::exporting
