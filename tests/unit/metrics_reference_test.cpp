// The counter tables (core/counter_table.h) and what is generated from them: docs/METRICS.md's
// generated blocks stay equal to the tables (EGRESSMON_UPDATE_GOLDEN=1 rewrites the file), and
// every line exports somewhere that exists and that no other line uses.

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "app/counter_export.h"
#include "app/metrics_collector.h"
#include "app/metrics_reference.h"

using namespace egressmon;

namespace {

const std::string kMetricsDoc = EGRESSMON_SOURCE_DIR "/docs/METRICS.md";

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

TEST(MetricsReference, DocMatchesTheCounterTables) {
    const std::string doc = readFile(kMetricsDoc);
    ASSERT_FALSE(doc.empty()) << kMetricsDoc;
    const std::string generated = app::regenerateMetricsDoc(doc);
    if (generated != doc) {
        const char* update = std::getenv("EGRESSMON_UPDATE_GOLDEN");
        if (update && std::string(update) == "1") {
            std::ofstream(kMetricsDoc, std::ios::binary | std::ios::trunc) << generated;
            GTEST_SKIP() << "rewrote " << kMetricsDoc;
        }
    }
    EXPECT_EQ(doc, generated) << "docs/METRICS.md drifted from the counter tables; rerun with "
                                 "EGRESSMON_UPDATE_GOLDEN=1 and review the diff";
}

TEST(MetricsReference, EveryBlockIsInTheDoc) {
    const std::string doc = readFile(kMetricsDoc);
    for (const auto& id : app::metricsBlockIds())
        EXPECT_NE(doc.find("<!-- BEGIN generated from the counter tables: " + id + " -->"),
                  std::string::npos)
            << id;
}

TEST(MetricsReference, UnknownBlockIsRefused) {
    EXPECT_THROW(app::renderMetricsBlock("counters:nope"), std::invalid_argument);
    EXPECT_THROW(app::regenerateMetricsDoc("<!-- BEGIN generated from the counter tables: "
                                           "limits -->\nno end\n"),
                 std::invalid_argument);
}

TEST(CounterTables, ExportsAreKnownAndUnique) {
    std::set<std::string> stats, series, limits, groups;
    app::forEachCounterGroup([&](const auto& c) {
        using Group = std::decay_t<decltype(c)>;
        const core::CounterGroupInfo& g = Group::kCounterGroup;
        EXPECT_TRUE(groups.insert(g.id).second) << g.id;
        c.forEachCounter([&](const core::CounterInfo& info, uint64_t value) {
            const core::CounterExports& e = info.exports;
            EXPECT_EQ(value, 0u) << info.name;
            EXPECT_TRUE(info.help && *info.help) << info.name;
            EXPECT_TRUE(info.unit && *info.unit) << info.name;
            const std::string path = app::statsPath(info, g);
            if (!path.empty()) {
                EXPECT_TRUE(stats.insert(path).second) << path;
            }
            if (const char* family = app::familyOf(info, g)) {
                std::string key = family;
                if (e.label) {
                    EXPECT_NE(app::sharedFamily(family), nullptr) << family << " " << info.name;
                    key += std::string("|") + (!e.family && g.fixed_label ? g.fixed_value : "") +
                           "|" + e.label;
                }
                EXPECT_TRUE(series.insert(key).second) << key;
            }
            if (e.limit_key) {
                // Groups may share a bound (the collector sums them); one group counts it once.
                EXPECT_TRUE(limits.insert(std::string(g.id) + "|" + e.limit_key).second)
                    << e.limit_key;
                if (e.limit_minus) {
                    bool found = false;
                    c.forEachCounter([&](const core::CounterInfo& other, uint64_t) {
                        found |= std::string(other.name) == e.limit_minus;
                    });
                    EXPECT_TRUE(found) << info.name << " less " << e.limit_minus;
                }
            }
        });
    });
    for (const std::string& key : limits)
        EXPECT_NE(key.substr(key.find('|') + 1), app::kSpoolLimit.key);
}

TEST(CounterTables, SumAddsEveryCounter) {
    dpi::HttpDecoderCounters a, b;
    size_t n = 0;
    // Set each counter of b to a distinct value through the table's order.
    uint64_t* fields[] = {&b.messages, &b.bodies, &b.pending_requests_exceeded};
    for (uint64_t* f : fields)
        *f = ++n;
    a += b;
    a += b;
    a.forEachCounter([&](const core::CounterInfo& info, uint64_t value) {
        EXPECT_EQ(value, 2 * core::counterValue(b, info.name)) << info.name;
    });
    EXPECT_EQ(a.pending_requests_exceeded, 6u);
    EXPECT_EQ(std::size(dpi::HttpDecoderCounters::kCounters) * sizeof(uint64_t),
              sizeof(dpi::HttpDecoderCounters));
}

namespace {

// The value of the sample of `family` whose labels include every (name, value) of `labels`.
double sampleOf(const std::vector<prometheus::MetricFamily>& families, const std::string& family,
                const std::vector<std::pair<std::string, std::string>>& labels) {
    for (const auto& f : families) {
        if (f.name != family) continue;
        for (const auto& m : f.metric) {
            size_t matched = 0;
            for (const auto& [name, value] : labels)
                for (const auto& l : m.label)
                    matched += l.name == name && l.value == value;
            if (matched == labels.size()) return m.counter.value;
        }
    }
    return -1;
}

} // namespace

TEST(CounterTables, CollectorSumsWorkersAndDerivesLimits) {
    app::PublishedSnapshot<app::WorkerStats> w0, w1;
    app::WorkerStats a, b;
    a.counters.packets = 3;
    b.counters.packets = 4;
    a.counters.http.decompression_bombs = 5;
    a.counters.http.ratio_exceeded = 2;
    b.counters.smtp.gaps = 7;
    a.counters.reassembly.budget_exceeded = 1;
    b.counters.reassembly.budget_exceeded = 10;
    b.counters.classifier.alloc_failures = 9;
    a.counters.zip.entries_exceeded = 2; // ZIP and tar share extraction.max-archive-entries
    b.counters.tar.entries_exceeded = 3;
    w0.publish(a);
    w1.publish(b);
    app::MetricsSources src;
    src.workers = {&w0, &w1};
    const auto families = app::collectMetrics(src);
    EXPECT_EQ(sampleOf(families, "egressmon_worker_packets_total", {{"worker", "0"}}), 3);
    EXPECT_EQ(sampleOf(families, "egressmon_worker_packets_total", {{"worker", "1"}}), 4);
    EXPECT_EQ(sampleOf(families, "egressmon_limit_hits_total",
                       {{"limit", "http.max-decompressed-bytes"}}),
              3);
    EXPECT_EQ(
        sampleOf(families, "egressmon_limit_hits_total", {{"limit", "http.max-compression-ratio"}}),
        2);
    EXPECT_EQ(sampleOf(families, "egressmon_limit_hits_total", {{"limit", "reassembly.memcap"}}),
              11);
    EXPECT_EQ(sampleOf(families, "egressmon_limit_hits_total",
                       {{"limit", "extraction.max-archive-entries"}}),
              5);
    EXPECT_EQ(sampleOf(families, "egressmon_decoder_events_total",
                       {{"decoder", "smtp"}, {"event", "gap"}}),
              7);
    EXPECT_EQ(sampleOf(families, "egressmon_inspection_events_total",
                       {{"event", "classifier_alloc_failure"}}),
              9);
    // Without --rules, the rules-only series are absent.
    EXPECT_EQ(sampleOf(families, "egressmon_rule_switch_failures_total", {}), -1);
    EXPECT_EQ(sampleOf(families, "egressmon_rule_reloads_total", {}), -1);
}
