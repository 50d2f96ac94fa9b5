#include <gtest/gtest.h>

#include "export/kafka_sink_config.h"

using egressmon::exporting::parseKafkaSpec;

TEST(KafkaTarget, SplitsBrokerListAndTopic) {
    const auto t = parseKafkaSpec("kafka://k1.example:9092,10.0.0.2:9093/dlp.alerts");
    EXPECT_EQ(t.brokers, "k1.example:9092,10.0.0.2:9093");
    EXPECT_EQ(t.topic, "dlp.alerts");
}

TEST(KafkaTarget, AcceptsBracketedIpv6Broker) {
    EXPECT_EQ(parseKafkaSpec("kafka://[::1]:9092/alerts").brokers, "[::1]:9092");
}

TEST(KafkaTarget, RefusesSpecsKafkaWouldRejectLater) {
    for (const char* bad :
         {"kafka://", "kafka:///alerts", "kafka://host/alerts", "kafka://host:0/alerts",
          "kafka://host:70000/alerts", "kafka://host:9092/", "kafka://host:9092", "kafka://h:1,/t",
          "kafka://host:9092/bad topic", "kafka://host:9092/..", "kafka://[::1:9092/t"})
        EXPECT_THROW(parseKafkaSpec(bad), std::invalid_argument) << bad;
}

TEST(KafkaTarget, ErrorNamesTheSpecAndTheExpectedForm) {
    try {
        parseKafkaSpec("kafka://host:9092/");
        FAIL();
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("kafka://host:9092/"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("HOST:PORT"), std::string::npos);
    }
}
