// Rules -> one Hyperscan stream-mode database. Each (rule, distinct expression) is one pattern
// whose Hyperscan id is its index in patterns_: a keyword becomes one \xHH literal per requested
// encoding (identical byte strings, such as an ASCII keyword in UTF-8 and GB18030, only once),
// a regex is compiled as written.

#include "rule_set.h"

#include <cstdio>
#include <cstdlib>
#include <set>

#include "keyword_encoding.h"
#include "rule_parser.h"

namespace egressmon::rules {

namespace {

using HsCompileError = core::CHandle<hs_compile_error_t, hs_free_compile_error>;

// Canonical order, so that of identical expressions the UTF-8 one is kept.
constexpr Encoding kEncodingOrder[] = {Encoding::kUtf8, Encoding::kGb18030, Encoding::kUtf16Le,
                                       Encoding::kUtf16Be};

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

uint64_t fnv1a(uint64_t hash, std::string_view bytes) {
    for (const char c : bytes) {
        hash ^= static_cast<uint8_t>(c);
        hash *= kFnvPrime;
    }
    return hash;
}

std::string location(const Rule& rule) {
    return rule.file + ":" + std::to_string(rule.line) + ": rule " + std::to_string(rule.id) + ": ";
}

bool wants(const Rule& rule, Encoding e) {
    for (const Encoding r : rule.encodings)
        if (r == e) return true;
    return false;
}

// The expressions handed to hs_compile_multi, parallel to RuleSet::patterns().
struct Expressions {
    std::vector<std::string> text;
    std::vector<unsigned> flags;
    std::vector<unsigned> ids;
    bool any_som = false;
};

} // namespace

std::shared_ptr<const RuleSet> RuleSet::load(const std::vector<std::string>& files) {
    std::vector<RuleText> texts;
    texts.reserve(files.size());
    for (const std::string& file : files)
        texts.push_back(RuleText{file, readRuleFile(file)});
    return loadTexts(texts);
}

std::shared_ptr<const RuleSet> RuleSet::loadTexts(const std::vector<RuleText>& files) {
    std::vector<Rule> rules;
    uint64_t hash = kFnvOffset;
    for (const RuleText& file : files) {
        // The length first, so that moving bytes from one file to the next changes the digest.
        hash = fnv1a(hash, std::to_string(file.text.size()) + ":");
        hash = fnv1a(hash, file.text);
        parseRuleText(file.text, file.name, rules);
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
    return compile(std::move(rules), std::string(hex, 12));
}

std::shared_ptr<const RuleSet> RuleSet::compile(std::vector<Rule> rules,
                                                std::string policy_version) {
    auto set = std::make_shared<RuleSet>();
    set->rules_ = std::move(rules);
    set->policy_version_ = std::move(policy_version);

    Expressions exprs;
    const auto add = [&](PatternInfo info, std::string text, unsigned flags) {
        exprs.ids.push_back(static_cast<unsigned>(set->patterns_.size()));
        exprs.text.push_back(std::move(text));
        exprs.flags.push_back(flags);
        exprs.any_som = exprs.any_som || (flags & HS_FLAG_SOM_LEFTMOST);
        set->patterns_.push_back(std::move(info));
    };
    for (uint32_t r = 0; r < set->rules_.size(); ++r) {
        const Rule& rule = set->rules_[r];
        if (rule.fileOnly()) set->file_only_rules_.push_back(r);
        if (rule.suppress_s != 0) set->suppressed_rules_.push_back(r);
        if (rule.isVolume())
            set->volume_rules_.push_back(r);
        else if (rule.classificationOnly())
            set->classification_rules_.push_back(r);
        const bool som = rule.validator != Validator::kNone;
        // A validator must see every candidate (the first may fail its checksum); otherwise the
        // first match per stream is all an alert needs.
        const unsigned base = som ? HS_FLAG_SOM_LEFTMOST : HS_FLAG_SINGLEMATCH;
        std::set<std::string> keyword_exprs;
        for (const std::string& keyword : rule.keywords) {
            if (keyword.empty()) throw RuleError(location(rule) + "empty keyword");
            for (const Encoding e : kEncodingOrder) {
                if (!wants(rule, e)) continue;
                std::string text;
                try {
                    text = literalExpression(keyword, e, rule.nocase);
                } catch (const RuleError& err) {
                    throw RuleError(location(rule) + err.what());
                }
                if (!keyword_exprs.insert(text).second) continue;
                add(PatternInfo{r, false, keyword, e, som}, std::move(text), base);
            }
        }
        std::set<std::string> regex_exprs;
        for (const std::string& regex : rule.regexes) {
            if (!regex_exprs.insert(regex).second) continue;
            // Regexes always report where they start (alerts give the offset of the match);
            // a keyword's start is simply its end minus its length.
            const unsigned flags =
                HS_FLAG_SOM_LEFTMOST | HS_FLAG_DOTALL | (rule.nocase ? HS_FLAG_CASELESS : 0);
            add(PatternInfo{r, true, regex, Encoding::kUtf8, som}, regex, flags);
        }
    }
    // The longest text a validator may be handed: a layer keeps that much behind each chunk
    // for a match that began in the chunk before (dpi/inspect InspectionEngine::historyBytes).
    for (size_t i = 0; i < set->patterns_.size(); ++i) {
        if (!set->patterns_[i].needs_match_text) continue;
        hs_expr_info_t* info = nullptr;
        hs_compile_error_t* error = nullptr;
        uint32_t width = kUnboundedMatchBytes;
        if (hs_expression_info(exprs.text[i].c_str(), exprs.flags[i], &info, &error) ==
                HS_SUCCESS &&
            info)
            width = std::min<uint32_t>(info->max_width, kUnboundedMatchBytes);
        std::free(info);                         // Hyperscan's misc allocator: malloc by default
        if (error) hs_free_compile_error(error); // the compile below reports it properly
        set->validator_match_bytes_ = std::max(set->validator_match_bytes_, width);
    }
    if (set->patterns_.empty()) return set;

    std::vector<const char*> pointers;
    for (const std::string& t : exprs.text)
        pointers.push_back(t.c_str());
    const unsigned mode = HS_MODE_STREAM | (exprs.any_som ? HS_MODE_SOM_HORIZON_LARGE : 0);
    hs_database_t* db = nullptr;
    hs_compile_error_t* raw_error = nullptr;
    if (hs_compile_multi(pointers.data(), exprs.flags.data(), exprs.ids.data(),
                         static_cast<unsigned>(pointers.size()), mode, nullptr, &db,
                         &raw_error) != HS_SUCCESS) {
        const HsCompileError error(raw_error);
        const std::string message = error && error->message ? error->message : "unknown error";
        if (!error || error->expression < 0)
            throw RuleError(set->rules_.front().file + ": Hyperscan cannot compile the rule set (" +
                            std::to_string(pointers.size()) + " patterns): " + message);
        const PatternInfo& bad = set->patterns_[static_cast<size_t>(error->expression)];
        const Rule& rule = set->rules_[bad.rule_index];
        if (bad.is_regex)
            throw RuleError(location(rule) + "bad regex '" + bad.text + "': " + message);
        throw RuleError(location(rule) + "keyword '" + bad.text + "' (" +
                        encodingName(bad.encoding) + ") does not compile: " + message);
    }
    set->db_.reset(db);

    hs_scratch_t* scratch = nullptr;
    if (const hs_error_t rc = hs_alloc_scratch(db, &scratch); rc != HS_SUCCESS)
        throw RuleError("Hyperscan cannot allocate scratch space (error " + std::to_string(rc) +
                        ")");
    set->scratch_.reset(scratch);
    return set;
}

} // namespace egressmon::rules
