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
// Order across an outage: when the brokers go down or a message sent directly fails, every
// message still in librdkafka is purged and collected (in the order it was produced) into the
// spool before any newer record, so replay keeps the order records were raised in.
// A record the broker can never take (too large) is counted as rejected, not retried forever.
//
// Message key: the flow id, so one flow's records stay in one partition, in order. Headers:
// sensor, schema_version, event_type.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

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
    std::unique_ptr<RdKafka::Producer> createProducer(std::string* error = nullptr);
    enum class ProduceResult {
        kQueued, // librdkafka has it; its delivery report decides
        kNotNow, // queue full, no producer, out of memory: the caller keeps the record
        kNever,  // the broker can never take it (too large)
    };
    ProduceResult produce(const std::string& key, const std::string& payload, int64_t origin_us,
                          bool from_spool) noexcept;
    void keepUndelivered(const std::string& key, const std::string& payload,
                         int64_t origin_us) noexcept;
    // Purges what librdkafka still holds of the records sent directly and spools it, oldest
    // first, so newer records cannot overtake it in the spool.
    void divertQueuedToSpool() noexcept;
    void spoolCollectedFailures() noexcept;
    void replayFromSpool() noexcept;
    void settleReplayBatch() noexcept;
    void replaceFailedProducer() noexcept;
    void purgeAndCollect() noexcept;
    bool spoolHasWork() const noexcept { return spool_ && !spool_->empty(); }
    // One stream of stderr warnings: the same text at most once per 10 s, any text at most once a
    // second.
    struct WarningChannel {
        std::chrono::steady_clock::time_point last{};
        std::string last_text;
    };
    void logOnce(const std::string& what) noexcept { logOnce(warnings_, what); }
    void logOnce(WarningChannel& channel, const std::string& what) noexcept;

    KafkaTarget target_;
    KafkaSinkConfig config_;
    std::unique_ptr<RdKafka::Conf> conf_;
    std::unique_ptr<RdKafka::Producer> producer_;
    std::unique_ptr<DiskSpool> spool_; // alerts only
    LatencyHistogram latency_;

    // A record sent directly that came back undelivered, waiting to be spooled in order.
    struct FailedRecord {
        uint64_t sequence;
        std::string key;
        std::string payload;
        int64_t origin_us;
    };
    std::vector<FailedRecord> failed_direct_;
    uint64_t next_sequence_ = 0;
    size_t direct_outstanding_ = 0; // records sent directly, delivery not yet reported
    bool divert_pending_ = false;   // set in callbacks; acted on outside poll()

    bool brokers_down_ = false;     // from "all brokers down" until the next acknowledgement
    bool producer_failed_ = false;  // fatal idempotence error: the producer must be replaced
    bool replay_in_flight_ = false; // a batch was handed out and is not settled yet
    size_t replay_outstanding_ = 0; // records of the current replay batch not yet reported
    bool replay_batch_failed_ = false;
    // Grows after successes, back to 1 (a probe) after a failure.
    size_t replay_batch_size_ = 64;
    std::chrono::steady_clock::time_point next_replay_{};
    // stderr warnings, each channel throttled on its own (see logOnce). Alerts lost to the spool
    // have a channel of their own: a broker warning printed just before must not swallow that
    // one for a whole short run.
    WarningChannel warnings_;
    WarningChannel loss_warnings_;

    OwnedCounter delivered_;
    OwnedCounter delivery_failed_;
    OwnedCounter shed_;
    OwnedCounter spooled_;
    OwnedCounter spool_append_failed_; // spool refused the record (full, too large, I/O)
    OwnedCounter rejected_;            // records the broker can never take (too large)
    OwnedCounter unaccounted_;         // lost with a producer that could not be drained
    OwnedCounter queue_depth_;
};

} // namespace egressmon::exporting
