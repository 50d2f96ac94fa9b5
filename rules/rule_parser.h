#pragma once
// Internal to rules/: the two halves of loadRuleFile, apart so that RuleSet::load hashes exactly
// the bytes it parses. Start-up/reload only; both throw RuleError.

#include <string>
#include <vector>

#include "rule.h"

namespace egressmon::rules {

// The whole file; "cannot read rule file 'PATH': reason" when it cannot be read.
std::string readRuleFile(const std::string& path);

// Parses the YAML text of one rule file (called `file` in messages) and appends its rules to
// `out`, whose earlier rules take part in the duplicate-id check.
void parseRuleText(const std::string& text, const std::string& file, std::vector<Rule>& out);

} // namespace egressmon::rules
