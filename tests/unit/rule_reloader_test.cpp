// app/rule_reloader.h with a signed policy bundle in force (app/fleet_agent.h): SIGHUP does not
// load the --rules files then, and a reload whose rules were built while something else was
// published (a bundle arriving) does not replace it. rules/rule_set_source.h's
// publishIfUnchanged is what makes the second hold.

#include <fstream>
#include <optional>

#include <gtest/gtest.h>

#include "app/rule_reloader.h"
#include "rules/rule_set_source.h"

using namespace egressmon;

namespace {

std::string ruleFile(const char* name, const char* text) {
    const std::string path = testing::TempDir() + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

} // namespace

TEST(RuleSetSource, PublishIfUnchangedOnlyWhenNothingWasPublishedSince) {
    rules::RuleSetSource source(rules::RuleSet::compile({}, "first"));
    const uint64_t seen = source.generation();
    EXPECT_TRUE(source.publishIfUnchanged(seen, rules::RuleSet::compile({}, "second")));
    EXPECT_EQ(source.current()->policyVersion(), "second");
    // `seen` is stale now: a rule set built from it must not go in.
    EXPECT_FALSE(source.publishIfUnchanged(seen, rules::RuleSet::compile({}, "stale")));
    EXPECT_EQ(source.current()->policyVersion(), "second");
    EXPECT_EQ(source.generation(), seen + 1);
}

TEST(RuleReloader, SighupIsRefusedWhileABundleIsInForceAndWorksOtherwise) {
    const std::string file =
        ruleFile("egressmon_reloader.yaml", "rules: [{id: 1, name: a, keywords: [secret]}]\n");
    auto source = std::make_shared<rules::RuleSetSource>(rules::RuleSet::compile({}, "bundle"));
    std::optional<uint64_t> bundle = 42;
    app::RuleReloader reloader({file}, source, [&] { return bundle; });
    EXPECT_FALSE(reloader.reloadOnce());
    EXPECT_EQ(source->current()->policyVersion(), "bundle");
    EXPECT_EQ(reloader.counters().failures, 1u);
    EXPECT_EQ(reloader.counters().reloads, 0u);
    bundle.reset(); // no bundle (the fleet section removed): the files load
    EXPECT_TRUE(reloader.reloadOnce());
    EXPECT_NE(source->current()->policyVersion(), "bundle");
    EXPECT_EQ(reloader.counters().reloads, 1u);
}

TEST(RuleReloader, ABundleArrivingWhileTheFilesCompileIsNotReplaced) {
    const std::string file =
        ruleFile("egressmon_reloader_race.yaml", "rules: [{id: 1, name: a, keywords: [x]}]\n");
    auto source = std::make_shared<rules::RuleSetSource>(rules::RuleSet::compile({}, "files"));
    int calls = 0;
    // The first question comes before the files are read: no bundle yet, but one is published
    // right then (as the fleet agent would, on its own thread, while the reloader compiles).
    app::RuleReloader reloader({file}, source, [&]() -> std::optional<uint64_t> {
        if (++calls == 1) {
            source->publish(rules::RuleSet::compile({}, "arrived"));
            return std::nullopt;
        }
        return 9;
    });
    EXPECT_FALSE(reloader.reloadOnce());
    EXPECT_EQ(source->current()->policyVersion(), "arrived");
    EXPECT_EQ(reloader.counters().failures, 1u);
}
