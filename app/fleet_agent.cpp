#include "app/fleet_agent.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <sys/stat.h>

#include "app/rule_reloader.h"
#include "fleet/heartbeat.h"
#include "fleet/kafka_client_conf.h"
#include "fleet/policy_bundle.h"

namespace egressmon::app {

namespace {

using Clock = std::chrono::steady_clock;

// How long the thread waits in the consumer per turn: the heartbeat's and stop's resolution.
constexpr int kConsumeWaitMs = 200;
// Between attempts to find the policy topic's partitions (the topic may not exist yet).
constexpr auto kAssignRetry = std::chrono::seconds(2);

uint64_t wallMillis() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
}

std::string namesProblem(const rules::RuleSet& rules, const dpi::FlowClassifier& names) {
    try {
        checkRuleNames(rules, names);
    } catch (const std::exception& e) {
        return e.what();
    }
    return {};
}

std::shared_ptr<const fleet::BundleVerifier> makeVerifier(const fleet::FleetConfig& c) {
    if (!c.takesBundles()) return nullptr;
    return std::make_shared<const fleet::BundleVerifier>(trustedPolicyKeys(c), c.limits);
}

// Parents too: the package's /var/lib/egressmon exists (systemd's StateDirectory), a hand-run
// sensor's chosen directory may not.
void makeCacheDir(const std::string& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw UsageError("policy.cache-dir: cannot create '" + dir + "': " + ec.message());
    if (!std::filesystem::is_directory(dir, ec))
        throw UsageError("policy.cache-dir: '" + dir + "' is not a directory");
}

} // namespace

std::vector<fleet::EvpPkey> trustedPolicyKeys(const fleet::FleetConfig& config) {
    std::vector<fleet::EvpPkey> keys;
    try {
        for (const std::string& path : config.public_keys)
            keys.push_back(fleet::readPublicKeyFile(path));
    } catch (const fleet::KeyError& e) {
        throw UsageError(std::string("policy.public-key: ") + e.what());
    }
    return keys;
}

FleetAgent::FleetAgent(const Options& o)
    : config_(o.fleet), sensor_name_(o.sensor_name),
      names_(o.fleet.takesBundles() ? std::make_unique<dpi::FlowClassifier>() : nullptr),
      tracker_(makeVerifier(o.fleet),
               [this](const rules::RuleSet& r) { return namesProblem(r, *names_); }),
      cache_(o.fleet.cache_dir, o.fleet.limits.max_bundle_bytes),
      had_rule_files_(!o.rule_files.empty()) {
    const std::string client_id = "egressmon-" + sensor_name_;
    try {
        if (config_.takesBundles()) {
            makeCacheDir(config_.cache_dir);
            std::string error;
            if (auto bytes = cache_.load(error)) {
                fleet::BundleJudgement j = tracker_.judge(*bytes);
                if (j.verdict == fleet::BundleVerdict::kApply) {
                    tracker_.accept(*bytes, j);
                    cached_rules_ = j.rules;
                    bundle_version_.store(j.bundle->version);
                    ++counters_.bundles_applied;
                    std::cerr << "egressmon: policy: bundle version " << j.bundle->version
                              << " from the cache " << cache_.path() << " in force: policy "
                              << j.rules->policyVersion() << " (" << j.rules->rules().size()
                              << " rules)\n";
                } else {
                    fleet::countRefusal(j, counters_);
                    noteError("cached policy bundle " + cache_.path() + " refused: " + j.error);
                }
            } else if (!error.empty()) {
                noteError("cannot read the policy cache: " + error);
            }
            auto conf = fleet::kafkaClientConf(config_.brokers, client_id, o.kafka.properties);
            // Partitions are assigned, not subscribed: every sensor reads the whole topic, and
            // commits nothing (the cache is its memory). librdkafka still wants a group id.
            fleet::setKafkaProperty(*conf, "group.id", "egressmon-policy-" + sensor_name_);
            fleet::setKafkaProperty(*conf, "enable.auto.commit", "false");
            fleet::setKafkaProperty(*conf, "enable.partition.eof", "true");
            std::string err;
            if (conf->set("event_cb", static_cast<RdKafka::EventCb*>(this), err) !=
                RdKafka::Conf::CONF_OK)
                throw UsageError("policy: " + err);
            consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
            if (!consumer_) throw UsageError("policy: cannot create the Kafka consumer: " + err);
        }
        if (config_.sendsHeartbeats()) {
            auto conf = fleet::kafkaClientConf(config_.brokers, client_id, o.kafka.properties);
            // A heartbeat older than its successor is worth little: give up on it then.
            // (At least 5 s: a status topic being created on first use takes a moment.)
            fleet::setKafkaProperty(
                *conf, "message.timeout.ms",
                std::to_string(std::max<uint32_t>(config_.heartbeat_interval_s, 5) * 1000));
            std::string err;
            if (conf->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(this), err) !=
                    RdKafka::Conf::CONF_OK ||
                conf->set("event_cb", static_cast<RdKafka::EventCb*>(this), err) !=
                    RdKafka::Conf::CONF_OK)
                throw UsageError("policy: " + err);
            producer_.reset(RdKafka::Producer::create(conf.get(), err));
            if (!producer_) throw UsageError("policy: cannot create the Kafka producer: " + err);
        }
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("policy: ") + e.what());
    }
}

FleetAgent::~FleetAgent() {
    stop();
}

void FleetAgent::start(std::shared_ptr<rules::RuleSetSource> rules, MetricsSources sources) {
    rules_ = std::move(rules);
    sources_ = std::move(sources);
    thread_ = std::thread([this] { run(); });
}

void FleetAgent::stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    if (consumer_) {
        consumer_->close();
        consumer_.reset();
    }
    producer_.reset(); // a heartbeat still queued is dropped: the next sensor start sends one
}

fleet::FleetCounters FleetAgent::counters() const {
    std::lock_guard<std::mutex> lock(counters_mutex_);
    return counters_;
}

std::optional<uint64_t> FleetAgent::bundleVersion() const {
    const uint64_t v = bundle_version_.load();
    if (v == 0) return std::nullopt;
    return v;
}

void FleetAgent::run() {
    auto next_heartbeat = Clock::now();
    last_heartbeat_ = started_;
    while (!stop_.load()) {
        if (consumer_) {
            if (!assigned_ && Clock::now() >= next_assign_try_) assignPolicyTopic();
            if (assigned_)
                consumeOnce();
            else
                std::this_thread::sleep_for(std::chrono::milliseconds(kConsumeWaitMs));
        } else {
            std::this_thread::sleep_for(std::chrono::milliseconds(kConsumeWaitMs));
        }
        if (producer_) {
            producer_->poll(0); // delivery reports and errors
            if (Clock::now() >= next_heartbeat) {
                sendHeartbeat();
                next_heartbeat += std::chrono::seconds(config_.heartbeat_interval_s);
                if (next_heartbeat < Clock::now()) next_heartbeat = Clock::now();
            }
        }
    }
}

void FleetAgent::assignPolicyTopic() {
    next_assign_try_ = Clock::now() + kAssignRetry;
    std::string err;
    std::unique_ptr<RdKafka::Topic> topic(
        RdKafka::Topic::create(consumer_.get(), config_.topic, nullptr, err));
    if (!topic) {
        noteError("policy topic " + config_.topic + ": " + err);
        return;
    }
    RdKafka::Metadata* raw = nullptr;
    const RdKafka::ErrorCode e = consumer_->metadata(false, topic.get(), &raw, 2000);
    std::unique_ptr<RdKafka::Metadata> metadata(raw);
    if (e != RdKafka::ERR_NO_ERROR) {
        count([](fleet::FleetCounters& c) { ++c.kafka_errors; });
        noteError("policy topic " + config_.topic + " on " + config_.brokers + ": " +
                  RdKafka::err2str(e));
        return;
    }
    std::vector<RdKafka::TopicPartition*> partitions;
    for (const RdKafka::TopicMetadata* t : *metadata->topics()) {
        if (t->topic() != config_.topic) continue;
        if (t->err() != RdKafka::ERR_NO_ERROR || t->partitions()->empty()) {
            noteError("policy topic " + config_.topic +
                      " does not exist yet (`egressmon policy "
                      "publish` creates it): " +
                      RdKafka::err2str(t->err()));
            return;
        }
        for (const RdKafka::PartitionMetadata* p : *t->partitions()) {
            partitions.push_back(RdKafka::TopicPartition::create(config_.topic, p->id(),
                                                                 RdKafka::Topic::OFFSET_BEGINNING));
            partitions_at_end_pending_.insert(p->id());
        }
    }
    if (partitions.empty()) return;
    const RdKafka::ErrorCode a = consumer_->assign(partitions);
    RdKafka::TopicPartition::destroy(partitions);
    if (a != RdKafka::ERR_NO_ERROR) {
        partitions_at_end_pending_.clear();
        noteError("policy topic " + config_.topic + ": cannot assign: " + RdKafka::err2str(a));
        return;
    }
    assigned_ = true;
}

void FleetAgent::consumeOnce() {
    std::unique_ptr<RdKafka::Message> m(consumer_->consume(kConsumeWaitMs));
    switch (m->err()) {
    case RdKafka::ERR_NO_ERROR: onPolicyMessage(*m); break;
    case RdKafka::ERR__PARTITION_EOF:
        partitions_at_end_pending_.erase(m->partition());
        if (!caught_up_ && partitions_at_end_pending_.empty()) {
            caught_up_ = true;
            judgeCatchUp();
        }
        break;
    case RdKafka::ERR__TIMED_OUT: break;
    default:
        count([](fleet::FleetCounters& c) { ++c.kafka_errors; });
        noteError("policy topic " + config_.topic + ": " + m->errstr());
        break;
    }
}

void FleetAgent::onPolicyMessage(const RdKafka::Message& m) {
    const std::string* key = m.key();
    if (key == nullptr || (*key != config_.group && *key != "all")) return; // another group's
    std::string bytes(static_cast<const char*>(m.payload()), m.len());
    if (!caught_up_) {
        // Only the latest per key counts (a compacted topic keeps no more, in time).
        latest_by_key_[*key] = std::move(bytes);
        return;
    }
    offer(bytes, "group " + *key, /*quiet_if_older=*/false);
}

void FleetAgent::judgeCatchUp() {
    // The newest version first: the other key's older bundle is then merely superseded.
    std::vector<std::pair<uint64_t, const std::pair<const std::string, std::string>*>> order;
    for (const auto& entry : latest_by_key_) {
        const fleet::ParsedBundle parsed = fleet::parseBundle(entry.second);
        order.emplace_back(parsed.bundle ? parsed.bundle->version : 0, &entry);
    }
    std::sort(order.begin(), order.end(),
              [](const auto& a, const auto& b) { return a.first > b.first; });
    for (const auto& [version, entry] : order)
        offer(entry->second, "group " + entry->first, /*quiet_if_older=*/true);
    latest_by_key_.clear();
}

void FleetAgent::offer(const std::string& bytes, const std::string& origin, bool quiet_if_older) {
    fleet::BundleJudgement j = tracker_.judge(bytes);
    switch (j.verdict) {
    case fleet::BundleVerdict::kInForce: return;
    case fleet::BundleVerdict::kApply: apply(bytes, j, origin); return;
    case fleet::BundleVerdict::kRefused:
        if (quiet_if_older && j.refusal == fleet::BundleRefusal::kNotNewer) return;
        count([&](fleet::FleetCounters& c) { fleet::countRefusal(j, c); });
        noteError("bundle from " + config_.topic + " (" + origin + ") refused, " +
                  (tracker_.version() ? "version " + std::to_string(*tracker_.version())
                                      : std::string("the rules in force")) +
                  " stays: " + j.error);
        return;
    }
}

void FleetAgent::apply(const std::string& bytes, const fleet::BundleJudgement& j,
                       const std::string& origin) {
    const std::string old_policy = rules_->current()->policyVersion();
    const std::optional<uint64_t> old_version = tracker_.version();
    // The version first: a SIGHUP reload compiling meanwhile sees the bundle and gives way.
    bundle_version_.store(j.bundle->version);
    rules_->publish(j.rules);
    tracker_.accept(bytes, j);
    count([](fleet::FleetCounters& c) { ++c.bundles_applied; });
    std::cerr << "egressmon: policy: bundle version " << j.bundle->version << " from "
              << config_.topic << " (" << origin << ", key " << j.bundle->key_id
              << ") in force: policy " << j.rules->policyVersion() << " ("
              << j.rules->rules().size() << " rules), was "
              << (old_version       ? "bundle " + std::to_string(*old_version)
                  : had_rule_files_ ? "the --rules files (bundles take precedence)"
                                    : std::string("no rules"))
              << (old_policy.empty() ? "" : " " + old_policy) << "\n";
    std::string error;
    if (!cache_.store(bytes, error)) {
        count([](fleet::FleetCounters& c) { ++c.cache_write_failures; });
        noteError("policy bundle version " + std::to_string(j.bundle->version) +
                  " is in force but not cached: " + error);
    }
}

void FleetAgent::sendHeartbeat() {
    fleet::Heartbeat h;
    h.time_ms = wallMillis();
    h.sensor = sensor_name_;
    h.version = EGRESSMON_VERSION;
    if (rules_) h.policy_version = rules_->current()->policyVersion();
    h.bundle_version = bundleVersion();
    const auto now = Clock::now();
    h.uptime_s = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(now - started_).count());
    h.heartbeat_interval_s = config_.heartbeat_interval_s;
    for (const auto* snapshot : sources_.captures)
        for (const CaptureSourceStats& s : snapshot->read().sources) {
            h.packets += s.packets;
            h.drops += s.kernel_drops;
        }
    for (const auto* snapshot : sources_.workers)
        for (const auto& [rule, n] : snapshot->read().alerts_by_rule)
            h.alerts += n;
    for (const auto* snapshot : sources_.icap)
        for (const auto& [rule, n] : snapshot->read().alerts_by_rule)
            h.alerts += n;
    if (sources_.alert_sink) h.spool_bytes = sources_.alert_sink->counters().spool_bytes;
    const double seconds = std::chrono::duration<double>(now - last_heartbeat_).count();
    if (seconds > 0 && h.packets >= last_packets_)
        h.packets_per_sec = static_cast<double>(h.packets - last_packets_) / seconds;
    last_packets_ = h.packets;
    last_heartbeat_ = now;
    h.last_error = last_error_;
    const std::string json = fleet::heartbeatJson(h);
    const RdKafka::ErrorCode e =
        producer_->produce(config_.status_topic, RdKafka::Topic::PARTITION_UA,
                           RdKafka::Producer::RK_MSG_COPY, const_cast<char*>(json.data()),
                           json.size(), sensor_name_.data(), sensor_name_.size(), 0, nullptr);
    if (e != RdKafka::ERR_NO_ERROR) {
        count([](fleet::FleetCounters& c) { ++c.heartbeats_failed; });
        noteError("heartbeat to " + config_.status_topic + " not sent: " + RdKafka::err2str(e));
    }
}

void FleetAgent::dr_cb(RdKafka::Message& message) {
    if (message.err() == RdKafka::ERR_NO_ERROR) {
        count([](fleet::FleetCounters& c) { ++c.heartbeats_delivered; });
        return;
    }
    count([](fleet::FleetCounters& c) { ++c.heartbeats_failed; });
    noteError("heartbeat to " + config_.status_topic + " not delivered: " + message.errstr());
}

void FleetAgent::event_cb(RdKafka::Event& event) {
    if (event.type() != RdKafka::Event::EVENT_ERROR) return;
    count([](fleet::FleetCounters& c) { ++c.kafka_errors; });
    noteError("Kafka (" + config_.brokers + "): " + event.str());
}

void FleetAgent::noteError(const std::string& message) {
    // Dated: the heartbeat carries the latest error until another replaces it.
    last_error_ = fleet::formatUtcMillis(wallMillis()) + " " + message;
    // One line per new message: a broker outage repeats the same error every second.
    if (message == last_logged_error_) return;
    last_logged_error_ = message;
    std::cerr << "egressmon: policy: " << message << "\n";
}

} // namespace egressmon::app
