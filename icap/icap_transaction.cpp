#include "icap/icap_transaction.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <new>

#include "dpi/inspect/inspection_engine.h"
#include "export/eve_alert_record.h"
#include "icap/icap_request_parser.h"
#include "rules/rule.h"

namespace egressmon::icap {

namespace {

constexpr dpi::SessionScope kEgressScope = [] {
    dpi::SessionScope s;
    // The client's bytes leave the organisation; the server's answer (never fed) would come in.
    s.bytes_relation[0] = core::NetRelation::kEgress;
    s.bytes_relation[1] = core::NetRelation::kIngress;
    s.raw_layer = "icap.request";
    return s;
}();

bool equalsNoCase(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return (x | 0x20) == (y | 0x20);
           });
}

// A rule limited to protocols applies to a proxied request when it names what the request is:
// HTTP, and TLS too when the proxy decrypted it (an https:// URL).
bool protocolsAllow(const rules::Rule& rule, bool https) noexcept {
    if (rule.protocols.empty()) return true;
    return std::any_of(rule.protocols.begin(), rule.protocols.end(),
                       [&](const std::string& p) { return p == "HTTP" || (https && p == "TLS"); });
}

} // namespace

std::string reframeRequestHeader(std::string_view raw, bool has_body) {
    std::string out;
    out.reserve(raw.size() + 32);
    bool first = true;
    bool skipping = false; // inside a dropped field and its continuation lines
    size_t pos = 0;
    while (pos < raw.size()) {
        size_t eol = raw.find('\n', pos);
        const size_t next = eol == std::string_view::npos ? raw.size() : eol + 1;
        std::string_view line = raw.substr(pos, next - pos);
        pos = next;
        std::string_view content = line;
        while (!content.empty() && (content.back() == '\n' || content.back() == '\r'))
            content.remove_suffix(1);
        if (content.empty()) break; // the blank line: the header ends
        if (first) {
            out.append(content).append("\r\n");
            first = false;
            continue;
        }
        if (content.front() == ' ' || content.front() == '\t') { // obs-fold continuation
            if (!skipping) out.append(content).append("\r\n");
            continue;
        }
        const size_t colon = content.find(':');
        std::string_view name = content.substr(0, colon == std::string_view::npos ? 0 : colon);
        while (!name.empty() && (name.back() == ' ' || name.back() == '\t'))
            name.remove_suffix(1);
        skipping = equalsNoCase(name, "content-length") || equalsNoCase(name, "transfer-encoding");
        if (!skipping) out.append(content).append("\r\n");
    }
    out.append(has_body ? "Transfer-Encoding: chunked\r\n\r\n" : "Content-Length: 0\r\n\r\n");
    return out;
}

IcapTransaction::IcapTransaction(dpi::InspectionEngine& engine, dpi::AlertSink& sink,
                                 const std::string& sensor_name,
                                 TransactionIdentity identity) noexcept
    : engine_(engine), sink_(sink), sensor_name_(sensor_name), identity_(std::move(identity)),
      session_(engine, kEgressScope) {
    https_ = identity_.url.rfind("https://", 0) == 0 || identity_.method == "CONNECT";
}

void IcapTransaction::feed(const char* bytes, size_t len, uint64_t ts_us) noexcept {
    const auto started = std::chrono::steady_clock::now();
    const auto* p = reinterpret_cast<const uint8_t*>(bytes);
    while (len > 0) {
        const auto piece = static_cast<uint32_t>(std::min<size_t>(len, 1u << 30));
        session_.data(dpi::Direction::kToServer, p, piece, ts_us, *this);
        p += piece;
        len -= piece;
    }
    inspection_ns_ += static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                std::chrono::steady_clock::now() - started)
                                                .count());
}

void IcapTransaction::begin(const HttpRequestHead& request, bool has_body,
                            uint64_t ts_us) noexcept {
    if (!engine_.hasRules()) return;
    try {
        const std::string header = reframeRequestHeader(request.raw, has_body);
        inspecting_ = true;
        feed(header.data(), header.size(), ts_us);
    } catch (const std::bad_alloc&) {
        inspecting_ = false; // no memory for the header copy: the request is not inspected
    }
}

void IcapTransaction::body(std::span<const uint8_t> bytes, uint64_t ts_us) noexcept {
    if (!inspecting_ || bytes.empty()) return;
    char line[24];
    const int n = std::snprintf(line, sizeof line, "%zx\r\n", bytes.size());
    feed(line, static_cast<size_t>(n), ts_us);
    feed(reinterpret_cast<const char*>(bytes.data()), bytes.size(), ts_us);
    feed("\r\n", 2, ts_us);
}

void IcapTransaction::finish(uint64_t ts_us) noexcept {
    if (!inspecting_) return;
    feed("0\r\n\r\n", 5, ts_us);
    const auto started = std::chrono::steady_clock::now();
    session_.end(ts_us, *this); // files end here: held PDF content, file rules
    inspection_ns_ += static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                std::chrono::steady_clock::now() - started)
                                                .count());
    inspecting_ = false;
}

void IcapTransaction::stopInspecting(uint64_t ts_us) noexcept {
    if (!inspecting_) return;
    // The layers end as if the body ended here: what they hold is judged (a file cut short is
    // TRUNCATED), nothing after this point is seen.
    session_.end(ts_us, *this);
    inspecting_ = false;
}

core::AlertSubject IcapTransaction::subject() const noexcept {
    core::AlertSubject s;
    s.flow_id = identity_.id;
    s.source.ip = identity_.client;
    if (identity_.server) s.destination.ip = *identity_.server;
    s.ip_proto = 6; // the proxy's client and origin spoke TCP
    s.app_proto = "http";
    s.origin = core::AlertSource::kIcap;
    s.user = identity_.user;
    s.http_hostname = identity_.host;
    s.http_url = identity_.url;
    s.http_method = identity_.method;
    return s;
}

IcapTransaction::Verdict IcapTransaction::offer(uint32_t rule_index, core::Alert&& alert) noexcept {
    const auto& rules = engine_.matcher().ruleSet().rules();
    if (rule_index >= rules.size()) return Verdict::kRefused;
    const rules::Rule& rule = rules[rule_index];
    if (!protocolsAllow(rule, https_)) {
        ++engine_.counters().protocol_filtered;
        return Verdict::kRefused;
    }
    ++engine_.counters().alerts;
    if (rule.action == rules::RuleAction::kBlock) {
        alert.action = core::AlertAction::kBlocked;
        if (!block_) {
            try {
                block_ = BlockDecision{rule.id, rule.name,
                                       exporting::makeAlertId(sensor_name_, identity_.id, rule.id)};
            } catch (const std::bad_alloc&) {
                // Still blocked: the page names no rule then.
                block_ = BlockDecision{};
            }
        }
    }
    sink_.onAlert(subject(), std::move(alert));
    return Verdict::kDelivered;
}

void IcapTransaction::fileEnded(core::FileRecord&& record) noexcept {
    sink_.onFile(subject(), std::move(record));
}

} // namespace egressmon::icap
