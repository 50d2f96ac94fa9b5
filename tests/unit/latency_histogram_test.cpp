#include <cmath>

#include <gtest/gtest.h>

#include "export/latency_histogram.h"

using egressmon::exporting::LatencyHistogram;

TEST(LatencyHistogram, ObservationsLandInTheirBucketAndSum) {
    LatencyHistogram h;
    h.observe(0.0005); // <= 1 ms
    h.observe(0.003);  // <= 5 ms
    h.observe(0.003);
    h.observe(120); // beyond the last bound: +Inf
    const auto s = h.snapshot();
    EXPECT_EQ(s.count, 4u);
    EXPECT_EQ(s.buckets[0], 1u);
    EXPECT_EQ(s.buckets[2], 2u);
    EXPECT_EQ(s.buckets.back(), 1u);
    EXPECT_NEAR(s.sum_seconds, 120.0065, 1e-5);
}

TEST(LatencyHistogram, QuantilesAreBucketUpperBounds) {
    LatencyHistogram h;
    for (int i = 0; i < 98; ++i)
        h.observe(0.004);
    h.observe(0.4);
    h.observe(0.4);
    const auto s = h.snapshot();
    EXPECT_DOUBLE_EQ(s.quantileUpperBound(0.5), 0.005);
    EXPECT_DOUBLE_EQ(s.quantileUpperBound(0.99), 0.5);
}

TEST(LatencyHistogram, NegativeOrNanLatencyCountsAsImmediate) {
    LatencyHistogram h;
    h.observe(-3); // wall clock stepped back
    h.observe(std::nan(""));
    EXPECT_EQ(h.snapshot().buckets[0], 2u);
    EXPECT_EQ(h.snapshot().quantileUpperBound(0.5), 0.001);
}

TEST(LatencyHistogram, EmptyHistogramHasNoQuantile) {
    EXPECT_EQ(LatencyHistogram().snapshot().quantileUpperBound(0.99), 0);
}
