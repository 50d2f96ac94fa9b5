// PacketDecoder (capture/packet_decoder.h) on one frame, for every link type it supports (and
// one it does not), plus decodeReassembled on the same bytes as a rebuilt datagram.
//
// Input: [link type index][flags] then the frame. flags bit 0: wire_len is larger than caplen
// (the snaplen cut the frame); bit 1: also decode the frame as a reassembled datagram.
// The frame is the exact libFuzzer buffer, so any read past caplen is an ASan report.
// Checks: what the decoder reports lies inside the frame (payload, IP datagram, fragment data).

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <pcap/dlt.h>

#include "capture/packet_decoder.h"

using namespace egressmon;
using capture::DecodeError;
using capture::DecodeResult;

namespace {

// Every DLT the decoder classifies (capture/packet_decoder.cpp classifyLink), with the raw-IP
// aliases as files store them, and one unsupported type.
constexpr std::array<int, 15> kLinkTypes = {
    DLT_EN10MB,
    DLT_LINUX_SLL,
    DLT_LINUX_SLL2,
    DLT_RAW,
    14 /* OpenBSD DLT_RAW */,
    101 /* LINKTYPE_RAW */,
    DLT_IPV4,
    DLT_IPV6,
    DLT_NULL,
    DLT_LOOP,
    DLT_PPP,
    DLT_C_HDLC,
    DLT_PPP_SERIAL,
    DLT_IEEE802_11,
    DLT_EN10MB,
};

void checkPacket(const core::Packet& p, uint32_t caplen) {
    const uint64_t l3_end = uint64_t{p.l3_offset} + p.l3_len;
    const uint64_t payload_end = uint64_t{p.payload_offset} + p.payload_len;
    if (l3_end > caplen || payload_end > caplen) std::abort();
    if (p.l4_offset < p.l3_offset || p.payload_offset < p.l4_offset || payload_end > l3_end)
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2 || size > UINT32_MAX) return 0;
    const int link_type = kLinkTypes[data[0] % kLinkTypes.size()];
    const uint8_t flags = data[1];
    const uint8_t* frame = data + 2;
    const auto caplen = static_cast<uint32_t>(size - 2);
    const uint32_t wire_len = (flags & 1) ? caplen + 1500 : caplen;

    const capture::PacketDecoder decoder(link_type);
    core::Packet packet;
    capture::FragmentInfo frag;
    DecodeError error = DecodeError::kNone;
    switch (decoder.decode(frame, caplen, wire_len, 1'000'000, packet, frag, error)) {
    case DecodeResult::kPacket:
        if (error != DecodeError::kNone) std::abort();
        checkPacket(packet, caplen);
        break;
    case DecodeResult::kFragment:
        if (uint64_t{frag.data_offset} + frag.data_len > caplen ||
            frag.ip_header_offset + uint64_t{frag.ip_header_len} > frag.data_offset)
            std::abort();
        break;
    case DecodeResult::kDropped:
        if (error == DecodeError::kNone || error >= DecodeError::kCount) std::abort();
        break;
    }
    if (!capture::PacketDecoder::supportsLinkType(link_type) &&
        error != DecodeError::kUnsupportedLinkType)
        std::abort();

    if (flags & 2) {
        const DecodeResult r = capture::PacketDecoder::decodeReassembled(
            frame, caplen, 1'000'000, flags >> 4, flags & 4, packet, error);
        if (r == DecodeResult::kPacket) checkPacket(packet, caplen);
        if (r == DecodeResult::kDropped && error == DecodeError::kNone) std::abort();
    }
    return 0;
}
