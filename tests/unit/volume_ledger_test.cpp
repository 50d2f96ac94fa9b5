// The volume ledger (dpi/policy/volume_ledger.h): a host's window sum, exact at the byte and
// at the microsecond, one crossing per window, eviction at max_hosts, stale handles, and the
// same sum when several threads add to one host at once.

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "dpi/policy/volume_ledger.h"

namespace egressmon::dpi {
namespace {

core::IpAddress host(uint8_t last) {
    const uint8_t b[4] = {10, 0, 0, last};
    return core::IpAddress::fromV4(b);
}

constexpr uint64_t kSecond = 1'000'000;
constexpr uint64_t kT0 = 1'700'000'000 * kSecond;

VolumeLedger ledger(uint32_t max_hosts, uint64_t threshold = 100, uint64_t window_s = 60) {
    return VolumeLedger(max_hosts, {{threshold, window_s * kSecond}});
}

TEST(VolumeLedger, CrossesOnlyWhenTheSumGoesPastTheThreshold) {
    VolumeLedger l = ledger(4);
    const auto h = l.acquire(host(1)).handle;
    uint64_t flow_a = 0, flow_b = 0;
    auto r = l.add(h, 0, 60, kT0, flow_a);
    EXPECT_FALSE(r.crossed);
    r = l.add(h, 0, 40, kT0 + 1, flow_b); // exactly 100: not more than 100
    EXPECT_FALSE(r.crossed);
    EXPECT_EQ(r.bytes, 100u);
    EXPECT_EQ(r.flows, 2u);
    r = l.add(h, 0, 1, kT0 + 2, flow_a); // 101
    EXPECT_TRUE(r.crossed);
    EXPECT_EQ(r.bytes, 101u);
    EXPECT_EQ(r.flows, 2u); // flow_a was already in the window
    EXPECT_EQ(r.window_start_us, kT0);
    r = l.add(h, 0, 1000, kT0 + 3, flow_a);
    EXPECT_FALSE(r.crossed); // once per window
}

TEST(VolumeLedger, AWindowEndsExactlyAtItsLength) {
    VolumeLedger l = ledger(4);
    const auto h = l.acquire(host(1)).handle;
    uint64_t f = 0;
    l.add(h, 0, 60, kT0, f);
    auto r = l.add(h, 0, 41, kT0 + 60 * kSecond - 1, f); // last microsecond: same window
    EXPECT_TRUE(r.crossed);
    r = l.add(h, 0, 60, kT0 + 60 * kSecond + 5, f); // opens the next, which starts here
    EXPECT_FALSE(r.crossed);
    EXPECT_EQ(r.bytes, 60u);
    EXPECT_EQ(r.window_start_us, kT0 + 60 * kSecond + 5);
    r = l.add(h, 0, 41, kT0 + 120 * kSecond + 4, f);
    EXPECT_TRUE(r.crossed);                          // 101 in the second window: a second alert
    r = l.add(h, 0, 50, kT0 + 120 * kSecond + 5, f); // the second window's end: a third
    EXPECT_FALSE(r.crossed);
    EXPECT_EQ(r.bytes, 50u);
    EXPECT_EQ(r.window_start_us, kT0 + 120 * kSecond + 5);
    EXPECT_TRUE(l.add(h, 0, 51, kT0 + 120 * kSecond + 6, f).crossed);
}

TEST(VolumeLedger, OneAddPastTheThresholdAloneCrosses) {
    VolumeLedger l = ledger(1, 100);
    uint64_t f = 0;
    const auto r = l.add(l.acquire(host(1)).handle, 0, 5000, kT0, f);
    EXPECT_TRUE(r.crossed);
    EXPECT_EQ(r.flows, 1u);
}

TEST(VolumeLedger, AnOlderPacketCountsIntoTheCurrentWindow) {
    VolumeLedger l = ledger(1);
    const auto h = l.acquire(host(1)).handle;
    uint64_t f = 0;
    l.add(h, 0, 60, kT0, f);
    const auto r = l.add(h, 0, 50, kT0 - 10, f); // a worker behind the others
    EXPECT_TRUE(r.crossed);
    EXPECT_EQ(r.window_start_us, kT0);
}

TEST(VolumeLedger, HostsAndColumnsAreSeparate) {
    VolumeLedger l(4, {{100, 60 * kSecond}, {10, 60 * kSecond}});
    const auto a = l.acquire(host(1)).handle;
    const auto b = l.acquire(host(2)).handle;
    EXPECT_NE(a.slot, b.slot);
    EXPECT_EQ(l.acquire(host(1)).handle.slot, a.slot);
    uint64_t fa0 = 0, fa1 = 0, fb0 = 0;
    EXPECT_FALSE(l.add(a, 0, 60, kT0, fa0).crossed);
    EXPECT_TRUE(l.add(a, 1, 60, kT0, fa1).crossed);
    EXPECT_FALSE(l.add(b, 0, 60, kT0, fb0).crossed);
    EXPECT_EQ(l.hostsTracked(), 2u);
}

TEST(VolumeLedger, AtTheBoundTheLeastRecentlyUsedHostIsEvicted) {
    VolumeLedger l = ledger(2);
    const auto a = l.acquire(host(1));
    const auto b = l.acquire(host(2));
    EXPECT_FALSE(a.evicted);
    EXPECT_FALSE(b.evicted);
    EXPECT_EQ(l.acquire(host(1)).handle.slot, a.handle.slot); // host 1 is now the most recent
    uint64_t fa = 0, fb = 0;
    l.add(a.handle, 0, 60, kT0, fa);
    l.add(b.handle, 0, 60, kT0, fb);
    const auto c = l.acquire(host(3)); // full: host 2 goes
    EXPECT_TRUE(c.evicted);
    EXPECT_EQ(c.handle.slot, b.handle.slot);
    EXPECT_EQ(l.hostsTracked(), 2u);
    // Host 1 kept its sum; host 2's old handle is stale, and host 2 comes back from zero.
    EXPECT_TRUE(l.add(a.handle, 0, 41, kT0 + 1, fa).crossed);
    EXPECT_TRUE(l.add(b.handle, 0, 41, kT0 + 1, fb).stale);
    const auto b2 = l.acquire(host(2)); // evicts host 1 (host 3 is more recent)
    EXPECT_TRUE(b2.evicted);
    uint64_t fb2 = 0;
    const auto r = l.add(b2.handle, 0, 41, kT0 + 2, fb2);
    EXPECT_FALSE(r.crossed);
    EXPECT_EQ(r.bytes, 41u);
    // The new host in a slot never sees the old host's bytes.
    uint64_t fc = 0;
    EXPECT_EQ(l.add(c.handle, 0, 1, kT0 + 2, fc).bytes, 1u);
}

TEST(VolumeLedger, HostsPastTheFirstChunkOfWindowsKeepTheirOwnSums) {
    // Windows come 1,024 hosts at a time: hosts in the first, second and third chunk (and the
    // last slot, 2,999) each keep their own sum, and the bound still evicts at 3,000.
    VolumeLedger l = ledger(3000, 1'000'000);
    const auto hostNumber = [](uint32_t i) {
        const uint8_t b[4] = {10, static_cast<uint8_t>(i >> 16), static_cast<uint8_t>(i >> 8),
                              static_cast<uint8_t>(i)};
        return core::IpAddress::fromV4(b);
    };
    std::vector<VolumeLedger::Handle> handles;
    for (uint32_t i = 0; i < 3000; ++i) {
        const auto got = l.acquire(hostNumber(i));
        ASSERT_FALSE(got.evicted);
        ASSERT_EQ(got.handle.slot, i);
        handles.push_back(got.handle);
        uint64_t counted = 0;
        l.add(got.handle, 0, i + 1, kT0, counted);
    }
    for (uint32_t i : {0u, 1023u, 1024u, 2047u, 2048u, 2999u}) {
        uint64_t counted = 0;
        EXPECT_EQ(l.add(handles[i], 0, 1, kT0 + 1, counted).bytes, i + 2u) << i;
    }
    EXPECT_EQ(l.hostsTracked(), 3000u);
    const auto extra = l.acquire(hostNumber(3000));
    EXPECT_TRUE(extra.evicted);
    EXPECT_EQ(extra.handle.slot, 0u); // acquired longest ago (adding bytes is no acquire)
}

TEST(VolumeLedger, AnAdderUsesHandlesFromChunksMadeWhileItRuns) {
    // One thread takes 3,000 hosts (three chunks of windows made as it goes) while another adds
    // to each host as soon as its handle is published: under ThreadSanitizer this is where a
    // chunk published without ordering would show.
    VolumeLedger l = ledger(3000, 1'000'000);
    std::vector<VolumeLedger::Handle> handles(3000);
    std::atomic<uint32_t> published{0};
    std::thread taker([&] {
        for (uint32_t i = 0; i < 3000; ++i) {
            const uint8_t b[4] = {10, 1, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
            handles[i] = l.acquire(core::IpAddress::fromV4(b)).handle;
            published.store(i + 1, std::memory_order_release);
        }
    });
    std::vector<uint64_t> added(3000, 0);
    for (uint32_t done = 0; done < 3000;) {
        const uint32_t upto = published.load(std::memory_order_acquire);
        for (; done < upto; ++done) {
            uint64_t counted = 0;
            added[done] = l.add(handles[done], 0, done + 1, kT0, counted).bytes;
        }
    }
    taker.join();
    for (uint32_t i = 0; i < 3000; ++i)
        ASSERT_EQ(added[i], i + 1u) << i;
}

TEST(VolumeLedger, NoRoomTracksNothing) {
    VolumeLedger l = ledger(0);
    const auto a = l.acquire(host(1));
    EXPECT_EQ(a.handle.slot, VolumeLedger::kNoSlot);
    uint64_t f = 0;
    const auto r = l.add(a.handle, 0, 1000, kT0, f);
    EXPECT_FALSE(r.crossed);
    EXPECT_FALSE(r.stale);
}

TEST(VolumeLedger, SumsSaturateInsteadOfWrapping) {
    VolumeLedger l = ledger(1, VolumeLedger::kMaxSum - 1);
    const auto h = l.acquire(host(1)).handle;
    uint64_t f = 0;
    EXPECT_FALSE(l.add(h, 0, VolumeLedger::kMaxSum - 1, kT0, f).crossed);
    const auto r = l.add(h, 0, VolumeLedger::kMaxSum, kT0, f);
    EXPECT_TRUE(r.crossed);
    EXPECT_EQ(r.bytes, VolumeLedger::kMaxSum);
    EXPECT_EQ(l.add(h, 0, 1, kT0, f).bytes, VolumeLedger::kMaxSum);
}

// Four threads (workers) add one byte at a time to one host: the sum is exact and exactly one
// of them sees it cross.
TEST(VolumeLedger, ConcurrentAddersShareOneExactSum) {
    constexpr uint64_t kPerThread = 20000;
    constexpr unsigned kThreads = 4;
    VolumeLedger l = ledger(8, kThreads * kPerThread - 1, 3600);
    std::atomic<unsigned> crossings{0};
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < kThreads; ++t)
        threads.emplace_back([&] {
            const auto h = l.acquire(host(7)).handle;
            uint64_t f = 0;
            for (uint64_t i = 0; i < kPerThread; ++i)
                if (l.add(h, 0, 1, kT0 + i, f).crossed) ++crossings;
        });
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(crossings.load(), 1u);
    uint64_t f = 0;
    const auto r = l.add(l.acquire(host(7)).handle, 0, 0, kT0, f);
    EXPECT_EQ(r.bytes, kThreads * kPerThread);
    EXPECT_EQ(r.flows, kThreads + 1); // each thread is one flow, this call another
}

} // namespace
} // namespace egressmon::dpi
