// KafkaRecordWriter against a broker address where nothing listens: what it does with records
// it cannot deliver. (Delivery to a real broker is tested end to end in tests/e2e.)
#include <chrono>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "export/kafka_record_writer.h"

using namespace egressmon::exporting;

namespace {

std::string freshDir(const char* name) {
    const auto dir = std::filesystem::path(::testing::TempDir()) /
                     (std::string(name) + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    return dir.string();
}

KafkaSinkConfig deadBrokerConfig(const std::string& spool_dir, bool alerts) {
    KafkaSinkConfig c;
    c.use_spool = alerts;
    c.spool.dir = spool_dir;
    c.shutdown_grace_ms = 0;
    c.event_type = alerts ? "alert" : "flow";
    c.properties = {{"message.timeout.ms", "1500"}};
    return c;
}

SinkRecord record(int seq, uint64_t flow) {
    return SinkRecord{"{\"seq\":" + std::to_string(seq) + "}\n", flow, 0};
}

void serviceFor(KafkaRecordWriter& w, int ms) {
    for (int i = 0; i < ms; ++i) {
        w.service(true);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

const KafkaTarget kNobodyListens{"127.0.0.1:1", "alerts"};

} // namespace

TEST(KafkaRecordWriter, OutageKeepsTheOrderAlertsWereRaisedInWithinTheSpool) {
    const std::string dir = freshDir("kafka-order");
    {
        auto w = KafkaRecordWriter::open(kNobodyListens, deadBrokerConfig(dir, true));
        w->write(record(1, 7)); // sent directly: the outage is not known yet
        serviceFor(*w, 500);    // "all brokers down" arrives
        w->write(record(2, 7));
        w->write(record(3, 7));
        serviceFor(*w, 2000);
        w->finish();
        const SinkCounters c = w->counters();
        EXPECT_EQ(c.spooled, 3u);
        EXPECT_EQ(c.spool_pending, 3u);
        EXPECT_EQ(c.dropped(), 0u);
    }
    SpoolConfig sc;
    sc.dir = dir;
    auto spool = DiskSpool::open(sc);
    std::vector<SpoolRecord> out;
    ASSERT_EQ(spool->readNext(10, out), 3u);
    EXPECT_EQ(out[0].payload, "{\"seq\":1}");
    EXPECT_EQ(out[1].payload, "{\"seq\":2}");
    EXPECT_EQ(out[2].payload, "{\"seq\":3}");
    EXPECT_EQ(out[0].key, "7"); // the flow id, kept for the replay
}

TEST(KafkaRecordWriter, ShutdownSpoolsWhatIsStillQueued) {
    const std::string dir = freshDir("kafka-shutdown");
    auto w = KafkaRecordWriter::open(kNobodyListens, deadBrokerConfig(dir, true));
    for (int i = 0; i < 100; ++i)
        w->write(record(i, uint64_t(i)));
    w->finish(); // no grace: everything still queued goes to the spool
    EXPECT_EQ(w->counters().spool_pending, 100u);
    EXPECT_EQ(w->counters().dropped(), 0u);
}

TEST(KafkaRecordWriter, FlowRecordsAreShedAndCountedNotSpooled) {
    const std::string dir = freshDir("kafka-flows");
    auto w = KafkaRecordWriter::open(kNobodyListens, deadBrokerConfig(dir, false));
    for (int i = 0; i < 10; ++i)
        w->write(record(i, uint64_t(i)));
    w->finish();
    EXPECT_EQ(w->counters().shed, 10u);
    EXPECT_EQ(w->counters().spooled, 0u);
    EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(KafkaRecordWriter, PropertiesThatWouldBreakNoLossAreRefused) {
    for (const auto& [key, value] :
         std::vector<std::pair<std::string, std::string>>{{"acks", "1"},
                                                          {"enable.idempotence", "false"},
                                                          {"delivery.report.only.error", "true"},
                                                          {"transactional.id", "egressmon"}}) {
        KafkaSinkConfig c = deadBrokerConfig(freshDir("kafka-props"), true);
        c.properties = {{key, value}};
        EXPECT_THROW(KafkaRecordWriter::open(kNobodyListens, c), std::runtime_error) << key;
    }
}

TEST(KafkaRecordWriter, UnknownPropertyIsAStartupErrorNamingIt) {
    KafkaSinkConfig c = deadBrokerConfig(freshDir("kafka-unknown"), true);
    c.properties = {{"no.such.property", "1"}};
    try {
        KafkaRecordWriter::open(kNobodyListens, c);
        FAIL();
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("no.such.property"), std::string::npos);
    }
}
