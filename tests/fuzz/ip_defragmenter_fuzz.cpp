// IpDefragmenter (capture/ip_defragmenter.h) fed a sequence of fragments, with small bounds so
// eviction, timeouts, the per-datagram fragment bound and the size checks are all reached.
//
// Input: a sequence of records, each starting with a control byte c:
//   c bit 7 set: a raw frame: [length: 2] then that many bytes, decoded as LINKTYPE_RAW;
//   else a fragment built here from fields: c bit 0 IPv6, bit 1 more-fragments, bits 2-3 which
//   of four datagrams, bit 4 payload bytes differ from the datagram's pattern (an overlap
//   conflict); then [offset in 8-byte units: 2][length: 1][clock step: 1].
// Every frame goes through the real PacketDecoder first; fragments go to add(), rebuilt
// datagrams to decodeReassembled() as the pipelines do.
// Checks: the bounds hold after every call; a datagram rebuilt only from consistent fragments
// carries exactly the pattern bytes at every payload offset.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "capture/ip_defragmenter.h"
#include "fuzz_input.h"

using namespace egressmon;

namespace {

constexpr capture::DefragConfig kConfig{.max_datagrams = 3,
                                        .max_bytes = 16 * 1024,
                                        .timeout_us = 50'000,
                                        .max_fragments_per_datagram = 12};

uint8_t pattern(uint32_t datagram, uint32_t payload_offset) {
    return static_cast<uint8_t>(payload_offset * 7 + datagram * 61 + 1);
}

// An IPv4 or IPv6 fragment of UDP datagram `which` between two fixed hosts.
std::vector<uint8_t> buildFragment(uint8_t control, uint16_t units, uint8_t length) {
    const bool v6 = control & 1;
    const bool more = control & 2;
    const uint32_t which = (control >> 2) & 3;
    const uint32_t offset = (units & 0x1fffu) * 8;
    std::vector<uint8_t> f(v6 ? 48 : 20);
    if (v6) {
        f[0] = 0x60;
        const uint16_t plen = static_cast<uint16_t>(8 + length);
        f[4] = static_cast<uint8_t>(plen >> 8), f[5] = static_cast<uint8_t>(plen);
        f[6] = 44; // fragment header
        f[7] = 64;
        f[8] = 0x20, f[9] = 0x01, f[10] = 0x0d, f[11] = 0xb8, f[23] = 1;   // 2001:db8::1
        f[24] = 0x20, f[25] = 0x01, f[26] = 0x0d, f[27] = 0xb8, f[39] = 2; // 2001:db8::2
        f[40] = 17;                                                        // UDP
        const uint16_t off_flags = static_cast<uint16_t>(offset | (more ? 1 : 0));
        f[42] = static_cast<uint8_t>(off_flags >> 8), f[43] = static_cast<uint8_t>(off_flags);
        f[47] = static_cast<uint8_t>(which + 1); // identification
    } else {
        const uint16_t total = static_cast<uint16_t>(20 + length);
        f[0] = 0x45;
        f[2] = static_cast<uint8_t>(total >> 8), f[3] = static_cast<uint8_t>(total);
        f[5] = static_cast<uint8_t>(which + 1); // identification
        const uint16_t flags_offset = static_cast<uint16_t>((more ? 0x2000 : 0) | (units & 0x1fff));
        f[6] = static_cast<uint8_t>(flags_offset >> 8), f[7] = static_cast<uint8_t>(flags_offset);
        f[8] = 64, f[9] = 17;
        f[12] = 10, f[15] = 1, f[16] = 10, f[19] = 2; // 10.0.0.1 -> 10.0.0.2
    }
    for (uint32_t i = 0; i < length; ++i)
        f.push_back(
            static_cast<uint8_t>(pattern(which, offset + i) ^ ((control & 0x10) ? 0x5a : 0)));
    return f;
}

// The rebuilt payload (after the IP header) must be the pattern of one datagram.
void checkPattern(std::span<const uint8_t> datagram) {
    if (datagram.size() < 20) std::abort();
    const bool v6 = (datagram[0] >> 4) == 6;
    const size_t header = v6 ? 40 : (datagram[0] & 0x0fu) * 4u;
    if (datagram.size() < header) std::abort();
    // The datagram's identity is not in the rebuilt header (fragment fields are cleared), so
    // the payload must match one of the four patterns.
    const auto payload = datagram.subspan(header);
    if (payload.empty()) return;
    for (uint32_t w = 0; w < 4; ++w) {
        bool all = true;
        for (size_t i = 0; i < payload.size() && all; ++i)
            all = payload[i] == pattern(w, static_cast<uint32_t>(i));
        if (all) return;
    }
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    capture::IpDefragmenter defrag(kConfig);
    const capture::PacketDecoder decoder(101); // LINKTYPE_RAW
    uint64_t now_us = 1'000'000;
    bool consistent = true; // only pattern fragments without conflicts so far
    while (!in.empty()) {
        const uint8_t control = in.u8();
        std::vector<uint8_t> frame;
        if (control & 0x80) {
            const auto raw = in.bytes(in.u16() % 2048);
            frame.assign(raw.begin(), raw.end());
            consistent = false;
        } else {
            const uint16_t units = in.u16();
            const uint8_t length = in.u8();
            const uint8_t step = in.u8();
            frame = buildFragment(control, units, length);
            if (control & 0x10) consistent = false;
            // Mostly small steps; large ones pass the timeout.
            now_us += (step & 0x80) ? uint64_t{step} * 1000 : step;
            if (step == 0xff) defrag.expire(now_us);
        }
        core::Packet packet;
        capture::FragmentInfo frag;
        capture::DecodeError error = capture::DecodeError::kNone;
        const auto frame_len = static_cast<uint32_t>(frame.size());
        if (decoder.decode(frame.data(), frame_len, frame_len, now_us, packet, frag, error) !=
            capture::DecodeResult::kFragment)
            continue;
        const std::span<const uint8_t> datagram = defrag.add(frag, frame.data(), now_us);
        if (defrag.datagramsInProgress() > kConfig.max_datagrams ||
            defrag.bytesHeld() > kConfig.max_bytes)
            std::abort();
        if (datagram.empty()) continue;
        // The rebuilt datagram is copied so that ASan sees its exact extent.
        const std::vector<uint8_t> rebuilt(datagram.begin(), datagram.end());
        if (consistent) checkPattern(rebuilt);
        capture::PacketDecoder::decodeReassembled(rebuilt.data(),
                                                  static_cast<uint32_t>(rebuilt.size()), now_us,
                                                  frag.vlan_id, frag.tunneled, packet, error);
    }
    const capture::DefragCounters& c = defrag.counters();
    if (c.overlap_conflicts > c.overlaps) std::abort();
    return 0;
}
