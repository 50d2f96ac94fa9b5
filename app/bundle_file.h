#pragma once
// Reads a policy bundle file for `egressmon policy verify` and `policy publish`: at most one
// byte past limits.max_bundle_bytes (enough for the parser to name the bound), so a huge file
// costs no memory. Main thread; throws std::runtime_error with a one-line message.

#include <string>

#include "fleet/policy_bundle.h"

namespace egressmon::app {

std::string readBundleFile(const std::string& path, const fleet::BundleLimits& limits);

} // namespace egressmon::app
