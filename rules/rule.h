#pragma once
// One DLP rule as written in a rule file (INTERFACE.md "Rule file"). Plain data, built by the
// loader at start-up (or reload), then read-only.

#include <cstdint>
#include <string>
#include <vector>

namespace egressmon::rules {

enum class Encoding : uint8_t { kUtf8, kGb18030, kUtf16Le, kUtf16Be };
enum class RuleDirection : uint8_t { kEgress, kIngress, kAny };
enum class Validator : uint8_t { kNone, kLuhn, kGb11643 };

// Spellings used in rule files and in alert.context.dlp.encoding.
const char* encodingName(Encoding e);   // "utf-8", "gb18030", "utf-16le", "utf-16be"
const char* validatorName(Validator v); // "", "luhn", "gb11643"

struct Rule {
    uint32_t id = 0;  // signature_id
    std::string name; // signature
    std::string category = "dlp";
    uint8_t severity = 2;              // 1 (highest) .. 4
    std::vector<std::string> keywords; // UTF-8 as written
    std::vector<std::string> regexes;  // Hyperscan/PCRE syntax, matched on the raw bytes
    bool nocase = false;               // ASCII case folding (keywords and regexes)
    std::vector<Encoding> encodings = {Encoding::kUtf8, Encoding::kGb18030, Encoding::kUtf16Le,
                                       Encoding::kUtf16Be};
    RuleDirection direction = RuleDirection::kEgress;
    std::vector<std::string> protocols; // nDPI names (master or app); empty = any
    Validator validator = Validator::kNone;
    std::string file; // where it was defined, for messages
    int line = 0;
};

} // namespace egressmon::rules
