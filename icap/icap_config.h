#pragma once
// The `icap:` configuration section and --icap (INTERFACE.md "ICAP"). Plain data, parsed at
// start-up by app/options.cpp; every bound here is counted when reached (icap_counters.h).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/home_net.h"

namespace egressmon::icap {

// The one service egressmon offers: icap://ADDR:PORT/reqmod in the proxy's configuration.
inline constexpr const char* kReqmodServicePath = "/reqmod";

// What a request that passes a decision bound gets (icap.on-bound).
enum class OnBound : uint8_t { kAllow, kBlock };

struct IcapConfig {
    bool enabled = false;              // --icap or `icap:` given
    std::string address = "127.0.0.1"; // loopback unless the operator says otherwise
    uint16_t port = 1344;
    unsigned threads = 1;                  // icap.threads: event loops, each with its own engine
    uint32_t max_connections = 1024;       // icap.max-connections: all threads together
    uint64_t max_body_bytes = 64ull << 20; // icap.max-body-bytes: inspected whole up to this
    uint32_t max_header_bytes = 64u << 10; // icap.max-header-bytes: ICAP + HTTP headers
    uint32_t header_timeout_ms = 10'000;   // icap.header-timeout-ms: slowloris
    // icap.decision-timeout-ms: the inspection time one request may cost (the proxy's user waits
    // for it). Receiving the body is the client's time, not counted: a slow upload is bounded by
    // idle-timeout-ms between its bytes instead.
    uint32_t decision_timeout_ms = 5'000;
    uint32_t idle_timeout_ms = 60'000; // icap.idle-timeout-ms: a kept-alive connection
    // icap.max-buffered-bytes: request bodies held per thread to echo them back (clients that
    // do not allow 204). Over it, a body is passed through uninspected as on-bound says.
    uint64_t max_buffered_bytes = 256ull << 20;
    OnBound on_bound = OnBound::kAllow;
    std::vector<core::Cidr> allow; // icap.allow: proxies allowed to connect; empty: any
    // The block answer: HTTP status and page (`{rule}`, `{sid}` and `{alert_id}` are replaced).
    uint16_t block_status = 403;
    std::string block_page =
        "<!DOCTYPE html>\n<html><head><title>Blocked</title></head><body>\n"
        "<h1>Upload blocked</h1>\n<p>This request was blocked by the data loss prevention "
        "policy: rule {sid} ({rule}).</p>\n<p>Reference: {alert_id}</p>\n</body></html>\n";
    std::string istag; // icap.istag, without quotes; empty: "egressmon-" + the policy version
    uint32_t options_ttl_s = 3600; // Options-TTL: how long a proxy may cache the OPTIONS answer
    // icap.preview-bytes: offered as `Preview: N` (with `Transfer-Preview: *`); unset: no preview
    // offered. A preview costs the proxy a round trip (100 Continue) on every upload and buys
    // nothing here, since every body is inspected whole; a client's own previews are served.
    std::optional<uint32_t> preview_bytes;
};

} // namespace egressmon::icap
