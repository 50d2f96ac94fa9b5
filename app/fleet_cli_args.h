#pragma once
// Command-line pieces the Kafka-side operator commands share (`egressmon policy publish`,
// `egressmon fleet status`): "--name VALUE" / "--name=VALUE", --property KEY=VALUE, whole
// seconds within bounds. Main thread; bad arguments throw std::invalid_argument with the
// message the command prints after "egressmon: ".

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace egressmon::app {

// "--name VALUE" or "--name=VALUE" at args[i]; advances i past what it used.
std::optional<std::string> fleetOptionValue(const std::vector<std::string>& args, size_t& i,
                                            const std::string& name);

// "KEY=VALUE" for --property (librdkafka checks the key and value itself).
std::pair<std::string, std::string> parseKafkaProperty(const std::string& text);

// A whole number of seconds from `min` to `max`, named `option` in the error.
uint64_t parseSeconds(const std::string& text, const std::string& option, uint64_t min,
                      uint64_t max);

// Milliseconds since the epoch, now.
uint64_t unixMillisNow();

} // namespace egressmon::app
