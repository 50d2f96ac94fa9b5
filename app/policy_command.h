#pragma once
// `egressmon policy sign|verify|publish ...`: the signed policy bundles of INTERFACE.md "Fleet"
// (fleet/policy_bundle.h). Runs on the main thread instead of the sensor; its errors are one
// line "egressmon: ..." on `err` and exit status 2, as for the rest of the command line.

#include <ostream>
#include <string>
#include <vector>

namespace egressmon::app {

// `args` follow "policy": {"sign", "--key", ...}. Returns the exit status. `publish` is
// app/policy_publish.h.
int runPolicyCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

std::string policyUsageText();

} // namespace egressmon::app
