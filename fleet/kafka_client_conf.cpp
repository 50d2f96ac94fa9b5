#include "fleet/kafka_client_conf.h"

#include <stdexcept>

#include "export/kafka_sink_config.h"

namespace egressmon::fleet {

void setKafkaProperty(RdKafka::Conf& conf, const std::string& key, const std::string& value) {
    std::string err;
    if (conf.set(key, value, err) != RdKafka::Conf::CONF_OK)
        throw std::invalid_argument("Kafka property " + key + "=" + value + ": " + err);
}

std::unique_ptr<RdKafka::Conf> kafkaClientConf(const std::string& brokers,
                                               const std::string& client_id,
                                               const KafkaProperties& properties) {
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    setKafkaProperty(*conf, "bootstrap.servers", brokers);
    setKafkaProperty(*conf, "client.id", client_id);
    // Notice a returning broker within a second or two, as the alert sink does.
    setKafkaProperty(*conf, "reconnect.backoff.max.ms", "1000");
    // librdkafka logs to stderr by default; a sensor's stderr is its journal, and one line per
    // reconnect attempt would bury what matters. Errors still arrive as events.
    setKafkaProperty(*conf, "log_level", "3");
    for (const auto& [key, value] : properties)
        setKafkaProperty(*conf, key, value);
    return conf;
}

void checkBrokerList(const std::string& brokers) {
    // parseKafkaSpec() holds the one definition of a valid broker list.
    try {
        exporting::parseKafkaSpec("kafka://" + brokers + "/x");
    } catch (const std::invalid_argument&) {
        throw std::invalid_argument("'" + brokers +
                                    "' is not a broker list HOST:PORT[,HOST:PORT...]");
    }
}

void checkTopicName(const std::string& topic, const std::string& what) {
    try {
        exporting::parseKafkaSpec("kafka://127.0.0.1:9092/" + topic);
    } catch (const std::invalid_argument&) {
        throw std::invalid_argument(what + ": '" + topic +
                                    "' is not a Kafka topic name (1-249 characters of "
                                    "[a-zA-Z0-9._-])");
    }
}

void checkGroupName(const std::string& group, const std::string& what) {
    constexpr size_t kMaxGroupNameBytes = 64;
    bool ok = !group.empty() && group.size() <= kMaxGroupNameBytes;
    for (const char c : group)
        ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-');
    if (!ok)
        throw std::invalid_argument(what + ": '" + group + "' is not a group name (1-" +
                                    std::to_string(kMaxGroupNameBytes) +
                                    " characters of [A-Za-z0-9._-])");
}

} // namespace egressmon::fleet
