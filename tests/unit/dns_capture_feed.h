#pragma once
// Test helper: every UDP/53 DNS message of a capture file (pcap or pcapng, read with libpcap),
// decoded as the reader thread does (capture::PacketDecoder, IP fragments through the
// IpDefragmenter), handed to `fn(src, dst, payload, ts_us)`. Other traffic is skipped.

#include <cstdint>
#include <span>
#include <string>
#include <sys/stat.h>

#include "capture/ip_defragmenter.h"
#include "capture/packet_decoder.h"
#include "capture/pcap_handle.h"
#include "core/packet.h"

namespace egressmon::testing {

// ../shared/pcaps/ndpi beside the checkout (absent on machines without the shared data).
inline std::string sharedNdpiPcap(const std::string& name) {
    return std::string(EGRESSMON_SOURCE_DIR) + "/../shared/pcaps/ndpi/" + name;
}
inline bool fileExists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Returns the number of DNS datagrams handed to fn; throws (openCaptureFile) when the file
// cannot be opened or its link type is not supported.
template <class Fn> uint64_t forEachDnsDatagram(const std::string& path, Fn&& fn) {
    auto handle = capture::openCaptureFile(path, "");
    const capture::PacketDecoder decoder(pcap_datalink(handle.get()));
    capture::IpDefragmenter defrag;
    uint64_t datagrams = 0;
    auto deliver = [&](const core::Packet& p) {
        if (p.ip_proto != core::ipproto::kUdp || (p.src_port != 53 && p.dst_port != 53)) return;
        if (p.truncated) return;
        fn(p.src_ip, p.dst_ip, std::span<const uint8_t>(p.data + p.payload_offset, p.payload_len),
           p.ts_us);
        datagrams++;
    };
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    while (pcap_next_ex(handle.get(), &header, &data) == 1) {
        const uint64_t ts = static_cast<uint64_t>(header->ts.tv_sec) * 1'000'000 +
                            static_cast<uint64_t>(header->ts.tv_usec);
        core::Packet packet;
        capture::FragmentInfo frag;
        capture::DecodeError error{};
        const auto result =
            decoder.decode(data, header->caplen, header->len, ts, packet, frag, error);
        if (result == capture::DecodeResult::kPacket) {
            deliver(packet);
        } else if (result == capture::DecodeResult::kFragment) {
            const auto whole = defrag.add(frag, data, ts);
            if (whole.empty()) continue;
            core::Packet rebuilt;
            if (capture::PacketDecoder::decodeReassembled(
                    whole.data(), static_cast<uint32_t>(whole.size()), ts, frag.vlan_id,
                    frag.tunneled, rebuilt, error) == capture::DecodeResult::kPacket) {
                deliver(rebuilt);
            }
        }
    }
    return datagrams;
}

} // namespace egressmon::testing
