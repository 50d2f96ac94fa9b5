#pragma once
// Turns a captured frame into a core::Packet: link layer, VLAN/QinQ, PPPoE, MPLS, IPv4 (with
// options), IPv6 (with extension headers), IP-in-IP (4in4, 6in4, 4in6, 6in6), TCP, UDP, ICMP.
// GRE, VXLAN, GTP are NOT decapsulated, matching Debian's ndpiReader 4.2: their outer flow is
// reported. Runs on the thread that reads the capture; stateless apart from the link type,
// noexcept, never reads past caplen.

#include <cstdint>

#include "core/packet.h"
#include "decode_error.h"

namespace egressmon::capture {

enum class DecodeResult : uint8_t {
    kPacket,   // `out` is a complete packet ready for the flow layer
    kFragment, // an IP fragment: `frag` describes it, hand it to the IpDefragmenter
    kDropped,  // not usable: `error` says why
};

// One IPv4 or IPv6 fragment as found in a frame (offsets are into the frame).
struct FragmentInfo {
    uint8_t ip_version = 0;
    core::IpAddress src_ip;
    core::IpAddress dst_ip;
    uint32_t id = 0;        // IPv4 identification (16 bit) or IPv6 fragment id (32 bit)
    uint8_t next_proto = 0; // transport protocol of the whole datagram
    uint16_t vlan_id = 0;
    bool tunneled = false;    // the fragment was inside an IP-in-IP tunnel
    uint32_t frag_offset = 0; // byte offset of this fragment's data in the datagram payload
    bool more_fragments = false;
    uint32_t ip_header_offset = 0; // where this fragment's IP header starts in the frame
    uint32_t ip_header_len = 0;    // IPv4: IHL*4; IPv6: 40 (extension headers are not kept)
    uint32_t data_offset = 0;      // where the fragment's data starts in the frame
    uint32_t data_len = 0;         // fragment data bytes (as captured)
    bool truncated = false;        // the fragment was cut by the snaplen
};

class PacketDecoder {
  public:
    // link_type is the pcap DLT_* value as returned by pcap_datalink().
    explicit PacketDecoder(int link_type) noexcept : link_type_(link_type) {}

    static bool supportsLinkType(int link_type) noexcept;

    // Decodes one frame. Fills `out` (on kPacket), `frag` (on kFragment) or `error` (on
    // kDropped). out.data/caplen/wire_len/ts_us are always set.
    DecodeResult decode(const uint8_t* data, uint32_t caplen, uint32_t wire_len, uint64_t ts_us,
                        core::Packet& out, FragmentInfo& frag, DecodeError& error) const noexcept;

    // Decodes a datagram rebuilt by the IpDefragmenter: `data` starts at an IP header with
    // fragment fields cleared. vlan_id and tunneled come from the fragments.
    static DecodeResult decodeReassembled(const uint8_t* data, uint32_t len, uint64_t ts_us,
                                          uint16_t vlan_id, bool tunneled, core::Packet& out,
                                          DecodeError& error) noexcept;

    int linkType() const noexcept { return link_type_; }

  private:
    int link_type_;
};

} // namespace egressmon::capture
