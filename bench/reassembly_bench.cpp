// core::TcpReassembler: one flow direction of 64 KiB in 1448-byte segments per iteration (a
// fresh reassembler after a SYN, close() at the end), bytes/s of payload delivered, items/s of
// segments. In-order segments are handed to the consumer without a copy, so that case costs
// per segment, not per byte.
//   BM_ReassemblyInOrder:       segments in sequence order (the common case: no buffering).
//   BM_ReassemblyOutOfOrder/2:  every pair of segments arrives swapped (each second one held).
//   BM_ReassemblyOutOfOrder/8:  segments arrive in reversed windows of 8 (up to 7 held).
//   BM_ReassemblyRetransmit:    in order, every 4th segment sent twice (retransmission).

#include <algorithm>
#include <cstdint>
#include <vector>

#include <benchmark/benchmark.h>

#include "core/packet.h"
#include "core/tcp_reassembler.h"

using namespace egressmon;

namespace {

constexpr uint32_t kStream = 64 * 1024;
constexpr uint32_t kSeg = 1448;
constexpr uint32_t kIsn = 0xfffff000; // wraps around 2^32 inside the stream

struct Segment {
    uint32_t seq;
    uint32_t offset;
    uint32_t len;
};

struct Counter : core::StreamConsumer {
    uint64_t bytes = 0;
    uint64_t gaps = 0;
    uint8_t last = 0;
    void onData(const uint8_t* data, uint32_t len) noexcept override {
        bytes += len;
        last = data[len - 1];
    }
    void onGap(uint64_t) noexcept override { ++gaps; }
};

std::vector<uint8_t> streamBytes() {
    std::vector<uint8_t> s(kStream);
    for (uint32_t i = 0; i < kStream; ++i)
        s[i] = static_cast<uint8_t>('a' + (i * 7 + i / 26) % 26);
    return s;
}

std::vector<Segment> inOrder() {
    std::vector<Segment> segs;
    for (uint32_t off = 0; off < kStream; off += kSeg)
        segs.push_back({kIsn + 1 + off, off, std::min(kSeg, kStream - off)});
    return segs;
}

void run(benchmark::State& state, const std::vector<Segment>& segs) {
    const std::vector<uint8_t> bytes = streamBytes();
    const core::ReassemblyConfig config;
    core::ReassemblyBudget budget;
    Counter out;
    uint64_t delivered = 0;
    for (auto _ : state) {
        core::TcpReassembler r(config, budget);
        r.onSegment(kIsn, nullptr, 0, core::tcpflag::kSyn, out);
        for (const Segment& s : segs)
            r.onSegment(s.seq, bytes.data() + s.offset, s.len, core::tcpflag::kAck, out);
        r.close(out);
        delivered += r.deliveredBytes();
    }
    benchmark::DoNotOptimize(out.last);
    if (delivered != static_cast<uint64_t>(state.iterations()) * kStream || out.gaps)
        state.SkipWithError("stream not delivered whole");
    state.SetBytesProcessed(static_cast<int64_t>(delivered));
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * segs.size())); // segments
}

void BM_ReassemblyInOrder(benchmark::State& state) {
    run(state, inOrder());
}
BENCHMARK(BM_ReassemblyInOrder);

void BM_ReassemblyOutOfOrder(benchmark::State& state) {
    const auto window = static_cast<size_t>(state.range(0));
    std::vector<Segment> segs = inOrder();
    for (size_t i = 0; i + window <= segs.size(); i += window)
        std::reverse(segs.begin() + static_cast<ptrdiff_t>(i),
                     segs.begin() + static_cast<ptrdiff_t>(i + window));
    run(state, segs);
}
BENCHMARK(BM_ReassemblyOutOfOrder)->Arg(2)->Arg(8);

void BM_ReassemblyRetransmit(benchmark::State& state) {
    std::vector<Segment> segs;
    const auto once = inOrder();
    for (size_t i = 0; i < once.size(); ++i) {
        segs.push_back(once[i]);
        if (i % 4 == 3) segs.push_back(once[i]);
    }
    run(state, segs);
}
BENCHMARK(BM_ReassemblyRetransmit);

} // namespace
