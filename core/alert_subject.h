#pragma once
// What an alert is about, as its EVE record names it: the hosts that sent and received the
// matching bytes, the IP protocol, the application. Built by whatever adapter feeds an
// inspection session (the packet side from a core::Flow: core/flow_alert_subject.h; later the
// ICAP service from a proxied request, which has no packets and no flow) and handed with the
// core::Alert to a dpi::AlertSink, so the EVE builder needs neither packets nor flows.
//
// A non-owning view, valid only during the call it is passed to: the text fields point into
// storage of the caller's (the worker's names for a flow, the parsed request for ICAP). A sink
// that keeps anything past the call copies it.
//
// Every part but flow_id is optional, and the EVE builder writes a field only when it is
// present, so a subject without a flow (ICAP: a client address from X-Client-IP, a server
// address only when X-Server-IP is given, no ports) makes a record without the missing fields.
// The ICAP service's fields fit the same way: the HTTP request's names (the EVE `http`
// object), the user, and where the inspected bytes came from (alert.context.dlp.source).

#include <cstdint>
#include <optional>
#include <string_view>

#include "ip_address.h"

namespace egressmon::core {

// Where the inspected bytes came from: EVE alert.context.dlp.source, written on every alert
// (INTERFACE.md "ICAP": captured traffic says "capture").
enum class AlertSource : uint8_t {
    kCapture, // packets: a capture file or a live interface
    kIcap,    // a request a proxy sent over ICAP (REQMOD)
};

constexpr const char* alertSourceName(AlertSource s) noexcept {
    return s == AlertSource::kIcap ? "icap" : "capture";
}

// One end of what the alert is about (EVE's src_* or dest_*).
struct AlertEndpoint {
    std::optional<IpAddress> ip;
    std::optional<uint16_t> port; // TCP/UDP port; ICAP knows none
};

struct AlertSubject {
    // EVE flow_id, and the base of the alert's de-duplication id: the flow's id on captured
    // traffic; one id per transaction for ICAP.
    uint64_t flow_id = 0;
    AlertEndpoint source;            // the sender of the matching bytes (EVE src_*)
    AlertEndpoint destination;       // their receiver (EVE dest_*)
    std::optional<uint8_t> ip_proto; // IP protocol number (EVE proto)
    uint16_t vlan_id = 0;            // 0: none (EVE vlan written only when set)
    // Application names; empty: unknown, not written. `app_proto` is Suricata's spelling
    // ("http", "failed"); the nDPI names ("HTTP.Google", "Web") are only set for traffic nDPI
    // classified, and the EVE `ndpi` object is written only when ndpi_protocol is set.
    std::string_view app_proto;
    std::string_view ndpi_protocol;
    std::string_view ndpi_category;
    // alert.context.dlp.source. Named `origin` because `source` is the sending endpoint.
    AlertSource origin = AlertSource::kCapture;
    // alert.context.dlp.user: the proxy's authenticated user (ICAP X-Authenticated-User or
    // X-Client-Username); empty: unknown, not written.
    std::string_view user;
    // The HTTP request an ICAP alert is about, as Suricata's `http` object spells it
    // (http.hostname, http.url, http.http_method); each written only when set, the object only
    // when one is. Captured traffic leaves them empty (its flow records carry http.*).
    std::string_view http_hostname;
    std::string_view http_url;
    std::string_view http_method;
};

} // namespace egressmon::core
