// One ICAP connection (icap/icap_connection.h) end to end, as its server thread drives it: a
// proxy's bytes arrive over a socket in pieces, the parser frames them, each REQMOD is inspected
// (shipped rules plus a short alert rule and a short block rule, so matches come quickly), and
// the replies come back; the clock ticks between pieces so the timeouts fire too.
//
// Input: [bounds: 1] then pieces [length: 2][ms to advance: 1][bytes: length].
// bounds bit 0: icap.on-bound block (else allow); bit 1: small bounds (max-body-bytes 4 KiB,
// max-buffered-bytes 4 KiB, max-header-bytes 1 KiB), else the defaults; bit 2: the client does
// not read its replies until the end.
// Checks: every reply starts with an ICAP status line; what the connection holds to echo bodies
// is given back when it goes; no alert is marked blocked unless the block rule made it.

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

#include "dpi/inspect/inspection_engine.h"
#include "fuzz_input.h"
#include "icap/icap_connection.h"
#include "rules/rule_set.h"
#include "shipped_rules.h"

using namespace egressmon;

namespace {

constexpr const char* kExtraRules = R"(rules:
  - id: 9001
    name: short keyword
    keywords: [leak]
    nocase: true
  - id: 9002
    name: short block
    action: block
    keywords: [stop]
)";

std::shared_ptr<const rules::RuleSet> loadRules() {
    return fuzz::shippedRulesWith(kExtraRules);
}

class CheckingSink final : public dpi::AlertSink {
  public:
    void onAlert(const core::AlertSubject& subject, core::Alert&& alert) noexcept override {
        if (subject.origin != core::AlertSource::kIcap) std::abort();
        if (alert.action == core::AlertAction::kBlocked && alert.signature_id != 9002 &&
            alert.signature_id < 1000)
            std::abort();
    }
};

struct Engine {
    dpi::InspectionEngine engine{dpi::InspectionConfig{}, loadRules(),
                                 [](const std::string&) { return -1; }};
    CheckingSink sink;
    std::string sensor = "fuzz";
};

// Reads what the server wrote; checks each reply's start where it can be told.
void drain(int fd, std::string& replies) {
    char buf[65536];
    for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n <= 0) return;
        replies.append(buf, static_cast<size_t>(n));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static Engine shared;
    fuzz::FuzzInput in(data, size);
    const uint8_t bounds = in.u8();
    icap::IcapConfig config;
    config.on_bound = (bounds & 1) ? icap::OnBound::kBlock : icap::OnBound::kAllow;
    if (bounds & 2) {
        config.max_body_bytes = 4096;
        config.max_buffered_bytes = 4096;
        config.max_header_bytes = 1024;
    }
    const bool client_reads = !(bounds & 4);
    icap::IcapThreadContext context(config, shared.engine, shared.sink, shared.sensor);

    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) return 0;
    const int client = fds[1];
    std::string replies;
    uint64_t now_ms = 1'000'000;
    {
        icap::IcapConnection connection(context, core::UniqueFd(fds[0]),
                                        *core::IpAddress::parse("127.0.0.1"), now_ms);
        bool open = true;
        while (open && !in.empty()) {
            const uint16_t length = in.u16();
            now_ms += in.u8();
            auto piece = in.bytes(length);
            while (open && !piece.empty()) {
                const ssize_t n = ::send(client, piece.data(), piece.size(), MSG_NOSIGNAL);
                if (n > 0) piece = piece.subspan(static_cast<size_t>(n));
                if (connection.wantsRead()) open = connection.onReadable(now_ms);
                if (open && connection.wantsWrite()) open = connection.onWritable();
                if (client_reads) drain(client, replies);
                if (n <= 0 && !connection.wantsRead()) {
                    // The connection is waiting for its reply to be read: read it now.
                    drain(client, replies);
                    if (open && connection.wantsWrite()) open = connection.onWritable();
                    if (!connection.wantsRead() && !connection.wantsWrite()) break;
                }
            }
            if (open) open = connection.onTick(now_ms);
        }
        drain(client, replies);
    }
    ::close(client);
    if (context.held_bytes != 0 || context.open_connections != 0) std::abort();
    if (!replies.empty() && replies.compare(0, 9, "ICAP/1.0 ") != 0) std::abort();
    return 0;
}
