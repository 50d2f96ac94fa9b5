#pragma once
// `egressmon -T` / `--test-config` (INTERFACE.md "Fleet"): the -c file was already read and
// checked by parseCommandLine; this loads and compiles every rule file and checks their nDPI
// names with a module of its own, as start-up does, without opening any capture or output.
//
// Main thread; throws (rules::RuleError, std::runtime_error) with the usual one-line message.

#include <string>

#include "app/options.h"

namespace egressmon::app {

// What was checked, for the one line printed on success.
std::string checkConfiguration(const Options& options);

} // namespace egressmon::app
