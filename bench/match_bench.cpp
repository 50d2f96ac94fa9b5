// Hyperscan stream-mode scanning through rules::StreamMatcher with the shipped rules
// (rules/default.yaml, every keyword in its four encodings plus the regexes, one database), over
// English-like text that matches nothing (the common case). Bytes/s of text scanned.
//   BM_HyperscanStreamScan:   one 64 KiB flow direction in 1448-byte pieces: open, scan each
//                             piece, close.
//   BM_HyperscanShortStream/N: a stream per N-byte payload (open, one scan, close): what a flow
//                             of one small packet costs.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench/bench_support.h"
#include "rules/rule_set.h"
#include "rules/stream_matcher.h"

using namespace egressmon;

namespace {

std::shared_ptr<const rules::RuleSet> defaultRules() {
    static const auto rules =
        rules::RuleSet::load({std::string(EGRESSMON_SOURCE_DIR) + "/rules/default.yaml"});
    return rules;
}

struct CountingHandler : rules::MatchHandler {
    uint64_t matches = 0;
    bool onMatch(const rules::MatchEvent&) noexcept override {
        ++matches;
        return true;
    }
};

void BM_HyperscanStreamScan(benchmark::State& state) {
    rules::StreamMatcher matcher(defaultRules());
    const std::string text = bench::englishText(64 * 1024);
    const auto in = bench::pieces(text);
    CountingHandler handler;
    for (auto _ : state) {
        rules::HsStream s = matcher.open();
        uint64_t base = 0;
        for (std::string_view p : in)
            matcher.scan(s, bench::u8(p), static_cast<uint32_t>(p.size()), base, handler);
        matcher.close(s, base, handler);
    }
    benchmark::DoNotOptimize(handler.matches);
    if (matcher.errors()) state.SkipWithError("Hyperscan errors");
    state.SetLabel(std::to_string(matcher.ruleSet().patterns().size()) + " patterns, " +
                   std::to_string(handler.matches) + " matches");
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_HyperscanStreamScan);

void BM_HyperscanShortStream(benchmark::State& state) {
    rules::StreamMatcher matcher(defaultRules());
    const auto n = static_cast<size_t>(state.range(0));
    const std::string text = bench::englishText(64 * 1024);
    const auto in = bench::pieces(text, n);
    CountingHandler handler;
    size_t i = 0;
    uint64_t bytes = 0;
    for (auto _ : state) {
        const std::string_view p = in[i++ % (in.size() - 1)]; // the last piece may be short
        rules::HsStream s = matcher.open();
        matcher.scan(s, bench::u8(p), static_cast<uint32_t>(p.size()), 0, handler);
        matcher.close(s, 0, handler);
        bytes += p.size();
    }
    benchmark::DoNotOptimize(handler.matches);
    if (matcher.errors()) state.SkipWithError("Hyperscan errors");
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_HyperscanShortStream)->Arg(64)->Arg(512);

} // namespace
