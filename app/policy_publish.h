#pragma once
// `egressmon policy publish --brokers HOST:PORT[,...] --topic TOPIC [--group NAME]
// [--property KEY=VALUE]... [--timeout SECONDS] BUNDLE`: puts a signed bundle on the policy
// topic (INTERFACE.md "Fleet"), keyed by its group, so the compacted topic keeps the newest
// bundle of each group. The topic is created compacted when absent. The bundle must parse
// (fleet::parseBundle); its signature is the sensors' to check, so no key is needed here.
//
// Main thread of the command; throws std::runtime_error / std::invalid_argument with the line
// printed after "egressmon: " (exit 2). On success prints one line on `out`.

#include <ostream>
#include <string>
#include <vector>

namespace egressmon::app {

// `args` follow "publish". Returns the exit status (0).
int publishPolicy(const std::vector<std::string>& args, std::ostream& out);

} // namespace egressmon::app
