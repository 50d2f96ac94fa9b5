// PacketDecoder: every link type and encapsulation, every DecodeError reason, and a
// "cut everywhere" test that decodes every prefix of valid frames. Each frame is copied into a
// heap buffer of exactly caplen bytes, so under ASan any read past caplen is reported.

#include <cstring>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <pcap/dlt.h>

#include "capture/packet_decoder.h"
#include "packet_builder.h"

namespace egressmon::capture {
// Readable names in assertion failures.
void PrintTo(DecodeError e, std::ostream* os) {
    *os << (e < DecodeError::kCount ? decodeErrorName(e) : "?");
}
void PrintTo(DecodeResult r, std::ostream* os) {
    static const char* const kNames[] = {"kPacket", "kFragment", "kDropped"};
    *os << kNames[static_cast<int>(r)];
}
} // namespace egressmon::capture

namespace egressmon::capture {
namespace {

using namespace egressmon::testing;
using core::IpAddress;

constexpr uint64_t kTs = 1'700'000'000'123'456;

struct Decoded {
    Bytes buf; // the exact-size copy the decoder read; out.data points into it
    DecodeResult result = DecodeResult::kDropped;
    core::Packet pkt;
    FragmentInfo frag;
    DecodeError error = DecodeError::kCount;
};

// Decodes `frame` as captured with `snaplen` (default: whole frame); wire_len is the full size.
Decoded decodeAs(int link_type, const Bytes& frame, std::optional<uint32_t> snaplen = {}) {
    Decoded d;
    const size_t caplen = snaplen ? std::min<size_t>(*snaplen, frame.size()) : frame.size();
    d.buf.assign(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(caplen));
    d.result = PacketDecoder(link_type).decode(d.buf.data(), static_cast<uint32_t>(caplen),
                                               static_cast<uint32_t>(frame.size()), kTs, d.pkt,
                                               d.frag, d.error);
    return d;
}

Decoded decodeEth(const Bytes& frame, std::optional<uint32_t> snaplen = {}) {
    return decodeAs(DLT_EN10MB, frame, snaplen);
}

IpAddress ip(const char* text) {
    return IpAddress::parse(text).value();
}

// A small IPv4/TCP and IPv6/UDP datagram used wherever only the encapsulation matters.
Bytes v4Tcp() {
    return ipv4({.src = v4(192, 0, 2, 1), .dst = v4(198, 51, 100, 7)},
                tcp({.src_port = 40000, .dst_port = 443}, bytes("hello")));
}
Bytes v6Udp() {
    return ipv6({.src = v6(1), .dst = v6(2), .next_header = kProtoUdp},
                udp(5353, 53, bytes("query")));
}

void expectV4Tcp(const Decoded& d, uint32_t l3_offset) {
    ASSERT_EQ(d.result, DecodeResult::kPacket) << decodeErrorName(d.error);
    EXPECT_EQ(d.error, DecodeError::kNone);
    EXPECT_EQ(d.pkt.ip_version, 4);
    EXPECT_EQ(d.pkt.ip_proto, kProtoTcp);
    EXPECT_EQ(d.pkt.src_ip, ip("192.0.2.1"));
    EXPECT_EQ(d.pkt.dst_ip, ip("198.51.100.7"));
    EXPECT_EQ(d.pkt.src_port, 40000);
    EXPECT_EQ(d.pkt.dst_port, 443);
    EXPECT_EQ(d.pkt.l3_offset, l3_offset);
    EXPECT_EQ(d.pkt.l3_len, 45u);
    EXPECT_EQ(d.pkt.l4_offset, l3_offset + 20);
    EXPECT_EQ(d.pkt.payload_offset, l3_offset + 40);
    EXPECT_EQ(d.pkt.payload_len, 5u);
}

void expectV6Udp(const Decoded& d, uint32_t l3_offset) {
    ASSERT_EQ(d.result, DecodeResult::kPacket) << decodeErrorName(d.error);
    EXPECT_EQ(d.pkt.ip_version, 6);
    EXPECT_EQ(d.pkt.ip_proto, kProtoUdp);
    EXPECT_EQ(d.pkt.src_ip, ip("2001:db8::1"));
    EXPECT_EQ(d.pkt.dst_ip, ip("2001:db8::2"));
    EXPECT_EQ(d.pkt.src_port, 5353);
    EXPECT_EQ(d.pkt.dst_port, 53);
    EXPECT_EQ(d.pkt.l3_offset, l3_offset);
    EXPECT_EQ(d.pkt.l3_len, 53u);
    EXPECT_EQ(d.pkt.l4_offset, l3_offset + 40);
    EXPECT_EQ(d.pkt.payload_offset, l3_offset + 48);
    EXPECT_EQ(d.pkt.payload_len, 5u);
}

void expectDropped(const Decoded& d, DecodeError reason) {
    EXPECT_EQ(d.result, DecodeResult::kDropped);
    EXPECT_EQ(d.error, reason);
}

// --- link types -----------------------------------------------------------------------------

TEST(PacketDecoder, EthernetIpv4TcpFillsEveryField) {
    const Bytes segment = tcp(
        {.src_port = 40000, .dst_port = 443, .seq = 0x01020304, .ack = 0x0a0b0c0d, .flags = 0x18},
        bytes("hello"));
    const Bytes frame = concat(
        ethernet(kEthIpv4), ipv4({.src = v4(192, 0, 2, 1), .dst = v4(198, 51, 100, 7)}, segment));
    const Decoded d = decodeEth(frame);
    expectV4Tcp(d, 14);
    EXPECT_EQ(d.pkt.data, d.buf.data());
    EXPECT_EQ(d.pkt.caplen, frame.size());
    EXPECT_EQ(d.pkt.wire_len, frame.size());
    EXPECT_EQ(d.pkt.ts_us, kTs);
    EXPECT_EQ(d.pkt.tcp_flags, core::tcpflag::kPsh | core::tcpflag::kAck);
    EXPECT_EQ(d.pkt.tcp_seq, 0x01020304u);
    EXPECT_EQ(d.pkt.tcp_ack, 0x0a0b0c0du);
    EXPECT_EQ(d.pkt.vlan_id, 0);
    EXPECT_FALSE(d.pkt.truncated);
    EXPECT_FALSE(d.pkt.tunneled);
    EXPECT_FALSE(d.pkt.reassembled);
    EXPECT_EQ(std::memcmp(d.buf.data() + d.pkt.payload_offset, "hello", 5), 0);
}

TEST(PacketDecoder, EthernetIpv6Udp) {
    expectV6Udp(decodeEth(concat(ethernet(kEthIpv6), v6Udp())), 14);
}

TEST(PacketDecoder, Ieee8023LlcSnapCarriesIp) {
    const Bytes ip4 = v4Tcp();
    const auto len = static_cast<uint16_t>(8 + ip4.size());
    expectV4Tcp(decodeEth(concat(ethernet8023(len), llcSnap(kEthIpv4), ip4)), 22);
}

TEST(PacketDecoder, Ieee8023NonSnapLlcIsNotIp) {
    // Spanning tree: DSAP = SSAP = 0x42.
    const Bytes frame = concat(ethernet8023(38), Bytes{0x42, 0x42, 0x03}, filler(35));
    expectDropped(decodeEth(frame), DecodeError::kNotIp);
}

TEST(PacketDecoder, SingleVlanTagSetsVlanId) {
    const Decoded d = decodeEth(concat(ethernet(kEthIpv4, {100}), v4Tcp()));
    expectV4Tcp(d, 18);
    EXPECT_EQ(d.pkt.vlan_id, 100);
}

TEST(PacketDecoder, VlanIdIgnoresPriorityBits) {
    const Decoded d =
        decodeEth(concat(ethernetTagged(kEthIpv4, {{kEthVlan, 0xE000 | 42}}), v4Tcp()));
    expectV4Tcp(d, 18);
    EXPECT_EQ(d.pkt.vlan_id, 42);
}

TEST(PacketDecoder, QinQTakesInnermostVlanId) {
    const Bytes frame = concat(ethernet(kEthIpv4, {200, 300}, /*outer_8021ad=*/true), v4Tcp());
    ASSERT_EQ(frame[12], 0x88);
    ASSERT_EQ(frame[13], 0xA8);
    const Decoded d = decodeEth(frame);
    expectV4Tcp(d, 22);
    EXPECT_EQ(d.pkt.vlan_id, 300);
}

TEST(PacketDecoder, VlanTagsStackToAnyDepth) {
    const Bytes frame = concat(
        ethernetTagged(kEthIpv6, {{0x9100, 10}, {kEthQinQ, 20}, {kEthVlan, 30}, {kEthVlan, 40}}),
        v6Udp());
    const Decoded d = decodeEth(frame);
    expectV6Udp(d, 30);
    EXPECT_EQ(d.pkt.vlan_id, 40);
}

TEST(PacketDecoder, PppoeSessionIpv4) {
    expectV4Tcp(decodeEth(concat(ethernet(kEthPppoeSession), pppoeSession(kPppIpv4, v4Tcp()))), 22);
}

TEST(PacketDecoder, PppoeSessionIpv6BehindVlan) {
    const Decoded d =
        decodeEth(concat(ethernet(kEthPppoeSession, {7}), pppoeSession(kPppIpv6, v6Udp())));
    expectV6Udp(d, 26);
    EXPECT_EQ(d.pkt.vlan_id, 7);
}

TEST(PacketDecoder, PppoeControlProtocolIsNotIp) {
    const Bytes lcp = concat(ethernet(kEthPppoeSession), pppoeSession(0xC021, filler(10)));
    expectDropped(decodeEth(lcp), DecodeError::kNotIp);
}

TEST(PacketDecoder, MplsSingleLabelIpv4) {
    expectV4Tcp(decodeEth(concat(ethernet(kEthMpls), mpls({16}), v4Tcp())), 18);
}

TEST(PacketDecoder, MplsLabelStackIpv6) {
    expectV6Udp(decodeEth(concat(ethernet(0x8848), mpls({16, 17, 18}), v6Udp())), 26);
}

TEST(PacketDecoder, MplsCarryingNonIpIsNotIp) {
    // An Ethernet pseudowire: the first nibble after the stack is 0 (control word).
    const Bytes frame =
        concat(ethernet(kEthMpls), mpls({16}), Bytes(4, 0), ethernet(kEthIpv4), v4Tcp());
    expectDropped(decodeEth(frame), DecodeError::kNotIp);
}

TEST(PacketDecoder, LinuxSllIpv4) {
    expectV4Tcp(decodeAs(DLT_LINUX_SLL, concat(linuxSll(kEthIpv4), v4Tcp())), 16);
}

TEST(PacketDecoder, LinuxSllVlanIpv6) {
    const Decoded d =
        decodeAs(DLT_LINUX_SLL, concat(linuxSll(kEthVlan), Bytes{0x00, 0x05, 0x86, 0xDD}, v6Udp()));
    expectV6Udp(d, 20);
    EXPECT_EQ(d.pkt.vlan_id, 5);
}

TEST(PacketDecoder, LinuxSll2Ipv6) {
    expectV6Udp(decodeAs(DLT_LINUX_SLL2, concat(linuxSll2(kEthIpv6), v6Udp())), 20);
}

TEST(PacketDecoder, LinuxSllArpIsNotIp) {
    expectDropped(decodeAs(DLT_LINUX_SLL, concat(linuxSll(kEthArp), filler(28))),
                  DecodeError::kNotIp);
}

TEST(PacketDecoder, RawIpLinkTypesSniffTheVersion) {
    for (const int link : {DLT_RAW, 14, 101, DLT_IPV4, DLT_IPV6}) {
        SCOPED_TRACE(link);
        expectV4Tcp(decodeAs(link, v4Tcp()), 0);
        expectV6Udp(decodeAs(link, v6Udp()), 0);
    }
}

TEST(PacketDecoder, RawIpWithUnknownVersionIsNotIp) {
    Bytes frame = v4Tcp();
    frame[0] = 0x55;
    expectDropped(decodeAs(DLT_RAW, frame), DecodeError::kNotIp);
}

TEST(PacketDecoder, NullLoopbackAcceptsBothByteOrders) {
    for (const bool big_endian : {false, true}) {
        SCOPED_TRACE(big_endian);
        expectV4Tcp(decodeAs(DLT_NULL, concat(nullLoopback(2, big_endian), v4Tcp())), 4);
        for (const uint32_t family : {24u, 28u, 30u}) {
            SCOPED_TRACE(family);
            expectV6Udp(decodeAs(DLT_NULL, concat(nullLoopback(family, big_endian), v6Udp())), 4);
        }
    }
}

TEST(PacketDecoder, LoopUsesNetworkByteOrder) {
    expectV4Tcp(decodeAs(DLT_LOOP, concat(nullLoopback(2, true), v4Tcp())), 4);
    expectV6Udp(decodeAs(DLT_LOOP, concat(nullLoopback(30, true), v6Udp())), 4);
    expectDropped(decodeAs(DLT_LOOP, concat(nullLoopback(2, false), v4Tcp())), DecodeError::kNotIp);
}

TEST(PacketDecoder, NullLoopbackUnknownFamilyIsNotIp) {
    expectDropped(decodeAs(DLT_NULL, concat(nullLoopback(7, false), v4Tcp())), DecodeError::kNotIp);
}

TEST(PacketDecoder, PppWithAndWithoutAddressControl) {
    expectV4Tcp(decodeAs(DLT_PPP, concat(ppp(kPppIpv4, true), v4Tcp())), 4);
    expectV6Udp(decodeAs(DLT_PPP, concat(ppp(kPppIpv6, false), v6Udp())), 2);
}

TEST(PacketDecoder, PppCompressedProtocolField) {
    expectV4Tcp(decodeAs(DLT_PPP, concat(Bytes{0xff, 0x03, 0x21}, v4Tcp())), 3);
}

TEST(PacketDecoder, PppLinkControlIsNotIp) {
    expectDropped(decodeAs(DLT_PPP, concat(ppp(0xC021), filler(8))), DecodeError::kNotIp);
}

TEST(PacketDecoder, CiscoHdlc) {
    expectV4Tcp(decodeAs(DLT_C_HDLC, concat(ciscoHdlc(kEthIpv4), v4Tcp())), 4);
    expectV6Udp(decodeAs(DLT_C_HDLC, concat(ciscoHdlc(kEthIpv6), v6Udp())), 4);
}

// Routers' PPP-link captures also carry Cisco HDLC frames (address 0x0f unicast or 0x8f
// broadcast, control 0, ethertype); nDPI's reader decodes them on DLT_PPP as well.
TEST(PacketDecoder, CiscoHdlcFramingOnPppLink) {
    expectV4Tcp(decodeAs(DLT_PPP, concat(ciscoHdlc(kEthIpv4), v4Tcp())), 4);
    Bytes broadcast = ciscoHdlc(kEthIpv6);
    broadcast[0] = 0x8f;
    expectV6Udp(decodeAs(DLT_PPP, concat(broadcast, v6Udp())), 4);
    // SLARP (0x8035) keepalives are Cisco HDLC too, and not IP.
    expectDropped(decodeAs(DLT_PPP, concat(ciscoHdlc(0x8035), filler(18))), DecodeError::kNotIp);
}

TEST(PacketDecoder, PppSerialWithPppOrCiscoFraming) {
    expectV4Tcp(decodeAs(DLT_PPP_SERIAL, concat(ppp(kPppIpv4, true), v4Tcp())), 4);
    expectV6Udp(decodeAs(DLT_PPP_SERIAL, concat(ciscoHdlc(kEthIpv6), v6Udp())), 4);
}

TEST(PacketDecoder, SupportsExactlyTheDecodedLinkTypes) {
    for (const int link : {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, 14, 101, DLT_IPV4,
                           DLT_IPV6, DLT_NULL, DLT_LOOP, DLT_PPP, DLT_C_HDLC, DLT_PPP_SERIAL}) {
        EXPECT_TRUE(PacketDecoder::supportsLinkType(link)) << link;
    }
    for (const int link : {-1, DLT_IEEE802_11, DLT_IEEE802_11_RADIO, DLT_USER0, 100000}) {
        EXPECT_FALSE(PacketDecoder::supportsLinkType(link)) << link;
    }
    EXPECT_EQ(PacketDecoder(DLT_PPP).linkType(), DLT_PPP);
}

// --- IP -------------------------------------------------------------------------------------

TEST(PacketDecoder, Ipv4OptionsMoveTheTransportHeader) {
    const Bytes frame =
        concat(ethernet(kEthIpv4), ipv4({.options = {0x94, 0x04, 0x00, 0x00, 0x01, 0x01}},
                                        tcp({.dst_port = 22}, bytes("ssh"))));
    const Decoded d = decodeEth(frame);
    ASSERT_EQ(d.result, DecodeResult::kPacket);
    EXPECT_EQ(d.pkt.l3_len, 28u + 20 + 3);
    EXPECT_EQ(d.pkt.l4_offset, 14u + 28);
    EXPECT_EQ(d.pkt.payload_offset, 14u + 48);
    EXPECT_EQ(d.pkt.payload_len, 3u);
    EXPECT_EQ(d.pkt.dst_port, 22);
}

TEST(PacketDecoder, Ipv4TotalLengthZeroTakesTheFrameLength) {
    // TSO/GRO super-packets captured on the sending host carry total length 0.
    const Bytes frame =
        concat(ethernet(kEthIpv4), ipv4({.total_length_override = 0}, tcp({}, bytes("payload!"))));
    const Decoded d = decodeEth(frame);
    ASSERT_EQ(d.result, DecodeResult::kPacket);
    EXPECT_EQ(d.pkt.l3_len, 20u + 20 + 8);
    EXPECT_EQ(d.pkt.payload_len, 8u);
    EXPECT_FALSE(d.pkt.truncated);
}

TEST(PacketDecoder, Ipv6HopByHopAndDestinationOptionsAreSkipped) {
    const Bytes frame = concat(ethernet(kEthIpv6), ipv6({.next_header = kProtoHopByHop},
                                                        concat(ipv6HopByHop(kProtoDestOptions),
                                                               ipv6DestOptions(kProtoUdp, 2),
                                                               udp(1000, 2000, bytes("x")))));
    const Decoded d = decodeEth(frame);
    ASSERT_EQ(d.result, DecodeResult::kPacket);
    EXPECT_EQ(d.pkt.ip_proto, kProtoUdp);
    EXPECT_EQ(d.pkt.l3_offset, 14u);
    EXPECT_EQ(d.pkt.l4_offset, 14u + 40 + 8 + 16);
    EXPECT_EQ(d.pkt.payload_len, 1u);
    EXPECT_EQ(d.pkt.src_port, 1000);
}

TEST(PacketDecoder, Ipv6RoutingAndAuthenticationHeadersAreSkipped) {
    // AH length counts 4-octet units minus 2: 4 -> 24 bytes.
    const Bytes ah = concat(Bytes{kProtoTcp, 4, 0, 0}, filler(20, 0));
    const Bytes frame = concat(ethernet(kEthIpv6),
                               ipv6({.next_header = kProtoRouting},
                                    concat(ipv6OptionsHeader(51, 3), ah, tcp({}, bytes("ab")))));
    const Decoded d = decodeEth(frame);
    ASSERT_EQ(d.result, DecodeResult::kPacket);
    EXPECT_EQ(d.pkt.ip_proto, kProtoTcp);
    EXPECT_EQ(d.pkt.l4_offset, 14u + 40 + 24 + 24);
    EXPECT_EQ(d.pkt.payload_len, 2u);
}

TEST(PacketDecoder, Ipv6NoNextHeaderHasNoPayload) {
    const Bytes frame = concat(ethernet(kEthIpv6), ipv6({.next_header = kProtoNoNext}, filler(12)));
    const Decoded d = decodeEth(frame);
    ASSERT_EQ(d.result, DecodeResult::kPacket);
    EXPECT_EQ(d.pkt.ip_proto, kProtoNoNext);
    EXPECT_EQ(d.pkt.payload_len, 0u);
    EXPECT_EQ(d.pkt.src_port, 0);
}

TEST(PacketDecoder, Ipv6JumbogramUsesCapturedLength) {
    const Bytes frame =
        concat(ethernet(kEthIpv6), ipv6({.next_header = kProtoUdp, .payload_length_override = 0},
                                        udp(1, 2, filler(9))));
    const Decoded d = decodeEth(frame);
    ASSERT_EQ(d.result, DecodeResult::kPacket);
    EXPECT_EQ(d.pkt.l3_len, 40u + 17);
    EXPECT_EQ(d.pkt.payload_len, 9u);
}

TEST(PacketDecoder, FourInFourDecodesTheInnerHeader) {
    const Bytes frame = concat(
        ethernet(kEthIpv4),
        ipv4({.src = v4(10, 9, 9, 1), .dst = v4(10, 9, 9, 2), .proto = kProtoIpIp}, v4Tcp()));
    const Decoded d = decodeEth(frame);
    expectV4Tcp(d, 34);
    EXPECT_TRUE(d.pkt.tunneled);
}

TEST(PacketDecoder, SixInFourDecodesTheInnerHeader) {
    const Decoded d = decodeEth(concat(ethernet(kEthIpv4), ipv4({.proto = kProtoIpv6}, v6Udp())));
    expectV6Udp(d, 34);
    EXPECT_TRUE(d.pkt.tunneled);
}

TEST(PacketDecoder, FourInSixDecodesTheInnerHeader) {
    const Decoded d =
        decodeEth(concat(ethernet(kEthIpv6), ipv6({.next_header = kProtoIpIp}, v4Tcp())));
    expectV4Tcp(d, 54);
    EXPECT_TRUE(d.pkt.tunneled);
}

TEST(PacketDecoder, SixInSixAfterExtensionHeader) {
    const Decoded d =
        decodeEth(concat(ethernet(kEthIpv6), ipv6({.next_header = kProtoDestOptions},
                                                  concat(ipv6DestOptions(kProtoIpv6), v6Udp()))));
    expectV6Udp(d, 62);
    EXPECT_TRUE(d.pkt.tunneled);
}

TEST(PacketDecoder, GreIsNotDecapsulated) {
    const Bytes gre = concat(Bytes{0x00, 0x00, 0x08, 0x00}, v4Tcp());
    const Bytes frame =
        concat(ethernet(kEthIpv4),
               ipv4({.src = v4(10, 9, 9, 1), .dst = v4(10, 9, 9, 2), .proto = kProtoGre}, gre));
    const Decoded d = decodeEth(frame);
    ASSERT_EQ(d.result, DecodeResult::kPacket);
    EXPECT_EQ(d.pkt.ip_proto, kProtoGre);
    EXPECT_EQ(d.pkt.src_ip, ip("10.9.9.1"));
    EXPECT_FALSE(d.pkt.tunneled);
    EXPECT_EQ(d.pkt.src_port, 0);
    EXPECT_EQ(d.pkt.l4_offset, 34u);
    EXPECT_EQ(d.pkt.payload_offset, 34u);
    EXPECT_EQ(d.pkt.payload_len, gre.size());
}

// Wraps `inner` in `layers` IPv4-in-IPv4 headers.
Bytes nestIpIp(Bytes inner, int layers) {
    for (int i = 0; i < layers; ++i)
        inner = ipv4({.proto = kProtoIpIp}, inner);
    return inner;
}

TEST(PacketDecoder, TunnelNestingIsLimitedToFourDecapsulations) {
    const Decoded ok = decodeEth(concat(ethernet(kEthIpv4), nestIpIp(v4Tcp(), 4)));
    expectV4Tcp(ok, 14 + 4 * 20);
    EXPECT_TRUE(ok.pkt.tunneled);
    expectDropped(decodeEth(concat(ethernet(kEthIpv4), nestIpIp(v4Tcp(), 5))),
                  DecodeError::kTunnelTooDeep);
}

TEST(PacketDecoder, InnerHeaderWithWrongVersionIsBad) {
    const Bytes frame = concat(ethernet(kEthIpv4), ipv4({.proto = kProtoIpIp}, v6Udp()));
    expectDropped(decodeEth(frame), DecodeError::kBadIpv4Header);
}

// --- fragments ------------------------------------------------------------------------------

TEST(PacketDecoder, Ipv4FirstMiddleLastFragments) {
    struct Case {
        uint16_t offset;
        bool more;
        size_t data_len;
    };
    for (const Case c : {Case{0, true, 32}, Case{32, true, 32}, Case{64, false, 11}}) {
        SCOPED_TRACE(c.offset);
        const Bytes frame = concat(ethernet(kEthIpv4, {9}), ipv4({.src = v4(10, 0, 0, 1),
                                                                  .dst = v4(10, 0, 0, 2),
                                                                  .proto = kProtoUdp,
                                                                  .id = 0x4242,
                                                                  .more_fragments = c.more,
                                                                  .frag_offset = c.offset},
                                                                 filler(c.data_len)));
        const Decoded d = decodeEth(frame);
        ASSERT_EQ(d.result, DecodeResult::kFragment);
        EXPECT_EQ(d.frag.ip_version, 4);
        EXPECT_EQ(d.frag.src_ip, ip("10.0.0.1"));
        EXPECT_EQ(d.frag.dst_ip, ip("10.0.0.2"));
        EXPECT_EQ(d.frag.id, 0x4242u);
        EXPECT_EQ(d.frag.next_proto, kProtoUdp);
        EXPECT_EQ(d.frag.vlan_id, 9);
        EXPECT_FALSE(d.frag.tunneled);
        EXPECT_EQ(d.frag.frag_offset, c.offset);
        EXPECT_EQ(d.frag.more_fragments, c.more);
        EXPECT_EQ(d.frag.ip_header_offset, 18u);
        EXPECT_EQ(d.frag.ip_header_len, 20u);
        EXPECT_EQ(d.frag.data_offset, 38u);
        EXPECT_EQ(d.frag.data_len, c.data_len);
        EXPECT_FALSE(d.frag.truncated);
    }
}

TEST(PacketDecoder, Ipv4FragmentWithOptionsAndPadding) {
    const Bytes frame =
        concat(ethernet(kEthIpv4),
               ipv4({.more_fragments = true, .options = {1, 1, 1, 1}}, filler(8)), Bytes(14, 0));
    const Decoded d = decodeEth(frame);
    ASSERT_EQ(d.result, DecodeResult::kFragment);
    EXPECT_EQ(d.frag.ip_header_len, 24u);
    EXPECT_EQ(d.frag.data_offset, 38u);
    EXPECT_EQ(d.frag.data_len, 8u); // the Ethernet padding is not fragment data
}

TEST(PacketDecoder, TruncatedIpv4FragmentIsStillAFragment) {
    const Bytes frame = concat(ethernet(kEthIpv4), ipv4({.more_fragments = true}, filler(400)));
    const Decoded d = decodeEth(frame, 100);
    ASSERT_EQ(d.result, DecodeResult::kFragment);
    EXPECT_TRUE(d.frag.truncated);
    EXPECT_EQ(d.frag.data_len, 100u - 34);
}

TEST(PacketDecoder, FragmentInsideTunnelIsMarkedTunneled) {
    const Bytes frame =
        concat(ethernet(kEthIpv4), ipv4({.proto = kProtoIpIp},
                                        ipv4({.proto = kProtoTcp, .frag_offset = 8}, filler(16))));
    const Decoded d = decodeEth(frame);
    ASSERT_EQ(d.result, DecodeResult::kFragment);
    EXPECT_TRUE(d.frag.tunneled);
    EXPECT_EQ(d.frag.ip_header_offset, 34u);
    EXPECT_EQ(d.frag.frag_offset, 8u);
    EXPECT_EQ(d.frag.data_len, 16u);
}

TEST(PacketDecoder, Ipv6FragmentIsReturnedAsFragment) {
    const Bytes frame =
        concat(ethernet(kEthIpv6),
               ipv6({.next_header = kProtoHopByHop},
                    concat(ipv6HopByHop(kProtoFragment),
                           ipv6Fragment(kProtoUdp, 1448, true, 0xdeadbeef), filler(64))));
    const Decoded d = decodeEth(frame);
    ASSERT_EQ(d.result, DecodeResult::kFragment);
    EXPECT_EQ(d.frag.ip_version, 6);
    EXPECT_EQ(d.frag.src_ip, ip("2001:db8::1"));
    EXPECT_EQ(d.frag.id, 0xdeadbeefu);
    EXPECT_EQ(d.frag.next_proto, kProtoUdp);
    EXPECT_EQ(d.frag.frag_offset, 1448u);
    EXPECT_TRUE(d.frag.more_fragments);
    EXPECT_EQ(d.frag.ip_header_offset, 14u);
    EXPECT_EQ(d.frag.ip_header_len, 40u);
    EXPECT_EQ(d.frag.data_offset, 14u + 40 + 8 + 8);
    EXPECT_EQ(d.frag.data_len, 64u);
}

TEST(PacketDecoder, Ipv6LastFragment) {
    const Bytes frame =
        concat(ethernet(kEthIpv6), ipv6({.next_header = kProtoFragment},
                                        concat(ipv6Fragment(kProtoTcp, 8, false, 5), filler(3))));
    const Decoded d = decodeEth(frame);
    ASSERT_EQ(d.result, DecodeResult::kFragment);
    EXPECT_FALSE(d.frag.more_fragments);
    EXPECT_EQ(d.frag.frag_offset, 8u);
    EXPECT_EQ(d.frag.data_len, 3u);
}

TEST(PacketDecoder, Ipv6AtomicFragmentIsAPacket) {
    const Bytes frame =
        concat(ethernet(kEthIpv6),
               ipv6({.next_header = kProtoFragment}, concat(ipv6Fragment(kProtoTcp, 0, false, 5),
                                                            tcp({.dst_port = 443}, bytes("abc")))));
    const Decoded d = decodeEth(frame);
    ASSERT_EQ(d.result, DecodeResult::kPacket);
    EXPECT_EQ(d.pkt.ip_proto, kProtoTcp);
    EXPECT_EQ(d.pkt.l4_offset, 14u + 48);
    EXPECT_EQ(d.pkt.dst_port, 443);
    EXPECT_EQ(d.pkt.payload_len, 3u);
}

// --- transport ------------------------------------------------------------------------------

TEST(PacketDecoder, TcpOptionsMoveThePayload) {
    const Bytes frame = concat(ethernet(kEthIpv4),
                               ipv4({}, tcp({.flags = 0x12, .options_len = 12}, bytes("data"))));
    const Decoded d = decodeEth(frame);
    ASSERT_EQ(d.result, DecodeResult::kPacket);
    EXPECT_EQ(d.pkt.tcp_flags, core::tcpflag::kSyn | core::tcpflag::kAck);
    EXPECT_EQ(d.pkt.l4_offset, 34u);
    EXPECT_EQ(d.pkt.payload_offset, 34u + 32);
    EXPECT_EQ(d.pkt.payload_len, 4u);
}

TEST(PacketDecoder, UdpPayloadEndsAtTheIpDatagramEnd) {
    // The UDP length claims more than the datagram holds; the IP length wins.
    const Bytes frame =
        concat(ethernet(kEthIpv4), ipv4({.proto = kProtoUdp}, udp(1, 2, bytes("abcd"), 500)));
    const Decoded d = decodeEth(frame);
    ASSERT_EQ(d.result, DecodeResult::kPacket);
    EXPECT_EQ(d.pkt.payload_offset, 42u);
    EXPECT_EQ(d.pkt.payload_len, 4u);
}

TEST(PacketDecoder, IcmpPayloadStartsAfterEightBytes) {
    const Bytes frame = concat(ethernet(kEthIpv4),
                               ipv4({.proto = kProtoIcmp}, icmp(8, 0, bytes("ping"), 0x00010002)));
    const Decoded d = decodeEth(frame);
    ASSERT_EQ(d.result, DecodeResult::kPacket);
    EXPECT_EQ(d.pkt.ip_proto, kProtoIcmp);
    EXPECT_EQ(d.pkt.src_port, 0);
    EXPECT_EQ(d.pkt.dst_port, 0);
    EXPECT_EQ(d.pkt.l4_offset, 34u);
    EXPECT_EQ(d.pkt.payload_offset, 42u);
    EXPECT_EQ(d.pkt.payload_len, 4u);
}

TEST(PacketDecoder, ShortIcmpHasNoPayload) {
    const Bytes frame =
        concat(ethernet(kEthIpv4), ipv4({.proto = kProtoIcmp}, Bytes{3, 4, 0, 0, 0, 0}));
    const Decoded d = decodeEth(frame);
    ASSERT_EQ(d.result, DecodeResult::kPacket);
    EXPECT_EQ(d.pkt.payload_len, 0u);
    EXPECT_LE(d.pkt.payload_offset, d.pkt.caplen);
}

TEST(PacketDecoder, Icmpv6PayloadStartsAfterEightBytes) {
    const Bytes frame = concat(ethernet(kEthIpv6),
                               ipv6({.next_header = kProtoIcmpV6}, icmp(128, 0, bytes("echo!"))));
    const Decoded d = decodeEth(frame);
    ASSERT_EQ(d.result, DecodeResult::kPacket);
    EXPECT_EQ(d.pkt.ip_proto, kProtoIcmpV6);
    EXPECT_EQ(d.pkt.l4_offset, 54u);
    EXPECT_EQ(d.pkt.payload_offset, 62u);
    EXPECT_EQ(d.pkt.payload_len, 5u);
}

TEST(PacketDecoder, OtherProtocolPayloadIsEverythingAfterTheIpHeader) {
    const Bytes frame = concat(ethernet(kEthIpv4), ipv4({.proto = 132}, filler(28)));
    const Decoded d = decodeEth(frame);
    ASSERT_EQ(d.result, DecodeResult::kPacket);
    EXPECT_EQ(d.pkt.ip_proto, 132);
    EXPECT_EQ(d.pkt.src_port, 0);
    EXPECT_EQ(d.pkt.l4_offset, 34u);
    EXPECT_EQ(d.pkt.payload_offset, 34u);
    EXPECT_EQ(d.pkt.payload_len, 28u);
}

// --- lengths: padding and snaplen -------------------------------------------------------------

TEST(PacketDecoder, EthernetPaddingIsExcludedFromL3LenAndPayload) {
    // A bare ACK is 54 bytes; Ethernet pads it to 60.
    const Bytes frame =
        concat(ethernet(kEthIpv4), ipv4({}, tcp({.flags = core::tcpflag::kAck})), Bytes(6, 0));
    const Decoded d = decodeEth(frame);
    ASSERT_EQ(d.result, DecodeResult::kPacket);
    EXPECT_EQ(d.pkt.l3_len, 40u);
    EXPECT_EQ(d.pkt.payload_len, 0u);
    EXPECT_FALSE(d.pkt.truncated);

    const Decoded v6 = decodeEth(concat(ethernet(kEthIpv6), v6Udp(), Bytes(10, 0)));
    expectV6Udp(v6, 14);
}

TEST(PacketDecoder, PaddingAfterTunnelIsExcludedFromInnerDatagram) {
    const Bytes frame =
        concat(ethernet(kEthIpv4),
               ipv4({.proto = kProtoIpIp}, ipv4({.proto = kProtoUdp}, udp(1, 2, bytes("z")))),
               Bytes(20, 0));
    const Decoded d = decodeEth(frame);
    ASSERT_EQ(d.result, DecodeResult::kPacket);
    EXPECT_EQ(d.pkt.l3_len, 29u);
    EXPECT_EQ(d.pkt.payload_len, 1u);
}

TEST(PacketDecoder, SnaplenCutPayloadIsMarkedTruncated) {
    const Bytes frame = concat(ethernet(kEthIpv4), ipv4({}, tcp({}, filler(1000))));
    const Decoded d = decodeEth(frame, 96);
    ASSERT_EQ(d.result, DecodeResult::kPacket);
    EXPECT_TRUE(d.pkt.truncated);
    EXPECT_EQ(d.pkt.caplen, 96u);
    EXPECT_EQ(d.pkt.wire_len, frame.size());
    EXPECT_EQ(d.pkt.l3_len, 96u - 14);
    EXPECT_EQ(d.pkt.payload_offset, 54u);
    EXPECT_EQ(d.pkt.payload_len, 96u - 54);
}

TEST(PacketDecoder, SnaplenCutInsideTcpOptionsKeepsHeaderFields) {
    const Bytes frame =
        concat(ethernet(kEthIpv6), ipv6({.next_header = kProtoTcp},
                                        tcp({.dst_port = 8443, .options_len = 40}, filler(50))));
    const Decoded d = decodeEth(frame, 14 + 40 + 30);
    ASSERT_EQ(d.result, DecodeResult::kPacket);
    EXPECT_TRUE(d.pkt.truncated);
    EXPECT_EQ(d.pkt.dst_port, 8443);
    EXPECT_EQ(d.pkt.payload_len, 0u);
    EXPECT_LE(d.pkt.payload_offset, d.pkt.caplen);
}

TEST(PacketDecoder, StaleFieldsAreClearedBetweenFrames) {
    const Bytes good = concat(ethernet(kEthIpv4, {12}), v4Tcp());
    const Bytes arp = concat(ethernet(kEthArp), filler(28));
    const PacketDecoder decoder(DLT_EN10MB);
    core::Packet pkt;
    FragmentInfo frag;
    DecodeError error = DecodeError::kNone;
    ASSERT_EQ(decoder.decode(good.data(), good.size(), good.size(), 1, pkt, frag, error),
              DecodeResult::kPacket);
    ASSERT_EQ(decoder.decode(arp.data(), arp.size(), arp.size(), 2, pkt, frag, error),
              DecodeResult::kDropped);
    EXPECT_EQ(error, DecodeError::kNotIp);
    EXPECT_EQ(pkt.data, arp.data());
    EXPECT_EQ(pkt.ts_us, 2u);
    EXPECT_EQ(pkt.vlan_id, 0);
    EXPECT_EQ(pkt.src_port, 0);
    EXPECT_EQ(pkt.ip_version, 0);
    EXPECT_EQ(pkt.payload_len, 0u);
    ASSERT_EQ(decoder.decode(good.data(), good.size(), good.size(), 3, pkt, frag, error),
              DecodeResult::kPacket);
    EXPECT_EQ(error, DecodeError::kNone);
}

// --- reassembled datagrams ------------------------------------------------------------------

TEST(PacketDecoder, ReassembledDatagramDecodesFromTheIpHeader) {
    const Bytes datagram = ipv4({.proto = kProtoUdp}, udp(123, 123, filler(3000)));
    core::Packet pkt;
    DecodeError error = DecodeError::kCount;
    ASSERT_EQ(PacketDecoder::decodeReassembled(datagram.data(), datagram.size(), kTs, 17, true, pkt,
                                               error),
              DecodeResult::kPacket);
    EXPECT_EQ(error, DecodeError::kNone);
    EXPECT_TRUE(pkt.reassembled);
    EXPECT_TRUE(pkt.tunneled);
    EXPECT_EQ(pkt.vlan_id, 17);
    EXPECT_EQ(pkt.caplen, datagram.size());
    EXPECT_EQ(pkt.wire_len, datagram.size());
    EXPECT_EQ(pkt.l3_offset, 0u);
    EXPECT_EQ(pkt.l4_offset, 20u);
    EXPECT_EQ(pkt.payload_len, 3000u);
    EXPECT_EQ(pkt.src_port, 123);
}

TEST(PacketDecoder, ReassembledTunnelIsDecapsulated) {
    const Bytes datagram = ipv6({.next_header = kProtoIpIp}, v4Tcp());
    core::Packet pkt;
    DecodeError error = DecodeError::kCount;
    ASSERT_EQ(PacketDecoder::decodeReassembled(datagram.data(), datagram.size(), kTs, 0, false, pkt,
                                               error),
              DecodeResult::kPacket);
    EXPECT_TRUE(pkt.tunneled);
    EXPECT_EQ(pkt.l3_offset, 40u);
    EXPECT_EQ(pkt.dst_port, 443);
}

TEST(PacketDecoder, ReassembledDatagramThatIsStillFragmentedIsDropped) {
    core::Packet pkt;
    DecodeError error = DecodeError::kNone;
    const Bytes v4frag = ipv4({.more_fragments = true}, filler(16));
    EXPECT_EQ(
        PacketDecoder::decodeReassembled(v4frag.data(), v4frag.size(), kTs, 0, false, pkt, error),
        DecodeResult::kDropped);
    EXPECT_EQ(error, DecodeError::kBadIpv4Header);

    const Bytes v6frag = ipv6({.next_header = kProtoFragment},
                              concat(ipv6Fragment(kProtoUdp, 16, false, 1), filler(8)));
    EXPECT_EQ(
        PacketDecoder::decodeReassembled(v6frag.data(), v6frag.size(), kTs, 0, false, pkt, error),
        DecodeResult::kDropped);
    EXPECT_EQ(error, DecodeError::kBadIpv6ExtensionHeader);
}

TEST(PacketDecoder, ReassembledGarbageIsNotIp) {
    core::Packet pkt;
    DecodeError error = DecodeError::kNone;
    const Bytes junk{0x00, 0x01};
    EXPECT_EQ(PacketDecoder::decodeReassembled(junk.data(), junk.size(), kTs, 0, false, pkt, error),
              DecodeResult::kDropped);
    EXPECT_EQ(error, DecodeError::kNotIp);
    EXPECT_EQ(PacketDecoder::decodeReassembled(nullptr, 0, kTs, 0, false, pkt, error),
              DecodeResult::kDropped);
}

// --- every drop reason ----------------------------------------------------------------------

struct DropCase {
    std::string name;
    int link_type;
    Bytes frame;
    std::optional<uint32_t> snaplen;
    DecodeError expected;
};

Bytes eth4(const Bytes& l3) {
    return concat(ethernet(kEthIpv4), l3);
}
Bytes eth6(const Bytes& l3) {
    return concat(ethernet(kEthIpv6), l3);
}
Bytes first(const Bytes& b, size_t n) {
    return Bytes(b.begin(), b.begin() + static_cast<long>(n));
}

std::vector<DropCase> dropCases() {
    using E = DecodeError;
    std::vector<DropCase> cases;
    const auto add = [&cases](std::string name, int link_type, Bytes frame, DecodeError expected,
                              std::optional<uint32_t> snaplen = {}) {
        cases.push_back({std::move(name), link_type, std::move(frame), snaplen, expected});
    };
    const Bytes tcp_hdr = tcp({});
    const int eth = DLT_EN10MB;

    add("unsupported link", DLT_USER0, concat(ethernet(kEthIpv4), v4Tcp()),
        E::kUnsupportedLinkType);

    add("short ethernet", eth, filler(13), E::kTruncatedLinkHeader);
    add("short sll", DLT_LINUX_SLL, first(linuxSll(kEthIpv4), 15), E::kTruncatedLinkHeader);
    add("short sll2", DLT_LINUX_SLL2, first(linuxSll2(kEthIpv4), 19), E::kTruncatedLinkHeader);
    add("short null", DLT_NULL, Bytes{2, 0, 0}, E::kTruncatedLinkHeader);
    add("short loop", DLT_LOOP, Bytes{0, 0}, E::kTruncatedLinkHeader);
    add("ppp without protocol", DLT_PPP, Bytes{0xff, 0x03}, E::kTruncatedLinkHeader);
    add("ppp half protocol", DLT_PPP, Bytes{0x00}, E::kTruncatedLinkHeader);
    add("short c_hdlc", DLT_C_HDLC, Bytes{0x0f, 0, 8}, E::kTruncatedLinkHeader);
    add("short c_hdlc on ppp", DLT_PPP, Bytes{0x8f, 0, 8}, E::kTruncatedLinkHeader);
    add("short ppp_serial", DLT_PPP_SERIAL, Bytes{0xff, 3, 0}, E::kTruncatedLinkHeader);
    add("empty raw", DLT_RAW, Bytes{}, E::kTruncatedLinkHeader);
    add("short llc", eth, concat(ethernet8023(1), Bytes{0xAA}), E::kTruncatedLinkHeader);
    add("short snap", eth, concat(ethernet8023(3), Bytes{0xAA, 0xAA, 3}), E::kTruncatedLinkHeader);

    add("short vlan", eth, concat(ethernet(kEthVlan), Bytes{0, 1}), E::kTruncatedVlanHeader);
    add("short inner vlan", eth, concat(ethernet(kEthVlan, {1}, true), Bytes{0, 1, 0x81}),
        E::kTruncatedVlanHeader);
    add("short pppoe", eth,
        first(concat(ethernet(kEthPppoeSession), pppoeSession(kPppIpv4, v4Tcp())), 21),
        E::kTruncatedPppoeHeader);
    add("mpls without bottom of stack", eth, concat(ethernet(kEthMpls), mpls({16, 17}, false)),
        E::kTruncatedMplsHeader);
    add("short mpls label", eth, concat(ethernet(kEthMpls), Bytes{0, 1}), E::kTruncatedMplsHeader);
    add("mpls with nothing after", eth, concat(ethernet(kEthMpls), mpls({16})),
        E::kTruncatedMplsHeader);

    add("arp", eth, concat(ethernet(kEthArp), filler(28)), E::kNotIp);
    add("lldp", eth, concat(ethernet(0x88CC), filler(40)), E::kNotIp);
    add("ipv6 ethertype, version 4", eth, eth6(ipv6({.version_override = 4}, tcp_hdr)), E::kNotIp);

    add("short ipv4", eth, eth4(first(v4Tcp(), 19)), E::kTruncatedIpv4Header);
    add("ipv4 options cut", eth, eth4(ipv4({.options = filler(40, 1)}, tcp_hdr)),
        E::kTruncatedIpv4Header, 14 + 40);
    add("ipv4 version 5", eth, eth4(ipv4({.version_override = 5}, tcp_hdr)), E::kBadIpv4Header);
    add("ipv4 ihl 4", eth, eth4(ipv4({.ihl_override = 4}, tcp_hdr)), E::kBadIpv4Header);
    add("ipv4 total < ihl", eth,
        eth4(ipv4({.options = filler(12, 1), .total_length_override = 30}, tcp_hdr)),
        E::kBadIpv4Header);
    add("ipv4 total < 20", eth, eth4(ipv4({.total_length_override = 19}, tcp_hdr)),
        E::kBadIpv4Header);

    add("short ipv6", eth, eth6(first(v6Udp(), 39)), E::kTruncatedIpv6Header);
    // Hop-by-hop header claiming 16 bytes with 8 left.
    add("ipv6 ext past end", eth,
        eth6(ipv6({.next_header = kProtoHopByHop}, concat(Bytes{kProtoUdp, 1}, filler(6)))),
        E::kBadIpv6ExtensionHeader);
    add("ipv6 ext past payload length", eth,
        concat(eth6(ipv6({.next_header = kProtoDestOptions, .payload_length_override = 4},
                         ipv6DestOptions(kProtoUdp))),
               Bytes(8, 0)),
        E::kBadIpv6ExtensionHeader);
    add("ipv6 short fragment header", eth,
        eth6(ipv6({.next_header = kProtoFragment}, Bytes{kProtoUdp, 0, 0, 8, 0, 0})),
        E::kBadIpv6ExtensionHeader);
    add("ipv6 ext cut by snaplen", eth,
        eth6(ipv6({.next_header = kProtoHopByHop}, concat(ipv6HopByHop(kProtoUdp, 4), udp(1, 2)))),
        E::kBadIpv6ExtensionHeader, 14 + 40 + 16);

    add("short tcp", eth, eth4(ipv4({}, first(tcp_hdr, 19))), E::kTruncatedTcpHeader);
    add("tcp cut by snaplen", eth, eth4(ipv4({}, tcp({}, filler(100)))), E::kTruncatedTcpHeader,
        14 + 20 + 10);
    add("tcp data offset 4", eth, eth4(ipv4({}, tcp({.data_offset_override = 4}, filler(8)))),
        E::kBadTcpHeaderLength);
    add("tcp data offset past datagram", eth,
        eth6(ipv6({}, tcp({.data_offset_override = 15}, filler(8)))), E::kBadTcpHeaderLength);
    add("short udp", eth, eth4(ipv4({.proto = kProtoUdp}, first(udp(1, 2), 7))),
        E::kTruncatedUdpHeader);
    add("udp length 7", eth, eth4(ipv4({.proto = kProtoUdp}, udp(1, 2, {}, 7))), E::kBadUdpLength);
    add("short icmp", eth, eth4(ipv4({.proto = kProtoIcmp}, Bytes{8, 0, 0})),
        E::kTruncatedIcmpHeader);
    add("short icmpv6", eth, eth6(ipv6({.next_header = kProtoIcmpV6}, Bytes{128})),
        E::kTruncatedIcmpHeader);

    add("tunnel too deep", DLT_RAW, nestIpIp(v4Tcp(), 6), E::kTunnelTooDeep);
    return cases;
}

TEST(PacketDecoder, EveryDropReasonHasAFrameThatProducesIt) {
    std::set<DecodeError> seen;
    for (const DropCase& c : dropCases()) {
        SCOPED_TRACE(c.name);
        const Decoded d = decodeAs(c.link_type, c.frame, c.snaplen);
        expectDropped(d, c.expected);
        EXPECT_EQ(d.pkt.data, d.buf.data()); // always set, even when dropped
        EXPECT_EQ(d.pkt.wire_len, c.frame.size());
        seen.insert(d.error);
    }
    for (size_t i = 1; i < static_cast<size_t>(DecodeError::kCount); ++i) {
        EXPECT_TRUE(seen.count(static_cast<DecodeError>(i)))
            << "no test frame for " << kDecodeErrorNames[i];
    }
}

// --- cut everywhere -------------------------------------------------------------------------

TEST(PacketDecoder, EveryPrefixOfValidFramesDecodesSafely) {
    struct Frame {
        int link_type;
        Bytes bytes;
    };
    const std::vector<Frame> frames = {
        {DLT_EN10MB,
         concat(ethernet(kEthIpv4, {1, 2}, true),
                ipv4({.options = {1, 1, 1, 1}}, tcp({.options_len = 12}, bytes("GET /"))))},
        {DLT_EN10MB, concat(ethernet8023(60), llcSnap(kEthIpv6), v6Udp())},
        {DLT_EN10MB, concat(ethernet(kEthPppoeSession),
                            pppoeSession(kPppIpv6, ipv6({.next_header = kProtoHopByHop},
                                                        concat(ipv6HopByHop(kProtoFragment),
                                                               ipv6Fragment(kProtoTcp, 0, false, 1),
                                                               tcp({}, bytes("x"))))))},
        {DLT_EN10MB, concat(ethernet(kEthMpls), mpls({1, 2}),
                            ipv4({.proto = kProtoIpv6},
                                 ipv6({.next_header = kProtoIpIp},
                                      ipv4({.proto = kProtoIcmp}, icmp(8, 0, bytes("abc"))))))},
        {DLT_EN10MB, concat(ethernet(kEthIpv4),
                            ipv4({.proto = kProtoUdp, .more_fragments = true}, filler(24)))},
        {DLT_EN10MB,
         concat(ethernet(kEthIpv6), ipv6({.next_header = kProtoFragment},
                                         concat(ipv6Fragment(kProtoUdp, 8, true, 3), filler(16))))},
        {DLT_LINUX_SLL, concat(linuxSll(kEthVlan), Bytes{0, 3, 0x08, 0x00}, v4Tcp())},
        {DLT_LINUX_SLL2, concat(linuxSll2(kEthIpv6),
                                ipv6({.next_header = kProtoIcmpV6}, icmp(135, 0, filler(20))))},
        {DLT_RAW, nestIpIp(v4Tcp(), 3)},
        {DLT_NULL, concat(nullLoopback(24, false), v6Udp())},
        {DLT_LOOP, concat(nullLoopback(2, true), v4Tcp())},
        {DLT_PPP, concat(ppp(kPppIpv4), ipv4({.proto = kProtoGre}, filler(30)))},
        {DLT_C_HDLC, concat(ciscoHdlc(kEthIpv6), v6Udp())},
        {DLT_PPP_SERIAL, concat(ppp(kPppIpv6), v6Udp())},
    };
    for (const Frame& f : frames) {
        ASSERT_EQ(decodeAs(f.link_type, f.bytes).error, DecodeError::kNone) << f.link_type;
        for (uint32_t len = 0; len <= f.bytes.size(); ++len) {
            SCOPED_TRACE(::testing::Message() << "link " << f.link_type << " prefix " << len);
            const Decoded d = decodeAs(f.link_type, f.bytes, len);
            switch (d.result) {
            case DecodeResult::kPacket:
                EXPECT_EQ(d.error, DecodeError::kNone);
                EXPECT_LE(d.pkt.l3_offset + d.pkt.l3_len, len);
                EXPECT_LE(d.pkt.l4_offset, d.pkt.payload_offset);
                EXPECT_LE(d.pkt.payload_offset + d.pkt.payload_len, len);
                EXPECT_EQ(d.pkt.truncated, len < f.bytes.size());
                break;
            case DecodeResult::kFragment:
                EXPECT_LE(d.frag.data_offset + d.frag.data_len, len);
                EXPECT_EQ(d.frag.truncated, len < f.bytes.size());
                break;
            case DecodeResult::kDropped:
                EXPECT_NE(d.error, DecodeError::kNone);
                EXPECT_LT(d.error, DecodeError::kCount);
                break;
            default: ADD_FAILURE() << "unknown result";
            }
        }
    }
}

} // namespace
} // namespace egressmon::capture
