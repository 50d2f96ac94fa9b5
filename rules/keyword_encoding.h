#pragma once
// Keywords are written in UTF-8 but searched in the bytes a sender would put on the wire:
// UTF-8, GB18030 (a superset of GBK/GB2312), UTF-16LE, UTF-16BE. Conversion with iconv at
// rule-compile time; nothing here runs on the packet path.

#include <string>
#include <string_view>

#include "rule.h"

namespace egressmon::rules {

// The keyword's bytes in `encoding`. Throws RuleError if the text cannot be represented (not
// valid UTF-8, or no such character in the target encoding).
std::string encodeKeyword(std::string_view utf8, Encoding encoding);

// A Hyperscan expression matching exactly `bytes` (every byte \xHH-escaped). With `nocase`,
// only bytes that encode an ASCII letter *as a whole character* get a [xX] class, so GB18030
// trail bytes and UTF-16 halves that happen to look like letters are never folded.
std::string literalExpression(std::string_view utf8, Encoding encoding, bool nocase);

} // namespace egressmon::rules
