#pragma once
// Test harness for the ICAP service without a proxy: one IcapServerThread on a loopback port
// the kernel picks, run on its own thread, and blocking client sockets that send raw ICAP and
// read whole replies. Alerts are collected with their subjects' ICAP fields.

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <mutex>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <vector>

#include "core/unique_fd.h"
#include "icap/icap_listener.h"
#include "icap/icap_server_thread.h"
#include "inspector_harness.h"

namespace egressmon::testing {

struct IcapAlert {
    uint32_t signature_id = 0;
    std::string action; // "allowed" / "blocked"
    std::string client, server, user, host, url, method, layer;
    std::optional<core::AlertFile> file;
};

class IcapAlertCollector final : public dpi::AlertSink {
  public:
    void onAlert(const core::AlertSubject& s, core::Alert&& a) noexcept override {
        std::lock_guard<std::mutex> lock(mutex_);
        IcapAlert out;
        out.signature_id = a.signature_id;
        out.action = core::alertActionName(a.action);
        out.client = s.source.ip ? s.source.ip->toString() : "";
        out.server = s.destination.ip ? s.destination.ip->toString() : "";
        out.user = std::string(s.user);
        out.host = std::string(s.http_hostname);
        out.url = std::string(s.http_url);
        out.method = std::string(s.http_method);
        out.layer = a.layer;
        out.file = std::move(a.file);
        alerts_.push_back(std::move(out));
    }
    std::vector<IcapAlert> alerts() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return alerts_;
    }

  private:
    mutable std::mutex mutex_;
    std::vector<IcapAlert> alerts_;
};

// Rules: 100 "TOP SECRET" (alert), 200 "BLOCKME" (block).
inline std::shared_ptr<rules::RuleSetSource> icapTestRules() {
    rules::Rule alert = keywordRule(100, {"TOP SECRET"});
    rules::Rule block = keywordRule(200, {"BLOCKME"});
    block.action = rules::RuleAction::kBlock;
    return std::make_shared<rules::RuleSetSource>(ruleSet({alert, block}, "icaptest"));
}

class IcapServerHarness {
  public:
    explicit IcapServerHarness(icap::IcapConfig config = {}) : config_(std::move(config)) {
        config_.enabled = true;
        auto listeners = icap::openIcapListeners("127.0.0.1", 0, 1);
        port_ = icap::boundPort(listeners.front().get());
        server_ = std::make_unique<icap::IcapServerThread>(config_, 0, std::move(listeners.front()),
                                                           icapTestRules(), dpi::InspectionConfig{},
                                                           alerts_, sensor_);
        thread_ = std::thread([this] { server_->run(stop_, [](const auto&, bool) {}); });
    }
    ~IcapServerHarness() { stopServer(); }

    void stopServer() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
    }

    // A connected blocking client socket (5 s receive and send timeouts).
    core::UniqueFd connect() const {
        core::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(port_);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return {};
        timeval tv{5, 0};
        ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv); // a test never hangs
        return fd;
    }

    static bool sendAll(int fd, std::string_view bytes) {
        while (!bytes.empty()) {
            const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n <= 0) return false;
            bytes.remove_prefix(static_cast<size_t>(n));
        }
        return true;
    }

    // One whole reply: the head, and the chunked body when Encapsulated names one. Empty when
    // the connection closed or nothing came within the timeout.
    static std::string readReply(int fd, std::string& carry) {
        auto fill = [&]() {
            char buf[65536];
            const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) return false;
            carry.append(buf, static_cast<size_t>(n));
            return true;
        };
        size_t head_end;
        while ((head_end = carry.find("\r\n\r\n")) == std::string::npos)
            if (!fill()) return {};
        head_end += 4;
        const std::string head = carry.substr(0, head_end);
        const bool body = head.find("req-body=") != std::string::npos ||
                          head.find("res-body=") != std::string::npos;
        size_t end = head_end;
        if (body) {
            // The encapsulated header, then chunks up to the zero chunk.
            size_t pos;
            while ((pos = carry.find("\r\n0\r\n\r\n", head_end)) == std::string::npos &&
                   carry.compare(head_end, std::string::npos, "0\r\n\r\n") != 0)
                if (!fill()) return {};
            end = pos == std::string::npos ? carry.size() : pos + 7;
        }
        std::string reply = carry.substr(0, end);
        carry.erase(0, end);
        return reply;
    }

    // Whether the server closed the connection (recv returns 0) within the timeout.
    static bool closedByPeer(int fd) {
        char b;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 3000) <= 0) return false;
        return ::recv(fd, &b, 1, 0) == 0;
    }

    uint16_t port() const { return port_; }
    // The server thread's own counters, read once it has stopped (they are not atomics).
    const icap::IcapCounters& stoppedCounters() {
        stopServer();
        return server_->counters();
    }
    uint64_t stoppedHeldBytes() {
        stopServer();
        return server_->heldBytes();
    }
    std::vector<IcapAlert> alerts() const { return alerts_.alerts(); }

  private:
    icap::IcapConfig config_;
    std::string sensor_ = "sensor1";
    IcapAlertCollector alerts_;
    uint16_t port_ = 0;
    std::unique_ptr<icap::IcapServerThread> server_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// A REQMOD as Squid sends it: the HTTP request header, then the body in one chunk (none when
// `body` is empty), with the ICAP headers given.
inline std::string reqmod(std::string_view http_head, std::string_view body,
                          std::string_view icap_headers = "Allow: 204\r\n",
                          std::string_view service = "/reqmod") {
    std::string out = "REQMOD icap://127.0.0.1:1344" + std::string(service) +
                      " ICAP/1.0\r\nHost: 127.0.0.1:1344\r\n" + std::string(icap_headers);
    if (body.empty()) {
        out += "Encapsulated: req-hdr=0, null-body=" + std::to_string(http_head.size()) +
               "\r\n\r\n" + std::string(http_head);
        return out;
    }
    char size[24];
    std::snprintf(size, sizeof size, "%zx", body.size());
    out += "Encapsulated: req-hdr=0, req-body=" + std::to_string(http_head.size()) + "\r\n\r\n" +
           std::string(http_head) + size + "\r\n" + std::string(body) + "\r\n0\r\n\r\n";
    return out;
}

inline std::string postHead(size_t length, std::string_view url = "https://files.example/up") {
    return "POST " + std::string(url) +
           " HTTP/1.1\r\nHost: files.example\r\nContent-Type: text/plain\r\nContent-Length: " +
           std::to_string(length) + "\r\n\r\n";
}

} // namespace egressmon::testing
