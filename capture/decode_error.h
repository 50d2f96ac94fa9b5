#pragma once
// Why a frame was not turned into a flow packet. Every skipped frame is counted under exactly
// one reason; the names are the metric label values and the --stats keys.

#include <array>
#include <cstdint>

namespace egressmon::capture {

// One line per reason: X(enumerator, name, help). The name is the --stats key (decode_errors)
// and the reason label of egressmon_decode_errors_total; docs/METRICS.md's list is generated
// from this (app/metrics_reference.cpp).
#define EGRESSMON_DECODE_ERRORS(X)                                                                 \
    X(kUnsupportedLinkType, "unsupported_link_type",                                               \
      "Link type egressmon cannot decode (wrong tap or encapsulation)")                            \
    X(kTruncatedLinkHeader, "truncated_link_header", "Frame shorter than its link-layer header")   \
    X(kTruncatedVlanHeader, "truncated_vlan_header", "802.1Q/802.1ad tag cut short")               \
    X(kTruncatedPppoeHeader, "truncated_pppoe_header", "PPPoE session header cut short")           \
    X(kTruncatedMplsHeader, "truncated_mpls_header", "MPLS label stack cut short")                 \
    X(kNotIp, "not_ip",                                                                            \
      "ARP, LLDP, STP, PPPoE discovery and the like: expected traffic, not a fault (not counted "  \
      "in drops)")                                                                                 \
    X(kTruncatedIpv4Header, "truncated_ipv4_header",                                               \
      "Fewer bytes than the IPv4 header (with options) needs")                                     \
    X(kBadIpv4Header, "bad_ipv4_header", "IPv4 version, IHL or total length inconsistent")         \
    X(kTruncatedIpv6Header, "truncated_ipv6_header", "Fewer than the 40 bytes of an IPv6 header")  \
    X(kBadIpv6ExtensionHeader, "bad_ipv6_extension_header",                                        \
      "IPv6 extension header chain runs past the packet")                                          \
    X(kTruncatedTcpHeader, "truncated_tcp_header", "TCP header cut short")                         \
    X(kBadTcpHeaderLength, "bad_tcp_header_length",                                                \
      "TCP data offset under 5 words or past the datagram")                                        \
    X(kTruncatedUdpHeader, "truncated_udp_header", "UDP header cut short")                         \
    X(kBadUdpLength, "bad_udp_length", "UDP length under 8")                                       \
    X(kTruncatedIcmpHeader, "truncated_icmp_header", "ICMP header cut short")                      \
    X(kTunnelTooDeep, "tunnel_too_deep", "IP-in-IP nested beyond the decoder's limit")             \
    /* one X(...) per reason, above this line */

#define EGRESSMON_DECODE_ERROR_ENUM_(e, name, help) e,
#define EGRESSMON_DECODE_ERROR_NAME_(e, name, help) name,
#define EGRESSMON_DECODE_ERROR_HELP_(e, name, help) help,

enum class DecodeError : uint8_t {
    kNone = 0,
    EGRESSMON_DECODE_ERRORS(EGRESSMON_DECODE_ERROR_ENUM_) kCount
};

inline constexpr std::array<const char*, static_cast<size_t>(DecodeError::kCount)>
    kDecodeErrorNames = {"none", EGRESSMON_DECODE_ERRORS(EGRESSMON_DECODE_ERROR_NAME_)};
inline constexpr std::array<const char*, static_cast<size_t>(DecodeError::kCount)>
    kDecodeErrorHelp = {"", EGRESSMON_DECODE_ERRORS(EGRESSMON_DECODE_ERROR_HELP_)};

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
