// --icap without capture: the ICAP service alone, until SIGINT/SIGTERM. The rule reloader,
// the sinks, --stats and the metrics endpoint are those of a capture run; one capture worker
// exists only to check the rules' protocol names against nDPI at start-up, as a capture run
// does, and sees no packet.

#include <chrono>
#include <thread>

#include "app/control_signals.h"
#include "app/pipeline.h"
#include "app/pipeline_setup.h"
#include "app/privilege_drop.h"

namespace egressmon::app {

RunSummary runIcapPipeline(const Options& options) {
    Options o = options;
    o.workers = 1;
    const RunAs run_as = resolveRunAs(o);
    std::vector<core::UniqueFd> listeners = IcapService::openListeners(o);
    dropCapabilitiesBeforeThreads();
    PipelineParts parts =
        buildPipelineParts(o, /*lossless=*/false, /*capture_threads=*/0, std::move(listeners));
    dropPrivileges(run_as, directoriesKeptWritable(o));

    const auto started = std::chrono::steady_clock::now();
    parts.icap->start();
    acceptControlSignals(); // this thread takes SIGINT/SIGTERM/SIGHUP from here on
    while (!stopRequested().load(std::memory_order_relaxed)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        parts.workers.front()->publishStatsIfDue();
    }
    parts.icap->join();
    parts.workers.front()->flushAllFlows();
    parts.workers.front()->publishStatsIfDue(true);

    RunSummary summary;
    summary.elapsed_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    closeParts(parts, summary);
    return summary;
}

} // namespace egressmon::app
