// The peer of bench/icap_bench.py: an ICAP REQMOD service that inspects nothing. The same kind
// of server as egressmon's (icap/icap_server_thread.cpp, icap_connection.cpp): one epoll loop,
// non-blocking sockets with TCP_NODELAY, the project's IcapRequestParser, replies built by
// icap_responses.h and queued in request order, reading paused while a reply waits. Every REQMOD
// is read whole and then answered 204 when the client allowed it, else echoed as egressmon echoes
// a clean request: the body held, then the request header and the body as one chunk. A preview
// gets 100 Continue (the body is always read whole, as egressmon reads it to inspect it).
// So "egressmon minus this" is what inspection, decisions and alerting cost per request.
//
//   egressmon_icap_null_responder --listen ADDR:PORT
//
// Serves until SIGTERM/SIGINT, then prints one line of JSON on stderr: requests, 204s, echoes,
// OPTIONS, errors, body bytes.

#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unordered_map>

#include "core/unique_fd.h"
#include "icap/icap_request_parser.h"
#include "icap/icap_responses.h"

namespace {

using egressmon::core::UniqueFd;
namespace icap = egressmon::icap;

constexpr const char* kIstag = "null-responder-1";
constexpr size_t kReadBytes = 64 * 1024;

std::atomic<bool> g_stop{false};

struct Counters {
    uint64_t connections = 0, reqmods = 0, no_content = 0, echoed = 0, options = 0, errors = 0,
             continues = 0, body_bytes = 0;
};

class Connection final : private icap::IcapParserEvents {
  public:
    Connection(UniqueFd fd, Counters& counters)
        : fd_(std::move(fd)), counters_(counters), parser_(*this, icap::IcapParserLimits{}) {}

    int fd() const { return fd_.get(); }
    bool wantsRead() const { return !closing_ && out_.empty(); }
    bool wantsWrite() const { return !out_.empty(); }

    // false: close the connection.
    bool onReadable() {
        char buffer[kReadBytes];
        const ssize_t n = ::recv(fd_.get(), buffer, sizeof buffer, 0);
        if (n == 0) return false;
        if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
        in_.append(buffer, static_cast<size_t>(n));
        parse();
        return !closing_ || !out_.empty();
    }

    bool onWritable() {
        while (!out_.empty()) {
            const std::string& front = out_.front();
            const ssize_t n = ::send(fd_.get(), front.data() + out_offset_,
                                     front.size() - out_offset_, MSG_NOSIGNAL);
            if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
            out_offset_ += static_cast<size_t>(n);
            if (out_offset_ < front.size()) return true;
            out_.pop_front();
            out_offset_ = 0;
        }
        if (closing_) return false;
        if (in_offset_ < in_.size()) parse(); // requests that arrived while a reply waited
        return !closing_ || !out_.empty();
    }

  private:
    void parse() {
        while (in_offset_ < in_.size() && !closing_ && !parser_.failed() &&
               !parser_.awaitingPreviewDecision()) {
            const auto* data = reinterpret_cast<const uint8_t*>(in_.data()) + in_offset_;
            const size_t used = parser_.feed({data, in_.size() - in_offset_});
            in_offset_ += used;
            if (used == 0) break;
        }
        if (in_offset_ == in_.size()) {
            in_.clear();
            in_offset_ = 0;
        }
    }

    void onRequestHead(const icap::IcapRequestHead& head) noexcept override {
        method_ = head.method;
        allow_204_ = head.allow_204;
        has_body_ = head.has_body;
        http_head_ = head.http_request ? head.http_request->raw : std::string();
        held_.clear();
        if (method_ == icap::IcapMethod::Reqmod) ++counters_.reqmods;
    }

    void onBodyData(std::span<const uint8_t> bytes) noexcept override {
        counters_.body_bytes += bytes.size();
        if (method_ == icap::IcapMethod::Reqmod && !allow_204_)
            held_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    }

    void onPreviewEnd(bool ieof) noexcept override {
        if (ieof) return;
        ++counters_.continues;
        std::string out;
        icap::appendContinue(out);
        out_.push_back(std::move(out));
        parser_.continueAfterPreview();
    }

    void onRequestEnd() noexcept override {
        std::string out;
        if (method_ == icap::IcapMethod::Options) {
            ++counters_.options;
            icap::OptionsReply reply;
            reply.istag = kIstag;
            reply.service = "null responder";
            icap::appendOptionsResponse(out, reply);
        } else if (allow_204_) {
            ++counters_.no_content;
            icap::appendNoContent(out, kIstag, false);
        } else if (method_ == icap::IcapMethod::Reqmod) {
            ++counters_.echoed;
            icap::appendEchoHead(out, kIstag, http_head_, has_body_, false);
            if (has_body_ && !held_.empty()) {
                // As egressmon queues a held body: size line, the body moved, CRLF.
                char line[24];
                const int n = std::snprintf(line, sizeof line, "%zx\r\n", held_.size());
                out_.push_back(std::move(out));
                out_.emplace_back(line, static_cast<size_t>(n));
                out_.push_back(std::move(held_));
                held_.clear();
                out = "\r\n";
            }
            if (has_body_) icap::appendLastChunk(out);
        } else {
            ++counters_.errors; // RESPMOD without Allow: 204: not offered
            icap::appendErrorResponse(out, 405, kIstag, false);
        }
        out_.push_back(std::move(out));
    }

    void onError(icap::IcapError error, std::string_view /*reason*/) noexcept override {
        ++counters_.errors;
        std::string out;
        icap::appendErrorResponse(out, icap::errorReplyFor(error).status, kIstag, true);
        out_.push_back(std::move(out));
        closing_ = true;
    }

    UniqueFd fd_;
    Counters& counters_;
    icap::IcapRequestParser parser_;
    std::string in_;
    size_t in_offset_ = 0;
    std::deque<std::string> out_;
    size_t out_offset_ = 0;
    icap::IcapMethod method_ = icap::IcapMethod::Options;
    bool allow_204_ = false, has_body_ = false, closing_ = false;
    std::string http_head_, held_;
};

[[noreturn]] void usage(const char* msg) {
    std::fprintf(stderr,
                 "egressmon_icap_null_responder: %s\nusage: egressmon_icap_null_responder "
                 "--listen ADDR:PORT\n",
                 msg);
    std::exit(2);
}

UniqueFd listenOn(const std::string& spec) {
    const size_t colon = spec.rfind(':');
    if (colon == std::string::npos) usage("--listen is ADDR:PORT");
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(std::atoi(spec.c_str() + colon + 1)));
    if (::inet_pton(AF_INET, spec.substr(0, colon).c_str(), &sa.sin_addr) != 1)
        usage("bad IPv4 address");
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    const int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (!fd || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
        ::listen(fd.get(), 1024) != 0) {
        std::perror("egressmon_icap_null_responder: listen");
        std::exit(1);
    }
    return fd;
}

void watch(int epoll, Connection& c, int op) {
    epoll_event ev{};
    ev.events = (c.wantsRead() ? EPOLLIN : 0u) | (c.wantsWrite() ? EPOLLOUT : 0u);
    ev.data.fd = c.fd();
    ::epoll_ctl(epoll, op, c.fd(), &ev);
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 3 || std::string(argv[1]) != "--listen") usage("wrong arguments");
    std::signal(SIGPIPE, SIG_IGN);
    struct sigaction sa {};
    sa.sa_handler = [](int) { g_stop = true; };
    ::sigaction(SIGTERM, &sa, nullptr);
    ::sigaction(SIGINT, &sa, nullptr);

    UniqueFd listener = listenOn(argv[2]);
    UniqueFd epoll(::epoll_create1(EPOLL_CLOEXEC));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = listener.get();
    ::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, listener.get(), &ev);
    Counters counters;
    std::unordered_map<int, std::unique_ptr<Connection>> connections;
    epoll_event events[64];
    while (!g_stop) {
        const int n = ::epoll_wait(epoll.get(), events, 64, 100);
        for (int i = 0; i < n; ++i) {
            const int fd = events[i].data.fd;
            if (fd == listener.get()) {
                for (;;) {
                    UniqueFd client(
                        ::accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
                    if (!client) break;
                    const int one = 1;
                    ::setsockopt(client.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    ++counters.connections;
                    auto c = std::make_unique<Connection>(std::move(client), counters);
                    watch(epoll.get(), *c, EPOLL_CTL_ADD);
                    connections.emplace(c->fd(), std::move(c));
                }
                continue;
            }
            const auto it = connections.find(fd);
            if (it == connections.end()) continue;
            Connection& c = *it->second;
            bool open = true;
            if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) open = c.onReadable();
            if (open && c.wantsWrite()) open = c.onWritable();
            if (!open) {
                ::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, fd, nullptr);
                connections.erase(it);
                continue;
            }
            watch(epoll.get(), c, EPOLL_CTL_MOD);
        }
    }
    std::fprintf(stderr,
                 "{\"connections\": %llu, \"reqmods\": %llu, \"allowed_204\": %llu, "
                 "\"allowed_echo\": %llu, \"options\": %llu, \"continues\": %llu, "
                 "\"errors\": %llu, \"body_bytes\": %llu}\n",
                 static_cast<unsigned long long>(counters.connections),
                 static_cast<unsigned long long>(counters.reqmods),
                 static_cast<unsigned long long>(counters.no_content),
                 static_cast<unsigned long long>(counters.echoed),
                 static_cast<unsigned long long>(counters.options),
                 static_cast<unsigned long long>(counters.continues),
                 static_cast<unsigned long long>(counters.errors),
                 static_cast<unsigned long long>(counters.body_bytes));
    return 0;
}
