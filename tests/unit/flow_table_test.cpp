#include <vector>

#include <gtest/gtest.h>

#include "core/flow_table.h"

using namespace egressmon::core;

namespace {
FlowKey keyFor(uint16_t port, uint8_t proto = ipproto::kTcp) {
    FlowKey k;
    k.lo_ip = *IpAddress::parse("10.0.0.1");
    k.hi_ip = *IpAddress::parse("203.0.113.5");
    k.lo_port = port;
    k.hi_port = 443;
    k.ip_proto = proto;
    return k;
}

struct Ended {
    std::vector<std::pair<uint16_t, FlowEndReason>> flows;
    auto fn() {
        return [this](Flow& f, FlowEndReason r) { flows.emplace_back(f.key.lo_port, r); };
    }
};
constexpr uint64_t kSec = 1'000'000;
} // namespace

TEST(FlowTable, InsertThenLookupFindsTheFlow) {
    FlowTable t(100, {});
    Ended ended;
    const FlowKey k = keyFor(1000);
    EXPECT_EQ(t.find(k, 5), nullptr);
    Flow* f = t.create(k, 5, 10 * kSec, ended.fn());
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(t.find(k, 5), f);
    EXPECT_EQ(t.size(), 1u);
    EXPECT_EQ(t.counters().created, 1u);
}

TEST(FlowTable, CollidingHashesAreKeptApart) {
    FlowTable t(100, {});
    Ended ended;
    // Same hash for every key: everything lands in one probe chain.
    for (uint16_t p = 1; p <= 50; ++p)
        ASSERT_NE(t.create(keyFor(p), 77, kSec, ended.fn()), nullptr);
    for (uint16_t p = 1; p <= 50; ++p) {
        Flow* f = t.find(keyFor(p), 77);
        ASSERT_NE(f, nullptr);
        EXPECT_EQ(f->key.lo_port, p);
    }
}

TEST(FlowTable, IdleFlowExpiresAfterItsClassTimeout) {
    FlowTimeouts to;
    to.seconds[static_cast<size_t>(TimeoutClass::kTcpEstablished)] = 100;
    FlowTable t(10, to);
    Ended ended;
    Flow* f = t.create(keyFor(1), 1, 0, ended.fn());
    t.touch(*f, TimeoutClass::kTcpEstablished, 0);
    t.expire(99 * kSec, ended.fn());
    EXPECT_TRUE(ended.flows.empty());
    t.expire(100 * kSec, ended.fn());
    ASSERT_EQ(ended.flows.size(), 1u);
    EXPECT_EQ(ended.flows[0].second, FlowEndReason::kTimeout);
    EXPECT_EQ(t.size(), 0u);
    EXPECT_EQ(t.find(keyFor(1), 1), nullptr);
    EXPECT_EQ(t.counters().expired, 1u);
}

TEST(FlowTable, ShortTimeoutExpiresBehindALongerLivedOlderFlow) {
    FlowTable t(10, {}); // tcp established 600 s, udp new 30 s
    Ended ended;
    Flow* tcp = t.create(keyFor(1), 1, 0, ended.fn());
    t.touch(*tcp, TimeoutClass::kTcpEstablished, 0);
    Flow* udp = t.create(keyFor(2, ipproto::kUdp), 2, 10 * kSec, ended.fn());
    t.touch(*udp, TimeoutClass::kUdpNew, 10 * kSec);
    t.expire(45 * kSec, ended.fn());
    ASSERT_EQ(ended.flows.size(), 1u);
    EXPECT_EQ(ended.flows[0].first, 2);
}

TEST(FlowTable, TouchKeepsAnActiveFlowAlive) {
    FlowTable t(10, {});
    Ended ended;
    Flow* f = t.create(keyFor(1), 1, 0, ended.fn());
    for (uint64_t s = 0; s <= 1000; s += 20) {
        t.touch(*f, TimeoutClass::kUdpNew, s * kSec);
        t.expire(s * kSec, ended.fn());
    }
    EXPECT_TRUE(ended.flows.empty());
}

TEST(FlowTable, FullTableEvictsTheLeastRecentlySeenFlow) {
    FlowTable t(3, {});
    Ended ended;
    for (uint16_t p = 1; p <= 3; ++p) {
        Flow* f = t.create(keyFor(p), p, p * kSec, ended.fn());
        t.touch(*f, TimeoutClass::kTcpEstablished, p * kSec);
    }
    t.touch(*t.find(keyFor(1), 1), TimeoutClass::kTcpEstablished, 10 * kSec); // 2 is now oldest
    ASSERT_NE(t.create(keyFor(4), 4, 11 * kSec, ended.fn()), nullptr);
    ASSERT_EQ(ended.flows.size(), 1u);
    EXPECT_EQ(ended.flows[0].first, 2);
    EXPECT_EQ(ended.flows[0].second, FlowEndReason::kEvicted);
    EXPECT_EQ(t.size(), 3u);
    EXPECT_EQ(t.counters().evicted, 1u);
    EXPECT_NE(t.find(keyFor(1), 1), nullptr);
    EXPECT_EQ(t.find(keyFor(2), 2), nullptr);
}

TEST(FlowTable, EvictionAtTheLimitLooksAcrossTimeoutClasses) {
    FlowTable t(2, {});
    Ended ended;
    Flow* a = t.create(keyFor(1), 1, 0, ended.fn());
    t.touch(*a, TimeoutClass::kTcpEstablished, 5 * kSec);
    Flow* b = t.create(keyFor(2, ipproto::kUdp), 2, 0, ended.fn());
    t.touch(*b, TimeoutClass::kUdpNew, 3 * kSec); // oldest, in another list
    t.create(keyFor(3), 3, 6 * kSec, ended.fn());
    ASSERT_EQ(ended.flows.size(), 1u);
    EXPECT_EQ(ended.flows[0].first, 2);
}

TEST(FlowTable, ChurnAtTheLimitKeepsIndexConsistent) {
    FlowTable t(64, {});
    Ended ended;
    for (uint32_t i = 0; i < 5000; ++i) {
        const uint16_t port = static_cast<uint16_t>(i % 1000);
        const uint64_t hash = (port * 2654435761u) & 0xff; // many collisions on purpose
        Flow* f = t.find(keyFor(port), hash);
        if (!f) f = t.create(keyFor(port), hash, i, ended.fn());
        ASSERT_NE(f, nullptr);
        t.touch(*f, TimeoutClass::kTcpEstablished, i);
        ASSERT_LE(t.size(), 64u);
    }
    // Every live flow is findable and nothing is found twice.
    uint32_t found = 0;
    for (uint16_t port = 0; port < 1000; ++port)
        if (t.find(keyFor(port), (port * 2654435761u) & 0xff)) ++found;
    EXPECT_EQ(found, t.size());
}

TEST(FlowTable, IndexGrowsWithTheLiveFlowsNotWithMaxFlows) {
    FlowTable t(1'000'000, {});
    Ended ended;
    EXPECT_EQ(t.indexSlots(), 8192u); // not 2^21 for a million flows nobody has seen yet
    const auto hashOf = [](uint32_t i) { return (i * 0x9E3779B97F4A7C15ull) ^ (i >> 3); };
    const auto keyOf = [](uint32_t i) {
        FlowKey k = keyFor(static_cast<uint16_t>(i));
        k.hi_port = static_cast<uint16_t>(i >> 16);
        return k;
    };
    for (uint32_t i = 0; i < 20'000; ++i)
        ASSERT_NE(t.create(keyOf(i), hashOf(i), i, ended.fn()), nullptr);
    EXPECT_EQ(t.indexSlots(), 65536u); // 20,000 flows at most half full
    // Growing rehashed every flow: each is found.
    for (uint32_t i = 0; i < 20'000; ++i)
        ASSERT_NE(t.find(keyOf(i), hashOf(i)), nullptr) << i;
    // Every even flow is seen again at 100 s; at 101 s the odd ones (idle since ~0 s) expire.
    // Backward-shift deletion in the grown index keeps every survivor's chain whole.
    for (uint32_t i = 0; i < 20'000; i += 2)
        t.touch(*t.find(keyOf(i), hashOf(i)), TimeoutClass::kTcpEstablished, 100 * kSec);
    t.expire(101 * kSec, ended.fn());
    EXPECT_EQ(t.size(), 10'000u);
    EXPECT_EQ(ended.flows.size(), 10'000u);
    for (uint32_t i = 0; i < 20'000; ++i) {
        if (i % 2 == 0)
            ASSERT_NE(t.find(keyOf(i), hashOf(i)), nullptr) << i;
        else
            ASSERT_EQ(t.find(keyOf(i), hashOf(i)), nullptr) << i;
    }
}

TEST(FlowTable, IndexStopsGrowingAtTwiceMaxFlows) {
    FlowTable t(10'000, {});
    Ended ended;
    for (uint32_t i = 0; i < 30'000; ++i) {
        FlowKey k = keyFor(static_cast<uint16_t>(i));
        k.hi_port = static_cast<uint16_t>(i >> 16);
        ASSERT_NE(t.create(k, i * 0x9E3779B97F4A7C15ull, i, ended.fn()), nullptr);
        ASSERT_LE(t.size(), 10'000u);
    }
    EXPECT_EQ(t.indexSlots(), 32768u); // bit_ceil(2 x 10,000), as before it grew on demand
    EXPECT_EQ(t.counters().evicted, 20'000u);
}

TEST(FlowTable, FlushAllEndsEveryFlowWithShutdownReason) {
    FlowTable t(10, {});
    Ended ended;
    for (uint16_t p = 1; p <= 5; ++p)
        t.create(keyFor(p), p, 0, ended.fn());
    t.flushAll(ended.fn());
    EXPECT_EQ(ended.flows.size(), 5u);
    for (auto& e : ended.flows)
        EXPECT_EQ(e.second, FlowEndReason::kShutdown);
    EXPECT_EQ(t.size(), 0u);
    EXPECT_EQ(t.counters().flushed, 5u);
}

TEST(FlowTable, RecycledFlowStartsClean) {
    FlowTable t(1, {});
    Ended ended;
    Flow* f = t.create(keyFor(1), 1, 0, ended.fn());
    f->pkts_toserver = 99;
    f->metadata = std::make_unique<FlowMetadata>();
    Flow* g = t.create(keyFor(2), 2, kSec, ended.fn());
    EXPECT_EQ(g->pkts_toserver, 0u);
    EXPECT_EQ(g->metadata, nullptr);
}

TEST(FlowTable, PacketAfterTheTimeoutEndsTheIdleFlowBeforeTheSweepRuns) {
    FlowTimeouts to;
    to.seconds[static_cast<size_t>(TimeoutClass::kTcpEstablished)] = 100;
    FlowTable t(10, to);
    Ended ended;
    Flow* f = t.create(keyFor(1), 1, 0, ended.fn());
    t.touch(*f, TimeoutClass::kTcpEstablished, 0);
    EXPECT_FALSE(t.endIfIdle(*f, 99 * kSec, ended.fn())); // still within its timeout
    EXPECT_TRUE(ended.flows.empty());
    EXPECT_TRUE(t.endIfIdle(*f, 100 * kSec, ended.fn()));
    ASSERT_EQ(ended.flows.size(), 1u);
    EXPECT_EQ(ended.flows[0].second, FlowEndReason::kTimeout);
    EXPECT_EQ(t.find(keyFor(1), 1), nullptr);
    EXPECT_EQ(t.counters().expired, 1u);
    EXPECT_EQ(t.size(), 0u);
}
