#include "app/fleet_cli_args.h"

#include <chrono>
#include <stdexcept>

namespace egressmon::app {

std::optional<std::string> fleetOptionValue(const std::vector<std::string>& args, size_t& i,
                                            const std::string& name) {
    const std::string& arg = args[i];
    if (arg == name) {
        if (i + 1 >= args.size()) throw std::invalid_argument(name + " needs a value");
        i += 1;
        return args[i];
    }
    if (arg.rfind(name + "=", 0) == 0) return arg.substr(name.size() + 1);
    return std::nullopt;
}

std::pair<std::string, std::string> parseKafkaProperty(const std::string& text) {
    const size_t eq = text.find('=');
    if (eq == std::string::npos || eq == 0)
        throw std::invalid_argument("--property: expected KEY=VALUE, got '" + text + "'");
    return {text.substr(0, eq), text.substr(eq + 1)};
}

uint64_t parseSeconds(const std::string& text, const std::string& option, uint64_t min,
                      uint64_t max) {
    uint64_t value = 0;
    bool ok = !text.empty() && text.size() <= 12;
    for (const char c : text) {
        ok = ok && c >= '0' && c <= '9';
        if (ok) value = value * 10 + static_cast<uint64_t>(c - '0');
    }
    if (!ok || value < min || value > max)
        throw std::invalid_argument(option + ": expected whole seconds from " +
                                    std::to_string(min) + " to " + std::to_string(max) + ", got '" +
                                    text + "'");
    return value;
}

uint64_t unixMillisNow() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
}

} // namespace egressmon::app
