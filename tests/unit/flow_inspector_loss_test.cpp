// Mirror-port loss: a segment the capture missed, but the receiver acknowledged, is a hole to
// give up on at once; what follows it is inspected as it arrives, within the reassembly bounds.

#include <gtest/gtest.h>

#include "inspector_harness.h"

namespace egressmon::testing {
namespace {

dpi::InspectionConfig smallReassemblyWindow() {
    dpi::InspectionConfig config;
    config.reassembly.max_buffered_bytes = 4096; // out-of-order bytes held per direction
    return config;
}

// An upload whose second segment the capture lost, then 20 segments of 1000 bytes; the marking
// is in the last one, far beyond what reassembly may hold behind the hole.
void uploadAfterLostSegment(InspectorHarness& h, bool server_acks) {
    const std::string filler(1000, 'x');
    h.send(true, 0, std::string(100, 'h'));
    uint64_t offset = 200; // [100, 200) never captured
    for (int i = 0; i < 20; ++i) {
        std::string segment = filler;
        if (i == 19) segment.replace(500, 10, "TOP SECRET");
        h.send(true, offset, segment);
        offset += segment.size();
        if (server_acks) h.send(false, 0, "", static_cast<int64_t>(offset));
    }
}

TEST(FlowInspectorLoss, ReceiverAckInUninspectedDirectionGivesUpTheHole) {
    InspectorHarness h(ruleSet({keywordRule(1, {"TOP SECRET"})}, "v1"), smallReassemblyWindow());
    h.classify();
    uploadAfterLostSegment(h, /*server_acks=*/true);
    // Found while the flow is live, not only when it ends.
    ASSERT_EQ(h.alertIds(), (std::vector<uint32_t>{1}));
    EXPECT_EQ(h.alerts()[0].offset, 200u + 19 * 1000 + 500);
    EXPECT_EQ(h.inspector().reassembly().gaps, 1u);
    EXPECT_EQ(h.inspector().reassembly().depth_exceeded, 0u); // nothing dropped for the window
}

TEST(FlowInspectorLoss, WithoutAcksTheWindowBoundStillHolds) {
    InspectorHarness h(ruleSet({keywordRule(1, {"TOP SECRET"})}, "v1"), smallReassemblyWindow());
    h.classify();
    uploadAfterLostSegment(h, /*server_acks=*/false);
    h.end();
    // Nothing acknowledged the hole: the furthest data went for the bound, counted.
    EXPECT_TRUE(h.alertIds().empty());
    EXPECT_GT(h.inspector().reassembly().depth_exceeded, 0u);
}

} // namespace
} // namespace egressmon::testing
