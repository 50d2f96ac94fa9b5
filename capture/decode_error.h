#pragma once
// Why a frame was not turned into a flow packet. Every skipped frame is counted under exactly
// one reason; the names are the metric label values and the --stats keys.

#include <array>
#include <cstdint>

namespace egressmon::capture {

enum class DecodeError : uint8_t {
    kNone = 0,
    kUnsupportedLinkType,    // link type we cannot decode
    kTruncatedLinkHeader,    // frame shorter than its link-layer header
    kTruncatedVlanHeader,    // 802.1Q/802.1ad tag cut short
    kTruncatedPppoeHeader,   // PPPoE session header cut short
    kTruncatedMplsHeader,    // MPLS label stack cut short
    kNotIp,                  // ARP, LLDP, STP, PPPoE discovery, ...: not an error, but not IP
    kTruncatedIpv4Header,    // fewer bytes than the IPv4 header (incl. options) needs
    kBadIpv4Header,          // version/IHL/total length inconsistent
    kTruncatedIpv6Header,    // fewer than 40 bytes
    kBadIpv6ExtensionHeader, // extension header chain runs past the packet
    kTruncatedTcpHeader,
    kBadTcpHeaderLength, // data offset < 5 words or past the datagram
    kTruncatedUdpHeader,
    kBadUdpLength, // UDP length < 8
    kTruncatedIcmpHeader,
    kTunnelTooDeep, // IP-in-IP nested beyond the decoder's limit
    kCount
};

inline constexpr std::array<const char*, static_cast<size_t>(DecodeError::kCount)>
    kDecodeErrorNames = {
        "none",
        "unsupported_link_type",
        "truncated_link_header",
        "truncated_vlan_header",
        "truncated_pppoe_header",
        "truncated_mpls_header",
        "not_ip",
        "truncated_ipv4_header",
        "bad_ipv4_header",
        "truncated_ipv6_header",
        "bad_ipv6_extension_header",
        "truncated_tcp_header",
        "bad_tcp_header_length",
        "truncated_udp_header",
        "bad_udp_length",
        "truncated_icmp_header",
        "tunnel_too_deep",
};

inline const char* decodeErrorName(DecodeError e) {
    return kDecodeErrorNames[static_cast<size_t>(e)];
}

// Plain per-thread counters (Snort-style pegs), summed by whoever reports them.
struct DecodeCounters {
    std::array<uint64_t, static_cast<size_t>(DecodeError::kCount)> by_reason{};
    void count(DecodeError e) { ++by_reason[static_cast<size_t>(e)]; }
    uint64_t total() const {
        uint64_t t = 0;
        for (size_t i = 1; i < by_reason.size(); ++i)
            t += by_reason[i];
        return t;
    }
    DecodeCounters& operator+=(const DecodeCounters& o) {
        for (size_t i = 0; i < by_reason.size(); ++i)
            by_reason[i] += o.by_reason[i];
        return *this;
    }
};

} // namespace egressmon::capture
