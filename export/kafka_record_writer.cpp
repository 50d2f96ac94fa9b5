#include "kafka_record_writer.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "core/wall_clock.h"

namespace egressmon::exporting {

namespace {

// Carried through librdkafka as each message's opaque, back to the delivery report.
struct PendingMessage {
    int64_t origin_us;
    bool from_spool;
    uint64_t sequence; // production order, to spool failed records in that order
};

constexpr size_t kMaxReplayBatch = 8192;

// Errors after which retrying the same record can never succeed.
bool neverDeliverable(RdKafka::ErrorCode err) {
    return err == RdKafka::ERR_MSG_SIZE_TOO_LARGE || err == RdKafka::ERR_RECORD_LIST_TOO_LARGE ||
           err == RdKafka::ERR_INVALID_RECORD || err == RdKafka::ERR_INVALID_MSG;
}

// Properties whose meaning the no-loss design depends on: an operator may repeat them, not
// change them.
bool conflictsWithFixedProperty(const std::string& key, const std::string& value) {
    if (key == "enable.idempotence") return value != "true";
    if (key == "acks" || key == "request.required.acks") return value != "all" && value != "-1";
    // Successes must be reported (replay commits on them), and transactions would make every
    // produce() fail outside a transaction.
    if (key == "delivery.report.only.error") return value != "false";
    if (key == "transactional.id") return true;
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
                                     "enable.idempotence=true, acks=all, every delivery "
                                     "report and no transactions");
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
    std::string create_error;
    w->producer_ = w->createProducer(&create_error);
    if (!w->producer_)
        throw std::runtime_error(where + ": cannot create the producer: " + create_error);
    return w;
}

std::unique_ptr<RdKafka::Producer> KafkaRecordWriter::createProducer(std::string* error) {
    std::string err;
    std::unique_ptr<RdKafka::Producer> p(RdKafka::Producer::create(conf_.get(), err));
    if (!p) {
        if (error) *error = err;
        logOnce("kafka " + target_.brokers + ": cannot create the producer: " + err);
    }
    return p;
}

KafkaRecordWriter::~KafkaRecordWriter() {
    if (!producer_) return;
    purgeAndCollect(); // normally finish() has emptied it already
    spoolCollectedFailures();
    producer_.reset(); // before the spool and counters its callbacks use
}

void KafkaRecordWriter::logOnce(WarningChannel& channel, const std::string& what) noexcept {
    // librdkafka repeats its errors while a broker is away; one line per 10 s is enough, the
    // counters and metrics carry the rest.
    const auto now = std::chrono::steady_clock::now();
    if (what == channel.last_text && now - channel.last < std::chrono::seconds(10)) return;
    if (now - channel.last < std::chrono::seconds(1)) return;
    channel.last = now;
    try {
        channel.last_text = what;
    } catch (const std::bad_alloc&) {
    }
    std::fprintf(stderr, "egressmon: warning: %s\n", what.c_str());
}

KafkaRecordWriter::ProduceResult KafkaRecordWriter::produce(const std::string& key,
                                                            const std::string& payload,
                                                            int64_t origin_us,
                                                            bool from_spool) noexcept {
    if (!producer_) return ProduceResult::kNotNow;
    RdKafka::Headers* headers = nullptr;
    PendingMessage* pending = nullptr;
    try {
        headers = RdKafka::Headers::create();
        headers->add("sensor", config_.sensor_name);
        headers->add("schema_version", kRecordSchemaVersion);
        headers->add("event_type", config_.event_type);
        pending = new PendingMessage{origin_us, from_spool, next_sequence_};
    } catch (const std::bad_alloc&) {
        delete headers;
        return ProduceResult::kNotNow;
    }
    const RdKafka::ErrorCode rc =
        producer_->produce(target_.topic, RdKafka::Topic::PARTITION_UA,
                           RdKafka::Producer::RK_MSG_COPY, const_cast<char*>(payload.data()),
                           payload.size(), key.data(), key.size(), 0, headers, pending);
    if (rc == RdKafka::ERR_NO_ERROR) { // headers and pending now travel with the message
        ++next_sequence_;
        if (from_spool)
            ++replay_outstanding_;
        else
            ++direct_outstanding_;
        return ProduceResult::kQueued;
    }
    delete headers;
    delete pending;
    if (rc != RdKafka::ERR__QUEUE_FULL)
        logOnce("kafka " + target_.brokers + "/" + target_.topic + ": " + RdKafka::err2str(rc));
    return neverDeliverable(rc) ? ProduceResult::kNever : ProduceResult::kNotNow;
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
        spool_append_failed_.add();
        logOnce(loss_warnings_, "kafka spool " + config_.spool.dir +
                                    " refuses alerts (full, or failing): alerts are being "
                                    "dropped (see the spool metrics)");
    }
}

void KafkaRecordWriter::spoolCollectedFailures() noexcept {
    // Delivery reports arrive per partition; the sequence numbers restore production order.
    std::sort(failed_direct_.begin(), failed_direct_.end(),
              [](const FailedRecord& a, const FailedRecord& b) { return a.sequence < b.sequence; });
    for (const FailedRecord& r : failed_direct_)
        keepUndelivered(r.key, r.payload, r.origin_us);
    failed_direct_.clear();
}

void KafkaRecordWriter::divertQueuedToSpool() noexcept {
    divert_pending_ = false;
    if (direct_outstanding_ > 0) purgeAndCollect();
    spoolCollectedFailures();
}

void KafkaRecordWriter::write(SinkRecord&& record) noexcept {
    if (divert_pending_) divertQueuedToSpool(); // older records first
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
    switch (produce(key, payload, record.origin_us, false)) {
    case ProduceResult::kQueued: return;
    case ProduceResult::kNever: rejected_.add(); return;
    case ProduceResult::kNotNow:
        // Queue full (or out of memory): what is queued goes to the spool first, then this.
        if (spool_) divertQueuedToSpool();
        keepUndelivered(key, payload, record.origin_us);
        return;
    }
}

void KafkaRecordWriter::dr_cb(RdKafka::Message& message) {
    std::unique_ptr<PendingMessage> pending(static_cast<PendingMessage*>(message.msg_opaque()));
    if (!pending) return;
    // Called from C code inside poll(): nothing may escape.
    try {
        const RdKafka::ErrorCode err = message.err();
        if (pending->from_spool) {
            if (replay_outstanding_ > 0) --replay_outstanding_;
        } else if (direct_outstanding_ > 0) {
            --direct_outstanding_;
        }
        if (err == RdKafka::ERR_NO_ERROR) {
            delivered_.add();
            brokers_down_ = false;
            if (pending->origin_us > 0)
                latency_.observe(double(core::wallClockUs() - pending->origin_us) / 1e6);
        } else if (neverDeliverable(err)) {
            rejected_.add(); // retrying cannot help; a replayed one is committed past
            logOnce("kafka " + target_.brokers + "/" + target_.topic +
                    ": record rejected for good: " + message.errstr());
        } else {
            delivery_failed_.add();
            // Say what became of the record: an operator reading "delivery failed" alone at a
            // broker outage would believe alerts were lost when the spool holds every one.
            const char* fate = pending->from_spool ? "it stays in the disk spool for the next try"
                               : spool_            ? "kept in the disk spool, replayed in order "
                                                     "when the broker is back (nothing lost)"
                                        : "record shed and counted (flow records are not spooled)";
            if (err != RdKafka::ERR__PURGE_QUEUE && err != RdKafka::ERR__PURGE_INFLIGHT)
                logOnce("kafka " + target_.brokers + "/" + target_.topic + ": delivery failed (" +
                        message.errstr() + "): " + fate);
            if (pending->from_spool) {
                replay_batch_failed_ = true; // it is still in the spool
            } else if (spool_) {
                failed_direct_.push_back(
                    {pending->sequence, message.key() ? *message.key() : std::string(),
                     std::string(static_cast<const char*>(message.payload()), message.len()),
                     pending->origin_us});
                divert_pending_ = true;
            } else {
                shed_.add();
            }
        }
    } catch (const std::exception&) {
        spool_append_failed_.add(); // out of memory copying the record: lost, but counted
    }
    if (pending->from_spool && replay_outstanding_ == 0 && replay_in_flight_) settleReplayBatch();
}

void KafkaRecordWriter::event_cb(RdKafka::Event& event) {
    // Log events may come from librdkafka's own threads; only errors are handled, and those
    // arrive through poll() on the exporter thread.
    if (event.type() != RdKafka::Event::EVENT_ERROR) return;
    try {
        if (event.err() == RdKafka::ERR__ALL_BROKERS_DOWN) {
            brokers_down_ = true;
            if (spool_) divert_pending_ = true; // don't leave queued alerts to time out
        }
        if (event.fatal()) producer_failed_ = true;
        logOnce("kafka " + target_.brokers + ": " + RdKafka::err2str(event.err()) + ": " +
                event.str());
    } catch (const std::exception&) {
    }
}

void KafkaRecordWriter::settleReplayBatch() noexcept {
    replay_in_flight_ = false;
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
    replay_in_flight_ = true;
    replay_batch_failed_ = false;
    for (const SpoolRecord& r : batch) {
        const ProduceResult result = produce(r.key, r.payload, r.origin_us, true);
        if (result == ProduceResult::kNever) {
            rejected_.add(); // committed past with the batch: it can never be delivered
            continue;
        }
        if (result == ProduceResult::kNotNow) {
            replay_batch_failed_ = true; // the rest stays in the spool for the next attempt
            break;
        }
    }
    if (replay_outstanding_ == 0) settleReplayBatch();
}

void KafkaRecordWriter::purgeAndCollect() noexcept {
    // Purged messages come back through delivery reports with ERR__PURGE_*: records sent
    // directly are collected for the spool (or shed), replayed ones stay where they are in it.
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
    spoolCollectedFailures();
    auto fresh = createProducer();
    if (!fresh) return; // try again on the next service pass; records keep going to the spool
    // Whatever the old producer could not report on is gone with it: count it, and hand the
    // replay batch out again (it is still in the spool).
    unaccounted_.add(direct_outstanding_);
    direct_outstanding_ = 0;
    producer_ = std::move(fresh);
    if (spool_ && replay_in_flight_) spool_->rewindRead();
    replay_outstanding_ = 0;
    replay_in_flight_ = false;
    replay_batch_failed_ = false;
    producer_failed_ = false;
}

void KafkaRecordWriter::service(bool /*idle*/) noexcept {
    producer_->poll(0); // delivery reports and events, on this thread
    if (producer_failed_) replaceFailedProducer();
    if (divert_pending_) divertQueuedToSpool();
    if (spool_) {
        spool_->tick();
        // Replay only once nothing sent directly is outstanding: a failure among those must
        // reach the spool before the spool's newer records are sent.
        if (!replay_in_flight_ && direct_outstanding_ == 0 && !producer_failed_ &&
            !spool_->empty() && std::chrono::steady_clock::now() >= next_replay_)
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
    spoolCollectedFailures();
    unaccounted_.add(direct_outstanding_); // reports that never came, even after the purge
    direct_outstanding_ = 0;
    if (spool_) {
        spool_->sync();
        // The last word at shutdown with the broker away: where the alerts are, not an error.
        if (const uint64_t pending = spool_->counters().pending; pending > 0)
            std::fprintf(stderr,
                         "egressmon: kafka %s/%s: %llu record(s) wait in the disk spool %s for "
                         "the broker; they are replayed in order at the next start (nothing "
                         "lost)\n",
                         target_.brokers.c_str(), target_.topic.c_str(),
                         static_cast<unsigned long long>(pending), config_.spool.dir.c_str());
    }
    queue_depth_.set(static_cast<uint64_t>(producer_->outq_len()));
}

SinkCounters KafkaRecordWriter::counters() const noexcept {
    SinkCounters c;
    c.written = delivered_.get();
    c.delivery_failed = delivery_failed_.get();
    c.shed = shed_.get();
    c.spooled = spooled_.get();
    c.write_failed = rejected_.get() + unaccounted_.get();
    c.queue_depth = queue_depth_.get();
    if (spool_) {
        const SpoolCounters s = spool_->counters();
        c.replayed = s.replayed;
        // Why the spool refused records: its bound, or anything else (too large, I/O).
        c.spool_full = s.dropped_full;
        c.write_failed +=
            spool_append_failed_.get() - std::min(spool_append_failed_.get(), s.dropped_full);
        c.spool_io_errors = s.io_errors;
        c.spool_corrupt = s.corrupt_records;
        c.spool_bytes = s.bytes;
        c.spool_pending = s.pending;
    }
    return c;
}

} // namespace egressmon::exporting
