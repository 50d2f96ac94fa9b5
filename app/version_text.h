#pragma once
// `egressmon --version`: egressmon's version, then the version of each library it runs on as
// that library reports it at run time (what is loaded, not what it was built against), so a
// support request names the nDPI that classified and the Hyperscan that matched.

#include <string>

namespace egressmon::app {

std::string versionText();

} // namespace egressmon::app
