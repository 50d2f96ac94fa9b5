#pragma once
// The librdkafka configuration every fleet client shares (the sensor's policy consumer and
// heartbeat producer, `egressmon policy publish`, `egressmon fleet status`): the brokers, a
// client id, then the operator's properties in order (TLS, SASL: the `kafka:` section's
// `properties`, as for the alert sink), so a fleet topic on a secured cluster needs no second
// set of credentials.
//
// Start-up only (throws std::invalid_argument naming the property and librdkafka's reason).

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <librdkafka/rdkafkacpp.h>

namespace egressmon::fleet {

using KafkaProperties = std::vector<std::pair<std::string, std::string>>;

std::unique_ptr<RdKafka::Conf> kafkaClientConf(const std::string& brokers,
                                               const std::string& client_id,
                                               const KafkaProperties& properties);

// Sets one more property on `conf`; throws std::invalid_argument like kafkaClientConf().
void setKafkaProperty(RdKafka::Conf& conf, const std::string& key, const std::string& value);

// "HOST:PORT[,HOST:PORT...]" checked the way kafka:// sinks are; throws std::invalid_argument.
void checkBrokerList(const std::string& brokers);

// A fleet group name (the policy topic's message key): 1-64 of [A-Za-z0-9._-]; throws
// std::invalid_argument naming `what` ("--group", "policy.group").
void checkGroupName(const std::string& group, const std::string& what);

// Kafka's topic name rule (1-249 of [a-zA-Z0-9._-], not "." or ".."); throws
// std::invalid_argument naming `what` ("--topic", "policy.topic").
void checkTopicName(const std::string& topic, const std::string& what);

} // namespace egressmon::fleet
