// The counter tables (core/counter_table.h) and what is generated from them: docs/METRICS.md's
// generated blocks stay equal to the tables (EGRESSMON_UPDATE_GOLDEN=1 rewrites the file), and
// every line exports somewhere that exists and that no other line uses.

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "app/counter_export.h"
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
                EXPECT_TRUE(limits.insert(e.limit_key).second) << e.limit_key;
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
    EXPECT_FALSE(limits.count(app::kSpoolLimit.key));
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
