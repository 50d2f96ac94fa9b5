#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <unistd.h>

#include <gtest/gtest.h>

#include "export/record_sink.h"

using egressmon::exporting::RecordSink;
using egressmon::exporting::SinkOptions;
using egressmon::exporting::SinkRecord;

SinkOptions options(unsigned producers, bool lossless, size_t ring_capacity = 16384) {
    SinkOptions o;
    o.producers = producers;
    o.lossless = lossless;
    o.ring_capacity = ring_capacity;
    return o;
}

namespace {
std::string tempPath(const char* name) {
    return ::testing::TempDir() + "/" + name + std::to_string(getpid());
}
size_t countLines(const std::string& path) {
    std::ifstream in(path);
    size_t n = 0;
    for (std::string line; std::getline(in, line);)
        ++n;
    return n;
}
} // namespace

TEST(RecordSink, LosslessSinkWritesEveryRecordFromEveryProducer) {
    const std::string path = tempPath("sink_lossless");
    std::remove(path.c_str());
    auto sink = RecordSink::open(path, options(2, /*lossless=*/true, /*ring_capacity=*/4));
    std::thread a([&] {
        for (int i = 0; i < 5000; ++i)
            sink->publish(0, SinkRecord{"{\"a\":" + std::to_string(i) + "}\n", 0, 0});
    });
    std::thread b([&] {
        for (int i = 0; i < 5000; ++i)
            sink->publish(1, SinkRecord{"{\"b\":" + std::to_string(i) + "}\n", 0, 0});
    });
    a.join();
    b.join();
    sink->close();
    EXPECT_EQ(sink->counters().written, 10000u);
    EXPECT_EQ(sink->counters().dropped(), 0u);
    EXPECT_EQ(countLines(path), 10000u);
    std::remove(path.c_str());
}

TEST(RecordSink, FullRingDropsAndCountsInsteadOfWaiting) {
    const std::string path = tempPath("sink_lossy");
    std::remove(path.c_str());
    auto sink = RecordSink::open(path, options(1, /*lossless=*/false, /*ring_capacity=*/2));
    for (int i = 0; i < 20000; ++i)
        sink->publish(0, SinkRecord{std::string(200, 'x') + "\n", 0, 0});
    sink->close();
    const auto c = sink->counters();
    EXPECT_EQ(c.written + c.ring_dropped, 20000u); // every record accounted for
    EXPECT_GT(c.ring_dropped, 0u);                 // a 2-slot ring cannot keep up
    EXPECT_EQ(countLines(path), c.written);
    std::remove(path.c_str());
}

TEST(RecordSink, StalledOutputHoldsAWaitingProducerOnlyUntilTheStopGraceEnds) {
    // The sink writes into a pipe that nobody reads: the exporter blocks, the 2-slot ring fills,
    // and a lossless producer waits. Once a stop is requested it waits stop_wait more, then
    // drops and counts the record instead of holding the sensor forever.
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    std::atomic<bool> stop{false};
    SinkOptions o = options(1, /*lossless=*/true, /*ring_capacity=*/2);
    o.stop = &stop;
    o.stop_wait = std::chrono::milliseconds(200);
    auto sink = RecordSink::open("/dev/fd/" + std::to_string(fds[1]), o);
    const std::string big(70000, 'z'); // more than the pipe's 64 KiB buffer
    std::atomic<int> published{0};
    std::thread producer([&] {
        for (int i = 0; i < 8; ++i) {
            sink->publish(0, SinkRecord{big + "\n", 0, 0});
            ++published;
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_LT(published.load(), 8); // waiting, not dropping, while no stop is requested
    EXPECT_EQ(sink->counters().ring_dropped, 0u);
    const auto stop_at = std::chrono::steady_clock::now();
    stop = true;
    producer.join();
    const auto waited = std::chrono::steady_clock::now() - stop_at;
    EXPECT_GE(waited, std::chrono::milliseconds(150));
    EXPECT_LT(waited, std::chrono::seconds(3));
    EXPECT_GT(sink->counters().ring_dropped, 0u);
    // Let the exporter finish: read the pipe dry in the background while the sink closes.
    std::thread reader([&] {
        char buf[65536];
        while (read(fds[0], buf, sizeof buf) > 0) {
        }
    });
    sink->close();
    close(fds[1]);
    reader.join();
    close(fds[0]);
    const auto c = sink->counters();
    EXPECT_EQ(c.written + c.ring_dropped + c.write_failed, 8u); // every record accounted for
}

TEST(RecordSink, WriteFailureCountsEveryLostRecord) {
    if (access("/dev/full", W_OK) != 0) GTEST_SKIP() << "/dev/full not available";
    auto sink = RecordSink::open("/dev/full", options(1, /*lossless=*/true));
    for (int i = 0; i < 1000; ++i)
        sink->publish(0, SinkRecord{std::string(100, 'y') + "\n", 0, 0});
    sink->close();
    const auto c = sink->counters();
    EXPECT_EQ(c.written, 0u);
    EXPECT_EQ(c.write_failed, 1000u);
}

TEST(RecordSink, BadSpecsAreRefusedAtStartup) {
    EXPECT_THROW(RecordSink::open("kafka://127.0.0.1:9092", options(1, true)),
                 std::invalid_argument);
    EXPECT_THROW(RecordSink::open("", options(1, true)), std::invalid_argument);
    EXPECT_THROW(RecordSink::open("/nonexistent/dir/x.json", options(1, true)), std::runtime_error);
}
