// fleet status: the topic's partitions from its metadata, each assigned from its first offset
// (no consumer group is joined, nothing is committed: reading leaves no trace on the cluster),
// consumed until librdkafka reports the end of every partition; then the table. Like publish,
// one deadline (--timeout from the start) bounds the whole read.

#include "app/fleet_command.h"

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>

#include <librdkafka/rdkafkacpp.h>

#include "app/fleet_cli_args.h"
#include "app/kafka_cli_events.h"
#include "fleet/fleet_status_table.h"
#include "fleet/heartbeat.h"
#include "fleet/kafka_client_conf.h"

namespace egressmon::app {

namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kDefaultTimeoutS = 10;
constexpr uint64_t kMaxTimeoutS = 3600;
constexpr uint64_t kMaxStaleAfterS = 10ull * 366 * 86400; // ten years: "never", spelled out

struct StatusArgs {
    std::string brokers, topic;
    fleet::KafkaProperties properties;
    uint64_t timeout_s = kDefaultTimeoutS;
    std::optional<uint64_t> stale_after_s;
};

StatusArgs parseStatusArgs(const std::vector<std::string>& args) {
    StatusArgs a;
    for (size_t i = 0; i < args.size(); ++i) {
        if (auto v = fleetOptionValue(args, i, "--brokers"))
            a.brokers = *v;
        else if (auto v = fleetOptionValue(args, i, "--topic"))
            a.topic = *v;
        else if (auto v = fleetOptionValue(args, i, "--property"))
            a.properties.push_back(parseKafkaProperty(*v));
        else if (auto v = fleetOptionValue(args, i, "--timeout"))
            a.timeout_s = parseSeconds(*v, "--timeout", 1, kMaxTimeoutS);
        else if (auto v = fleetOptionValue(args, i, "--stale-after"))
            a.stale_after_s = parseSeconds(*v, "--stale-after", 0, kMaxStaleAfterS);
        else if (args[i].size() > 1 && args[i][0] == '-')
            throw std::invalid_argument("fleet status: unknown option '" + args[i] + "'");
        else
            throw std::invalid_argument("fleet status: unexpected argument '" + args[i] + "'");
    }
    if (a.brokers.empty())
        throw std::invalid_argument("fleet status: --brokers HOST:PORT[,...] is required");
    if (a.topic.empty())
        throw std::invalid_argument("fleet status: --topic STATUS_TOPIC is required");
    fleet::checkBrokerList(a.brokers);
    fleet::checkTopicName(a.topic, "--topic");
    return a;
}

int remainingMs(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

std::string withLastError(std::string what, const KafkaCliEvents& events) {
    if (!events.lastError().empty()) what += " (last error: " + events.lastError() + ")";
    return what;
}

// TopicPartition lists are raw pointers the caller owns.
struct Assignment {
    std::vector<RdKafka::TopicPartition*> partitions;
    ~Assignment() { RdKafka::TopicPartition::destroy(partitions); }
};

struct TopicRead {
    bool exists = false;
    size_t skipped = 0;
    std::string first_skip_error;
};

// The partitions of `topic`, or nothing when it does not exist; throws when the brokers do not
// answer by the deadline.
std::optional<std::vector<int32_t>> topicPartitions(RdKafka::KafkaConsumer& consumer,
                                                    const StatusArgs& a, Clock::time_point deadline,
                                                    const KafkaCliEvents& events) {
    std::string err;
    const std::unique_ptr<RdKafka::Topic> topic(
        RdKafka::Topic::create(&consumer, a.topic, nullptr, err));
    if (!topic) throw std::runtime_error("topic " + a.topic + ": " + err);
    RdKafka::Metadata* raw = nullptr;
    const RdKafka::ErrorCode asked =
        consumer.metadata(false, topic.get(), &raw, std::max(1, remainingMs(deadline)));
    const std::unique_ptr<RdKafka::Metadata> metadata(raw);
    if (asked != RdKafka::ERR_NO_ERROR || !metadata)
        throw std::runtime_error(withLastError("cannot reach the brokers " + a.brokers +
                                                   " within " + std::to_string(a.timeout_s) +
                                                   " s: " + RdKafka::err2str(asked),
                                               events));
    for (const RdKafka::TopicMetadata* t : *metadata->topics()) {
        if (t->topic() != a.topic) continue;
        if (t->err() == RdKafka::ERR_UNKNOWN_TOPIC_OR_PART) return std::nullopt;
        if (t->err() != RdKafka::ERR_NO_ERROR)
            throw std::runtime_error("topic " + a.topic + ": " + RdKafka::err2str(t->err()));
        std::vector<int32_t> ids;
        for (const RdKafka::PartitionMetadata* p : *t->partitions())
            ids.push_back(p->id());
        return ids;
    }
    return std::nullopt;
}

TopicRead readStatusTopic(const StatusArgs& a, fleet::FleetStatusTable& table) {
    const auto deadline = Clock::now() + std::chrono::seconds(a.timeout_s);
    KafkaCliEvents events;
    const std::unique_ptr<RdKafka::Conf> conf =
        fleet::kafkaClientConf(a.brokers, "egressmon-fleet-status", a.properties);
    // A group id is required by the consumer API; assign() joins no group, and nothing is
    // committed.
    fleet::setKafkaProperty(*conf, "group.id", "egressmon-fleet-status");
    fleet::setKafkaProperty(*conf, "enable.auto.commit", "false");
    fleet::setKafkaProperty(*conf, "enable.auto.offset.store", "false");
    fleet::setKafkaProperty(*conf, "enable.partition.eof", "true");
    // The broker may create topics on request: asking about an absent one must not create it.
    fleet::setKafkaProperty(*conf, "allow.auto.create.topics", "false");
    std::string err;
    if (conf->set("event_cb", static_cast<RdKafka::EventCb*>(&events), err) !=
        RdKafka::Conf::CONF_OK)
        throw std::runtime_error("Kafka configuration: " + err);
    const std::unique_ptr<RdKafka::KafkaConsumer> consumer(
        RdKafka::KafkaConsumer::create(conf.get(), err));
    if (!consumer) throw std::runtime_error("cannot create the Kafka consumer: " + err);

    TopicRead read;
    const std::optional<std::vector<int32_t>> ids = topicPartitions(*consumer, a, deadline, events);
    if (!ids) return read;
    read.exists = true;
    Assignment assignment;
    for (const int32_t id : *ids)
        assignment.partitions.push_back(
            RdKafka::TopicPartition::create(a.topic, id, RdKafka::Topic::OFFSET_BEGINNING));
    if (const RdKafka::ErrorCode e = consumer->assign(assignment.partitions);
        e != RdKafka::ERR_NO_ERROR)
        throw std::runtime_error("cannot read topic " + a.topic + ": " + RdKafka::err2str(e));

    std::set<int32_t> unfinished(ids->begin(), ids->end());
    std::string last_consume_error;
    while (!unfinished.empty()) {
        const int left = remainingMs(deadline);
        if (left == 0)
            throw std::runtime_error(
                withLastError("read " + std::to_string(ids->size() - unfinished.size()) + " of " +
                                  std::to_string(ids->size()) + " partitions of " + a.topic +
                                  " within " + std::to_string(a.timeout_s) + " s" +
                                  (last_consume_error.empty() ? "" : ": " + last_consume_error),
                              events));
        const std::unique_ptr<RdKafka::Message> m(consumer->consume(std::min(left, 200)));
        switch (m->err()) {
        case RdKafka::ERR_NO_ERROR:
            // A tombstone (null value) removes a sensor's record at compaction; nothing to show.
            if (m->payload() == nullptr) break;
            if (fleet::ParsedHeartbeat p = fleet::parseHeartbeat(
                    std::string_view(static_cast<const char*>(m->payload()), m->len()));
                p.heartbeat) {
                table.add(std::move(*p.heartbeat));
            } else if (read.skipped++ == 0) {
                read.first_skip_error = "partition " + std::to_string(m->partition()) + " offset " +
                                        std::to_string(m->offset()) + ": " + p.error;
            }
            break;
        case RdKafka::ERR__PARTITION_EOF: unfinished.erase(m->partition()); break;
        case RdKafka::ERR__TIMED_OUT: break;
        default:
            // Transport errors repeat until a broker answers; the deadline decides.
            last_consume_error = m->errstr();
            break;
        }
    }
    consumer->unassign();
    consumer->close();
    return read;
}

int status(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    const StatusArgs a = parseStatusArgs(args);
    fleet::FleetStatusTable table(a.stale_after_s);
    const TopicRead read = readStatusTopic(a, table);
    if (read.skipped > 0)
        err << "egressmon: fleet status: skipped " << read.skipped
            << " records that are not heartbeats: " << read.first_skip_error << "\n";
    if (table.sensors() == 0) {
        err << "egressmon: fleet status: no sensor has reported yet (topic " << a.topic
            << (read.exists ? " holds no heartbeat)" : " does not exist)") << "\n";
        return 0;
    }
    for (const std::string& line : table.lines(unixMillisNow()))
        out << line << "\n";
    return 0;
}

} // namespace

std::string fleetUsageText() {
    return "usage: egressmon fleet status --brokers HOST:PORT[,...] --topic STATUS_TOPIC "
           "[--property KEY=VALUE]... [--timeout SECONDS] [--stale-after SECONDS]\n";
}

int runFleetCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    try {
        if (!args.empty() && (args[0] == "-h" || args[0] == "--help")) {
            out << fleetUsageText();
            return 0;
        }
        if (!args.empty() && args[0] == "status")
            return status({args.begin() + 1, args.end()}, out, err);
        throw std::invalid_argument(args.empty() ? "fleet: expected 'status'"
                                                 : "fleet: unknown command '" + args[0] +
                                                       "' (expected 'status')");
    } catch (const std::exception& e) {
        err << "egressmon: " << e.what() << "\n";
        return 2;
    }
}

} // namespace egressmon::app
