#include <thread>

#include <gtest/gtest.h>

#include "core/spsc_ring.h"

using egressmon::core::SpscRing;

TEST(SpscRing, CapacityRoundsUpToPowerOfTwo) {
    SpscRing<int> r(5);
    EXPECT_EQ(r.capacity(), 8u);
}

TEST(SpscRing, PushFailsWhenFullAndPopWhenEmpty) {
    SpscRing<int> r(4);
    for (int i = 0; i < 4; ++i) {
        int v = i;
        EXPECT_TRUE(r.tryPush(v));
    }
    int extra = 9;
    EXPECT_FALSE(r.tryPush(extra));
    for (int i = 0; i < 4; ++i)
        EXPECT_EQ(*r.tryPop(), i);
    EXPECT_FALSE(r.tryPop().has_value());
}

TEST(SpscRing, TwoThreadsTransferEveryItemInOrder) {
    constexpr uint64_t kItems = 2'000'000;
    SpscRing<uint64_t> r(1024);
    std::thread producer([&] {
        for (uint64_t i = 0; i < kItems; ++i) {
            uint64_t v = i;
            while (!r.tryPush(v))
                std::this_thread::yield();
        }
    });
    uint64_t expected = 0, sum = 0;
    while (expected < kItems) {
        if (auto v = r.tryPop()) {
            ASSERT_EQ(*v, expected);
            sum += *v;
            ++expected;
        }
    }
    producer.join();
    EXPECT_EQ(sum, kItems * (kItems - 1) / 2);
    EXPECT_TRUE(r.emptyApprox());
}

TEST(SpscRing, MovesOwnershipOfStrings) {
    SpscRing<std::string> r(2);
    std::string s(1000, 'x');
    ASSERT_TRUE(r.tryPush(s));
    EXPECT_EQ(r.tryPop()->size(), 1000u);
}
