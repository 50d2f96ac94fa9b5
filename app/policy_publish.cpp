// policy publish: parse the bundle, create the compacted topic (Kafka admin API), produce the
// bundle keyed by group with the idempotent producer, wait for its delivery report. Every step
// shares one deadline, --timeout seconds from the start, so an unreachable broker costs at
// most that long.

#include "app/policy_publish.h"

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include "app/bundle_file.h"
#include "app/fleet_cli_args.h"
#include "app/kafka_cli_events.h"
#include "core/c_handle.h"
#include "fleet/kafka_client_conf.h"
#include "fleet/policy_bundle.h"

namespace egressmon::app {

namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kDefaultTimeoutS = 30;
constexpr uint64_t kMaxTimeoutS = 3600;

struct PublishArgs {
    std::string brokers, topic, group = "all", bundle_path;
    fleet::KafkaProperties properties;
    uint64_t timeout_s = kDefaultTimeoutS;
};

PublishArgs parseArgs(const std::vector<std::string>& args) {
    PublishArgs a;
    std::vector<std::string> paths;
    for (size_t i = 0; i < args.size(); ++i) {
        if (auto v = fleetOptionValue(args, i, "--brokers")) {
            a.brokers = *v;
        } else if (auto v = fleetOptionValue(args, i, "--topic")) {
            a.topic = *v;
        } else if (auto v = fleetOptionValue(args, i, "--group")) {
            a.group = *v;
        } else if (auto v = fleetOptionValue(args, i, "--property")) {
            a.properties.push_back(parseKafkaProperty(*v));
        } else if (auto v = fleetOptionValue(args, i, "--timeout")) {
            a.timeout_s = parseSeconds(*v, "--timeout", 1, kMaxTimeoutS);
        } else if (args[i].size() > 1 && args[i][0] == '-') {
            throw std::invalid_argument("policy publish: unknown option '" + args[i] + "'");
        } else {
            paths.push_back(args[i]);
        }
    }
    if (a.brokers.empty())
        throw std::invalid_argument("policy publish: --brokers HOST:PORT[,...] is required");
    if (a.topic.empty()) throw std::invalid_argument("policy publish: --topic TOPIC is required");
    if (paths.size() != 1) throw std::invalid_argument("policy publish: expected one BUNDLE");
    fleet::checkBrokerList(a.brokers);
    fleet::checkTopicName(a.topic, "--topic");
    fleet::checkGroupName(a.group, "--group");
    a.bundle_path = paths[0];
    return a;
}

int remainingMs(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

// The one delivery report this command waits for.
class DeliveryWait : public RdKafka::DeliveryReportCb {
  public:
    void dr_cb(RdKafka::Message& message) override {
        done_ = true;
        error_ = message.err();
        error_text_ = message.errstr();
        partition_ = message.partition();
        offset_ = message.offset();
    }
    bool done() const { return done_; }
    RdKafka::ErrorCode error() const { return error_; }
    const std::string& errorText() const { return error_text_; }
    int32_t partition() const { return partition_; }
    int64_t offset() const { return offset_; }

  private:
    bool done_ = false;
    RdKafka::ErrorCode error_ = RdKafka::ERR_NO_ERROR;
    std::string error_text_;
    int32_t partition_ = -1;
    int64_t offset_ = -1;
};

std::string withLastError(std::string what, const KafkaCliEvents& events) {
    if (!events.lastError().empty()) what += " (last error: " + events.lastError() + ")";
    return what;
}

// CreateTopics for `topic`: one partition (one bundle per group needs no more, and one
// partition keeps every group's history in order), the cluster's default replication factor,
// cleanup.policy=compact. A topic that exists already is left as it is.
void createCompactedTopic(rd_kafka_t* rk, const std::string& topic, Clock::time_point deadline,
                          const KafkaCliEvents& events) {
    char errstr[512] = "";
    core::CHandle<rd_kafka_NewTopic_t, rd_kafka_NewTopic_destroy> new_topic(
        rd_kafka_NewTopic_new(topic.c_str(), 1, -1, errstr, sizeof errstr));
    if (!new_topic) throw std::runtime_error("cannot describe topic " + topic + ": " + errstr);
    if (rd_kafka_NewTopic_set_config(new_topic.get(), "cleanup.policy", "compact") !=
        RD_KAFKA_RESP_ERR_NO_ERROR)
        throw std::runtime_error("cannot set cleanup.policy=compact on topic " + topic);
    core::CHandle<rd_kafka_AdminOptions_t, rd_kafka_AdminOptions_destroy> options(
        rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS));
    const int timeout_ms = std::max(1, remainingMs(deadline));
    if (!options ||
        rd_kafka_AdminOptions_set_request_timeout(options.get(), timeout_ms, errstr,
                                                  sizeof errstr) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        rd_kafka_AdminOptions_set_operation_timeout(options.get(), timeout_ms, errstr,
                                                    sizeof errstr) != RD_KAFKA_RESP_ERR_NO_ERROR)
        throw std::runtime_error(std::string("cannot set up the topic request: ") + errstr);
    core::CHandle<rd_kafka_queue_t, rd_kafka_queue_destroy> queue(rd_kafka_queue_new(rk));
    rd_kafka_NewTopic_t* topics[] = {new_topic.get()};
    rd_kafka_CreateTopics(rk, topics, 1, options.get(), queue.get());
    // The request times out by itself at the deadline; the margin lets that answer arrive.
    // Meanwhile the main queue is served, so a refused connection reaches `events`.
    const auto answer_by = deadline + std::chrono::seconds(1);
    core::CHandle<rd_kafka_event_t, rd_kafka_event_destroy> event;
    while (!event && remainingMs(answer_by) > 0) {
        event.reset(rd_kafka_queue_poll(queue.get(), std::min(100, remainingMs(answer_by))));
        rd_kafka_poll(rk, 0);
    }
    if (!event)
        throw std::runtime_error(withLastError("no answer from the brokers to creating topic " +
                                                   topic + " within the timeout",
                                               events));
    if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR)
        throw std::runtime_error(withLastError("cannot create topic " + topic + ": " +
                                                   rd_kafka_event_error_string(event.get()),
                                               events));
    const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event.get());
    size_t count = 0;
    const rd_kafka_topic_result_t** results =
        result ? rd_kafka_CreateTopics_result_topics(result, &count) : nullptr;
    for (size_t i = 0; i < count; ++i) {
        const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
            continue;
        const char* why = rd_kafka_topic_result_error_string(results[i]);
        throw std::runtime_error("cannot create topic " + topic + ": " + rd_kafka_err2str(err) +
                                 (why && *why ? std::string(": ") + why : std::string()));
    }
}

} // namespace

int publishPolicy(const std::vector<std::string>& args, std::ostream& out) {
    const PublishArgs a = parseArgs(args);
    const fleet::BundleLimits limits;
    const std::string bytes = readBundleFile(a.bundle_path, limits);
    const fleet::ParsedBundle parsed = fleet::parseBundle(bytes, limits);
    if (!parsed.bundle)
        throw std::runtime_error(a.bundle_path + ": malformed bundle: " + parsed.error);
    const auto deadline = Clock::now() + std::chrono::seconds(a.timeout_s);

    KafkaCliEvents events;
    DeliveryWait delivery;
    const std::unique_ptr<RdKafka::Conf> conf =
        fleet::kafkaClientConf(a.brokers, "egressmon-policy-publish", a.properties);
    // The bundle must land once and durably: a sensor that misses it runs old rules.
    fleet::setKafkaProperty(*conf, "enable.idempotence", "true");
    fleet::setKafkaProperty(*conf, "acks", "all");
    fleet::setKafkaProperty(*conf, "message.timeout.ms",
                            std::to_string(std::max(1, remainingMs(deadline))));
    std::string err;
    if (conf->set("event_cb", static_cast<RdKafka::EventCb*>(&events), err) !=
            RdKafka::Conf::CONF_OK ||
        conf->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(&delivery), err) !=
            RdKafka::Conf::CONF_OK)
        throw std::runtime_error("Kafka configuration: " + err);
    const std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), err));
    if (!producer) throw std::runtime_error("cannot create the Kafka producer: " + err);

    createCompactedTopic(producer->c_ptr(), a.topic, deadline, events);

    const RdKafka::ErrorCode produced = producer->produce(
        a.topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
        const_cast<char*>(bytes.data()), bytes.size(), a.group.data(), a.group.size(), 0, nullptr);
    if (produced != RdKafka::ERR_NO_ERROR)
        throw std::runtime_error("cannot send the bundle to topic " + a.topic + ": " +
                                 RdKafka::err2str(produced));
    while (!delivery.done() && remainingMs(deadline) > 0)
        producer->poll(std::min(100, remainingMs(deadline)));
    if (!delivery.done()) {
        // message.timeout.ms ends at the deadline too; this only covers a late report.
        producer->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
        producer->poll(0);
        throw std::runtime_error(withLastError("bundle not delivered to topic " + a.topic +
                                                   " within " + std::to_string(a.timeout_s) + " s",
                                               events));
    }
    if (delivery.error() != RdKafka::ERR_NO_ERROR)
        throw std::runtime_error(withLastError(
            "bundle not delivered to topic " + a.topic + ": " + delivery.errorText(), events));
    out << "published policy bundle version " << parsed.bundle->version << " (key id "
        << parsed.bundle->key_id << ") to " << a.topic << ", group " << a.group << ": partition "
        << delivery.partition() << ", offset " << delivery.offset() << "\n";
    return 0;
}

} // namespace egressmon::app
