// The rule file's `file:` key (INTERFACE.md "Files inside the traffic"): every condition read,
// and each malformed one refused with its file, line and field.

#include <fstream>

#include <gtest/gtest.h>

#include "rules/rule_loader.h"
#include "rules/rule_parser.h"
#include "rules/rule_set.h"

using namespace egressmon;
using namespace egressmon::rules;

namespace {

std::vector<Rule> parse(const std::string& text) {
    std::vector<Rule> rules;
    parseRuleText(text, "rules.yaml", rules);
    return rules;
}

std::string parseError(const std::string& text) {
    try {
        parse(text);
    } catch (const RuleError& e) {
        return e.what();
    }
    return "";
}

void expectError(const std::string& text, const std::string& where, const std::string& problem) {
    const std::string message = parseError(text);
    EXPECT_EQ(message.rfind(where, 0), 0u) << "message: " << message << "\nexpected: " << where;
    EXPECT_NE(message.find(problem), std::string::npos)
        << "message: " << message << "\nexpected to name: " << problem;
}

constexpr const char* kHead = "rules:\n  - id: 7\n    name: n\n";

} // namespace

TEST(RuleLoaderFileConditions, ReadsEveryCondition) {
    const auto rules = parse(std::string(kHead) + R"(    keywords: ["TOP SECRET"]
    file:
      types: [docx, xlsx, pdf, 7z]
      names: ["*.kdbx", "*.PST"]
      encrypted: false
      uninspectable: true
      min-size: 1048576
)");
    ASSERT_EQ(rules.size(), 1u);
    const FileConditions& c = rules[0].file_conditions;
    EXPECT_TRUE(c.present);
    EXPECT_FALSE(rules[0].fileOnly());
    EXPECT_TRUE(c.allowsType(core::FileType::Docx));
    EXPECT_TRUE(c.allowsType(core::FileType::SevenZip));
    EXPECT_FALSE(c.allowsType(core::FileType::Zip));
    EXPECT_EQ(c.names, (std::vector<std::string>{"*.kdbx", "*.PST"}));
    EXPECT_EQ(c.encrypted, std::optional<bool>(false));
    EXPECT_EQ(c.uninspectable, std::optional<bool>(true));
    EXPECT_EQ(c.min_size, 1048576u);
}

TEST(RuleLoaderFileConditions, ARuleWithOnlyFileConditionsJudgesFiles) {
    const auto rules = parse(std::string(kHead) + "    file: {encrypted: true}\n");
    ASSERT_EQ(rules.size(), 1u);
    EXPECT_TRUE(rules[0].fileOnly());
    EXPECT_TRUE(rules[0].file_conditions.allowsType(core::FileType::Binary)); // no types: any
    const auto set = RuleSet::compile(rules, "v");
    EXPECT_EQ(set->fileOnlyRules(), std::vector<uint32_t>{0});
    EXPECT_TRUE(set->patterns().empty());
}

TEST(RuleLoaderFileConditions, WithoutKeywordsRegexOrFileTheRuleIsRefused) {
    expectError(kHead,
                "rules.yaml:2: ", "has no condition: give keywords or regex (content), file");
}

TEST(RuleLoaderFileConditions, ValidateNeedsSomethingToCheck) {
    expectError(std::string(kHead) + "    validate: luhn\n    file: {encrypted: true}\n",
                "rules.yaml:2: ", "validate needs keywords or regex");
}

TEST(RuleLoaderFileConditions, EachMalformedConditionIsNamedWithItsLine) {
    expectError(std::string(kHead) + "    file: docx\n",
                "rules.yaml:4: ", "file: expected a mapping with at least one of types, names");
    expectError(std::string(kHead) + "    file: {}\n",
                "rules.yaml:4: ", "file: expected a mapping");
    expectError(std::string(kHead) + "    file:\n      types: [docx, pdfx]\n",
                "rules.yaml:5: ", "file.types: unknown file type 'pdfx' (known: zip, docx");
    expectError(std::string(kHead) + "    file:\n      types: []\n",
                "rules.yaml:5: ", "file.types: expected a non-empty list");
    expectError(std::string(kHead) + "    file:\n      names: \"*.pst\"\n",
                "rules.yaml:5: ", "file.names: expected a list");
    expectError(std::string(kHead) + "    file:\n      encrypted: maybe\n",
                "rules.yaml:5: ", "file.encrypted: expected true or false, got 'maybe'");
    expectError(std::string(kHead) + "    file:\n      uninspectable: 1\n",
                "rules.yaml:5: ", "file.uninspectable: expected true or false");
    expectError(std::string(kHead) + "    file:\n      min-size: -1\n",
                "rules.yaml:5: ", "file.min-size: expected an integer from 0 to");
    expectError(std::string(kHead) + "    file:\n      min-size: 1MB\n",
                "rules.yaml:5: ", "file.min-size: expected an integer");
    expectError(std::string(kHead) + "    file:\n      size: 1\n", "rules.yaml:5: ",
                "unknown field 'file.size' (known: types, names, encrypted, uninspectable, "
                "min-size)");
    expectError(std::string(kHead) + "    file:\n      encrypted: true\n      encrypted: false\n",
                "rules.yaml:6: ", "duplicate field 'file.encrypted'");
}

TEST(RuleLoaderFileConditions, MinSizeTakesTheWholeRange) {
    auto rules = parse(std::string(kHead) + "    file: {min-size: 0}\n");
    EXPECT_EQ(rules[0].file_conditions.min_size, 0u);
    rules = parse(std::string(kHead) + "    file: {min-size: 9223372036854775807}\n");
    EXPECT_EQ(rules[0].file_conditions.min_size, 9223372036854775807u);
    expectError(std::string(kHead) + "    file: {min-size: 9223372036854775808}\n",
                "rules.yaml:4: ", "file.min-size: expected an integer from 0 to");
}
