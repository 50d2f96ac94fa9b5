// Micro-benchmarks of the per-packet path a worker runs for every packet: decode, flow hash,
// flow table lookup. Each reports bytes/s over realistic 600-byte TCP frames.
//   ./build/bench/egressmon_bench

#include <arpa/inet.h>
#include <cstring>
#include <vector>

#include <benchmark/benchmark.h>
#include <pcap/dlt.h>

#include "capture/packet_decoder.h"
#include "core/flow_key.h"
#include "core/flow_table.h"

using namespace egressmon;

namespace {

// Ethernet + IPv4 + TCP frame with `payload` bytes, from 10.0.(i>>8).(i&255):(1024+i) to
// 203.0.113.10:443.
std::vector<uint8_t> tcpFrame(uint32_t i, size_t payload) {
    std::vector<uint8_t> f(14 + 20 + 20 + payload, 0);
    f[12] = 0x08; // IPv4
    uint8_t* ip = f.data() + 14;
    ip[0] = 0x45;
    const uint16_t total = htons(static_cast<uint16_t>(40 + payload));
    std::memcpy(ip + 2, &total, 2);
    ip[8] = 64;
    ip[9] = 6;
    const uint8_t src[4] = {10, 0, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
    const uint8_t dst[4] = {203, 0, 113, 10};
    std::memcpy(ip + 12, src, 4);
    std::memcpy(ip + 16, dst, 4);
    uint8_t* tcp = ip + 20;
    const uint16_t sport = htons(static_cast<uint16_t>(1024 + i)), dport = htons(443);
    std::memcpy(tcp, &sport, 2);
    std::memcpy(tcp + 2, &dport, 2);
    tcp[12] = 0x50;
    tcp[13] = 0x18; // PSH ACK
    return f;
}

std::vector<std::vector<uint8_t>> frames(uint32_t flows) {
    std::vector<std::vector<uint8_t>> out;
    for (uint32_t i = 0; i < flows; ++i)
        out.push_back(tcpFrame(i, 546));
    return out;
}

void BM_DecodeTcpFrame(benchmark::State& state) {
    const auto fs = frames(1024);
    const capture::PacketDecoder decoder(DLT_EN10MB);
    core::Packet p;
    capture::FragmentInfo frag;
    capture::DecodeError err;
    size_t i = 0, bytes = 0;
    for (auto _ : state) {
        const auto& f = fs[i++ & 1023];
        benchmark::DoNotOptimize(decoder.decode(f.data(), f.size(), f.size(), 0, p, frag, err));
        bytes += f.size();
    }
    state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_DecodeTcpFrame);

void BM_DecodeHashAndLookup(benchmark::State& state) {
    const uint32_t flows = static_cast<uint32_t>(state.range(0));
    const auto fs = frames(flows);
    const capture::PacketDecoder decoder(DLT_EN10MB);
    core::FlowTable table(flows * 2, {});
    auto ignore = [](core::Flow&, core::FlowEndReason) {};
    core::Packet p;
    capture::FragmentInfo frag;
    capture::DecodeError err;
    size_t i = 0, bytes = 0;
    for (auto _ : state) {
        const auto& f = fs[i++ % flows];
        decoder.decode(f.data(), f.size(), f.size(), i, p, frag, err);
        const core::FlowKey key = core::FlowKey::fromPacket(p);
        const uint64_t hash = core::hashFlowKey(key, 12345);
        core::Flow* flow = table.find(key, hash);
        if (!flow) flow = table.create(key, hash, i, ignore);
        table.touch(*flow, core::TimeoutClass::kTcpEstablished, i);
        bytes += f.size();
    }
    state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_DecodeHashAndLookup)->Arg(1024)->Arg(65536);

} // namespace

BENCHMARK_MAIN();
