#pragma once
// One DLP rule as written in a rule file (INTERFACE.md "Rule file"). Plain data, built by the
// loader at start-up (or reload), then read-only.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/file_type.h"

namespace egressmon::rules {

enum class Encoding : uint8_t { kUtf8, kGb18030, kUtf16Le, kUtf16Be };
enum class RuleDirection : uint8_t { kEgress, kIngress, kAny };
enum class Validator : uint8_t { kNone, kLuhn, kGb11643 };

// `action:` What a match asks for: only an alert, or that the traffic be stopped. Only the ICAP
// service can stop anything (it answers 403); on captured traffic a kBlock rule alerts like a
// kAlert one (INTERFACE.md "ICAP").
enum class RuleAction : uint8_t { kAlert, kBlock };

// Spellings used in rule files and in alert.context.dlp.encoding.
const char* encodingName(Encoding e);     // "utf-8", "gb18030", "utf-16le", "utf-16be"
const char* validatorName(Validator v);   // "", "luhn", "gb11643"
const char* ruleActionName(RuleAction a); // "alert", "block"

// A rule's `file:` conditions (INTERFACE.md "Files inside the traffic"), each optional.
struct FileConditions {
    bool present = false;           // the rule has a `file:` key
    uint32_t types = 0;             // bit (1 << core::FileType) per type named; 0: any type
    std::vector<std::string> names; // globs, case-insensitive, on the file name as sent
    std::optional<bool> encrypted;
    std::optional<bool> uninspectable;
    uint64_t min_size = 0; // bytes of the file itself; 0: any size

    bool allowsType(core::FileType t) const noexcept {
        return types == 0 || (types & (1u << static_cast<unsigned>(t))) != 0;
    }
};

// `volume:` (INTERFACE.md "Application, risk and volume rules"): more than `bytes` of payload
// sent by one inside host to outside hosts within `window_s` seconds. The bounds keep a window's
// running sum inside the ledger's 44-bit field (dpi/policy/volume_ledger.h).
struct VolumeCondition {
    static constexpr uint64_t kMaxBytes = uint64_t{1} << 42; // 4 TiB
    static constexpr uint32_t kMaxWindowSeconds = 30 * 86400;
    uint64_t bytes = 0;
    uint32_t window_s = 0;
};

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
    // Application and risk rules only (INTERFACE.md "Application, risk and volume rules").
    std::vector<std::string> categories;   // nDPI category names; empty = any
    uint64_t risks = 0;                    // bit n: nDPI risk n (core/ndpi_risk_names.h); 0 = none
    std::optional<VolumeCondition> volume; // `kind: volume` alerts instead of one per flow
    // `suppress: SECONDS` (application and risk rules): after an alert, the same rule stays
    // quiet for the same inside host until SECONDS have passed since that alert's window
    // opened; 0: one alert per flow, as the contract's default.
    uint32_t suppress_s = 0;
    Validator validator = Validator::kNone;
    RuleAction action = RuleAction::kAlert;
    FileConditions file_conditions;
    std::string file; // where it was defined, for messages

    bool hasContent() const noexcept { return !keywords.empty() || !regexes.empty(); }
    // Without keywords or regexes but with `file:` conditions the rule judges files themselves
    // (`kind: file` alerts).
    bool fileOnly() const noexcept { return !hasContent() && file_conditions.present; }
    // Neither content nor `file:`: the rule judges a flow's classification once it is known
    // (`kind: application`, or `risk` when it names risks). The loader requires such a rule to
    // name protocols, categories or risks.
    bool classificationOnly() const noexcept { return !hasContent() && !file_conditions.present; }
    // A classification rule with `volume:`: it sums the inside host's payload over the flows
    // it holds for and alerts on the sum, never on a flow alone.
    bool isVolume() const noexcept { return volume.has_value(); }
    int line = 0;
};

} // namespace egressmon::rules
