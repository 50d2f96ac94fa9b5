#pragma once
// The ICAP service in the process: its threads (icap/icap_server_thread.h), where their alerts
// and fileinfo records go (the same sinks as the capture workers', each thread a producer of
// its own), and their statistics for --stats and the metrics endpoint.
//
// Start-up: the listening sockets open in the constructor, before privileges are dropped (a
// port below 1024 needs them); the threads start later (start()), after the drop, and stop when
// the process is asked to stop (stopRequested()).

#include <memory>
#include <thread>
#include <vector>

#include "app/icap_stats.h"
#include "app/options.h"
#include "app/published_snapshot.h"
#include "export/record_sink.h"
#include "icap/icap_server_thread.h"
#include "rules/rule_set_source.h"

namespace egressmon::app {

class IcapService {
  public:
    // The listening sockets, one per ICAP thread (none when ICAP is off). Start-up: call it
    // before privileges or capabilities are dropped. Throws (a port in use, a bad address).
    static std::vector<core::UniqueFd> openListeners(const Options& options);

    // `listeners` from openListeners(). Throws before any thread starts (no memory for the
    // engines). `first_producer`: the sinks' producer index of the first ICAP thread (the
    // capture workers take those below).
    IcapService(const Options& options, std::vector<core::UniqueFd> listeners,
                std::shared_ptr<rules::RuleSetSource> rules, exporting::RecordSink* alert_sink,
                exporting::RecordSink* file_sink, unsigned first_producer);
    ~IcapService();

    void start();
    void join();             // after stopRequested() was set
    IcapStats stats() const; // after join()
    std::vector<const PublishedSnapshot<IcapStats>*> published() const;
    uint16_t port() const noexcept { return port_; }

  private:
    class Lane; // one thread: its server, its alert publisher, its published stats
    std::vector<std::unique_ptr<Lane>> lanes_;
    std::vector<std::thread> threads_;
    uint16_t port_ = 0;
};

} // namespace egressmon::app
