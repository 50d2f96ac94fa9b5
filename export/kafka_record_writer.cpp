#include "kafka_record_writer.h"

#include <cstdio>
#include <stdexcept>

namespace egressmon::exporting {

namespace {

// Carried through librdkafka as each message's opaque, back to the delivery report.
struct PendingMessage {
    int64_t origin_us;
    bool from_spool;
};

int64_t wallClockUs() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

constexpr size_t kMaxReplayBatch = 8192;

// Properties whose meaning the no-loss design depends on: an operator may repeat them, not
// change them.
bool conflictsWithFixedProperty(const std::string& key, const std::string& value) {
    if (key == "enable.idempotence") return value != "true";
    if (key == "acks" || key == "request.required.acks") return value != "all" && value != "-1";
    return false;
}

} // namespace

KafkaRecordWriter::KafkaRecordWriter(KafkaTarget target, KafkaSinkConfig config)
    : target_(std::move(target)), config_(std::move(config)) {}

std::unique_ptr<KafkaRecordWriter> KafkaRecordWriter::open(const KafkaTarget& target,
                                                           const KafkaSinkConfig& config) {
    std::unique_ptr<KafkaRecordWriter> w(new KafkaRecordWriter(target, config));
    // The spool first: a sensor that cannot keep its alerts safe must not start sending.
    if (config.use_spool) w->spool_ = DiskSpool::open(config.spool);
    const std::string where = "kafka sink " + target.brokers + "/" + target.topic;
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    std::string err;
    const auto set = [&](const std::string& key, const std::string& value) {
        if (conf->set(key, value, err) != RdKafka::Conf::CONF_OK)
            throw std::runtime_error(where + ": property " + key + "=" + value + ": " + err);
    };
    // Defaults first, then the operator's properties, then what no-loss depends on.
    set("bootstrap.servers", target.brokers);
    set("client.id", "egressmon" + (config.sensor_name.empty() ? "" : "-" + config.sensor_name));
    set("linger.ms", "5");
    set("compression.codec", "lz4");
    set("queue.buffering.max.messages", "100000");
    // A broker outage moves records to the spool after this long, instead of holding them in
    // memory for librdkafka's default five minutes.
    set("message.timeout.ms", "10000");
    // Notice a returning broker within a second or two.
    set("reconnect.backoff.max.ms", "1000");
    // Alerts are small and latency matters: Nagle plus delayed ACKs would hold them ~40 ms.
    set("socket.nagle.disable", "true");
    for (const auto& [key, value] : config.properties) {
        if (conflictsWithFixedProperty(key, value))
            throw std::runtime_error(where + ": property " + key + "=" + value +
                                     " is not allowed: egressmon's no-loss delivery needs "
                                     "enable.idempotence=true and acks=all");
        set(key, value);
    }
    set("enable.idempotence", "true");
    set("acks", "all");
    if (conf->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(w.get()), err) !=
            RdKafka::Conf::CONF_OK ||
        conf->set("event_cb", static_cast<RdKafka::EventCb*>(w.get()), err) !=
            RdKafka::Conf::CONF_OK)
        throw std::runtime_error(where + ": " + err);
    w->conf_ = std::move(conf);
    w->producer_ = w->createProducer();
    if (!w->producer_) throw std::runtime_error(where + ": cannot create the producer: " + err);
    return w;
}

std::unique_ptr<RdKafka::Producer> KafkaRecordWriter::createProducer() {
    std::string err;
    std::unique_ptr<RdKafka::Producer> p(RdKafka::Producer::create(conf_.get(), err));
    if (!p) logOnce("kafka " + target_.brokers + ": cannot create the producer: " + err);
    return p;
}

KafkaRecordWriter::~KafkaRecordWriter() {
    if (producer_) purgeAndCollect(); // normally finish() has emptied it already
}

void KafkaRecordWriter::logOnce(const std::string& what) noexcept {
    // librdkafka repeats its errors while a broker is away; one line per 10 s is enough, the
    // counters and metrics carry the rest.
    const auto now = std::chrono::steady_clock::now();
    if (what == last_logged_ && now - last_log_ < std::chrono::seconds(10)) return;
    if (now - last_log_ < std::chrono::seconds(1)) return;
    last_log_ = now;
    last_logged_ = what;
    std::fprintf(stderr, "egressmon: warning: %s\n", what.c_str());
}

bool KafkaRecordWriter::produce(const std::string& key, const std::string& payload,
                                int64_t origin_us, bool from_spool) noexcept {
    if (!producer_) return false;
    RdKafka::Headers* headers = nullptr;
    PendingMessage* pending = nullptr;
    try {
        headers = RdKafka::Headers::create();
        headers->add("sensor", config_.sensor_name);
        headers->add("schema_version", kRecordSchemaVersion);
        headers->add("event_type", config_.event_type);
        pending = new PendingMessage{origin_us, from_spool};
    } catch (const std::bad_alloc&) {
        delete headers;
        return false;
    }
    const RdKafka::ErrorCode rc =
        producer_->produce(target_.topic, RdKafka::Topic::PARTITION_UA,
                           RdKafka::Producer::RK_MSG_COPY, const_cast<char*>(payload.data()),
                           payload.size(), key.data(), key.size(), 0, headers, pending);
    if (rc == RdKafka::ERR_NO_ERROR) return true; // headers now belong to librdkafka
    delete headers;
    delete pending;
    if (rc != RdKafka::ERR__QUEUE_FULL)
        logOnce("kafka " + target_.brokers + "/" + target_.topic + ": " + RdKafka::err2str(rc));
    return false;
}

void KafkaRecordWriter::keepUndelivered(const std::string& key, const std::string& payload,
                                        int64_t origin_us) noexcept {
    if (!spool_) {
        shed_.add();
        return;
    }
    if (spool_->append(key, payload, origin_us)) {
        spooled_.add();
    } else {
        spool_full_.add();
        logOnce("kafka spool " + config_.spool.dir +
                " is full or failing: alerts are being dropped (see spool metrics)");
    }
}

void KafkaRecordWriter::write(SinkRecord&& record) noexcept {
    std::string& payload = record.json;
    if (!payload.empty() && payload.back() == '\n') payload.pop_back(); // one message, one object
    std::string key;
    try {
        key = std::to_string(record.flow_id);
    } catch (const std::bad_alloc&) {
    }
    // While anything waits in the spool, new alerts queue behind it so replay keeps the order.
    if (spool_ && (brokers_down_ || producer_failed_ || !spool_->empty())) {
        keepUndelivered(key, payload, record.origin_us);
        return;
    }
    if (!produce(key, payload, record.origin_us, false))
        keepUndelivered(key, payload, record.origin_us);
}

void KafkaRecordWriter::dr_cb(RdKafka::Message& message) {
    std::unique_ptr<PendingMessage> pending(static_cast<PendingMessage*>(message.msg_opaque()));
    if (!pending) return;
    if (message.err() == RdKafka::ERR_NO_ERROR) {
        delivered_.add();
        brokers_down_ = false;
        if (pending->origin_us > 0)
            latency_.observe(double(wallClockUs() - pending->origin_us) / 1e6);
    } else {
        delivery_failed_.add();
        if (message.err() != RdKafka::ERR__PURGE_QUEUE &&
            message.err() != RdKafka::ERR__PURGE_INFLIGHT)
            logOnce("kafka " + target_.brokers + "/" + target_.topic +
                    ": delivery failed: " + message.errstr());
        if (!pending->from_spool) {
            std::string key;
            if (message.key()) key = *message.key();
            keepUndelivered(key,
                            std::string(static_cast<const char*>(message.payload()), message.len()),
                            pending->origin_us);
        }
    }
    if (pending->from_spool) {
        if (message.err() != RdKafka::ERR_NO_ERROR) replay_batch_failed_ = true;
        if (replay_outstanding_ > 0) --replay_outstanding_;
        if (replay_outstanding_ == 0) settleReplayBatch();
    }
}

void KafkaRecordWriter::event_cb(RdKafka::Event& event) {
    if (event.type() != RdKafka::Event::EVENT_ERROR) return;
    if (event.err() == RdKafka::ERR__ALL_BROKERS_DOWN) brokers_down_ = true;
    if (event.fatal()) producer_failed_ = true;
    logOnce("kafka " + target_.brokers + ": " + RdKafka::err2str(event.err()) + ": " + event.str());
}

void KafkaRecordWriter::settleReplayBatch() noexcept {
    if (replay_batch_failed_) {
        // The records stay in the spool: hand the same batch out again later, starting with a
        // single record as a probe, so an absent broker costs one message per attempt.
        spool_->rewindRead();
        replay_batch_size_ = 1;
        next_replay_ =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.replay_retry_ms);
    } else {
        spool_->commitRead();
        replay_batch_size_ = std::min(kMaxReplayBatch, replay_batch_size_ * 2);
    }
    replay_batch_failed_ = false;
}

void KafkaRecordWriter::replayFromSpool() noexcept {
    std::vector<SpoolRecord> batch;
    try {
        batch.reserve(replay_batch_size_);
    } catch (const std::bad_alloc&) {
        return;
    }
    if (spool_->readNext(replay_batch_size_, batch) == 0) {
        spool_->commitRead(); // only damaged records were left: move past them
        return;
    }
    replay_batch_failed_ = false;
    for (const SpoolRecord& r : batch) {
        if (!produce(r.key, r.payload, r.origin_us, true)) {
            replay_batch_failed_ = true; // the rest stays in the spool for the next attempt
            break;
        }
        ++replay_outstanding_;
    }
    if (replay_outstanding_ == 0) settleReplayBatch();
}

void KafkaRecordWriter::purgeAndCollect() noexcept {
    // Purged messages come back through delivery reports with ERR__PURGE_*: fresh records go
    // to the spool (or are shed), replayed ones stay where they are in the spool.
    producer_->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
    for (int i = 0; i < 100 && producer_->outq_len() > 0; ++i)
        producer_->poll(20);
    producer_->poll(0);
}

void KafkaRecordWriter::replaceFailedProducer() noexcept {
    logOnce("kafka " + target_.brokers +
            ": the idempotent producer hit a fatal error; "
            "starting a new one (undelivered records are spooled)");
    purgeAndCollect();
    auto fresh = createProducer();
    if (!fresh) return; // try again on the next service pass; records keep going to the spool
    producer_ = std::move(fresh);
    producer_failed_ = false;
}

void KafkaRecordWriter::service(bool /*idle*/) noexcept {
    producer_->poll(0); // delivery reports and events, on this thread
    if (producer_failed_) replaceFailedProducer();
    if (spool_) {
        spool_->tick();
        if (replay_outstanding_ == 0 && !producer_failed_ && !spool_->empty() &&
            std::chrono::steady_clock::now() >= next_replay_)
            replayFromSpool();
    }
    queue_depth_.set(static_cast<uint64_t>(producer_->outq_len()));
}

void KafkaRecordWriter::finish() noexcept {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.shutdown_grace_ms);
    while (std::chrono::steady_clock::now() < deadline) {
        service(true);
        if (producer_->outq_len() == 0 && !spoolHasWork()) break;
        producer_->poll(10);
    }
    purgeAndCollect();
    if (spool_) spool_->sync();
    queue_depth_.set(static_cast<uint64_t>(producer_->outq_len()));
}

SinkCounters KafkaRecordWriter::counters() const noexcept {
    SinkCounters c;
    c.written = delivered_.get();
    c.delivery_failed = delivery_failed_.get();
    c.shed = shed_.get();
    c.spooled = spooled_.get();
    c.spool_full = spool_full_.get();
    c.queue_depth = queue_depth_.get();
    if (spool_) {
        const SpoolCounters s = spool_->counters();
        c.replayed = s.replayed;
        c.spool_corrupt = s.corrupt_records;
        c.spool_bytes = s.bytes;
        c.spool_pending = s.pending;
    }
    return c;
}

} // namespace egressmon::exporting
