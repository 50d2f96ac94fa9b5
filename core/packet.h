#pragma once
// A captured packet after decoding: where its layers start and the fields the flow layer needs.
// Produced by capture::PacketDecoder on the reader (or live-capture) thread, consumed by one
// worker. The bytes it points at are owned by whoever filled it (a pcap buffer, a batch arena,
// or the defragmenter) and stay valid only while that owner keeps them.

#include <cstdint>

#include "ip_address.h"

namespace egressmon::core {

namespace ipproto {
inline constexpr uint8_t kIcmp = 1;
inline constexpr uint8_t kIpIp = 4;
inline constexpr uint8_t kTcp = 6;
inline constexpr uint8_t kUdp = 17;
inline constexpr uint8_t kIpv6 = 41;
inline constexpr uint8_t kGre = 47;
inline constexpr uint8_t kIcmpV6 = 58;
} // namespace ipproto

namespace tcpflag {
inline constexpr uint8_t kFin = 0x01;
inline constexpr uint8_t kSyn = 0x02;
inline constexpr uint8_t kRst = 0x04;
inline constexpr uint8_t kPsh = 0x08;
inline constexpr uint8_t kAck = 0x10;
} // namespace tcpflag

struct Packet {
    // Capture time in microseconds since the Unix epoch.
    uint64_t ts_us = 0;

    // The whole frame as captured (link layer included).
    const uint8_t* data = nullptr;
    uint32_t caplen = 0;   // bytes captured
    uint32_t wire_len = 0; // bytes on the wire (>= caplen when the snaplen cut it)

    // The IP header the flow is keyed on: the innermost one after IP-in-IP decapsulation.
    // l3_len counts bytes from l3_offset to the end of the IP datagram as far as it was
    // captured (so it excludes Ethernet padding and is cut short by a snaplen).
    uint32_t l3_offset = 0;
    uint32_t l3_len = 0;
    uint32_t l4_offset = 0;      // transport header
    uint32_t payload_offset = 0; // application bytes (after TCP/UDP/ICMP header)
    uint32_t payload_len = 0;    // application bytes captured

    IpAddress src_ip;
    IpAddress dst_ip;
    uint16_t src_port = 0; // 0 for protocols without ports
    uint16_t dst_port = 0;
    uint16_t vlan_id = 0; // innermost 802.1Q id, 0 when untagged
    uint8_t ip_version = 0;
    uint8_t ip_proto = 0; // transport protocol after IPv6 extension headers

    uint8_t tcp_flags = 0;
    uint32_t tcp_seq = 0;
    uint32_t tcp_ack = 0;

    // The IP datagram is longer than what was captured (snaplen): headers are usable but the
    // payload is partial.
    bool truncated = false;
    // Decoded from inside an IP-in-IP tunnel.
    bool tunneled = false;
    // Rebuilt from IP fragments by the defragmenter.
    bool reassembled = false;
};

} // namespace egressmon::core
