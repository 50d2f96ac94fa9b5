#pragma once
// Parses INTERFACE.md rule files (YAML) into Rules, with every error naming file and line:
// duplicate id, unknown field, missing id/name, bad severity, unknown encoding/direction/
// validator/action, a rule with neither keywords nor regexes. Start-up/reload only; throws
// RuleError.

#include <string>
#include <vector>

#include "rule.h"
#include "rule_set.h"

namespace egressmon::rules {

// Appends the rules of `path` to `out`; `out` already holds earlier files' rules (ids must be
// unique across all of them).
void loadRuleFile(const std::string& path, std::vector<Rule>& out);

} // namespace egressmon::rules
