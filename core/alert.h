#pragma once
// One DLP alert as the inspection stage raises it, before it becomes an EVE record.
// Plain data, built on the worker thread that owns the flow.

#include <cstdint>
#include <string>

namespace egressmon::core {

struct Alert {
    uint64_t ts_us = 0;    // capture time of the packet that completed the match
    bool to_server = true; // the matching bytes travelled client -> server
    uint32_t signature_id = 0;
    std::string signature;
    std::string category;
    uint8_t severity = 2;
    std::string policy_version;
    std::string direction; // "egress" / "ingress" / "internal" / "external" (of the bytes)
    std::string match;     // the keyword or regex as written in the rule
    std::string encoding;  // "utf-8", "gb18030", ...
    std::string layer;     // "tcp.stream", "udp.payload", later "http.request.body.gzip"...
    uint64_t offset = 0;   // of the match start within that layer
    std::string snippet;   // at most the configured context width; validated text masked
};

} // namespace egressmon::core
