#include "rule.h"

namespace egressmon::rules {

const char* encodingName(Encoding e) {
    switch (e) {
    case Encoding::kUtf8: return "utf-8";
    case Encoding::kGb18030: return "gb18030";
    case Encoding::kUtf16Le: return "utf-16le";
    case Encoding::kUtf16Be: return "utf-16be";
    }
    return "?";
}

const char* validatorName(Validator v) {
    switch (v) {
    case Validator::kNone: return "";
    case Validator::kLuhn: return "luhn";
    case Validator::kGb11643: return "gb11643";
    }
    return "?";
}

const char* ruleActionName(RuleAction a) {
    switch (a) {
    case RuleAction::kAlert: return "alert";
    case RuleAction::kBlock: return "block";
    }
    return "?";
}

} // namespace egressmon::rules
