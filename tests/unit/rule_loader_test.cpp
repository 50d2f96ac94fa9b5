#include <fstream>

#include <gtest/gtest.h>

#include "rules/rule_loader.h"
#include "rules/rule_set.h"

using namespace egressmon::rules;

namespace {

// A rule file named after the running test, so tests never share one.
std::string writeRuleFile(const std::string& text, const std::string& suffix = "") {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    const std::string path = testing::TempDir() + "egressmon_" + info->test_suite_name() + "_" +
                             info->name() + suffix + ".yaml";
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

// The RuleError message that loading `path` after `earlier` gives, or "" when it loads.
std::string loadError(const std::string& path, std::vector<Rule> earlier = {}) {
    try {
        loadRuleFile(path, earlier);
    } catch (const RuleError& e) {
        return e.what();
    }
    return "";
}

// Loads `text` and expects "PATH:LINE: ..." naming `problem`.
void expectError(const std::string& text, int line, const std::string& problem) {
    const std::string path = writeRuleFile(text);
    const std::string message = loadError(path);
    const std::string where = path + ":" + std::to_string(line) + ": ";
    EXPECT_EQ(message.rfind(where, 0), 0u) << "message: " << message << "\nexpected: " << where;
    EXPECT_NE(message.find(problem), std::string::npos)
        << "message: " << message << "\nexpected to name: " << problem;
}

} // namespace

TEST(RuleLoader, ReadsEveryField) {
    const std::string path = writeRuleFile(R"(rules:
  - id: 9001
    name: Classified marking
    category: classified
    severity: 1
    keywords: ["TOP SECRET", "绝密"]
    regex: ['\b4[0-9]{15}\b']
    nocase: true
    encodings: [utf-16le, gb18030]
    direction: any
    protocols: [HTTP, SMTP]
    validate: luhn
    action: block
)");
    std::vector<Rule> rules;
    loadRuleFile(path, rules);
    ASSERT_EQ(rules.size(), 1u);
    const Rule& r = rules[0];
    EXPECT_EQ(r.id, 9001u);
    EXPECT_EQ(r.name, "Classified marking");
    EXPECT_EQ(r.category, "classified");
    EXPECT_EQ(r.severity, 1);
    EXPECT_EQ(r.keywords, (std::vector<std::string>{"TOP SECRET", "绝密"}));
    EXPECT_EQ(r.regexes, (std::vector<std::string>{"\\b4[0-9]{15}\\b"}));
    EXPECT_TRUE(r.nocase);
    EXPECT_EQ(r.encodings, (std::vector<Encoding>{Encoding::kUtf16Le, Encoding::kGb18030}));
    EXPECT_EQ(r.direction, RuleDirection::kAny);
    EXPECT_EQ(r.protocols, (std::vector<std::string>{"HTTP", "SMTP"}));
    EXPECT_EQ(r.validator, Validator::kLuhn);
    EXPECT_EQ(r.action, RuleAction::kBlock);
    EXPECT_EQ(r.file, path);
    EXPECT_EQ(r.line, 2);
}

TEST(RuleLoader, OptionalFieldsTakeTheirDefaults) {
    std::vector<Rule> rules;
    loadRuleFile(writeRuleFile("rules:\n  - {id: 1, name: a, keywords: [x]}\n"), rules);
    ASSERT_EQ(rules.size(), 1u);
    const Rule& r = rules[0];
    EXPECT_EQ(r.category, "dlp");
    EXPECT_EQ(r.severity, 2);
    EXPECT_FALSE(r.nocase);
    EXPECT_EQ(r.encodings.size(), 4u);
    EXPECT_EQ(r.direction, RuleDirection::kEgress);
    EXPECT_TRUE(r.protocols.empty());
    EXPECT_EQ(r.validator, Validator::kNone);
    EXPECT_EQ(r.action, RuleAction::kAlert);
}

TEST(RuleLoader, AnEmptyOrCommentedOutRuleListLoadsNothing) {
    std::vector<Rule> rules;
    loadRuleFile(writeRuleFile("rules: []\n", "a"), rules);
    loadRuleFile(writeRuleFile("rules:\n#  - id: 1\n", "b"), rules);
    EXPECT_TRUE(rules.empty());
}

TEST(RuleLoader, RulesAreAppendedAfterEarlierFiles) {
    std::vector<Rule> rules;
    loadRuleFile(writeRuleFile("rules: [{id: 1, name: a, keywords: [x]}]\n", "a"), rules);
    loadRuleFile(writeRuleFile("rules: [{id: 2, name: b, regex: [y]}]\n", "b"), rules);
    ASSERT_EQ(rules.size(), 2u);
    EXPECT_EQ(rules[1].id, 2u);
}

TEST(RuleLoader, DuplicateIdNamesBothLocations) {
    const std::string path = writeRuleFile(R"(rules:
  - id: 7
    name: a
    keywords: [x]
  - id: 7
    name: b
    keywords: [y]
)");
    const std::string message = loadError(path);
    EXPECT_EQ(message.rfind(path + ":5: ", 0), 0u) << message;
    EXPECT_NE(message.find("duplicate rule id 7"), std::string::npos) << message;
    EXPECT_NE(message.find(path + ":2"), std::string::npos) << message;
}

TEST(RuleLoader, DuplicateIdAcrossTwoFilesNamesBothFiles) {
    const std::string first = writeRuleFile("rules:\n  - {id: 7, name: a, keywords: [x]}\n", "1");
    const std::string second =
        writeRuleFile("# second file\nrules:\n  - {id: 7, name: b, keywords: [y]}\n", "2");
    std::vector<Rule> rules;
    loadRuleFile(first, rules);
    const std::string message = loadError(second, rules);
    EXPECT_EQ(message.rfind(second + ":3: ", 0), 0u) << message;
    EXPECT_NE(message.find("duplicate rule id 7"), std::string::npos) << message;
    EXPECT_NE(message.find(first + ":2"), std::string::npos) << message;
}

TEST(RuleLoader, DuplicateIdAcrossFilesFailsRuleSetLoad) {
    const std::string first = writeRuleFile("rules:\n  - {id: 7, name: a, keywords: [x]}\n", "1");
    const std::string second = writeRuleFile("rules:\n  - {id: 7, name: b, keywords: [y]}\n", "2");
    EXPECT_THROW(RuleSet::load({first, second}), RuleError);
}

TEST(RuleLoader, UnknownFieldIsNamed) {
    expectError("rules:\n  - id: 1\n    name: a\n    keywords: [x]\n    keyword: [y]\n", 5,
                "unknown field 'keyword'");
}

TEST(RuleLoader, RepeatedFieldIsAnError) {
    expectError("rules:\n  - id: 1\n    name: a\n    name: b\n    keywords: [x]\n", 4,
                "duplicate field 'name'");
}

TEST(RuleLoader, MissingIdIsAnError) {
    expectError("rules:\n  - name: a\n    keywords: [x]\n", 2, "no 'id'");
}

TEST(RuleLoader, MissingNameIsAnError) {
    expectError("rules:\n  - id: 3\n    keywords: [x]\n", 2, "no 'name'");
}

TEST(RuleLoader, IdMustBeAPositiveInteger) {
    for (const char* id : {"0", "-1", "x", "1.5", "4294967296", "[1]", "\"\""}) {
        SCOPED_TRACE(id);
        expectError(std::string("rules:\n  - name: a\n    keywords: [x]\n    id: ") + id + "\n", 4,
                    "id: expected");
    }
}

TEST(RuleLoader, SeverityMustBeOneToFour) {
    expectError("rules:\n  - {id: 1, name: a, keywords: [x], severity: 5}\n", 2,
                "severity: expected an integer from 1 to 4, got '5'");
    expectError("rules:\n  - {id: 1, name: a, keywords: [x], severity: 0}\n", 2, "severity");
}

TEST(RuleLoader, UnknownEncodingIsNamed) {
    expectError("rules:\n  - id: 1\n    name: a\n    keywords: [x]\n    encodings:\n"
                "      - utf-8\n      - gbk\n",
                7, "unknown encoding 'gbk'");
}

TEST(RuleLoader, UnknownDirectionIsNamed) {
    expectError("rules:\n  - {id: 1, name: a, keywords: [x], direction: outbound}\n", 2,
                "unknown direction 'outbound'");
}

TEST(RuleLoader, ActionIsAlertOrBlock) {
    std::vector<Rule> rules;
    loadRuleFile(writeRuleFile("rules:\n  - {id: 1, name: a, keywords: [x], action: alert}\n"
                               "  - {id: 2, name: b, keywords: [y], action: block}\n"
                               "  - {id: 3, name: c, file: {encrypted: true}, action: block}\n"),
                 rules);
    ASSERT_EQ(rules.size(), 3u);
    EXPECT_EQ(rules[0].action, RuleAction::kAlert);
    EXPECT_EQ(rules[1].action, RuleAction::kBlock);
    EXPECT_EQ(rules[2].action, RuleAction::kBlock);
    EXPECT_STREQ(ruleActionName(RuleAction::kBlock), "block");
}

TEST(RuleLoader, UnknownActionNamesTheRuleAndTheKnownActions) {
    // The action comes before the id here: the message still names the rule.
    const std::string path =
        writeRuleFile("rules:\n  - id: 1\n    name: a\n    keywords: [x]\n"
                      "  - action: drop\n    id: 9001\n    name: b\n    keywords: [y]\n");
    const std::string message = loadError(path);
    EXPECT_EQ(message, path + ":5: rule 9001: action: unknown action 'drop' (known: alert, block)");
    EXPECT_EQ(message.find('\n'), std::string::npos) << "one line";
}

TEST(RuleLoader, ActionIsCaseSensitiveAndMustBeAScalar) {
    expectError("rules:\n  - {id: 4, name: a, keywords: [x], action: Block}\n", 2,
                "rule 4: action: unknown action 'Block' (known: alert, block)");
    expectError("rules:\n  - id: 5\n    name: a\n    keywords: [x]\n    action: [block]\n", 5,
                "rule 5: action: expected alert or block");
    expectError("rules:\n  - id: 6\n    name: a\n    keywords: [x]\n    action: \"\"\n", 5,
                "unknown action ''");
}

TEST(RuleLoader, RepeatedActionIsAnError) {
    expectError("rules:\n  - id: 1\n    name: a\n    keywords: [x]\n    action: block\n"
                "    action: alert\n",
                6, "duplicate field 'action'");
}

TEST(RuleLoader, AnActionWithoutAnIdIsAMissingId) {
    expectError("rules:\n  - name: a\n    keywords: [x]\n    action: drop\n", 2, "no 'id'");
}

TEST(RuleLoader, UnknownValidatorIsNamed) {
    expectError("rules:\n  - id: 1\n    name: a\n    regex: ['\\d{18}']\n    validate: cn-id\n", 5,
                "unknown validator 'cn-id'");
}

TEST(RuleLoader, NocaseMustBeABoolean) {
    expectError("rules:\n  - {id: 1, name: a, keywords: [x], nocase: maybe}\n", 2,
                "nocase: expected true or false");
}

TEST(RuleLoader, RuleWithoutAnyConditionIsAnError) {
    expectError("rules:\n  - id: 1\n    name: a\n", 2, "rule 1 has no condition");
    expectError("rules:\n  - {id: 1, name: a, keywords: [], regex: []}\n", 2,
                "rule 1 has no condition");
    expectError("rules:\n  - {id: 1, name: a, protocols: []}\n", 2, "rule 1 has no condition");
}

TEST(RuleLoader, EmptyKeywordIsAnError) {
    expectError("rules:\n  - id: 1\n    name: a\n    keywords:\n      - x\n      - \"\"\n", 6,
                "keywords: empty entry");
}

TEST(RuleLoader, KeywordsGivenAsOneStringSayAListIsExpected) {
    expectError("rules:\n  - id: 1\n    name: a\n    keywords: \"TOP SECRET\"\n", 4,
                "keywords: expected a list");
    expectError("rules:\n  - id: 1\n    name: a\n    regex: 'x+'\n", 4, "regex: expected a list");
}

TEST(RuleLoader, BadRegexGivesHyperscansMessageAndTheRegex) {
    const std::string path = writeRuleFile("rules:\n  - id: 1\n    name: a\n    keywords: [x]\n"
                                           "  - id: 2\n    name: b\n    regex: ['ok', 'a(b']\n");
    try {
        RuleSet::load({path});
        FAIL() << "a(b compiled";
    } catch (const RuleError& e) {
        const std::string message = e.what();
        EXPECT_EQ(message.rfind(path + ":5: ", 0), 0u) << message;
        EXPECT_NE(message.find("'a(b'"), std::string::npos) << message;
        EXPECT_NE(message.find("parenthesis"), std::string::npos) << message; // Hyperscan's
    }
}

TEST(RuleLoader, YamlSyntaxErrorGivesItsLine) {
    expectError("rules:\n  - id: 1\n    name: a: b\n    keywords: [x]\n", 3, "");
    expectError("rules:\n  - id: 1\n    name: a\n    keywords: [x, y\n  - id: 2\n", 5, "");
    expectError("rules:\n  - id: 1\n    name: a\n   keywords: [x]\n", 4, "");
}

TEST(RuleLoader, UnreadableFileIsNamed) {
    const std::string path = testing::TempDir() + "egressmon_no_such_rules.yaml";
    EXPECT_EQ(loadError(path).rfind("cannot read rule file '" + path + "'", 0), 0u);
    EXPECT_EQ(loadError(testing::TempDir()).rfind("cannot read rule file", 0), 0u); // a directory
}

TEST(RuleLoader, TopLevelMustBeAMappingWithRules) {
    expectError("- id: 1\n  name: a\n", 1, "expected a mapping with a 'rules' list");
    expectError("", 1, "expected a mapping with a 'rules' list");
    expectError("# nothing\nrule:\n  - id: 1\n", 2, "unknown top-level field 'rule'");
    expectError("{}\n", 1, "no 'rules' list");
    expectError("rules: {id: 1}\n", 1, "rules: expected a list");
    expectError("rules:\n  - just a string\n", 2, "a rule must be a mapping");
}
