#include <gtest/gtest.h>

#include "capture/capture_clock.h"

using egressmon::capture::CaptureClock;

namespace {
constexpr uint64_t kT0 = 1'795'514'400; // 2026-11-24T10:00:00Z
constexpr uint64_t kUs = 1'000'000;
} // namespace

TEST(CaptureClock, OrdinaryTimestampsPassThrough) {
    CaptureClock c;
    EXPECT_EQ(c.sanitize(kT0, 5), kT0 * kUs + 5);
    EXPECT_EQ(c.sanitize(kT0 + 1, 0), (kT0 + 1) * kUs);
    EXPECT_EQ(c.anomalies(), 0u);
}

TEST(CaptureClock, SmallStepBackIsKeptButDoesNotMoveTheClockBack) {
    CaptureClock c;
    c.sanitize(kT0 + 10, 0);
    EXPECT_EQ(c.sanitize(kT0 + 9, 0), (kT0 + 9) * kUs);
    EXPECT_EQ(c.now(), (kT0 + 10) * kUs);
}

TEST(CaptureClock, LoneFarFutureTimestampIsClampedAndCounted) {
    CaptureClock c;
    c.sanitize(kT0, 0);
    EXPECT_EQ(c.sanitize(0xfffffff0ull, 0), kT0 * kUs); // corrupt tv_sec
    EXPECT_EQ(c.anomalies(), 1u);
    EXPECT_EQ(c.sanitize(kT0 + 1, 0), (kT0 + 1) * kUs);
    EXPECT_EQ(c.now(), (kT0 + 1) * kUs);
}

TEST(CaptureClock, LoneFarPastTimestampIsClamped) {
    CaptureClock c;
    c.sanitize(kT0, 0);
    EXPECT_EQ(c.sanitize(0, 0), kT0 * kUs);
    EXPECT_EQ(c.anomalies(), 1u);
}

TEST(CaptureClock, ConfirmedGapIsFollowedAfterOneClampedPacket) {
    CaptureClock c;
    c.sanitize(kT0, 0);
    const uint64_t later = kT0 + 86400; // next day, same capture
    EXPECT_EQ(c.sanitize(later, 0), kT0 * kUs);
    EXPECT_EQ(c.sanitize(later + 1, 0), (later + 1) * kUs);
    EXPECT_EQ(c.now(), (later + 1) * kUs);
    EXPECT_EQ(c.anomalies(), 1u);
}

TEST(CaptureClock, NewFileSetsTheClockFreely) {
    CaptureClock c;
    c.sanitize(kT0, 0);
    c.startFile();
    EXPECT_EQ(c.sanitize(kT0 + 30 * 86400, 0), (kT0 + 30 * 86400) * kUs);
    EXPECT_EQ(c.anomalies(), 0u);
}

TEST(CaptureClock, InvalidMicrosecondsAreClampedAndCounted) {
    CaptureClock c;
    EXPECT_EQ(c.sanitize(kT0, 5'000'000), kT0 * kUs + 999'999);
    EXPECT_EQ(c.anomalies(), 1u);
}
