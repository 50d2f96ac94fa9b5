// parseDnsMessage / splitTcpDnsMessage (dpi/policy/dns_message.h) and the DNS tunnel detector
// behind them (dpi/policy/dns_tunnel_detector.h), with small bounds so eviction and full name
// sets are reached.
//
// Input: [mode] then bytes. Mode bit 0: the bytes are a TCP stream of 2-byte-length-framed
// messages (each one parsed); else one UDP payload. Bits 1-3: the source address's last octet
// (several querying hosts). Checks: the name is at most 253 characters with no upper-case ASCII
// letter, answers read <= ANCOUNT, a question only with a question status, the detector's
// tracked pairs within their bound.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>

#include "dpi/policy/dns_message.h"
#include "dpi/policy/dns_tunnel_detector.h"

using namespace egressmon::dpi;

namespace {

DnsTunnelDetector& detector() {
    static DnsTunnelDetector d(
        [] {
            DnsTunnelConfig c;
            c.min_distinct_names = 3;
            c.min_name_bytes = 10;
            c.min_mean_entropy = 1.0;
            c.max_tracked_pairs = 4;
            c.max_names_per_pair = 8;
            return c;
        }(),
        std::make_shared<const RegisteredDomains>());
    return d;
}

void check(std::span<const uint8_t> message, uint8_t host, uint64_t ts) {
    DnsMessage m;
    const DnsParseStatus status = parseDnsMessage(message, m);
    if (m.name().size() > 253) std::abort();
    for (const char c : m.name()) {
        if (c >= 'A' && c <= 'Z') std::abort();
    }
    if (m.answers.records > m.ancount) std::abort();
    if (m.has_question && status != DnsParseStatus::kOk &&
        status != DnsParseStatus::kTruncatedAnswer) {
        std::abort();
    }
    if (status == DnsParseStatus::kOk && !m.has_question) std::abort();
    const uint8_t src_bytes[4] = {10, 0, 0, host};
    const uint8_t dst_bytes[4] = {192, 0, 2, 53};
    auto& d = detector();
    d.observeMessage(egressmon::core::IpAddress::fromV4(src_bytes),
                     egressmon::core::IpAddress::fromV4(dst_bytes), message, ts);
    if (d.pairsTracked() > d.config().max_tracked_pairs) std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    static uint64_t ts = 1'700'000'000'000'000;
    ts += 7'000'000; // windows roll now and then across inputs
    const uint8_t mode = data[0];
    const uint8_t host = static_cast<uint8_t>(1 + (mode >> 1 & 7));
    std::span<const uint8_t> rest(data + 1, size - 1);
    if ((mode & 1) == 0) {
        check(rest, host, ts);
        detector().expire(ts);
        return 0;
    }
    for (;;) {
        std::span<const uint8_t> message;
        size_t used = 0;
        const TcpDnsFrame frame = splitTcpDnsMessage(rest, message, used);
        if (frame == TcpDnsFrame::kNeedMore) break;
        if (used == 0 || used > rest.size()) std::abort();
        if (frame == TcpDnsFrame::kMessage) check(message, host, ts);
        rest = rest.subspan(used);
    }
    return 0;
}
