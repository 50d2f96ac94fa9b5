#pragma once
// One DLP alert as the inspection stage raises it, before it becomes an EVE record.
// Plain data, built on the worker thread that owns the flow.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace egressmon::core {

// alert.context.dlp.file: the file an alert is about (INTERFACE.md "Files inside the traffic").
struct AlertFile {
    std::string name; // as sent; "" when the part had none
    std::string type; // "zip", "docx", ... (core/file_type.h)
    // Outermost first, down to the file the match was in (or the rule fired on).
    std::vector<std::string> path;
    bool encrypted = false;
    std::string uninspectable; // the reason; empty when the file was fully inspected
};

// alert.context.dlp.volume: what a volume rule summed (INTERFACE.md "Application, risk and
// volume rules"): payload bytes one inside host sent in the window, over how many flows.
struct AlertVolume {
    uint64_t bytes = 0;
    uint32_t window_s = 0;
    uint32_t flows = 0;
    uint64_t window_start_us = 0; // tells this window's alert from the next one's (alert_id)
};

// alert.context.dlp.dns_tunnel: the DNS tunnel detector's figures for the (querying host,
// registered domain) window that made it flag the flow (risk DNS_TUNNEL).
struct AlertDnsTunnel {
    std::string domain;
    uint32_t names = 0;      // distinct names under it in the window
    uint64_t name_bytes = 0; // bytes of those names left of the domain
    double entropy = 0;      // mean per-name Shannon entropy, bits per character
    uint32_t window_s = 0;
};

// What happened to the traffic the alert is about: EVE alert.action. Only an adapter that can
// stop traffic sets kBlocked, when it did (the ICAP service answering a `block` rule's match
// with 403); captured traffic is never blocked, so its alerts stay kAllowed whatever the rule's
// `action` says (INTERFACE.md "ICAP").
enum class AlertAction : uint8_t { kAllowed, kBlocked };

constexpr const char* alertActionName(AlertAction a) noexcept {
    return a == AlertAction::kBlocked ? "blocked" : "allowed";
}

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
    // "content" (a keyword or regex matched), "file" (a rule's file conditions held for a
    // file), "application" / "risk" (a flow's classification) or "volume" (a host's bytes):
    // alert.context.dlp.kind. A file alert has no match, encoding or offset.
    const char* kind = "content";
    std::optional<AlertFile> file;            // when the alert is about a file
    std::optional<AlertVolume> volume;        // `kind: volume` alerts
    std::optional<AlertDnsTunnel> dns_tunnel; // a risk alert raised by DNS_TUNNEL
    // Set by the adapter that raised the alert, never by the inspection session: whether the
    // traffic went through is the adapter's doing, not the rule's (see AlertAction).
    AlertAction action = AlertAction::kAllowed;
};

} // namespace egressmon::core
