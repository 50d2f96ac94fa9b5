// SpscRing transfer between two threads: the benchmark thread produces, a second thread consumes
// (both spin, as a loaded pipeline does). Items/s and bytes/s of what crosses the ring.
//   BM_SpscRingTransferU64:     one uint64_t per push through a 1024-slot ring.
//   BM_SpscRingBatchRoundTrip:  the reader -> worker hand-off of file_pipeline.cpp: a
//                               PacketBatch* goes over the `full` ring and comes back over the
//                               `empty` ring (8 batches, 8-slot rings); one item = one batch,
//                               which carries up to PacketBatch::kMaxPackets packets.

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "core/packet_batch.h"
#include "core/spsc_ring.h"

using namespace egressmon;

namespace {

inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    std::this_thread::yield();
#endif
}

void BM_SpscRingTransferU64(benchmark::State& state) {
    core::SpscRing<uint64_t> ring(1024);
    std::atomic<bool> done{false};
    uint64_t consumed = 0, checksum = 0;
    std::thread consumer([&] {
        uint64_t n = 0, sum = 0;
        for (;;) {
            if (auto v = ring.tryPop()) {
                sum += *v, ++n;
                continue;
            }
            if (done.load(std::memory_order_acquire) && ring.emptyApprox()) break;
            cpuRelax();
        }
        consumed = n, checksum = sum;
    });
    uint64_t produced = 0;
    for (auto _ : state) {
        uint64_t v = produced;
        while (!ring.tryPush(v))
            cpuRelax();
        ++produced;
    }
    done.store(true, std::memory_order_release);
    consumer.join();
    if (consumed != produced || checksum != produced * (produced - 1) / 2)
        state.SkipWithError("items lost in the ring");
    benchmark::DoNotOptimize(checksum);
    state.SetItemsProcessed(static_cast<int64_t>(produced));
    state.SetBytesProcessed(static_cast<int64_t>(produced * sizeof(uint64_t)));
}
BENCHMARK(BM_SpscRingTransferU64)->UseRealTime();

void BM_SpscRingBatchRoundTrip(benchmark::State& state) {
    constexpr size_t kBatches = 8; // file_pipeline.cpp's kBatchesPerWorker
    core::SpscRing<core::PacketBatch*> full(kBatches), empty(kBatches);
    std::vector<std::unique_ptr<core::PacketBatch>> pool;
    for (size_t i = 0; i < kBatches; ++i) {
        pool.push_back(std::make_unique<core::PacketBatch>());
        core::PacketBatch* b = pool.back().get();
        empty.tryPush(b);
    }
    std::atomic<bool> done{false};
    uint64_t consumed = 0, last_time = 0;
    std::thread worker([&] {
        uint64_t n = 0, t = 0;
        for (;;) {
            if (auto got = full.tryPop()) {
                core::PacketBatch* b = *got;
                t = b->reader_time_us + b->size(); // what the worker reads of every batch
                b->clear();
                empty.tryPush(b);
                ++n;
                continue;
            }
            if (done.load(std::memory_order_acquire) && full.emptyApprox()) break;
            cpuRelax();
        }
        consumed = n, last_time = t;
    });
    uint64_t sent = 0;
    for (auto _ : state) {
        core::PacketBatch* b = nullptr;
        for (;;) {
            if (auto got = empty.tryPop()) {
                b = *got;
                break;
            }
            cpuRelax();
        }
        b->reader_time_us = sent;
        while (!full.tryPush(b))
            cpuRelax();
        ++sent;
    }
    done.store(true, std::memory_order_release);
    worker.join();
    if (consumed != sent || (sent && last_time != sent - 1))
        state.SkipWithError("batches lost in the rings");
    state.SetItemsProcessed(static_cast<int64_t>(sent));
    state.SetBytesProcessed(static_cast<int64_t>(sent * sizeof(core::PacketBatch*)));
}
BENCHMARK(BM_SpscRingBatchRoundTrip)->UseRealTime();

} // namespace
