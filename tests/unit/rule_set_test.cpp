#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <tuple>

#include <gtest/gtest.h>

#include "rules/keyword_encoding.h"
#include "rules/rule_set.h"
#include "rules/validators.h"

using namespace egressmon::rules;

namespace {

const std::string kDefaultRules = EGRESSMON_SOURCE_DIR "/rules/default.yaml";

struct Match {
    unsigned id;
    unsigned long long from;
    unsigned long long to;
    auto operator<=>(const Match&) const = default;
};

// Feeds `pieces` to one Hyperscan stream of `set` and returns every match, sorted.
class StreamScanner {
  public:
    explicit StreamScanner(const RuleSet& set) : set_(set) {
        hs_scratch_t* scratch = nullptr;
        EXPECT_EQ(hs_clone_scratch(set.scratchPrototype(), &scratch), HS_SUCCESS);
        scratch_.reset(scratch);
    }

    std::vector<Match> scan(const std::vector<std::string_view>& pieces) {
        std::vector<Match> matches;
        hs_stream_t* stream = nullptr;
        EXPECT_EQ(hs_open_stream(set_.database(), 0, &stream), HS_SUCCESS);
        for (const std::string_view piece : pieces)
            EXPECT_EQ(hs_scan_stream(stream, piece.data(), static_cast<unsigned>(piece.size()), 0,
                                     scratch_.get(), onMatch, &matches),
                      HS_SUCCESS);
        EXPECT_EQ(hs_close_stream(stream, scratch_.get(), onMatch, &matches), HS_SUCCESS);
        std::sort(matches.begin(), matches.end());
        return matches;
    }

    // The same matches whether `data` comes whole, in two pieces split at any offset, or one byte
    // at a time; returns them.
    std::vector<Match> scanSplitEverywhere(std::string_view data) {
        const std::vector<Match> whole = scan({data});
        for (size_t split = 0; split <= data.size(); ++split)
            EXPECT_EQ(scan({data.substr(0, split), data.substr(split)}), whole)
                << "split at " << split;
        std::vector<std::string_view> bytes;
        for (size_t i = 0; i < data.size(); ++i)
            bytes.push_back(data.substr(i, 1));
        EXPECT_EQ(scan(bytes), whole) << "one byte at a time";
        return whole;
    }

    // Rule ids (signature ids) of the matches.
    std::set<uint32_t> ruleIds(const std::vector<Match>& matches) const {
        std::set<uint32_t> ids;
        for (const Match& m : matches)
            ids.insert(set_.rules()[set_.patterns()[m.id].rule_index].id);
        return ids;
    }

  private:
    static int onMatch(unsigned id, unsigned long long from, unsigned long long to, unsigned,
                       void* ctx) {
        static_cast<std::vector<Match>*>(ctx)->push_back({id, from, to});
        return 0;
    }

    const RuleSet& set_;
    HsScratch scratch_;
};

std::shared_ptr<const RuleSet> defaultRules() {
    static const std::shared_ptr<const RuleSet> set = RuleSet::load({kDefaultRules});
    return set;
}

Rule keywordRule(uint32_t id, std::vector<std::string> keywords) {
    Rule r;
    r.id = id;
    r.name = "rule " + std::to_string(id);
    r.keywords = std::move(keywords);
    r.file = "test.yaml";
    r.line = static_cast<int>(id);
    return r;
}

// Patterns of rule `id` whose text is `text`.
std::vector<PatternInfo> patternsOf(const RuleSet& set, uint32_t id, const std::string& text) {
    std::vector<PatternInfo> out;
    for (const PatternInfo& p : set.patterns())
        if (set.rules()[p.rule_index].id == id && p.text == text) out.push_back(p);
    return out;
}

std::string utf16le(std::string_view ascii) {
    std::string out;
    for (const char c : ascii)
        out += std::string{c, '\0'};
    return out;
}

} // namespace

TEST(RuleSet, DefaultRulesCompileIntoOneStreamDatabase) {
    const auto set = defaultRules();
    ASSERT_NE(set->database(), nullptr);
    ASSERT_NE(set->scratchPrototype(), nullptr);
    EXPECT_GE(set->rules().size(), 10u);
    size_t stream_state = 0; // only stream-mode databases have one
    EXPECT_EQ(hs_stream_size(set->database(), &stream_state), HS_SUCCESS);
    EXPECT_GT(stream_state, 0u);
    EXPECT_EQ(set->policyVersion().size(), 12u);
    EXPECT_EQ(set->policyVersion().find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(RuleSet, PolicyVersionFollowsTheFileBytes) {
    const std::string path = testing::TempDir() + "egressmon_policy_version.yaml";
    const auto write = [&](const char* text) { std::ofstream(path, std::ios::binary) << text; };
    write("rules: [{id: 1, name: a, keywords: [x]}]\n");
    const std::string v1 = RuleSet::load({path})->policyVersion();
    EXPECT_EQ(RuleSet::load({path})->policyVersion(), v1);
    write("rules: [{id: 1, name: a, keywords: [x]}]  # comment\n");
    EXPECT_NE(RuleSet::load({path})->policyVersion(), v1);
    EXPECT_EQ(RuleSet::compile({}, "given")->policyVersion(), "given");
}

TEST(RuleSet, EmptyRuleListHasNoDatabase) {
    const auto set = RuleSet::compile({}, "v");
    EXPECT_EQ(set->database(), nullptr);
    EXPECT_EQ(set->scratchPrototype(), nullptr);
    EXPECT_TRUE(set->patterns().empty());
}

TEST(RuleSet, IdenticalExpressionsAcrossEncodingsCompileOnce) {
    const auto set = defaultRules();
    // "TOP SECRET" has the same bytes in UTF-8 and GB18030: one pattern, recorded as UTF-8.
    std::vector<Encoding> encodings;
    for (const PatternInfo& p : patternsOf(*set, 1000, "TOP SECRET"))
        encodings.push_back(p.encoding);
    EXPECT_EQ(encodings,
              (std::vector<Encoding>{Encoding::kUtf8, Encoding::kUtf16Le, Encoding::kUtf16Be}));
    EXPECT_EQ(patternsOf(*set, 1010, "绝密").size(), 4u);

    Rule r = keywordRule(1, {"abc", "abc"});
    r.encodings = {Encoding::kGb18030, Encoding::kUtf8};
    const auto own = RuleSet::compile({r}, "v");
    ASSERT_EQ(own->patterns().size(), 1u);
    EXPECT_EQ(own->patterns()[0].encoding, Encoding::kUtf8);
}

TEST(RuleSet, SameKeywordInTwoRulesStaysTwoPatterns) {
    const auto set = RuleSet::compile({keywordRule(1, {"abc"}), keywordRule(2, {"abc"})}, "v");
    StreamScanner scanner(*set);
    EXPECT_EQ(scanner.ruleIds(scanner.scan({"xx abc yy"})), (std::set<uint32_t>{1, 2}));
}

TEST(RuleSet, PatternIdsIndexPatternsAndNameTheirRule) {
    const auto set = defaultRules();
    for (const PatternInfo& p : set->patterns()) {
        ASSERT_LT(p.rule_index, set->rules().size());
        const Rule& rule = set->rules()[p.rule_index];
        EXPECT_EQ(p.needs_match_text, rule.validator != Validator::kNone) << rule.id;
        if (p.is_regex) {
            EXPECT_EQ(p.encoding, Encoding::kUtf8);
        }
    }
}

TEST(RuleSet, KeywordSplitAcrossTwoWritesStillMatches) {
    StreamScanner scanner(*defaultRules());
    const auto matches = scanner.scanSplitEverywhere("header\r\n\r\nthis is TOP SECRET, burn");
    EXPECT_EQ(scanner.ruleIds(matches), (std::set<uint32_t>{1000}));
}

TEST(RuleSet, NocaseKeywordMatchesAnyCase) {
    StreamScanner scanner(*defaultRules());
    EXPECT_EQ(scanner.ruleIds(scanner.scan({"a Top Secret plan"})), (std::set<uint32_t>{1000}));
}

TEST(RuleSet, RuleWithoutValidatorReportsOncePerStream) {
    StreamScanner scanner(*defaultRules());
    EXPECT_EQ(scanner.scan({"TOP SECRET and TOP SECRET", " and TOP SECRET"}).size(), 1u);
}

TEST(RuleSet, Gb18030JueMiMatchesTheGb18030Pattern) {
    const auto set = defaultRules();
    StreamScanner scanner(*set);
    const std::string text =
        "<p>" + encodeKeyword("文件：绝密★启用前", Encoding::kGb18030) + "</p>";
    const auto matches = scanner.scanSplitEverywhere(text);
    ASSERT_EQ(scanner.ruleIds(matches), (std::set<uint32_t>{1010}));
    for (const Match& m : matches) {
        EXPECT_EQ(set->patterns()[m.id].encoding, Encoding::kGb18030);
        EXPECT_EQ(set->patterns()[m.id].text, "绝密");
    }
}

TEST(RuleSet, ChineseMarkingWithStarMatchesInUtf16Be) {
    StreamScanner scanner(*defaultRules());
    const std::string text = encodeKeyword("本文件为机密★5年", Encoding::kUtf16Be);
    EXPECT_EQ(scanner.ruleIds(scanner.scanSplitEverywhere(text)), (std::set<uint32_t>{1011}));
    const std::string everyday = encodeKeyword("这是一个秘密，机密文件", Encoding::kUtf8);
    EXPECT_TRUE(scanner.scan({everyday}).empty());
}

TEST(RuleSet, Utf16LeTopSecretMatches) {
    const auto set = defaultRules();
    StreamScanner scanner(*set);
    const auto matches = scanner.scanSplitEverywhere(utf16le("Subject: TOP SECRET//NOFORN"));
    EXPECT_EQ(scanner.ruleIds(matches), (std::set<uint32_t>{1000, 1001}));
    std::set<Encoding> encodings;
    for (const Match& m : matches)
        encodings.insert(set->patterns()[m.id].encoding);
    // UTF-16LE of ASCII after an ASCII character also holds the UTF-16BE bytes one byte earlier
    // ("\0T\0O\0P"): both patterns match, and no byte-level matcher can tell them apart.
    EXPECT_TRUE(encodings.count(Encoding::kUtf16Le));
    EXPECT_FALSE(encodings.count(Encoding::kUtf8));
}

TEST(RuleSet, Utf16LeAtStreamStartMatchesOnlyTheLePattern) {
    const auto set = defaultRules();
    StreamScanner scanner(*set);
    const auto matches = scanner.scanSplitEverywhere(utf16le("TOP SECRET"));
    ASSERT_EQ(matches.size(), 1u);
    EXPECT_EQ(set->patterns()[matches[0].id].encoding, Encoding::kUtf16Le);
}

TEST(RuleSet, NocaseDoesNotFoldGb18030TrailBytes) {
    Rule r = keywordRule(1, {"門"}); // E9 54 in GB18030
    r.nocase = true;
    r.encodings = {Encoding::kGb18030};
    const auto set = RuleSet::compile({r}, "v");
    StreamScanner scanner(*set);
    EXPECT_EQ(scanner.scan({"\xE9\x54"}).size(), 1u);
    EXPECT_TRUE(scanner.scan({"\xE9\x74"}).empty());
}

TEST(RuleSet, ValidatorRuleReportsTheMatchedSpan) {
    const auto set = defaultRules();
    StreamScanner scanner(*set);
    const std::string text = "card=4111 1111 1111 1111&cvv=123";
    bool found = false;
    for (const Match& m : scanner.scanSplitEverywhere(text)) {
        const PatternInfo& p = set->patterns()[m.id];
        ASSERT_TRUE(p.needs_match_text);
        const std::string matched = text.substr(m.from, m.to - m.from);
        if (luhnValid(matched)) {
            EXPECT_EQ(set->rules()[p.rule_index].id, 1200u);
            EXPECT_EQ(matched, "4111 1111 1111 1111");
            found = true;
        }
    }
    EXPECT_TRUE(found);
}

TEST(RuleSet, CardNumbersMatchUnbrokenOrInPrintedGroups) {
    const auto set = defaultRules();
    StreamScanner scanner(*set);
    for (const std::string card : {"4111111111111111", "4111-1111-1111-1111", "3782 822463 10005",
                                   "6212 3456 7890 1265", "4111 1111 1111 1111 110"}) {
        std::set<std::string> valid;
        for (const Match& m : scanner.scan({"x " + card + "\n"})) {
            const std::string text = ("x " + card + "\n").substr(m.from, m.to - m.from);
            if (luhnValid(text)) valid.insert(text);
        }
        EXPECT_TRUE(valid.count(card)) << card;
    }
}

TEST(RuleSet, ValidatorRuleMatchAtEndOfStreamIsReportedOnClose) {
    const auto set = defaultRules();
    StreamScanner scanner(*set);
    const std::string text = "id:11010519491231002X";
    const auto matches = scanner.scanSplitEverywhere(text);
    ASSERT_EQ(matches.size(), 1u);
    EXPECT_EQ(set->rules()[set->patterns()[matches[0].id].rule_index].id, 1300u);
    EXPECT_TRUE(gb11643Valid(text.substr(matches[0].from, matches[0].to - matches[0].from)));
}

TEST(RuleSet, DefaultCredentialRulesMatchTheirSamples) {
    const std::vector<std::pair<std::string, uint32_t>> samples = {
        {"-----BEGIN RSA PRIVATE KEY-----\nMIIE", 1100},
        {"-----BEGIN OPENSSH PRIVATE KEY-----", 1100},
        {"-----BEGIN PRIVATE KEY-----", 1100},
        {"key_id=AKIAIOSFODNN7EXAMPLE\n", 1101},
        {"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", 1102},
        {"\"SecretAccessKey\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"", 1102},
        {"token ghp_0123456789abcdefghijABCDEFGHIJ012345 ok", 1103},
        {"xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", 1104},
        {"https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", 1104},
        {"key=AIzaSyA-0123456789abcdefghijklmnopqrstu", 1105},
        {"sk_live_0123456789abcdefghijklmn", 1106},
    };
    StreamScanner scanner(*defaultRules());
    for (const auto& [text, id] : samples)
        EXPECT_EQ(scanner.ruleIds(scanner.scan({text})), (std::set<uint32_t>{id})) << text;
}

TEST(RuleSet, OrdinaryTextMatchesNothing) {
    StreamScanner scanner(*defaultRules());
    EXPECT_TRUE(scanner
                    .scan({"GET /index.html HTTP/1.1\r\nHost: example.com\r\n"
                           "User-Agent: curl/8.0\r\nAccept: */*\r\n\r\n"
                           "the secret of a good secretary is discretion"})
                    .empty());
}

TEST(RuleSet, BadRegexNamesRuleLocationRegexAndHyperscanMessage) {
    Rule good = keywordRule(1, {"x"});
    Rule bad = keywordRule(2, {});
    bad.regexes = {"fine", "a{2,1}"};
    bad.line = 42;
    try {
        RuleSet::compile({good, bad}, "v");
        FAIL() << "a{2,1} compiled";
    } catch (const RuleError& e) {
        const std::string message = e.what();
        EXPECT_EQ(message.rfind("test.yaml:42: rule 2: bad regex 'a{2,1}': ", 0), 0u) << message;
        EXPECT_GT(message.size(), std::string("test.yaml:42: rule 2: bad regex 'a{2,1}': ").size());
    }
}

TEST(RuleSet, RegexMatchingTheEmptyBufferIsRejected) {
    Rule r = keywordRule(3, {});
    r.regexes = {"a*"};
    EXPECT_THROW(RuleSet::compile({r}, "v"), RuleError);
}

TEST(RuleSet, ValidatorMatchBytesIsTheLongestTextAValidatorCanBeHanded) {
    const auto load = [](const char* yaml) {
        return RuleSet::loadTexts({{"v.yaml", yaml}})->validatorMatchBytes();
    };
    EXPECT_EQ(load("rules: [{id: 1, name: a, keywords: [secret]}]\n"), 0u);
    EXPECT_EQ(load("rules: [{id: 1, name: a, regex: ['\\d{16}']}]\n"), 0u); // no validator
    EXPECT_EQ(load("rules: [{id: 1, name: a, regex: ['\\d{13,19}'], validate: luhn}]\n"), 19u);
    EXPECT_EQ(load("rules:\n"
                   "  - {id: 1, name: a, regex: ['\\d{13,19}'], validate: luhn}\n"
                   "  - {id: 2, name: b, regex: ['[0-9]{17}[0-9Xx]'], validate: gb11643}\n"),
              19u);
    EXPECT_EQ(load("rules: [{id: 1, name: a, regex: ['\\d+'], validate: luhn}]\n"),
              RuleSet::kUnboundedMatchBytes);
    // The shipped rules' validated patterns are bounded, well under the 512 bytes kept at most.
    const uint32_t shipped = defaultRules()->validatorMatchBytes();
    EXPECT_GT(shipped, 18u);
    EXPECT_LT(shipped, 512u);
}
