// Call flow of PacketDecoder::decode():
//
//   readLinkHeader()   link type -> offset of the network layer + an ethertype (or "sniff the
//                      IP version nibble" for links that carry bare IP)
//   walkToIp()         ethertype chain: 802.3 LLC/SNAP, VLAN tags (any depth), PPPoE session,
//                      MPLS label stack -> offset and version of the first IP header
//   decodeIpLayers()   IPv4 / IPv6 (+ extension headers), looping over IP-in-IP; stops at an
//                      IP fragment (kFragment) or hands the innermost datagram to
//   decodeTransport()  TCP / UDP / ICMP / ICMPv6 / anything else
//
// The link steps return DecodeError::kNone or the one reason the frame is dropped; the IP steps
// return a DecodeResult. Offsets are absolute (into the frame) and every read is checked against
// the captured end of the layer being read, never against what a header claims.

#include "packet_decoder.h"

#include <algorithm>
#include <cstdint>
#include <limits>

#include <pcap/dlt.h>

namespace egressmon::capture {
namespace {

using core::Packet;

// Network byte order readers; byte shifts so alignment never matters.
inline uint16_t be16(const uint8_t* p) noexcept {
    return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
inline uint32_t be32(const uint8_t* p) noexcept {
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
inline uint32_t le32(const uint8_t* p) noexcept {
    return (uint32_t{p[3]} << 24) | (uint32_t{p[2]} << 16) | (uint32_t{p[1]} << 8) | p[0];
}

namespace ethertype {
constexpr uint32_t kIpv4 = 0x0800;
constexpr uint32_t kIpv6 = 0x86DD;
constexpr uint32_t kVlan = 0x8100;
constexpr uint32_t kQinQ = 0x88A8;
constexpr uint32_t kQinQLegacy = 0x9100; // pre-802.1ad vendor QinQ, still seen in the wild
constexpr uint32_t kPppoeSession = 0x8864;
constexpr uint32_t kMplsUnicast = 0x8847;
constexpr uint32_t kMplsMulticast = 0x8848;
// Values up to 1500 in the Ethernet type field are an 802.3 length, not a type.
constexpr uint32_t kMax8023Length = 1500;
// Not a real ethertype (they are 16 bit): the link carries bare IP, the version nibble decides.
constexpr uint32_t kSniffIp = 0x10000;
} // namespace ethertype

namespace pppproto {
constexpr uint16_t kIpv4 = 0x0021;
constexpr uint16_t kIpv6 = 0x0057;
} // namespace pppproto

// IPv6 extension headers shaped as (next header, length in 8-octet units minus one, ...).
constexpr uint8_t kHopByHop = 0;
constexpr uint8_t kRouting = 43;
constexpr uint8_t kFragmentHeader = 44;
constexpr uint8_t kAuthHeader = 51; // length is in 4-octet units minus two (RFC 4302)
constexpr uint8_t kNoNextHeader = 59;
constexpr uint8_t kDestOptions = 60;
constexpr uint8_t kMobility = 135;
constexpr uint8_t kHip = 139;
constexpr uint8_t kShim6 = 140;

// IP-in-IP decapsulations allowed before the frame is dropped: real tunnels nest one or two
// deep; the limit bounds the work an attacker can make one frame cost.
constexpr int kMaxTunnelDepth = 4;

constexpr uint32_t kIpv4MinHeader = 20;
constexpr uint32_t kIpv6Header = 40;
constexpr uint32_t kTcpMinHeader = 20;
constexpr uint32_t kUdpHeader = 8;
constexpr uint32_t kIcmpMinHeader = 4; // type, code, checksum: enough to be ICMP at all
constexpr uint32_t kIcmpHeader = 8;    // ... plus the 4 type-specific bytes before the data

enum class LinkKind : uint8_t {
    kUnsupported,
    kEthernet,
    kSll,
    kSll2,
    kRawIp,
    kNull,
    kLoop,
    kPpp,
    kCiscoHdlc,
    kPppSerial,
};

// An if-chain rather than a switch: DLT_RAW and DLT_LOOP have different values on OpenBSD
// (14 and 12), so a switch over the raw numbers would have duplicate labels there.
LinkKind classifyLink(int link_type) noexcept {
    // 101 is LINKTYPE_RAW as stored in files; 14 is DLT_RAW as some (OpenBSD) writers store it.
    constexpr int kLinktypeRaw = 101;
    constexpr int kOpenBsdRaw = 14;
    if (link_type == DLT_EN10MB) return LinkKind::kEthernet;
    if (link_type == DLT_LINUX_SLL) return LinkKind::kSll;
    if (link_type == DLT_LINUX_SLL2) return LinkKind::kSll2;
    if (link_type == DLT_RAW || link_type == kOpenBsdRaw || link_type == kLinktypeRaw ||
        link_type == DLT_IPV4 || link_type == DLT_IPV6) {
        return LinkKind::kRawIp;
    }
    if (link_type == DLT_NULL) return LinkKind::kNull;
    if (link_type == DLT_LOOP) return LinkKind::kLoop;
    if (link_type == DLT_PPP) return LinkKind::kPpp;
    if (link_type == DLT_C_HDLC) return LinkKind::kCiscoHdlc;
    if (link_type == DLT_PPP_SERIAL) return LinkKind::kPppSerial;
    return LinkKind::kUnsupported;
}

// Maps a PPP protocol number to the ethertype of the same network protocol.
DecodeError pppToEthertype(uint16_t proto, uint32_t& type) noexcept {
    if (proto == pppproto::kIpv4) {
        type = ethertype::kIpv4;
    } else if (proto == pppproto::kIpv6) {
        type = ethertype::kIpv6;
    } else {
        return DecodeError::kNotIp; // LCP, IPCP, CHAP, ...
    }
    return DecodeError::kNone;
}

// PPP protocol field at `off`. RFC 1661 protocol-field compression sends one byte when the
// protocol fits; the full two-byte form always has an even first byte, so they cannot clash.
DecodeError readPppProtocol(const uint8_t* d, uint32_t caplen, uint32_t& off,
                            uint32_t& type) noexcept {
    if (caplen - off < 1) return DecodeError::kTruncatedLinkHeader;
    if (d[off] & 1) {
        off += 1;
        return pppToEthertype(d[off - 1], type);
    }
    if (caplen - off < 2) return DecodeError::kTruncatedLinkHeader;
    off += 2;
    return pppToEthertype(be16(d + off - 2), type);
}

// Cisco HDLC: address (0x0f unicast, 0x8f broadcast), control (0x00), 16-bit ethertype. The
// control byte is not checked, as nDPI's reader does not check it.
constexpr bool isCiscoHdlcAddress(uint8_t b) noexcept {
    return b == 0x0f || b == 0x8f;
}

DecodeError readCiscoHdlc(const uint8_t* d, uint32_t caplen, uint32_t& off,
                          uint32_t& type) noexcept {
    if (caplen < 4) return DecodeError::kTruncatedLinkHeader;
    off = 4;
    type = be16(d + 2);
    return DecodeError::kNone;
}

// DLT_NULL stores the BSD address family in the byte order of the machine that captured, so
// both orders are accepted; DLT_LOOP is always network order. IPv6 is 24, 28 or 30 depending on
// which BSD (or macOS) wrote the file.
DecodeError readLoopbackFamily(const uint8_t* d, uint32_t caplen, bool either_order,
                               uint32_t& type) noexcept {
    if (caplen < 4) return DecodeError::kTruncatedLinkHeader;
    const auto is_v6 = [](uint32_t f) { return f == 24 || f == 28 || f == 30; };
    const uint32_t be = be32(d);
    const uint32_t le = either_order ? le32(d) : be;
    if (be == 2 || le == 2) {
        type = ethertype::kIpv4;
    } else if (is_v6(be) || is_v6(le)) {
        type = ethertype::kIpv6;
    } else {
        return DecodeError::kNotIp;
    }
    return DecodeError::kNone;
}

// Reads the link-layer header: `off` becomes the start of what it carries, `type` its ethertype.
DecodeError readLinkHeader(LinkKind kind, const uint8_t* d, uint32_t caplen, uint32_t& off,
                           uint32_t& type) noexcept {
    switch (kind) {
    case LinkKind::kEthernet:
        if (caplen < 14) return DecodeError::kTruncatedLinkHeader;
        off = 14;
        type = be16(d + 12);
        return DecodeError::kNone;
    case LinkKind::kSll:
        if (caplen < 16) return DecodeError::kTruncatedLinkHeader;
        off = 16;
        type = be16(d + 14);
        return DecodeError::kNone;
    case LinkKind::kSll2:
        if (caplen < 20) return DecodeError::kTruncatedLinkHeader;
        off = 20;
        type = be16(d);
        return DecodeError::kNone;
    case LinkKind::kRawIp:
        off = 0;
        type = ethertype::kSniffIp;
        return DecodeError::kNone;
    case LinkKind::kNull:
    case LinkKind::kLoop:
        off = 4;
        return readLoopbackFamily(d, caplen, kind == LinkKind::kNull, type);
    case LinkKind::kPpp:
        // Routers' PPP-link captures also carry Cisco HDLC frames (as nDPI's reader decodes
        // them): a first byte of 0x0f or 0x8f, never the start of a PPP header in practice.
        if (caplen >= 1 && isCiscoHdlcAddress(d[0])) return readCiscoHdlc(d, caplen, off, type);
        // HDLC address/control bytes are present in some captures and absent in others.
        off = (caplen >= 2 && d[0] == 0xff && d[1] == 0x03) ? 2 : 0;
        return readPppProtocol(d, caplen, off, type);
    case LinkKind::kCiscoHdlc: return readCiscoHdlc(d, caplen, off, type);
    case LinkKind::kPppSerial:
        // Despite the name this link also carries Cisco HDLC framing (address 0x0f or 0x8f,
        // ethertype at 2-3); with PPP framing (address 0xff) bytes 2-3 are a PPP protocol.
        if (caplen >= 1 && d[0] != 0xff) return readCiscoHdlc(d, caplen, off, type);
        if (caplen < 4) return DecodeError::kTruncatedLinkHeader;
        off = 4;
        return pppToEthertype(be16(d + 2), type);
    case LinkKind::kUnsupported: break;
    }
    return DecodeError::kUnsupportedLinkType;
}

// Follows the ethertype chain from `off` to the first IP header. Every branch consumes bytes, so
// the loop ends on any input. On success `off` is the IP header and `version` 4 or 6.
DecodeError walkToIp(const uint8_t* d, uint32_t caplen, uint32_t& off, uint32_t type,
                     uint16_t& vlan_id, uint8_t& version) noexcept {
    // What an empty "sniff the version" position means: on a raw-IP link the frame is empty; after
    // MPLS the label stack ran to the end of the frame.
    DecodeError nothing_to_sniff = DecodeError::kTruncatedLinkHeader;
    for (;;) {
        const uint32_t left = caplen - off;
        const uint8_t* h = d + off;
        switch (type) {
        case ethertype::kIpv4: version = 4; return DecodeError::kNone;
        case ethertype::kIpv6: version = 6; return DecodeError::kNone;
        case ethertype::kVlan:
        case ethertype::kQinQ:
        case ethertype::kQinQLegacy:
            // The flow is keyed on the innermost tag: outer tags are the provider's.
            if (left < 4) return DecodeError::kTruncatedVlanHeader;
            vlan_id = be16(h) & 0x0fff;
            type = be16(h + 2);
            off += 4;
            break;
        case ethertype::kPppoeSession: {
            // ver/type, code, session id, length; then the PPP protocol.
            if (left < 8) return DecodeError::kTruncatedPppoeHeader;
            off += 8;
            if (const DecodeError e = pppToEthertype(be16(h + 6), type); e != DecodeError::kNone) {
                return e;
            }
            break;
        }
        case ethertype::kMplsUnicast:
        case ethertype::kMplsMulticast: {
            // MPLS does not say what it carries; after the bottom-of-stack label we sniff.
            bool bottom = false;
            while (!bottom) {
                if (caplen - off < 4) return DecodeError::kTruncatedMplsHeader;
                bottom = (d[off + 2] & 0x01) != 0;
                off += 4;
            }
            type = ethertype::kSniffIp;
            nothing_to_sniff = DecodeError::kTruncatedMplsHeader;
            break;
        }
        case ethertype::kSniffIp: {
            if (left < 1) return nothing_to_sniff;
            const uint8_t nibble = h[0] >> 4;
            if (nibble != 4 && nibble != 6) return DecodeError::kNotIp;
            version = nibble;
            return DecodeError::kNone;
        }
        default:
            if (type > ethertype::kMax8023Length) return DecodeError::kNotIp; // ARP, LLDP, ...
            // 802.3 length field: an LLC header follows. Only SNAP (DSAP=SSAP=0xAA) carries an
            // ethertype; everything else (STP, NetBIOS, IPX) is not IP.
            if (left < 2) return DecodeError::kTruncatedLinkHeader;
            if (h[0] != 0xAA || h[1] != 0xAA) return DecodeError::kNotIp;
            if (left < 8) return DecodeError::kTruncatedLinkHeader;
            type = be16(h + 6);
            off += 8;
            break;
        }
    }
}

// The extent of one IP datagram. wire_end is where its header says it ends (may lie beyond the
// capture); cap_end is where its captured bytes end (never beyond caplen or the enclosing
// datagram, so Ethernet padding and an outer snaplen cut are both excluded).
struct Extent {
    uint64_t wire_end = 0;
    uint32_t cap_end = 0;
};

// What one parsed IP header tells the next layer.
struct IpHeader {
    uint32_t header_len = 0; // incl. IPv4 options / IPv6 extension headers
    uint8_t next_proto = 0;
    Extent extent;
};

inline DecodeResult drop(DecodeError reason, DecodeError& error) noexcept {
    error = reason;
    return DecodeResult::kDropped;
}

Extent datagramExtent(uint32_t off, uint64_t claimed_len, const Extent& outer) noexcept {
    Extent e;
    e.wire_end = std::min<uint64_t>(uint64_t{off} + claimed_len, outer.wire_end);
    e.cap_end = static_cast<uint32_t>(std::min<uint64_t>(e.wire_end, outer.cap_end));
    return e;
}

// Fills the packet's network-layer fields; an inner header overwrites an outer one.
void setL3(Packet& out, uint8_t version, uint32_t off, const Extent& e, core::IpAddress src,
           core::IpAddress dst) noexcept {
    out.ip_version = version;
    out.l3_offset = off;
    out.l3_len = e.cap_end - off;
    out.src_ip = src;
    out.dst_ip = dst;
    out.truncated = e.wire_end > e.cap_end;
}

void fillFragment(const Packet& out, FragmentInfo& frag, uint32_t id, uint8_t next_proto,
                  uint32_t frag_offset, bool more, uint32_t header_len, uint32_t data_offset,
                  const Extent& e) noexcept {
    frag = FragmentInfo{};
    frag.ip_version = out.ip_version;
    frag.src_ip = out.src_ip;
    frag.dst_ip = out.dst_ip;
    frag.id = id;
    frag.next_proto = next_proto;
    frag.vlan_id = out.vlan_id;
    frag.tunneled = out.tunneled;
    frag.frag_offset = frag_offset;
    frag.more_fragments = more;
    frag.ip_header_offset = out.l3_offset;
    frag.ip_header_len = header_len;
    frag.data_offset = data_offset;
    frag.data_len = e.cap_end - data_offset;
    frag.truncated = out.truncated;
}

DecodeResult parseIpv4(const uint8_t* d, uint32_t off, const Extent& outer, Packet& out,
                       FragmentInfo& frag, IpHeader& ip, DecodeError& error) noexcept {
    const uint8_t* h = d + off;
    const uint32_t avail = outer.cap_end - off;
    if (avail < kIpv4MinHeader) return drop(DecodeError::kTruncatedIpv4Header, error);
    const uint32_t ihl = (h[0] & 0x0fu) * 4;
    uint32_t total_len = be16(h + 2);
    // Total length 0 is what a sensor sees for its own TSO/GRO super-packets (larger than 64 KiB
    // of IP can describe); the frame's own length is the only truth then.
    if (total_len == 0) {
        const uint64_t end = std::min<uint64_t>(outer.wire_end, out.wire_len);
        total_len = end > off ? static_cast<uint32_t>(end - off) : 0;
    }
    if ((h[0] >> 4) != 4 || ihl < kIpv4MinHeader || total_len < ihl) {
        return drop(DecodeError::kBadIpv4Header, error);
    }
    if (avail < ihl) return drop(DecodeError::kTruncatedIpv4Header, error);

    ip.header_len = ihl;
    ip.next_proto = h[9];
    ip.extent = datagramExtent(off, total_len, outer);
    setL3(out, 4, off, ip.extent, core::IpAddress::fromV4(h + 12), core::IpAddress::fromV4(h + 16));
    out.ip_proto = ip.next_proto;

    const uint16_t flags_offset = be16(h + 6);
    const bool more_fragments = (flags_offset & 0x2000) != 0;
    const uint32_t frag_offset = (flags_offset & 0x1fffu) * 8;
    if (more_fragments || frag_offset != 0) {
        fillFragment(out, frag, be16(h + 4), ip.next_proto, frag_offset, more_fragments, ihl,
                     off + ihl, ip.extent);
        return DecodeResult::kFragment;
    }
    return DecodeResult::kPacket;
}

DecodeResult parseIpv6(const uint8_t* d, uint32_t off, const Extent& outer, Packet& out,
                       FragmentInfo& frag, IpHeader& ip, DecodeError& error) noexcept {
    const uint8_t* h = d + off;
    if (outer.cap_end - off < kIpv6Header) return drop(DecodeError::kTruncatedIpv6Header, error);
    // There is no "bad IPv6 header" reason: a wrong version here means the ethertype (or outer
    // protocol) lied about what follows, which is counted as not IP.
    if ((h[0] >> 4) != 6) return drop(DecodeError::kNotIp, error);

    const uint32_t payload_len = be16(h + 4);
    // Payload length 0 announces a jumbogram (RFC 2675) whose real length sits in a hop-by-hop
    // option; the captured bytes are the best bound we have.
    ip.extent = payload_len == 0 ? datagramExtent(off, outer.cap_end - off, outer)
                                 : datagramExtent(off, kIpv6Header + payload_len, outer);
    setL3(out, 6, off, ip.extent, core::IpAddress::fromV6(h + 8), core::IpAddress::fromV6(h + 24));

    const uint32_t end = ip.extent.cap_end;
    uint8_t next = h[6];
    uint32_t pos = off + kIpv6Header;
    // Each header consumes at least 8 bytes, so the walk is bounded by the datagram length.
    for (;;) {
        switch (next) {
        case kHopByHop:
        case kRouting:
        case kDestOptions:
        case kMobility:
        case kHip:
        case kShim6:
        case kAuthHeader: {
            if (end - pos < 2) return drop(DecodeError::kBadIpv6ExtensionHeader, error);
            const uint32_t len =
                next == kAuthHeader ? (d[pos + 1] + 2u) * 4 : (d[pos + 1] + 1u) * 8;
            if (end - pos < len) return drop(DecodeError::kBadIpv6ExtensionHeader, error);
            next = d[pos];
            pos += len;
            break;
        }
        case kFragmentHeader: {
            if (end - pos < 8) return drop(DecodeError::kBadIpv6ExtensionHeader, error);
            const uint16_t offset_flags = be16(d + pos + 2);
            const uint32_t frag_offset = offset_flags & 0xfff8u; // already in bytes
            const bool more_fragments = (offset_flags & 0x0001) != 0;
            if (frag_offset != 0 || more_fragments) {
                fillFragment(out, frag, be32(d + pos + 4), d[pos], frag_offset, more_fragments,
                             kIpv6Header, pos + 8, ip.extent);
                return DecodeResult::kFragment;
            }
            // Atomic fragment (RFC 6946): the whole datagram, decode it as is.
            next = d[pos];
            pos += 8;
            break;
        }
        default:
            ip.header_len = pos - off;
            ip.next_proto = next;
            out.ip_proto = next;
            return DecodeResult::kPacket;
        }
    }
}

DecodeResult decodeTransport(const uint8_t* d, uint32_t l4, const Extent& e, Packet& out,
                             DecodeError& error) noexcept {
    const uint8_t* h = d + l4;
    const uint32_t avail = e.cap_end - l4;
    uint32_t payload = l4;
    uint32_t payload_end = e.cap_end;
    switch (out.ip_proto) {
    case core::ipproto::kTcp: {
        if (avail < kTcpMinHeader) return drop(DecodeError::kTruncatedTcpHeader, error);
        const uint32_t header_len = (h[12] >> 4) * 4u;
        if (header_len < kTcpMinHeader || uint64_t{l4} + header_len > e.wire_end) {
            return drop(DecodeError::kBadTcpHeaderLength, error);
        }
        out.src_port = be16(h);
        out.dst_port = be16(h + 2);
        out.tcp_seq = be32(h + 4);
        out.tcp_ack = be32(h + 8);
        out.tcp_flags = h[13];
        // Options cut by the snaplen: the header fields above are still good, and the datagram
        // is already marked truncated (wire_end > cap_end); there is just no payload.
        payload = std::min(l4 + header_len, e.cap_end);
        break;
    }
    case core::ipproto::kUdp:
        if (avail < kUdpHeader) return drop(DecodeError::kTruncatedUdpHeader, error);
        if (be16(h + 4) < kUdpHeader) return drop(DecodeError::kBadUdpLength, error);
        out.src_port = be16(h);
        out.dst_port = be16(h + 2);
        // The payload runs to the IP datagram's end: the UDP length is not trusted beyond it.
        payload = l4 + kUdpHeader;
        break;
    case core::ipproto::kIcmp:
    case core::ipproto::kIcmpV6:
        if (avail < kIcmpMinHeader) return drop(DecodeError::kTruncatedIcmpHeader, error);
        payload = l4 + std::min(avail, kIcmpHeader);
        break;
    case kNoNextHeader:
        payload_end = l4; // RFC 8200: anything after "no next header" is ignored
        break;
    default: break; // GRE, SCTP, ESP, ...: no ports, the payload is everything after the IP headers
    }
    out.l4_offset = l4;
    out.payload_offset = payload;
    out.payload_len = payload_end - payload;
    return DecodeResult::kPacket;
}

// Decodes the IP header at `off` and everything inside it, unwrapping IP-in-IP.
DecodeResult decodeIpLayers(const uint8_t* d, uint32_t off, uint8_t version, Extent outer,
                            Packet& out, FragmentInfo& frag, DecodeError& error) noexcept {
    for (int depth = 0;; ++depth) {
        IpHeader ip;
        const DecodeResult r = version == 4 ? parseIpv4(d, off, outer, out, frag, ip, error)
                                            : parseIpv6(d, off, outer, out, frag, ip, error);
        if (r != DecodeResult::kPacket) return r;
        const uint32_t inner = off + ip.header_len;
        if (ip.next_proto != core::ipproto::kIpIp && ip.next_proto != core::ipproto::kIpv6) {
            return decodeTransport(d, inner, ip.extent, out, error);
        }
        if (depth == kMaxTunnelDepth) return drop(DecodeError::kTunnelTooDeep, error);
        // The flow is keyed on the inner header: the tunnel endpoints are just transport.
        out.tunneled = true;
        version = ip.next_proto == core::ipproto::kIpIp ? 4 : 6;
        off = inner;
        outer = ip.extent;
    }
}

} // namespace

bool PacketDecoder::supportsLinkType(int link_type) noexcept {
    return classifyLink(link_type) != LinkKind::kUnsupported;
}

DecodeResult PacketDecoder::decode(const uint8_t* data, uint32_t caplen, uint32_t wire_len,
                                   uint64_t ts_us, core::Packet& out, FragmentInfo& frag,
                                   DecodeError& error) const noexcept {
    out = core::Packet{};
    out.data = data;
    out.caplen = caplen;
    out.wire_len = wire_len;
    out.ts_us = ts_us;
    error = DecodeError::kNone;

    uint32_t off = 0;
    uint32_t type = 0;
    uint8_t version = 0;
    DecodeError e = readLinkHeader(classifyLink(link_type_), data, caplen, off, type);
    if (e == DecodeError::kNone) e = walkToIp(data, caplen, off, type, out.vlan_id, version);
    if (e != DecodeError::kNone) return drop(e, error);

    const Extent frame{std::numeric_limits<uint64_t>::max(), caplen};
    return decodeIpLayers(data, off, version, frame, out, frag, error);
}

DecodeResult PacketDecoder::decodeReassembled(const uint8_t* data, uint32_t len, uint64_t ts_us,
                                              uint16_t vlan_id, bool tunneled, core::Packet& out,
                                              DecodeError& error) noexcept {
    out = core::Packet{};
    out.data = data;
    out.caplen = len;
    out.wire_len = len;
    out.ts_us = ts_us;
    out.vlan_id = vlan_id;
    out.tunneled = tunneled;
    out.reassembled = true;
    error = DecodeError::kNone;

    const uint8_t version = len > 0 ? data[0] >> 4 : 0;
    if (version != 4 && version != 6) return drop(DecodeError::kNotIp, error);

    FragmentInfo frag;
    const Extent datagram{std::numeric_limits<uint64_t>::max(), len};
    const DecodeResult r = decodeIpLayers(data, 0, version, datagram, out, frag, error);
    if (r != DecodeResult::kFragment) return r;
    // The defragmenter clears the fragment fields; still fragmented means a bogus datagram (or
    // a fragment nested in a tunnel inside it), which must not loop back into reassembly.
    return drop(frag.ip_version == 4 ? DecodeError::kBadIpv4Header
                                     : DecodeError::kBadIpv6ExtensionHeader,
                error);
}

} // namespace egressmon::capture
