#pragma once
// One REQMOD transaction: the encapsulated HTTP request inspected by one inspection session,
// and the decision it leads to (allow, or block naming the rule and the alert).
//
// The session sees what a captured upload would give it: the request header as sent, with its
// message framing replaced (Content-Length and Transfer-Encoding dropped, "Transfer-Encoding:
// chunked" added), then the de-chunked ICAP body re-framed as HTTP chunks as it arrives. So the
// HTTP decoder, content codings, multipart forms, MIME and every file transform run exactly as on
// captured traffic, streaming, without a copy of the body; the only cost is the chunk lines.
// The bytes are the client's (direction to-server) and egress by definition: a proxy hands over
// what its users send out.
//
// Alerts go to the thread's AlertSink with a subject built from the ICAP headers (client from
// X-Client-IP, else the proxy; server from X-Server-IP; user; the request's host, URL, method).
// Thread: the ICAP thread that owns the connection; noexcept after construction.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/alert_subject.h"
#include "core/ip_address.h"
#include "dpi/inspect/alert_sink.h"
#include "dpi/inspect/inspection_session.h"

namespace egressmon::icap {

struct HttpRequestHead;

// Who and what the transaction is about, from the ICAP request (stored here: the alert
// subject's text fields point into it).
struct TransactionIdentity {
    uint64_t id = 0; // the alert subject's flow_id: unique per transaction in this sensor
    core::IpAddress client;
    std::optional<core::IpAddress> server;
    std::string user;
    std::string host;
    std::string url;
    std::string method;
};

// The block rule that decided a transaction.
struct BlockDecision {
    uint32_t signature_id = 0;
    std::string signature;
    std::string alert_id;
};

class IcapTransaction final : private dpi::SessionOutput {
  public:
    IcapTransaction(dpi::InspectionEngine& engine, dpi::AlertSink& sink,
                    const std::string& sensor_name, TransactionIdentity identity) noexcept;

    // The request header; `has_body`: an encapsulated body follows.
    void begin(const HttpRequestHead& request, bool has_body, uint64_t ts_us) noexcept;
    // The next bytes of the de-chunked body.
    void body(std::span<const uint8_t> bytes, uint64_t ts_us) noexcept;
    // The body (or the request, without one) is complete: every layer ends, files are judged.
    void finish(uint64_t ts_us) noexcept;
    // A bound was passed: nothing more is inspected; what matched so far stands.
    void stopInspecting(uint64_t ts_us) noexcept;

    // The engine adopted reloaded rules (old rule index -> new, -1 gone).
    void rebase(const std::vector<int64_t>& moved) noexcept { session_.rebase(moved); }

    bool inspecting() const noexcept { return inspecting_; }
    // Time spent inspecting this request so far (icap.decision-timeout-ms bounds it).
    uint64_t inspectionNs() const noexcept { return inspection_ns_; }
    const std::optional<BlockDecision>& block() const noexcept { return block_; }
    const TransactionIdentity& identity() const noexcept { return identity_; }

  private:
    Verdict offer(uint32_t rule_index, core::Alert&& alert) noexcept override;
    void fileEnded(core::FileRecord&& record) noexcept override;
    core::AlertSubject subject() const noexcept;
    void feed(const char* bytes, size_t len, uint64_t ts_us) noexcept;

    dpi::InspectionEngine& engine_;
    dpi::AlertSink& sink_;
    const std::string& sensor_name_;
    TransactionIdentity identity_;
    dpi::InspectionSession session_;
    bool https_ = false;
    bool inspecting_ = false;
    uint64_t inspection_ns_ = 0;
    std::optional<BlockDecision> block_;
};

// The request header as the session gets it: the request line and fields as sent, without
// Content-Length and Transfer-Encoding (and their continuation lines), ending with
// "Transfer-Encoding: chunked" when a body follows. Exposed for its unit test.
std::string reframeRequestHeader(std::string_view raw, bool has_body);

} // namespace egressmon::icap
