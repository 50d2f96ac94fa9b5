// Decoded layers beyond inspection-max-layers: refused, and their bytes counted, never dropped
// silently; at the bound's default the same upload is decoded and matched in full.

#include <gtest/gtest.h>

#include "inspector_harness.h"

namespace egressmon::testing {
namespace {

// A multipart upload whose only part is base64: the marking is visible only in the part's
// decoded layer (http.request.body.multipart), nested in the body's layer.
std::string multipartUpload() {
    const std::string part = "--b0undary\r\n"
                             "Content-Disposition: form-data; name=\"f\"; filename=\"r.txt\"\r\n"
                             "Content-Transfer-Encoding: base64\r\n\r\n"
                             "VE9QIFNFQ1JFVCByZXBvcnQ=\r\n" // "TOP SECRET report"
                             "--b0undary--\r\n";
    return "POST /upload HTTP/1.1\r\nHost: example.org\r\n"
           "Content-Type: multipart/form-data; boundary=b0undary\r\n"
           "Content-Length: " +
           std::to_string(part.size()) + "\r\n\r\n" + part;
}

dpi::InspectionConfig maxOpenLayers(uint32_t n) {
    dpi::InspectionConfig config;
    config.max_open_layers = n;
    return config;
}

TEST(FlowInspectorLayers, NestedPartIsDecodedAndMatchedWithinTheBound) {
    InspectorHarness h(ruleSet({keywordRule(1, {"TOP SECRET"})}, "v1"), maxOpenLayers(4));
    h.classify();
    h.send(true, 0, multipartUpload());
    h.end();
    ASSERT_EQ(h.alertIds(), (std::vector<uint32_t>{1}));
    EXPECT_EQ(h.alerts()[0].layer, "http.request.body.multipart");
    EXPECT_EQ(h.inspector().counters().layers_refused, 0u);
}

TEST(FlowInspectorLayers, LayerPastTheBoundIsRefusedAndItsBytesCounted) {
    InspectorHarness h(ruleSet({keywordRule(1, {"TOP SECRET"})}, "v1"), maxOpenLayers(1));
    h.classify();
    h.send(true, 0, multipartUpload());
    h.end();
    EXPECT_TRUE(h.alertIds().empty()); // the decoded part had no layer to be scanned in
    EXPECT_EQ(h.inspector().counters().layers_refused, 1u);
    EXPECT_EQ(h.inspector().counters().layer_bytes_refused,
              std::string("TOP SECRET report").size());
}

} // namespace
} // namespace egressmon::testing
