// rules::StreamMatcher: a worker's Hyperscan streams over one RuleSet. What the wrapper adds to
// Hyperscan: layer offsets (`base`), null streams when there are no rules, close/reset reporting
// end-anchored matches, its counters, and that a handler's `false` stops the call.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "rules/rule_set.h"
#include "rules/stream_matcher.h"

using namespace egressmon::rules;

namespace {

Rule rule(uint32_t id, std::vector<std::string> keywords, std::vector<std::string> regexes = {}) {
    Rule r;
    r.id = id;
    r.name = "rule " + std::to_string(id);
    r.keywords = std::move(keywords);
    r.regexes = std::move(regexes);
    r.encodings = {Encoding::kUtf8};
    r.file = "test.yaml";
    r.line = static_cast<int>(id);
    return r;
}

std::shared_ptr<const RuleSet> compile(std::vector<Rule> rules) {
    return RuleSet::compile(std::move(rules), "test");
}

// Records every event; answers `keep_going` (false: stop after the first event of a call).
class Recorder final : public MatchHandler {
  public:
    bool onMatch(const MatchEvent& e) noexcept override {
        events.push_back(e);
        return keep_going;
    }
    std::vector<MatchEvent> events;
    bool keep_going = true;
};

void scan(StreamMatcher& m, HsStream& s, std::string_view text, uint64_t base, MatchHandler& r) {
    m.scan(s, reinterpret_cast<const uint8_t*>(text.data()), static_cast<uint32_t>(text.size()),
           base, r);
}

// The rule id behind an event.
uint32_t ruleOf(const StreamMatcher& m, const MatchEvent& e) {
    return m.ruleSet().rules()[m.ruleSet().patterns()[e.pattern_id].rule_index].id;
}

} // namespace

TEST(StreamMatcher, WithoutRulesOpensNoStreamAndScansNothing) {
    StreamMatcher m(compile({}));
    EXPECT_TRUE(m.empty());
    EXPECT_EQ(m.streamBytes(), 0u);
    HsStream s = m.open();
    EXPECT_FALSE(s);
    Recorder r;
    scan(m, s, "TOP SECRET", 0, r);
    m.reset(s, 0, r);
    m.close(s, 0, r);
    EXPECT_TRUE(r.events.empty());
    EXPECT_EQ(m.streamsOpened(), 0u); // nothing to open is not an attempt
    EXPECT_EQ(m.scanCalls(), 0u);
    EXPECT_EQ(m.errors(), 0u);
}

TEST(StreamMatcher, StreamBytesIsHyperscansStreamStateSize) {
    StreamMatcher m(compile({rule(1, {"TOP SECRET"})}));
    EXPECT_FALSE(m.empty());
    size_t expected = 0;
    ASSERT_EQ(hs_stream_size(m.ruleSet().database(), &expected), HS_SUCCESS);
    EXPECT_GT(expected, 0u);
    EXPECT_EQ(m.streamBytes(), expected);
}

TEST(StreamMatcher, KeepsItsRuleSetAliveAfterThePublisherDropsIt) {
    auto set = compile({rule(7, {"TOP SECRET"})});
    StreamMatcher m(set);
    set.reset();
    EXPECT_EQ(m.ruleSetPtr().use_count(), 1);
    ASSERT_EQ(m.ruleSet().rules().size(), 1u);
    HsStream s = m.open();
    Recorder r;
    scan(m, s, "TOP SECRET", 0, r);
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(ruleOf(m, r.events[0]), 7u);
    m.close(s, 0, r);
}

TEST(StreamMatcher, KeywordSplitAcrossTwoScansIsReportedOnceAtItsEnd) {
    StreamMatcher m(compile({rule(1, {"TOP SECRET"})}));
    HsStream s = m.open();
    ASSERT_TRUE(s);
    Recorder r;
    scan(m, s, "memo: TOP SE", 0, r);
    EXPECT_TRUE(r.events.empty());
    scan(m, s, "CRET, burn after reading", 0, r);
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].to, 16u); // "memo: " + "TOP SECRET"
    EXPECT_EQ(ruleOf(m, r.events[0]), 1u);
    m.close(s, 0, r);
    EXPECT_EQ(r.events.size(), 1u);
    EXPECT_EQ(m.scanCalls(), 2u);
    EXPECT_EQ(m.streamsOpened(), 1u);
    EXPECT_EQ(m.errors(), 0u);
}

TEST(StreamMatcher, PlainKeywordEventsCarryNoStartOnlyTheBase) {
    // Plain keywords are compiled without start-of-match: Hyperscan reports start 0, so `from`
    // is the base, not the keyword's start. Callers take the start as `to` minus the keyword's
    // length (InspectionSession::handleMatch); the header's "exact for keywords" means that.
    StreamMatcher m(compile({rule(1, {"TOP SECRET"})}));
    HsStream s = m.open();
    Recorder r;
    scan(m, s, "0123456789TOP SECRET", 100, r);
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].to, 120u);
    EXPECT_EQ(r.events[0].from, 100u);
    m.close(s, 100, r);
}

TEST(StreamMatcher, RegexEventsCarryTheirExactStart) {
    StreamMatcher m(compile({rule(2, {}, {"AKIA[0-9A-Z]{16}"})}));
    HsStream s = m.open();
    Recorder r;
    scan(m, s, "key=AKIAIOSF", 1000, r);
    scan(m, s, "ODNN7EXAMPLE;", 1000, r);
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].from, 1004u);
    EXPECT_EQ(r.events[0].to, 1024u);
    m.close(s, 1000, r);
}

TEST(StreamMatcher, BaseIsAddedToOffsetsCountedFromTheStreamStart) {
    // The base names where the stream was opened; Hyperscan counts from there across calls.
    StreamMatcher m(compile({rule(1, {"TOP SECRET"})}));
    HsStream s = m.open();
    Recorder r;
    const uint64_t base = 5'000'000'000ull; // past 32 bits: offsets are 64-bit throughout
    scan(m, s, "abc", base, r);
    scan(m, s, "TOP SECRET", base, r);
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].to, base + 13);
    m.close(s, base, r);
}

TEST(StreamMatcher, PlainKeywordIsReportedOncePerStream) {
    StreamMatcher m(compile({rule(1, {"TOP SECRET"})}));
    HsStream s = m.open();
    Recorder r;
    scan(m, s, "TOP SECRET and again TOP SECRET", 0, r);
    scan(m, s, "TOP SECRET", 0, r);
    m.close(s, 0, r);
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].to, 10u);
}

TEST(StreamMatcher, ValidatedRuleReportsEveryCandidateWithItsStart) {
    // A validator must see each candidate (the first may fail its checksum): no single-match.
    Rule cards = rule(3, {}, {"[0-9]{16}"});
    cards.validator = Validator::kLuhn;
    StreamMatcher m(compile({cards}));
    HsStream s = m.open();
    Recorder r;
    scan(m, s, "1234567812345678 4111111111111111", 0, r);
    m.close(s, 0, r);
    ASSERT_EQ(r.events.size(), 2u);
    EXPECT_EQ(r.events[0].from, 0u);
    EXPECT_EQ(r.events[0].to, 16u);
    EXPECT_EQ(r.events[1].from, 17u);
    EXPECT_EQ(r.events[1].to, 33u);
}

TEST(StreamMatcher, SeparateStreamsDoNotMatchAcrossEachOther) {
    StreamMatcher m(compile({rule(1, {"TOP SECRET"})}));
    HsStream a = m.open();
    HsStream b = m.open();
    Recorder ra, rb;
    scan(m, a, "TOP SE", 0, ra);
    scan(m, b, "CRET", 0, rb); // would complete a's keyword, but b has its own state
    EXPECT_TRUE(ra.events.empty());
    EXPECT_TRUE(rb.events.empty());
    scan(m, b, "TOP SECRET", 0, rb);
    ASSERT_EQ(rb.events.size(), 1u);
    EXPECT_EQ(rb.events[0].to, 14u);
    scan(m, a, "CRET", 0, ra); // a's half-seen keyword survived b's scans
    ASSERT_EQ(ra.events.size(), 1u);
    EXPECT_EQ(ra.events[0].to, 10u);
    m.close(a, 0, ra);
    m.close(b, 0, rb);
    EXPECT_EQ(m.streamsOpened(), 2u);
}

TEST(StreamMatcher, CloseReportsEndAnchoredMatchesAndReleasesTheStream) {
    StreamMatcher m(compile({rule(4, {}, {"CONFIDENTIAL$"})}));
    HsStream s = m.open();
    Recorder r;
    scan(m, s, "stamp: CONFIDENTIAL", 50, r);
    EXPECT_TRUE(r.events.empty()); // the end is not known until the stream closes
    m.close(s, 50, r);
    EXPECT_FALSE(s);
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].from, 57u);
    EXPECT_EQ(r.events[0].to, 69u);
    m.close(s, 50, r); // a closed stream is null: closing again does nothing
    scan(m, s, "more", 50, r);
    EXPECT_EQ(r.events.size(), 1u);
    EXPECT_EQ(m.scanCalls(), 1u);
    EXPECT_EQ(m.errors(), 0u);
}

TEST(StreamMatcher, ResetReportsEndAnchoredMatchesAndForgetsPartialOnes) {
    StreamMatcher m(compile({rule(1, {"TOP SECRET"}), rule(4, {}, {"CONFIDENTIAL$"})}));
    HsStream s = m.open();
    Recorder r;
    scan(m, s, "CONFIDENTIAL TOP SE", 0, r);
    EXPECT_TRUE(r.events.empty());
    m.reset(s, 0, r); // a gap: the bytes so far end here
    EXPECT_TRUE(s);   // the stream stays usable
    EXPECT_TRUE(r.events.empty()) << "CONFIDENTIAL is not at the end, TOP SE is half a keyword";
    scan(m, s, "CRET", 30, r); // "TOP SE" + gap + "CRET" is no match
    EXPECT_TRUE(r.events.empty());
    scan(m, s, " CONFIDENTIAL", 30, r);
    m.reset(s, 30, r);
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(ruleOf(m, r.events[0]), 4u);
    EXPECT_EQ(r.events[0].from, 35u); // offsets count from the reset's base
    EXPECT_EQ(r.events[0].to, 47u);
    m.close(s, 47, r);
    EXPECT_EQ(r.events.size(), 1u); // nothing left to report: the reset started over
}

TEST(StreamMatcher, ResetStartsOverSoAReportedKeywordMatchesAgain) {
    StreamMatcher m(compile({rule(1, {"TOP SECRET"})}));
    HsStream s = m.open();
    Recorder r;
    scan(m, s, "TOP SECRET", 0, r);
    m.reset(s, 10, r);
    scan(m, s, "xTOP SECRET", 10, r);
    m.close(s, 10, r);
    ASSERT_EQ(r.events.size(), 2u);
    EXPECT_EQ(r.events[0].to, 10u);
    EXPECT_EQ(r.events[1].to, 21u);
}

TEST(StreamMatcher, EmptyScanIsNoCall) {
    StreamMatcher m(compile({rule(1, {"TOP SECRET"})}));
    HsStream s = m.open();
    Recorder r;
    m.scan(s, nullptr, 0, 0, r);
    scan(m, s, "", 0, r);
    EXPECT_EQ(m.scanCalls(), 0u);
    EXPECT_EQ(m.errors(), 0u);
    EXPECT_TRUE(r.events.empty());
    scan(m, s, "TOP SECRET", 0, r);
    EXPECT_EQ(m.scanCalls(), 1u);
    EXPECT_EQ(r.events.size(), 1u);
    m.close(s, 0, r);
}

TEST(StreamMatcher, KeywordAtTheEndOfALongStreamHasItsFullOffset) {
    StreamMatcher m(compile({rule(1, {"TOP SECRET"})}));
    HsStream s = m.open();
    Recorder r;
    const std::string filler(1 << 20, 'x'); // 1 MiB per call
    for (int i = 0; i < 4; ++i)
        scan(m, s, filler, 0, r);
    EXPECT_TRUE(r.events.empty());
    scan(m, s, "TOP SECRET", 0, r);
    ASSERT_EQ(r.events.size(), 1u);
    EXPECT_EQ(r.events[0].to, 4u * (1 << 20) + 10);
    m.close(s, 0, r);
    EXPECT_EQ(m.scanCalls(), 5u);
}

TEST(StreamMatcher, EventsNameThePatternAndSoTheEncodingSearched) {
    Rule r1 = rule(5, {"TOP SECRET"});
    r1.encodings = {Encoding::kUtf8, Encoding::kUtf16Le};
    r1.nocase = true;
    StreamMatcher m(compile({r1}));
    HsStream s = m.open();
    Recorder r;
    const std::string utf16le("t\0o\0p\0 \0s\0e\0c\0r\0e\0t\0", 20);
    scan(m, s, "> " + utf16le, 0, r);
    m.close(s, 0, r);
    ASSERT_EQ(r.events.size(), 1u);
    const PatternInfo& p = m.ruleSet().patterns()[r.events[0].pattern_id];
    EXPECT_EQ(p.encoding, Encoding::kUtf16Le);
    EXPECT_EQ(p.text, "TOP SECRET");
    EXPECT_FALSE(p.is_regex);
    EXPECT_EQ(r.events[0].to, 22u);
}

TEST(StreamMatcher, HandlerReturningFalseEndsTheStreamsMatchingUntilAReset) {
    // The header says false stops "this call's data"; Hyperscan in fact marks the stream
    // terminated, so later scans of it report nothing either (no caller returns false today).
    StreamMatcher m(compile({rule(1, {"alpha"}), rule(2, {"beta"})}));
    HsStream s = m.open();
    Recorder r;
    r.keep_going = false;
    scan(m, s, "alpha beta", 0, r);
    ASSERT_EQ(r.events.size(), 1u); // beta was not reported
    EXPECT_EQ(ruleOf(m, r.events[0]), 1u);
    EXPECT_EQ(m.errors(), 0u); // HS_SCAN_TERMINATED is no error
    r.keep_going = true;
    scan(m, s, " beta", 0, r);
    EXPECT_EQ(r.events.size(), 1u);
    EXPECT_EQ(m.scanCalls(), 2u);
    EXPECT_EQ(m.errors(), 0u);
    m.reset(s, 20, r);
    scan(m, s, "beta", 20, r);
    ASSERT_EQ(r.events.size(), 2u);
    EXPECT_EQ(ruleOf(m, r.events[1]), 2u);
    EXPECT_EQ(r.events[1].to, 24u);
    m.close(s, 20, r);
    EXPECT_EQ(m.errors(), 0u);
}

TEST(StreamMatcher, TwoMatchersOnOneRuleSetScanIndependently) {
    // Each matcher clones its own scratch: one may scan while the other is inside a callback.
    const auto set = compile({rule(1, {"TOP SECRET"})});
    StreamMatcher outer(set), inner(set);
    HsStream so = outer.open();
    HsStream si = inner.open();
    struct Nested final : MatchHandler {
        StreamMatcher& m;
        HsStream& s;
        Recorder inner_events;
        Nested(StreamMatcher& matcher, HsStream& stream) : m(matcher), s(stream) {}
        bool onMatch(const MatchEvent&) noexcept override {
            scan(m, s, "TOP SECRET", 0, inner_events);
            return true;
        }
    } nested(inner, si);
    scan(outer, so, "TOP SECRET", 0, nested);
    EXPECT_EQ(nested.inner_events.events.size(), 1u);
    EXPECT_EQ(outer.errors(), 0u);
    EXPECT_EQ(inner.errors(), 0u);
    Recorder r;
    outer.close(so, 0, r);
    inner.close(si, 0, r);
}
