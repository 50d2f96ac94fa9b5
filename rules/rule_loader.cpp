// YAML rule file -> Rules. Every value is checked by hand (never yaml-cpp's as<>, whose
// messages name no field) so each error reads "FILE:LINE: <field>: what is wrong".

#include "rule_loader.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>

#include <yaml-cpp/yaml.h>

#include "core/ndpi_risk_names.h"
#include "core/path_trust.h"
#include "rule_parser.h"

namespace egressmon::rules {

namespace {

constexpr const char* kFields =
    "id, name, category, severity, keywords, regex, nocase, encodings, direction, protocols, "
    "validate, file, action, categories, risks, volume, suppress";
constexpr const char* kVolumeFields = "bytes, window";
constexpr const char* kFileFields = "types, names, encrypted, uninspectable, min-size";

class FileParser {
  public:
    FileParser(const std::string& file, std::vector<Rule>& out) : file_(file), out_(out) {}

    void parse(const std::string& text) {
        YAML::Node root;
        try {
            root = YAML::Load(text);
        } catch (const YAML::Exception& e) { // ParserException: YAML syntax
            fail(e.mark.is_null() ? 1 : e.mark.line + 1, "YAML syntax error: " + e.msg);
        }
        try {
            parseRoot(root);
        } catch (const YAML::Exception& e) { // not expected: every value is checked by hand
            fail(e.mark.is_null() ? 1 : e.mark.line + 1, e.msg);
        }
    }

  private:
    [[noreturn]] void fail(int line, const std::string& what) const {
        throw RuleError(file_ + ":" + std::to_string(line) + ": " + what);
    }
    [[noreturn]] void fail(const YAML::Node& at, const std::string& what) const {
        fail(lineOf(at), what);
    }
    static int lineOf(const YAML::Node& node) {
        const YAML::Mark mark = node.Mark();
        return mark.is_null() ? 1 : mark.line + 1;
    }

    void parseRoot(const YAML::Node& root) {
        if (!root.IsMap()) fail(root, "expected a mapping with a 'rules' list at the top level");
        bool found = false;
        for (const auto& entry : root) {
            const std::string key = entry.first.Scalar();
            if (key != "rules")
                fail(entry.first, "unknown top-level field '" + key + "' (expected 'rules')");
            if (found) fail(entry.first, "duplicate field 'rules'");
            found = true;
            const YAML::Node& rules = entry.second;
            if (rules.IsNull()) continue; // every rule commented out
            if (!rules.IsSequence()) fail(rules, "rules: expected a list of rules");
            for (const auto& node : rules)
                parseRule(node);
        }
        if (!found) fail(root, "no 'rules' list at the top level");
    }

    void parseRule(const YAML::Node& node) {
        if (!node.IsMap()) fail(node, "a rule must be a mapping (id: ..., name: ..., ...)");
        Rule rule;
        rule.file = file_;
        rule.line = lineOf(node);
        std::set<std::string> seen;
        // Read once the id is known, so its errors name the rule. In an optional: assigning to a
        // YAML::Node that already refers to a node would overwrite that node, not rebind.
        std::optional<YAML::Node> action_value, risks_value, volume_value;
        for (const auto& entry : node) {
            const std::string key = entry.first.Scalar();
            if (!seen.insert(key).second) fail(entry.first, "duplicate field '" + key + "'");
            if (key == "action")
                action_value.emplace(entry.second);
            else if (key == "risks")
                risks_value.emplace(entry.second);
            else if (key == "volume")
                volume_value.emplace(entry.second);
            else
                parseField(key, entry.first, entry.second, rule);
        }
        if (!seen.count("id")) fail(node, "rule has no 'id'");
        const std::string which = "rule " + std::to_string(rule.id);
        if (!seen.count("name")) fail(node, which + " has no 'name'");
        if (volume_value) rule.volume = volume(which, *volume_value);
        if (action_value) rule.action = action(rule.id, *action_value);
        if (risks_value) rule.risks = risks(which, *risks_value);
        if (!rule.hasContent() && rule.validator != Validator::kNone)
            fail(node, which + ": validate needs keywords or regex to check");
        if (rule.classificationOnly() && rule.protocols.empty() && rule.categories.empty() &&
            rule.risks == 0 && !rule.volume)
            fail(node, which + " has no condition: give keywords or regex (content), file " +
                           "(files), protocols, categories or risks (the flow's " +
                           "classification), or volume (bytes sent)");
        if (rule.suppress_s != 0 && (!rule.classificationOnly() || rule.volume))
            fail(node, which + ": suppress is for application and risk rules (volume rules " +
                           "alert once per window already)");
        if (rule.volume && !rule.classificationOnly())
            fail(node, which + ": volume sums whole flows and cannot be combined with keywords, " +
                           "regex or file (make it a rule of its own)");
        if (!rule.classificationOnly() && (!rule.categories.empty() || rule.risks != 0))
            fail(node, which + ": categories and risks are for rules without keywords, regex " +
                           "or file (application and risk rules)");
        checkUniqueId(rule);
        out_.push_back(std::move(rule));
    }

    void parseField(const std::string& key, const YAML::Node& key_node, const YAML::Node& value,
                    Rule& rule) {
        if (key == "id") {
            rule.id = static_cast<uint32_t>(integer(key, value, 1, UINT32_MAX));
        } else if (key == "name") {
            rule.name = nonEmptyString(key, value);
        } else if (key == "category") {
            rule.category = nonEmptyString(key, value);
        } else if (key == "severity") {
            rule.severity = static_cast<uint8_t>(integer(key, value, 1, 4));
        } else if (key == "keywords") {
            rule.keywords = stringList(key, value);
        } else if (key == "regex") {
            rule.regexes = stringList(key, value);
        } else if (key == "nocase") {
            rule.nocase = boolean(key, value);
        } else if (key == "encodings") {
            rule.encodings = encodings(key, value);
        } else if (key == "direction") {
            rule.direction = direction(key, value);
        } else if (key == "protocols") {
            rule.protocols = stringList(key, value);
        } else if (key == "categories") {
            rule.categories = nonEmptyList(key, value); // names checked against nDPI by app/
        } else if (key == "suppress") {
            rule.suppress_s =
                static_cast<uint32_t>(integer(key, value, 1, VolumeCondition::kMaxWindowSeconds));
        } else if (key == "validate") {
            rule.validator = validator(key, value);
        } else if (key == "file") {
            rule.file_conditions = fileConditions(value);
        } else {
            fail(key_node, "unknown field '" + key + "' (known: " + kFields + ")");
        }
    }

    std::string scalar(const std::string& key, const YAML::Node& value, const char* expected) {
        if (!value.IsScalar()) fail(value, key + ": expected " + expected);
        return value.Scalar();
    }

    std::string nonEmptyString(const std::string& key, const YAML::Node& value) {
        std::string s = scalar(key, value, "a string");
        if (s.empty()) fail(value, key + ": must not be empty");
        return s;
    }

    int64_t integer(const std::string& key, const YAML::Node& value, int64_t min, int64_t max) {
        const std::string s = scalar(key, value, "an integer");
        int64_t n = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
        if (ec != std::errc() || end != s.data() + s.size() || n < min || n > max)
            fail(value, key + ": expected an integer from " + std::to_string(min) + " to " +
                            std::to_string(max) + ", got '" + s + "'");
        return n;
    }

    bool boolean(const std::string& key, const YAML::Node& value) {
        const std::string s = scalar(key, value, "true or false");
        if (s == "true" || s == "True" || s == "TRUE") return true;
        if (s == "false" || s == "False" || s == "FALSE") return false;
        fail(value, key + ": expected true or false, got '" + s + "'");
    }

    std::vector<std::string> stringList(const std::string& key, const YAML::Node& value) {
        if (!value.IsSequence())
            fail(value, key + ": expected a list, e.g. " + key + ": [\"...\"] (a single value " +
                            "needs brackets too)");
        std::vector<std::string> items;
        for (const auto& item : value) {
            if (!item.IsScalar()) fail(item, key + ": every entry must be a string");
            if (item.Scalar().empty()) fail(item, key + ": empty entry");
            items.push_back(item.Scalar());
        }
        return items;
    }

    std::vector<Encoding> encodings(const std::string& key, const YAML::Node& value) {
        if (!value.IsSequence() || value.size() == 0)
            fail(value, key + ": expected a non-empty list of utf-8, gb18030, utf-16le, utf-16be");
        std::vector<Encoding> list;
        for (const auto& item : value) {
            const std::string s = scalar(key, item, "an encoding name");
            const auto e = lookup<Encoding>(
                s, {Encoding::kUtf8, Encoding::kGb18030, Encoding::kUtf16Le, Encoding::kUtf16Be},
                encodingName);
            if (!e)
                fail(item, key + ": unknown encoding '" + s +
                               "' (known: utf-8, gb18030, utf-16le, utf-16be)");
            if (std::find(list.begin(), list.end(), *e) == list.end()) list.push_back(*e);
        }
        return list;
    }

    RuleDirection direction(const std::string& key, const YAML::Node& value) {
        const std::string s = scalar(key, value, "egress, ingress or any");
        if (s == "egress") return RuleDirection::kEgress;
        if (s == "ingress") return RuleDirection::kIngress;
        if (s == "any") return RuleDirection::kAny;
        fail(value, key + ": unknown direction '" + s + "' (known: egress, ingress, any)");
    }

    Validator validator(const std::string& key, const YAML::Node& value) {
        const std::string s = scalar(key, value, "luhn or gb11643");
        const auto v = lookup<Validator>(s, {Validator::kLuhn, Validator::kGb11643}, validatorName);
        if (!v) fail(value, key + ": unknown validator '" + s + "' (known: luhn, gb11643)");
        return *v;
    }

    // "rule 9001: action: unknown action 'drop' (known: alert, block)": a refused action is a
    // rule that would not do what its author meant, so the message names the rule.
    RuleAction action(uint32_t id, const YAML::Node& value) {
        const std::string field = "rule " + std::to_string(id) + ": action";
        const std::string s = scalar(field, value, "alert or block");
        const auto a =
            lookup<RuleAction>(s, {RuleAction::kAlert, RuleAction::kBlock}, ruleActionName);
        if (!a) fail(value, field + ": unknown action '" + s + "' (known: alert, block)");
        return *a;
    }

    // nDPI 4.2's risk names (core/ndpi_risk_names.h) as a bit mask. Read once the id is known:
    // "rule 3000: risks: unknown nDPI risk 'TOR' (known: ...)".
    uint64_t risks(const std::string& which, const YAML::Node& value) {
        const std::string field = which + ": risks";
        uint64_t mask = 0;
        nonEmptyList(field, value); // shape checked; names below, each at its own line
        for (const auto& item : value) {
            const std::string name = item.Scalar();
            const auto risk = core::ndpiRiskByName(name);
            if (!risk)
                fail(item, field + ": unknown nDPI risk '" + name +
                               "' (nDPI 4.2's ndpi_risk_enum names without NDPI_: " +
                               core::ndpiRiskNames() + ")");
            mask |= uint64_t{1} << *risk;
        }
        return mask;
    }

    FileConditions fileConditions(const YAML::Node& value) {
        if (!value.IsMap() || value.size() == 0)
            fail(value,
                 std::string("file: expected a mapping with at least one of ") + kFileFields);
        FileConditions c;
        c.present = true;
        std::set<std::string> seen;
        for (const auto& entry : value) {
            const std::string key = entry.first.Scalar();
            const std::string field = "file." + key;
            if (!seen.insert(key).second) fail(entry.first, "duplicate field '" + field + "'");
            const YAML::Node& v = entry.second;
            if (key == "types") {
                for (const std::string& name : nonEmptyList(field, v)) {
                    const auto type = core::fileTypeByName(name);
                    if (!type)
                        fail(v, field + ": unknown file type '" + name +
                                    "' (known: " + core::fileTypeNames() + ")");
                    c.types |= 1u << static_cast<unsigned>(*type);
                }
            } else if (key == "names") {
                c.names = nonEmptyList(field, v);
            } else if (key == "encrypted") {
                c.encrypted = boolean(field, v);
            } else if (key == "uninspectable") {
                c.uninspectable = boolean(field, v);
            } else if (key == "min-size") {
                c.min_size = static_cast<uint64_t>(integer(field, v, 0, INT64_MAX));
            } else {
                fail(entry.first, "unknown field '" + field + "' (known: " + kFileFields + ")");
            }
        }
        return c;
    }

    VolumeCondition volume(const std::string& which, const YAML::Node& value) {
        if (!value.IsMap())
            fail(value, which + ": volume: expected a mapping {bytes: N, window: SECONDS}");
        VolumeCondition v;
        std::set<std::string> seen;
        for (const auto& entry : value) {
            const std::string key = entry.first.Scalar();
            const std::string field = "volume." + key;
            if (!seen.insert(key).second) fail(entry.first, "duplicate field '" + field + "'");
            if (key == "bytes")
                v.bytes = static_cast<uint64_t>(
                    integer(field, entry.second, 1, VolumeCondition::kMaxBytes));
            else if (key == "window")
                v.window_s = static_cast<uint32_t>(
                    integer(field, entry.second, 1, VolumeCondition::kMaxWindowSeconds));
            else
                fail(entry.first, "unknown field '" + field + "' (known: " + kVolumeFields + ")");
        }
        if (!seen.count("bytes") || !seen.count("window"))
            fail(value, which + ": volume: needs both bytes and window (seconds)");
        return v;
    }

    std::vector<std::string> nonEmptyList(const std::string& key, const YAML::Node& value) {
        std::vector<std::string> items = stringList(key, value);
        if (items.empty()) fail(value, key + ": expected a non-empty list");
        return items;
    }

    template <class E>
    static std::optional<E> lookup(const std::string& s, std::initializer_list<E> all,
                                   const char* (*name)(E)) {
        for (const E e : all)
            if (s == name(e)) return e;
        return std::nullopt;
    }

    void checkUniqueId(const Rule& rule) const {
        for (const Rule& other : out_)
            if (other.id == rule.id)
                fail(rule.line, "duplicate rule id " + std::to_string(rule.id) +
                                    " (first defined at " + other.file + ":" +
                                    std::to_string(other.line) + ")");
    }

    const std::string& file_;
    std::vector<Rule>& out_;
};

} // namespace

std::string readRuleFile(const std::string& path) {
    return core::readTrustedFileOrThrow<RuleError>(path, "rule file");
}

void parseRuleText(const std::string& text, const std::string& file, std::vector<Rule>& out) {
    FileParser(file, out).parse(text);
}

void loadRuleFile(const std::string& path, std::vector<Rule>& out) {
    parseRuleText(readRuleFile(path), path, out);
}

} // namespace egressmon::rules
