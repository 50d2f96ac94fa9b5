#include <gtest/gtest.h>

#include "core/flow_tracker.h"

using namespace egressmon::core;

namespace {
constexpr uint8_t S = tcpflag::kSyn, A = tcpflag::kAck, F = tcpflag::kFin, R = tcpflag::kRst;

Packet tcp(bool from_client, uint8_t flags, uint32_t wire_len = 60) {
    Packet p;
    p.ip_proto = ipproto::kTcp;
    p.src_ip = *IpAddress::parse(from_client ? "10.0.0.1" : "203.0.113.9");
    p.dst_ip = *IpAddress::parse(from_client ? "203.0.113.9" : "10.0.0.1");
    p.src_port = from_client ? 40000 : 443;
    p.dst_port = from_client ? 443 : 40000;
    p.tcp_flags = flags;
    p.wire_len = wire_len;
    return p;
}

// Runs packets through a fresh flow like the worker does.
Flow run(std::initializer_list<Packet> packets) {
    Flow f;
    bool first = true;
    for (const Packet& p : packets) {
        bool lo = false;
        f.key = FlowKey::fromPacket(p, &lo);
        if (first) initFlowFromFirstPacket(f, p, lo), first = false;
        updateFlowWithPacket(f, p, lo);
    }
    return f;
}
} // namespace

TEST(FlowTracker, HandshakeMakesSynSenderTheClientAndEstablishes) {
    const Flow f = run({tcp(true, S), tcp(false, S | A), tcp(true, A)});
    EXPECT_EQ(f.clientIp().toString(), "10.0.0.1");
    EXPECT_EQ(f.clientPort(), 40000);
    EXPECT_EQ(f.tcp_state, TcpState::kEstablished);
    EXPECT_FALSE(f.midstream);
    EXPECT_EQ(f.pkts_toserver, 2u);
    EXPECT_EQ(f.pkts_toclient, 1u);
    EXPECT_EQ(timeoutClassOf(f), TimeoutClass::kTcpEstablished);
}

TEST(FlowTracker, FirstSeenSynAckMakesItsReceiverTheClient) {
    const Flow f = run({tcp(false, S | A), tcp(true, A)});
    EXPECT_EQ(f.clientIp().toString(), "10.0.0.1");
    EXPECT_EQ(f.tcp_state, TcpState::kEstablished);
    EXPECT_EQ(f.pkts_toserver, 1u);
    EXPECT_EQ(f.pkts_toclient, 1u);
}

TEST(FlowTracker, MidstreamPickupTakesFirstSenderAsClient) {
    const Flow f = run({tcp(false, A), tcp(true, A)});
    EXPECT_TRUE(f.midstream);
    EXPECT_EQ(f.clientIp().toString(), "203.0.113.9");
    EXPECT_EQ(f.tcp_state, TcpState::kEstablished);
}

TEST(FlowTracker, FinFromBothSidesCloses) {
    Flow f = run({tcp(true, S), tcp(false, S | A), tcp(true, A), tcp(true, F | A)});
    EXPECT_EQ(f.tcp_state, TcpState::kClosing);
    f = run({tcp(true, S), tcp(false, S | A), tcp(true, A), tcp(true, F | A), tcp(false, F | A)});
    EXPECT_EQ(f.tcp_state, TcpState::kClosed);
    EXPECT_EQ(timeoutClassOf(f), TimeoutClass::kTcpClosed);
}

TEST(FlowTracker, RstClosesAtOnce) {
    const Flow f = run({tcp(true, S), tcp(false, R | A)});
    EXPECT_EQ(f.tcp_state, TcpState::kClosed);
}

TEST(FlowTracker, UnansweredSynStaysNew) {
    const Flow f = run({tcp(true, S), tcp(true, S)});
    EXPECT_EQ(f.tcp_state, TcpState::kSynSent);
    EXPECT_EQ(timeoutClassOf(f), TimeoutClass::kTcpNew);
}

TEST(FlowTracker, CountsBytesPerDirectionAndFlagsSeen) {
    const Flow f = run({tcp(true, S, 74), tcp(false, S | A, 74), tcp(true, A, 1500)});
    EXPECT_EQ(f.bytes_toserver, 74u + 1500u);
    EXPECT_EQ(f.bytes_toclient, 74u);
    EXPECT_EQ(f.tcp_flags_toserver, S | A);
    EXPECT_EQ(f.tcp_flags_toclient, S | A);
}

TEST(FlowTracker, UdpBecomesEstablishedWhenAnswered) {
    Packet q = tcp(true, 0), r = tcp(false, 0);
    q.ip_proto = r.ip_proto = ipproto::kUdp;
    Flow f = run({q});
    EXPECT_EQ(timeoutClassOf(f), TimeoutClass::kUdpNew);
    f = run({q, r});
    EXPECT_EQ(timeoutClassOf(f), TimeoutClass::kUdpEstablished);
}

TEST(FlowTracker, FlowIdIsStableForTheSameKeyAndStart) {
    Flow a = run({tcp(true, S)});
    Flow b = run({tcp(false, S | A)});
    EXPECT_EQ(a.flow_id, b.flow_id); // same key, same start time
    EXPECT_LT(a.flow_id, 1ULL << 53);
}
