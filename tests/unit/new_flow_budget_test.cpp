// dpi/classify/new_flow_budget.h: new flows per second of capture time handed to nDPI. The
// bucket starts full (one second's worth), refills with capture time, never holds more than a
// second's worth, and 0 means no budget. FlowClassifier sheds the flows over it.

#include <gtest/gtest.h>

#include "core/flow.h"
#include "core/packet.h"
#include "dpi/classify/flow_classifier.h"
#include "dpi/classify/new_flow_budget.h"

using egressmon::dpi::NewFlowBudget;

TEST(NewFlowBudget, ASecondsWorthAtOnceThenRefilledByCaptureTime) {
    NewFlowBudget budget(3);
    const uint64_t t0 = 1'700'000'000'000'000;
    EXPECT_TRUE(budget.take(t0));
    EXPECT_TRUE(budget.take(t0));
    EXPECT_TRUE(budget.take(t0));
    EXPECT_FALSE(budget.take(t0));           // the 4th within the same instant: over the budget
    EXPECT_FALSE(budget.take(t0 + 333'000)); // 0.999 tokens refilled: not yet
    EXPECT_TRUE(budget.take(t0 + 334'000));  // 1.002
    EXPECT_FALSE(budget.take(t0 + 334'000));
    // A long quiet spell refills one second's worth, no more.
    EXPECT_TRUE(budget.take(t0 + 60'000'000));
    EXPECT_TRUE(budget.take(t0 + 60'000'000));
    EXPECT_TRUE(budget.take(t0 + 60'000'000));
    EXPECT_FALSE(budget.take(t0 + 60'000'000));
}

TEST(NewFlowBudget, TimeGoingBackwardsRefillsNothing) {
    NewFlowBudget budget(1);
    EXPECT_TRUE(budget.take(5'000'000));
    EXPECT_FALSE(budget.take(4'000'000));
    EXPECT_FALSE(budget.take(5'500'000));
    EXPECT_TRUE(budget.take(6'000'000));
}

TEST(NewFlowBudget, ZeroMeansNoBudget) {
    NewFlowBudget budget(0);
    for (int i = 0; i < 100'000; ++i)
        ASSERT_TRUE(budget.take(1'000'000));
}

TEST(FlowClassifierBudget, FlowsOverTheBudgetAreShedAndFlowsInDetectionGoOn) {
    egressmon::dpi::ClassifierConfig config;
    config.max_new_flows_per_second = 2;
    egressmon::dpi::FlowClassifier classifier(config);
    uint8_t frame[64] = {};
    egressmon::core::Packet packet{};
    packet.data = frame;
    packet.caplen = packet.wire_len = sizeof frame;
    packet.ts_us = 1'700'000'000'000'000;
    egressmon::core::Flow flows[4];
    for (auto& f : flows)
        classifier.process(f, packet);
    EXPECT_NE(flows[0].dpi_state, nullptr);
    EXPECT_NE(flows[1].dpi_state, nullptr);
    for (int i : {2, 3}) {
        EXPECT_EQ(flows[i].dpi_state, nullptr);
        EXPECT_TRUE(flows[i].classification.done);
        EXPECT_EQ(flows[i].classification.app_protocol, 0);
    }
    EXPECT_EQ(classifier.counters().flows_shed, 2u);
    // A flow already in detection takes no new token: its next packets still go to nDPI.
    const uint64_t inspected = classifier.counters().packets_inspected;
    classifier.process(flows[0], packet);
    EXPECT_EQ(classifier.counters().packets_inspected, inspected + 1);
    EXPECT_EQ(classifier.counters().flows_shed, 2u);
    for (auto& f : flows)
        classifier.finish(f);
}
