#include <stdexcept>

#include "export/kafka_sink_config.h"

namespace egressmon::exporting {

namespace {

bool validPort(const std::string& s) {
    if (s.empty() || s.size() > 5) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    const int port = std::stoi(s);
    return port >= 1 && port <= 65535;
}

// HOST:PORT, or [IPV6]:PORT.
bool validBroker(const std::string& b) {
    const size_t colon = b.rfind(':');
    if (colon == std::string::npos || colon == 0) return false;
    const std::string host = b.substr(0, colon);
    if (host.front() == '[' && host.back() != ']') return false;
    if (host.find_first_of(" /") != std::string::npos) return false;
    return validPort(b.substr(colon + 1));
}

// Kafka's own rule: 1..249 characters of [a-zA-Z0-9._-], not "." or "..".
bool validTopic(const std::string& t) {
    if (t.empty() || t.size() > 249 || t == "." || t == "..") return false;
    for (char c : t) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

} // namespace

KafkaTarget parseKafkaSpec(const std::string& spec) {
    const std::string prefix = "kafka://";
    const auto bad = [&](const std::string& why) {
        return std::invalid_argument("bad Kafka sink '" + spec + "': " + why +
                                     " (expected kafka://HOST:PORT[,HOST:PORT]/TOPIC)");
    };
    if (spec.rfind(prefix, 0) != 0) throw bad("not a kafka:// sink");
    const std::string rest = spec.substr(prefix.size());
    const size_t slash = rest.find('/');
    if (slash == std::string::npos) throw bad("no topic");
    KafkaTarget t{rest.substr(0, slash), rest.substr(slash + 1)};
    if (t.brokers.empty()) throw bad("no broker");
    size_t start = 0;
    while (start <= t.brokers.size()) {
        const size_t comma = t.brokers.find(',', start);
        const std::string broker =
            t.brokers.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!validBroker(broker)) throw bad("broker '" + broker + "' is not HOST:PORT");
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    if (!validTopic(t.topic))
        throw bad("topic '" + t.topic + "' is not 1-249 characters of [a-zA-Z0-9._-]");
    return t;
}

} // namespace egressmon::exporting
