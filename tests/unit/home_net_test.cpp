#include <gtest/gtest.h>

#include "core/home_net.h"

using namespace egressmon::core;

namespace {
IpAddress ip(const char* s) {
    return *IpAddress::parse(s);
}
} // namespace

TEST(HomeNet, DefaultCoversRfc1918AndUniqueLocal) {
    const HomeNet net = HomeNet::parse(HomeNet::kDefault);
    EXPECT_TRUE(net.contains(ip("10.1.2.3")));
    EXPECT_TRUE(net.contains(ip("172.31.255.255")));
    EXPECT_FALSE(net.contains(ip("172.32.0.0")));
    EXPECT_TRUE(net.contains(ip("192.168.0.1")));
    EXPECT_TRUE(net.contains(ip("fd12:3456::1")));
    EXPECT_FALSE(net.contains(ip("2001:db8::1")));
    EXPECT_FALSE(net.contains(ip("8.8.8.8")));
}

TEST(HomeNet, PrefixBoundariesAreExact) {
    const HomeNet net = HomeNet::parse("198.51.100.64/26, 2001:db8:abcd::/48");
    EXPECT_FALSE(net.contains(ip("198.51.100.63")));
    EXPECT_TRUE(net.contains(ip("198.51.100.64")));
    EXPECT_TRUE(net.contains(ip("198.51.100.127")));
    EXPECT_FALSE(net.contains(ip("198.51.100.128")));
    EXPECT_TRUE(net.contains(ip("2001:db8:abcd:ffff::1")));
    EXPECT_FALSE(net.contains(ip("2001:db8:abce::1")));
}

TEST(HomeNet, HostBitsAreClearedAndBareAddressesAreHostRoutes) {
    EXPECT_EQ(Cidr::parse("10.9.8.7/8").toString(), "10.0.0.0/8");
    const HomeNet net = HomeNet::parse("192.0.2.1");
    EXPECT_TRUE(net.contains(ip("192.0.2.1")));
    EXPECT_FALSE(net.contains(ip("192.0.2.2")));
}

TEST(HomeNet, FamiliesNeverMatchEachOther) {
    const HomeNet net = HomeNet::parse("0.0.0.0/0");
    EXPECT_TRUE(net.contains(ip("1.2.3.4")));
    EXPECT_FALSE(net.contains(ip("::1")));
}

TEST(HomeNet, BadEntriesAreRejectedWithTheirText) {
    for (const char* bad : {"10.0.0.0/33", "fc00::/129", "10.0.0/8", "nonsense", "10.0.0.0/",
                            "10.0.0.0/8,,192.168.0.0/16", "", "10.0.0.0/8x"}) {
        EXPECT_THROW(HomeNet::parse(bad), std::invalid_argument) << bad;
    }
    try {
        HomeNet::parse("10.0.0.0/8,300.1.1.1/32");
        FAIL();
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("300.1.1.1"), std::string::npos);
    }
}

TEST(HomeNet, RelationFollowsClientAndServerPlacement) {
    const HomeNet net = HomeNet::parse("10.0.0.0/8");
    EXPECT_EQ(net.relation(ip("10.0.0.1"), ip("8.8.8.8")), NetRelation::kEgress);
    EXPECT_EQ(net.relation(ip("8.8.8.8"), ip("10.0.0.1")), NetRelation::kIngress);
    EXPECT_EQ(net.relation(ip("10.0.0.1"), ip("10.0.0.2")), NetRelation::kInternal);
    EXPECT_EQ(net.relation(ip("8.8.8.8"), ip("1.1.1.1")), NetRelation::kExternal);
}
