#pragma once
// The shipped rules/default.yaml plus a target's own short rules (which fire often, so the
// fuzzer reaches alerts quickly), compiled once per process. The target defines
// EGRESSMON_SOURCE_DIR (tests/fuzz/CMakeLists.txt) so it runs from anywhere.

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "rules/rule_set.h"
#include "temp_dir.h"

namespace egressmon::fuzz {

inline std::shared_ptr<const rules::RuleSet> shippedRulesWith(const char* extra_yaml) {
    static const TempDir dir;
    const std::string extra = (dir.path() / "extra.yaml").string();
    std::FILE* f = std::fopen(extra.c_str(), "wb");
    if (f == nullptr) std::abort();
    std::fputs(extra_yaml, f);
    std::fclose(f);
    return rules::RuleSet::load({EGRESSMON_SOURCE_DIR "/rules/default.yaml", extra});
}

} // namespace egressmon::fuzz
