// TcpReassembler (core/tcp_reassembler.h): both directions of one flow, segments out of order,
// overlapping, retransmitted, far ahead or behind, across 2^32, with SYN/FIN/RST, ACKs that give
// holes up, and small per-direction and worker-wide bounds so every drop path is reached.
//
// Input: [ISN client: 4][ISN server: 4] then records [control][offset: 2][length][ack: 2]:
//   control bit 0: server -> client; bit 1 SYN; bit 2 FIN; bit 3 RST; bit 4: the payload is
//   taken from the input (else it is the stream's pattern for its sequence numbers); bit 5: the
//   segment's ACK is applied to the other direction (onAck); bit 6: the offset is a full 32-bit
//   distance from the ISN (two more bytes), reaching far ahead or behind.
// Checks: the bounds hold after every call, delivered bytes are counted exactly, gaps are
// positive, everything held is returned to the budget, and while every segment of a direction
// carried its pattern, the delivered stream is that pattern at every stream position.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "core/packet.h"
#include "core/tcp_reassembler.h"
#include "fuzz_input.h"

using namespace egressmon;

namespace {

uint8_t pattern(uint32_t seq) {
    return static_cast<uint8_t>((seq * 2654435761u) >> 24);
}

// One direction: the sequence number of its first stream byte (as the reassembler fixes it)
// and the checks on what it delivers.
class Direction final : public core::StreamConsumer {
  public:
    void onData(const uint8_t* data, uint32_t len) noexcept override {
        if (len == 0 || data == nullptr || !started) std::abort();
        if (consistent)
            for (uint32_t i = 0; i < len; ++i)
                if (data[i] != pattern(start_seq + static_cast<uint32_t>(position + i)))
                    std::abort();
        position += len;
        delivered += len;
    }
    void onGap(uint64_t missing) noexcept override {
        if (missing == 0) std::abort();
        position += missing;
    }

    // The stream start rule of core/tcp_reassembler.h: a SYN fixes it at ISN + 1, otherwise the
    // first segment with payload at its own sequence number.
    void noteSegment(uint32_t seq, uint32_t len, uint8_t flags) {
        if (started) return;
        if (flags & core::tcpflag::kSyn) {
            started = true, start_seq = seq + 1;
        } else if (len > 0) {
            started = true, start_seq = seq;
        }
    }

    bool started = false;
    uint32_t start_seq = 0;
    bool consistent = true; // every segment so far carried the pattern
    uint64_t position = 0;  // stream offset of the next byte: data and gaps
    uint64_t delivered = 0;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    const uint32_t isn[2] = {in.u32(), in.u32()};
    const core::ReassemblyConfig config{.max_buffered_bytes = 1024, .max_segments = 6};
    core::ReassemblyBudget budget;
    budget.max_bytes = 1800; // below two full directions: the worker-wide refusal is reached
    {
        Direction consumers[2];
        core::TcpReassembler reassemblers[2] = {{config, budget}, {config, budget}};
        std::vector<uint8_t> payload;
        while (!in.empty()) {
            const uint8_t control = in.u8();
            const int dir = control & 1;
            uint32_t offset = in.u16();
            if (control & 0x40) offset |= static_cast<uint32_t>(in.u16()) << 16;
            const uint8_t length = in.u8();
            const uint16_t ack = in.u16();
            const uint8_t tcp_flags = static_cast<uint8_t>(
                ((control & 0x02) ? core::tcpflag::kSyn : 0) |
                ((control & 0x04) ? core::tcpflag::kFin : 0) |
                ((control & 0x08) ? core::tcpflag::kRst : 0) | core::tcpflag::kAck);
            const uint32_t seq = isn[dir] + offset;
            // A SYN's data starts one sequence number after it.
            const uint32_t first = seq + ((tcp_flags & core::tcpflag::kSyn) ? 1 : 0);
            payload.clear();
            if (control & 0x10) {
                const auto bytes = in.bytes(length);
                payload.assign(bytes.begin(), bytes.end());
                consumers[dir].consistent = false;
            } else {
                for (uint32_t i = 0; i < length; ++i)
                    payload.push_back(pattern(first + i));
            }
            consumers[dir].noteSegment(seq, static_cast<uint32_t>(payload.size()), tcp_flags);
            reassemblers[dir].onSegment(seq, payload.empty() ? nullptr : payload.data(),
                                        static_cast<uint32_t>(payload.size()), tcp_flags,
                                        consumers[dir]);
            if (control & 0x20) reassemblers[1 - dir].onAck(isn[1 - dir] + ack, consumers[1 - dir]);
            for (int d = 0; d < 2; ++d) {
                if (reassemblers[d].bufferedBytes() > config.max_buffered_bytes) std::abort();
                if (reassemblers[d].deliveredBytes() != consumers[d].position) std::abort();
            }
            if (budget.bytes_held > budget.max_bytes) std::abort();
        }
        for (int d = 0; d < 2; ++d) {
            reassemblers[d].close(consumers[d]);
            if (reassemblers[d].bufferedBytes() != 0) std::abort();
            if (reassemblers[d].deliveredBytes() != consumers[d].position) std::abort();
        }
        if (budget.bytes_held != 0) std::abort();
        if (budget.delivered_bytes != consumers[0].delivered + consumers[1].delivered) std::abort();
        if (budget.overlap_conflicts > budget.overlaps) std::abort();
    }
    if (budget.bytes_held != 0) std::abort();
    return 0;
}
