#pragma once
// Test helper: builds frames byte by byte. Every function returns a std::vector<uint8_t>; a frame
// is the concat() of its layers, outermost first, e.g.
//
//   concat(ethernet(kEthIpv4), ipv4({.proto = kProtoTcp}, tcp({.flags = kSyn}, bytes("hi"))))
//
// Layers that carry a length or checksum (IPv4, IPv6, UDP, PPPoE) take their payload and
// return header + payload, so lengths are right by construction; the *_override fields build
// bogus headers on purpose. TCP/UDP/ICMP checksums are left 0 (the decoder does not check them).
// Header-only, no dependency beyond the standard library.

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace egressmon::testing {

using Bytes = std::vector<uint8_t>;
using Ipv4Addr = std::array<uint8_t, 4>;
using Ipv6Addr = std::array<uint8_t, 16>;

inline constexpr uint16_t kEthIpv4 = 0x0800;
inline constexpr uint16_t kEthIpv6 = 0x86DD;
inline constexpr uint16_t kEthArp = 0x0806;
inline constexpr uint16_t kEthVlan = 0x8100;
inline constexpr uint16_t kEthQinQ = 0x88A8;
inline constexpr uint16_t kEthPppoeSession = 0x8864;
inline constexpr uint16_t kEthMpls = 0x8847;

inline constexpr uint16_t kPppIpv4 = 0x0021;
inline constexpr uint16_t kPppIpv6 = 0x0057;

inline constexpr uint8_t kProtoHopByHop = 0;
inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoIpIp = 4;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoIpv6 = 41;
inline constexpr uint8_t kProtoRouting = 43;
inline constexpr uint8_t kProtoFragment = 44;
inline constexpr uint8_t kProtoGre = 47;
inline constexpr uint8_t kProtoIcmpV6 = 58;
inline constexpr uint8_t kProtoNoNext = 59;
inline constexpr uint8_t kProtoDestOptions = 60;

// --- basics ---------------------------------------------------------------------------------

inline void put8(Bytes& b, uint8_t v) {
    b.push_back(v);
}
inline void put16(Bytes& b, uint16_t v) {
    b.push_back(static_cast<uint8_t>(v >> 8));
    b.push_back(static_cast<uint8_t>(v));
}
inline void put32(Bytes& b, uint32_t v) {
    put16(b, static_cast<uint16_t>(v >> 16));
    put16(b, static_cast<uint16_t>(v));
}
inline void append(Bytes& b, const Bytes& more) {
    b.insert(b.end(), more.begin(), more.end());
}

template <class... Parts> Bytes concat(const Parts&... parts) {
    Bytes out;
    (append(out, parts), ...);
    return out;
}

inline Bytes bytes(std::string_view text) {
    return Bytes(text.begin(), text.end());
}
inline Bytes filler(size_t n, uint8_t value = 0xEE) {
    return Bytes(n, value);
}

inline Ipv4Addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    return {a, b, c, d};
}
// 2001:db8::<last>, enough to tell test hosts apart.
inline Ipv6Addr v6(uint16_t last) {
    Ipv6Addr a{0x20, 0x01, 0x0d, 0xb8};
    a[14] = static_cast<uint8_t>(last >> 8);
    a[15] = static_cast<uint8_t>(last);
    return a;
}

// RFC 1071 Internet checksum.
inline uint16_t internetChecksum(const uint8_t* p, size_t n) {
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
    if (n % 2) sum += static_cast<uint32_t>(p[n - 1] << 8);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

// --- link layers ----------------------------------------------------------------------------

// Ethernet II with optional 802.1Q tags, outermost first. With `outer_8021ad` the first tag
// uses TPID 0x88A8 (provider bridge QinQ), the others 0x8100.
inline Bytes ethernet(uint16_t ethertype, const std::vector<uint16_t>& vlan_ids = {},
                      bool outer_8021ad = false) {
    Bytes b{0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01}; // dst, src
    for (size_t i = 0; i < vlan_ids.size(); ++i) {
        put16(b, (i == 0 && outer_8021ad) ? kEthQinQ : kEthVlan);
        put16(b, vlan_ids[i] & 0x0fff);
    }
    put16(b, ethertype);
    return b;
}

// Ethernet with an arbitrary list of (TPID, VLAN id) tags, for 0x9100 and other odd stacks.
inline Bytes ethernetTagged(uint16_t ethertype,
                            std::initializer_list<std::pair<uint16_t, uint16_t>> tags) {
    Bytes b{0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};
    for (const auto& [tpid, id] : tags) {
        put16(b, tpid);
        put16(b, id);
    }
    put16(b, ethertype);
    return b;
}

// 802.3 frame header: the type field holds the length of what follows (LLC + data).
inline Bytes ethernet8023(uint16_t length) {
    return ethernet(length);
}

// LLC (DSAP=SSAP=0xAA, UI) + SNAP (OUI 0, ethertype): 8 bytes.
inline Bytes llcSnap(uint16_t ethertype) {
    Bytes b{0xAA, 0xAA, 0x03, 0x00, 0x00, 0x00};
    put16(b, ethertype);
    return b;
}

// PPPoE session header (ver 1, type 1, code 0) + PPP protocol, then `payload`.
inline Bytes pppoeSession(uint16_t ppp_protocol, const Bytes& payload, uint16_t session = 1) {
    Bytes b{0x11, 0x00};
    put16(b, session);
    put16(b, static_cast<uint16_t>(payload.size() + 2));
    put16(b, ppp_protocol);
    append(b, payload);
    return b;
}

// MPLS label stack; bottom-of-stack is set on the last label unless `set_bottom` is false.
inline Bytes mpls(const std::vector<uint32_t>& labels, bool set_bottom = true) {
    Bytes b;
    for (size_t i = 0; i < labels.size(); ++i) {
        const bool bottom = set_bottom && i + 1 == labels.size();
        put32(b, (labels[i] << 12) | (bottom ? 0x100u : 0u) | 64u /* TTL */);
    }
    return b;
}

// Linux cooked capture v1 (16 bytes): packet type, ARPHRD, address length, address, protocol.
inline Bytes linuxSll(uint16_t protocol, uint16_t packet_type = 0) {
    Bytes b;
    put16(b, packet_type);
    put16(b, 1); // ARPHRD_ETHER
    put16(b, 6);
    append(b, Bytes{0x02, 0, 0, 0, 0, 0x02, 0, 0});
    put16(b, protocol);
    return b;
}

// Linux cooked capture v2 (20 bytes): protocol, reserved, ifindex, ARPHRD, type, addr len, addr.
inline Bytes linuxSll2(uint16_t protocol, uint32_t ifindex = 2) {
    Bytes b;
    put16(b, protocol);
    put16(b, 0);
    put32(b, ifindex);
    put16(b, 1); // ARPHRD_ETHER
    put8(b, 0);  // PACKET_HOST
    put8(b, 6);
    append(b, Bytes{0x02, 0, 0, 0, 0, 0x02, 0, 0});
    return b;
}

// BSD loopback (DLT_NULL / DLT_LOOP): 4-byte address family in the chosen byte order.
inline Bytes nullLoopback(uint32_t family, bool big_endian) {
    Bytes b;
    put32(b, family);
    if (!big_endian) return Bytes(b.rbegin(), b.rend());
    return b;
}

// PPP protocol field, optionally preceded by the HDLC address/control bytes 0xff 0x03.
inline Bytes ppp(uint16_t protocol, bool address_control = true) {
    Bytes b;
    if (address_control) b = {0xff, 0x03};
    put16(b, protocol);
    return b;
}

// Cisco HDLC (DLT_C_HDLC): address 0x0f (unicast), control 0, ethertype.
inline Bytes ciscoHdlc(uint16_t ethertype) {
    Bytes b{0x0f, 0x00};
    put16(b, ethertype);
    return b;
}

// --- IP -------------------------------------------------------------------------------------

struct Ipv4Spec {
    Ipv4Addr src = {10, 0, 0, 1};
    Ipv4Addr dst = {10, 0, 0, 2};
    uint8_t proto = kProtoTcp;
    uint16_t id = 0x1234;
    uint8_t ttl = 64;
    bool dont_fragment = false;
    bool more_fragments = false;
    uint16_t frag_offset = 0; // in bytes; must be a multiple of 8
    Bytes options{};          // padded with EOL to a multiple of 4
    std::optional<uint8_t> version_override{};
    std::optional<uint8_t> ihl_override{}; // in 4-byte words
    std::optional<uint16_t> total_length_override{};
};

// IPv4 header (checksum filled in) followed by `payload`.
inline Bytes ipv4(const Ipv4Spec& s, const Bytes& payload = {}) {
    Bytes opts = s.options;
    while (opts.size() % 4)
        opts.push_back(0);
    const size_t header_len = 20 + opts.size();
    const uint8_t ihl = s.ihl_override.value_or(static_cast<uint8_t>(header_len / 4));
    Bytes b;
    put8(b, static_cast<uint8_t>(s.version_override.value_or(4) << 4 | (ihl & 0x0f)));
    put8(b, 0); // DSCP/ECN
    put16(b, s.total_length_override.value_or(static_cast<uint16_t>(header_len + payload.size())));
    put16(b, s.id);
    put16(b, static_cast<uint16_t>((s.dont_fragment ? 0x4000 : 0) |
                                   (s.more_fragments ? 0x2000 : 0) | (s.frag_offset / 8)));
    put8(b, s.ttl);
    put8(b, s.proto);
    put16(b, 0);
    b.insert(b.end(), s.src.begin(), s.src.end());
    b.insert(b.end(), s.dst.begin(), s.dst.end());
    append(b, opts);
    const uint16_t sum = internetChecksum(b.data(), b.size());
    b[10] = static_cast<uint8_t>(sum >> 8);
    b[11] = static_cast<uint8_t>(sum);
    append(b, payload);
    return b;
}

struct Ipv6Spec {
    Ipv6Addr src = v6(1);
    Ipv6Addr dst = v6(2);
    uint8_t next_header = kProtoTcp;
    uint8_t hop_limit = 64;
    uint32_t flow_label = 0;
    std::optional<uint8_t> version_override{};
    std::optional<uint16_t> payload_length_override{};
};

// IPv6 fixed header followed by `payload` (extension headers included, see below).
inline Bytes ipv6(const Ipv6Spec& s, const Bytes& payload = {}) {
    Bytes b;
    put32(b,
          static_cast<uint32_t>(s.version_override.value_or(6)) << 28 | (s.flow_label & 0xfffff));
    put16(b, s.payload_length_override.value_or(static_cast<uint16_t>(payload.size())));
    put8(b, s.next_header);
    put8(b, s.hop_limit);
    b.insert(b.end(), s.src.begin(), s.src.end());
    b.insert(b.end(), s.dst.begin(), s.dst.end());
    append(b, payload);
    return b;
}

// Options-shaped extension header (hop-by-hop, destination options; also fine for routing):
// `len8` 8-octet units in total, filled with a PadN option.
inline Bytes ipv6OptionsHeader(uint8_t next_header, size_t len8 = 1) {
    Bytes b(len8 * 8, 0);
    b[0] = next_header;
    b[1] = static_cast<uint8_t>(len8 - 1);
    b[2] = 1;                                      // PadN option ...
    b[3] = static_cast<uint8_t>(len8 * 8 - 2 - 2); // ... covering the rest of the header
    return b;
}
inline Bytes ipv6HopByHop(uint8_t next_header, size_t len8 = 1) {
    return ipv6OptionsHeader(next_header, len8);
}
inline Bytes ipv6DestOptions(uint8_t next_header, size_t len8 = 1) {
    return ipv6OptionsHeader(next_header, len8);
}

// Fragment header: offset in bytes (multiple of 8), M flag, 32-bit identification.
inline Bytes ipv6Fragment(uint8_t next_header, uint16_t offset, bool more, uint32_t id) {
    Bytes b{next_header, 0};
    put16(b, static_cast<uint16_t>((offset & 0xfff8) | (more ? 1 : 0)));
    put32(b, id);
    return b;
}

// --- transport ------------------------------------------------------------------------------

struct TcpSpec {
    uint16_t src_port = 40000;
    uint16_t dst_port = 80;
    uint32_t seq = 1000;
    uint32_t ack = 0;
    uint8_t flags = 0x02; // SYN
    uint16_t window = 65535;
    size_t options_len = 0;                        // NOP-filled, rounded up to a multiple of 4
    std::optional<uint8_t> data_offset_override{}; // in 4-byte words
};

inline Bytes tcp(const TcpSpec& s, const Bytes& payload = {}) {
    const size_t opts = (s.options_len + 3) / 4 * 4;
    const uint8_t doff = s.data_offset_override.value_or(static_cast<uint8_t>((20 + opts) / 4));
    Bytes b;
    put16(b, s.src_port);
    put16(b, s.dst_port);
    put32(b, s.seq);
    put32(b, s.ack);
    put8(b, static_cast<uint8_t>(doff << 4));
    put8(b, s.flags);
    put16(b, s.window);
    put16(b, 0); // checksum
    put16(b, 0); // urgent pointer
    b.resize(b.size() + opts, 0x01);
    append(b, payload);
    return b;
}

inline Bytes udp(uint16_t src_port, uint16_t dst_port, const Bytes& payload = {},
                 std::optional<uint16_t> length_override = std::nullopt) {
    Bytes b;
    put16(b, src_port);
    put16(b, dst_port);
    put16(b, length_override.value_or(static_cast<uint16_t>(8 + payload.size())));
    put16(b, 0);
    append(b, payload);
    return b;
}

// ICMP and ICMPv6 share the layout: type, code, checksum, 4 type-specific bytes, data.
inline Bytes icmp(uint8_t type, uint8_t code, const Bytes& payload = {}, uint32_t rest = 0) {
    Bytes b{type, code, 0, 0};
    put32(b, rest);
    append(b, payload);
    return b;
}

} // namespace egressmon::testing
