#pragma once
// One ICAP thread: an epoll loop over its own listening socket (SO_REUSEPORT: the kernel deals
// new connections to the threads) and the connections it accepted, with its own inspection
// engine (Hyperscan scratch, decoders' counters), so nothing is shared on the request path.
// Connections are bounded per thread (icap.max-connections split over the threads); peers
// outside icap.allow are closed at accept. Rule reloads are adopted between events, as the
// capture workers do between batches.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/unique_fd.h"
#include "dpi/inspect/alert_sink.h"
#include "dpi/inspect/inspection_engine.h"
#include "icap/icap_config.h"
#include "icap/icap_connection.h"
#include "icap/icap_thread_context.h"
#include "rules/rule_set_source.h"

namespace egressmon::icap {

class IcapServerThread {
  public:
    // Start-up (throws): the engine is built for the rules in force; `alerts` must outlive it.
    IcapServerThread(const IcapConfig& config, unsigned index, core::UniqueFd listener,
                     std::shared_ptr<rules::RuleSetSource> rules,
                     const dpi::InspectionConfig& inspection, dpi::AlertSink& alerts,
                     const std::string& sensor_name);
    ~IcapServerThread();

    // The thread's body: serves until `stop` is set, then closes every connection (requests
    // still open are aborted: the proxy retries or bypasses them). `each_second` runs on this
    // thread about once a second and once at the end (force), for the caller to publish stats.
    void run(const std::atomic<bool>& stop,
             const std::function<void(const IcapServerThread&, bool force)>& each_second) noexcept;

    const IcapCounters& counters() const noexcept { return context_.counters; }
    const exporting::LatencyHistogram& latency() const noexcept { return context_.latency; }
    uint64_t openConnections() const noexcept { return context_.open_connections; }
    uint64_t heldBytes() const noexcept { return context_.held_bytes; }
    const dpi::InspectionEngine& engine() const noexcept { return *engine_; }
    uint64_t ruleSwitchFailures() const noexcept { return rule_switch_failures_; }

  private:
    void acceptAll(uint64_t now_ms) noexcept;
    void serve(int fd, uint32_t events, uint64_t now_ms) noexcept;
    void watch(IcapConnection& connection) noexcept;
    void close(int fd) noexcept;
    void tick(uint64_t now_ms) noexcept;
    void refreshRules() noexcept;

    const IcapConfig& config_;
    core::UniqueFd listener_;
    core::UniqueFd epoll_;
    std::shared_ptr<rules::RuleSetSource> rules_;
    uint64_t rules_generation_ = 0;
    uint64_t rule_switch_failures_ = 0;
    std::unique_ptr<dpi::InspectionEngine> engine_;
    IcapThreadContext context_;
    uint32_t max_connections_;   // this thread's share
    bool accept_paused_ = false; // accept failed for want of descriptors: retried at the tick
    std::unordered_map<int, std::unique_ptr<IcapConnection>> connections_;
};

} // namespace egressmon::icap
