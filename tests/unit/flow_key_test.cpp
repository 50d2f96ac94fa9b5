#include <gtest/gtest.h>

#include "core/flow_key.h"

using namespace egressmon::core;

namespace {
Packet makePacket(const char* src, uint16_t sport, const char* dst, uint16_t dport,
                  uint8_t proto = ipproto::kTcp, uint16_t vlan = 0) {
    Packet p;
    p.src_ip = *IpAddress::parse(src);
    p.dst_ip = *IpAddress::parse(dst);
    p.src_port = sport;
    p.dst_port = dport;
    p.ip_proto = proto;
    p.vlan_id = vlan;
    return p;
}
Packet reversed(Packet p) {
    std::swap(p.src_ip, p.dst_ip);
    std::swap(p.src_port, p.dst_port);
    return p;
}
} // namespace

TEST(FlowKey, BothDirectionsGiveTheSameKeyAndHashIpv4) {
    const Packet a = makePacket("10.1.0.10", 51000, "203.0.113.10", 80);
    bool a_lo = false, b_lo = false;
    const FlowKey ka = FlowKey::fromPacket(a, &a_lo);
    const FlowKey kb = FlowKey::fromPacket(reversed(a), &b_lo);
    EXPECT_EQ(ka, kb);
    EXPECT_NE(a_lo, b_lo);
    EXPECT_EQ(hashFlowKey(ka, 42), hashFlowKey(kb, 42));
}

TEST(FlowKey, BothDirectionsGiveTheSameHashIpv6) {
    const Packet a = makePacket("2001:db8::1", 443, "2001:db8::2", 50000, ipproto::kUdp);
    EXPECT_EQ(hashFlowKey(FlowKey::fromPacket(a), 7),
              hashFlowKey(FlowKey::fromPacket(reversed(a)), 7));
}

TEST(FlowKey, SameAddressBothEndsOrdersByPort) {
    const Packet a = makePacket("127.0.0.1", 9000, "127.0.0.1", 80);
    EXPECT_EQ(FlowKey::fromPacket(a), FlowKey::fromPacket(reversed(a)));
}

TEST(FlowKey, VlanIsPartOfTheKey) {
    const Packet a = makePacket("10.0.0.1", 1000, "10.0.0.2", 80, ipproto::kTcp, 10);
    const Packet b = makePacket("10.0.0.1", 1000, "10.0.0.2", 80, ipproto::kTcp, 20);
    EXPECT_NE(FlowKey::fromPacket(a), FlowKey::fromPacket(b));
    EXPECT_NE(hashFlowKey(FlowKey::fromPacket(a), 1), hashFlowKey(FlowKey::fromPacket(b), 1));
    EXPECT_EQ(hashFlowKey(FlowKey::fromPacket(a), 1),
              hashFlowKey(FlowKey::fromPacket(reversed(a)), 1));
}

TEST(FlowKey, ProtocolIsPartOfTheKey) {
    const Packet tcp = makePacket("10.0.0.1", 53, "10.0.0.2", 53, ipproto::kTcp);
    const Packet udp = makePacket("10.0.0.1", 53, "10.0.0.2", 53, ipproto::kUdp);
    EXPECT_NE(FlowKey::fromPacket(tcp), FlowKey::fromPacket(udp));
}

TEST(FlowKey, SeedChangesTheHash) {
    const FlowKey k = FlowKey::fromPacket(makePacket("10.0.0.1", 1, "10.0.0.2", 2));
    EXPECT_NE(hashFlowKey(k, 1), hashFlowKey(k, 2));
}

TEST(FlowKey, ReduceHashSpreadsFlowsOverWorkers) {
    constexpr uint32_t kWorkers = 4;
    uint32_t counts[kWorkers] = {};
    for (uint16_t port = 1; port <= 4000; ++port) {
        const FlowKey k = FlowKey::fromPacket(makePacket("10.0.0.1", port, "198.51.100.7", 443));
        const uint32_t w = reduceHash(hashFlowKey(k, 99), kWorkers);
        ASSERT_LT(w, kWorkers);
        ++counts[w];
    }
    for (uint32_t c : counts)
        EXPECT_GT(c, 800u) << "a worker got too few of 4000 flows";
}
