#include "icap/icap_server_thread.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdexcept>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "core/wall_clock.h"

namespace egressmon::icap {

namespace {

constexpr int kMaxEvents = 64;
constexpr int kTickMs = 100; // timeouts are checked this often

core::IpAddress peerAddress(const sockaddr_storage& ss) noexcept {
    if (ss.ss_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
        const uint8_t* b = in6->sin6_addr.s6_addr;
        // An IPv4 client on a dual-stack socket: its IPv4 address, as the allow-list says it.
        static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (std::equal(kMapped, kMapped + 12, b)) return core::IpAddress::fromV4(b + 12);
        return core::IpAddress::fromV6(b);
    }
    const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
    return core::IpAddress::fromV4(reinterpret_cast<const uint8_t*>(&in->sin_addr));
}

// The ICAP thread's engine reads rules by name (icap_transaction.cpp): nDPI ids are the capture
// workers' business, and this thread has no nDPI module to resolve them.
int noProtocolIds(const std::string&) {
    return -1;
}

} // namespace

IcapServerThread::IcapServerThread(const IcapConfig& config, unsigned index,
                                   core::UniqueFd listener,
                                   std::shared_ptr<rules::RuleSetSource> rules,
                                   const dpi::InspectionConfig& inspection, dpi::AlertSink& alerts,
                                   const std::string& sensor_name)
    : config_(config), listener_(std::move(listener)), epoll_(::epoll_create1(EPOLL_CLOEXEC)),
      rules_(std::move(rules)),
      engine_(std::make_unique<dpi::InspectionEngine>(
          inspection, rules_ ? rules_->current() : std::make_shared<const rules::RuleSet>(),
          noProtocolIds)),
      context_(config, *engine_, alerts, sensor_name),
      max_connections_(
          std::max<uint32_t>(1, (config.max_connections + std::max(1u, config.threads) - 1) /
                                    std::max(1u, config.threads))) {
    if (!epoll_) throw std::runtime_error("icap: epoll_create1 failed");
    if (rules_) rules_generation_ = rules_->generation();
    const std::string policy = rules_ ? rules_->current()->policyVersion() : std::string("none");
    context_.istag = config.istag.empty() ? "egressmon-" + policy : config.istag;
    // Ids differ between threads and runs: the thread in the top bits, the start time below.
    context_.id_base = (uint64_t{index} << 56) ^
                       (static_cast<uint64_t>(core::wallClockUs()) << 20 & ((1ull << 56) - 1));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = listener_.get();
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, listener_.get(), &ev) != 0)
        throw std::runtime_error("icap: epoll_ctl on the listening socket failed");
}

IcapServerThread::~IcapServerThread() = default;

void IcapServerThread::refreshRules() noexcept {
    if (!rules_ || rules_->generation() == rules_generation_) return;
    rules_generation_ = rules_->generation();
    try {
        const auto old_rules = engine_->matcher().ruleSetPtr(); // alive until sessions rebased
        const std::vector<int64_t> moved = engine_->adopt(rules_->current());
        for (auto& [fd, connection] : connections_)
            connection->rebase(moved);
        // A new policy is a new service state: proxies that cache answers see it in the ISTag.
        if (config_.istag.empty())
            context_.istag = "egressmon-" + rules_->current()->policyVersion();
    } catch (const std::exception&) {
        ++rule_switch_failures_; // the previous rules stay in force
    }
}

void IcapServerThread::acceptAll(uint64_t now_ms) noexcept {
    for (;;) {
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        core::UniqueFd fd(::accept4(listener_.get(), reinterpret_cast<sockaddr*>(&ss), &len,
                                    SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!fd) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED)
                return;
            // Out of descriptors or memory (EMFILE, ENFILE, ENOBUFS): the listener stays
            // readable, so stop watching it until the next tick instead of spinning on it.
            ++context_.counters.accept_errors;
            ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, listener_.get(), nullptr);
            accept_paused_ = true;
            return;
        }
        const core::IpAddress peer = peerAddress(ss);
        if (!config_.allow.empty() &&
            std::none_of(config_.allow.begin(), config_.allow.end(),
                         [&](const core::Cidr& c) { return c.contains(peer); })) {
            ++context_.counters.peers_refused;
            continue; // closed by fd's destructor
        }
        if (connections_.size() >= max_connections_) {
            ++context_.counters.connections_over_limit;
            continue;
        }
        ++context_.counters.connections;
        const int one = 1;
        // Replies are whole messages written at once: no reason to wait for more.
        ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        const int raw = fd.get();
        try {
            auto connection =
                std::make_unique<IcapConnection>(context_, std::move(fd), peer, now_ms);
            epoll_event ev{};
            ev.events = EPOLLIN;
            ev.data.fd = raw;
            if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, raw, &ev) != 0) continue;
            connections_.emplace(raw, std::move(connection));
        } catch (const std::bad_alloc&) {
            // No memory for one more connection: it is closed (the proxy retries or bypasses).
        }
    }
}

void IcapServerThread::watch(IcapConnection& connection) noexcept {
    epoll_event ev{};
    ev.events = (connection.wantsRead() ? EPOLLIN : 0u) | (connection.wantsWrite() ? EPOLLOUT : 0u);
    ev.data.fd = connection.fd();
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, connection.fd(), &ev);
}

void IcapServerThread::close(int fd) noexcept {
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
    connections_.erase(fd); // the connection's destructor closes the socket
}

void IcapServerThread::serve(int fd, uint32_t events, uint64_t now_ms) noexcept {
    const auto it = connections_.find(fd);
    if (it == connections_.end()) return;
    IcapConnection& connection = *it->second;
    bool open = true;
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) open = connection.onReadable(now_ms);
    // Write at once what reading produced: most replies fit the socket buffer.
    if (open && connection.wantsWrite()) open = connection.onWritable();
    if (!open) {
        close(fd);
        return;
    }
    watch(connection);
}

void IcapServerThread::tick(uint64_t now_ms) noexcept {
    if (accept_paused_) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = listener_.get();
        if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, listener_.get(), &ev) == 0)
            accept_paused_ = false;
    }
    std::vector<int> expired;
    for (auto& [fd, connection] : connections_) {
        if (!connection->onTick(now_ms)) {
            expired.push_back(fd);
            continue;
        }
        // A timeout may have produced a reply (pass-through, block page).
        if (connection->wantsWrite() && !connection->onWritable()) {
            expired.push_back(fd);
            continue;
        }
        watch(*connection);
    }
    for (const int fd : expired)
        close(fd);
}

void IcapServerThread::run(
    const std::atomic<bool>& stop,
    const std::function<void(const IcapServerThread&, bool force)>& each_second) noexcept {
    epoll_event events[kMaxEvents];
    uint64_t last_tick = steadyMs();
    uint64_t last_second = last_tick;
    while (!stop.load(std::memory_order_relaxed)) {
        const int n = ::epoll_wait(epoll_.get(), events, kMaxEvents, kTickMs);
        const uint64_t now = steadyMs();
        for (int i = 0; i < n; ++i) {
            if (events[i].data.fd == listener_.get())
                acceptAll(now);
            else
                serve(events[i].data.fd, events[i].events, now);
        }
        if (now - last_tick >= kTickMs) {
            tick(now);
            last_tick = now;
        }
        refreshRules();
        if (now - last_second >= 1000) {
            each_second(*this, false);
            last_second = now;
        }
    }
    for (auto& [fd, connection] : connections_)
        ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
    connections_.clear();
    each_second(*this, true);
}

} // namespace egressmon::icap
