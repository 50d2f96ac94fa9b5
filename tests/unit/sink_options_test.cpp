// Which records may be dropped at a worker's full ring (app/pipeline_setup.h): never an alert.

#include <gtest/gtest.h>

#include "app/pipeline_setup.h"

namespace egressmon::app {
namespace {

TEST(SinkOptions, AlertsAreNeverDroppedAtTheRingNotEvenLive) {
    Options o;
    o.workers = 2;
    EXPECT_TRUE(sinkOptions(o, /*lossless=*/false, /*alerts=*/true).lossless);
    EXPECT_TRUE(sinkOptions(o, /*lossless=*/true, /*alerts=*/true).lossless);
}

TEST(SinkOptions, LiveFlowRecordsAreShedSoCaptureGoesOn) {
    Options o;
    o.workers = 2;
    EXPECT_FALSE(sinkOptions(o, /*lossless=*/false, /*alerts=*/false).lossless);
    EXPECT_TRUE(sinkOptions(o, /*lossless=*/true, /*alerts=*/false).lossless);
}

TEST(SinkOptions, OnlyAlertSinksSpool) {
    Options o;
    o.workers = 3;
    EXPECT_TRUE(sinkOptions(o, false, true).kafka.use_spool);
    EXPECT_FALSE(sinkOptions(o, false, false).kafka.use_spool);
    EXPECT_EQ(sinkOptions(o, false, true).producers, 3u);
}

} // namespace
} // namespace egressmon::app
