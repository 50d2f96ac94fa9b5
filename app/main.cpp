// egressmon: network egress monitor. Parses options, runs the pipeline, reports.
// Start-up errors become one line on stderr and exit status 2 (INTERFACE.md); a run that lost
// records to a failing sink or capture handle exits 1.

#include <csignal>
#include <iostream>

#include "app/options.h"
#include "app/pipeline.h"
#include "app/privilege_drop.h"
#include "app/rule_reloader.h"

namespace {
void onReloadSignal(int) {
    egressmon::app::reloadRequested().store(true);
}
void onStopSignal(int) {
    egressmon::app::stopRequested().store(true);
}
} // namespace

int main(int argc, char** argv) {
    using namespace egressmon::app;
    ParsedCommandLine cmd;
    try {
        cmd = parseCommandLine(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "egressmon: " << e.what() << "\n";
        return 2;
    }
    if (cmd.action == Action::kHelp) {
        std::cout << usageText();
        return 0;
    }
    if (cmd.action == Action::kVersion) {
        std::cout << "egressmon " << EGRESSMON_VERSION << "\n";
        return 0;
    }

    struct sigaction sa {};
    sa.sa_handler = onStopSignal;
    // The first signal asks for a clean stop (drain, flush, report); a second one kills.
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    struct sigaction hup {};
    hup.sa_handler = onReloadSignal; // re-read the rule files; the running ones stay on failure
    sigemptyset(&hup.sa_mask);
    sigaction(SIGHUP, &hup, nullptr);
    // A reader that goes away (`egressmon ... | head`) must not kill the sensor: the write
    // fails with EPIPE instead and the sink counts the record as dropped.
    signal(SIGPIPE, SIG_IGN);

    RunSummary summary;
    try {
        forbidPrivilegeGain(); // before any thread: it is inherited by all of them
        summary = cmd.options.interface.empty() ? runFilePipeline(cmd.options)
                                                : runLivePipeline(cmd.options);
    } catch (const std::exception& e) {
        std::cerr << "egressmon: " << e.what() << "\n";
        return 2;
    }
    if (cmd.options.stats) std::cerr << formatStatsJson(summary) << "\n";
    // The run finished, but records were lost to a failing output or capture (already reported
    // on stderr): not a success.
    if (summary.flow_sink.write_failed > 0 || summary.alert_sink.write_failed > 0 ||
        summary.alert_sink.spool_full > 0 || summary.capture_failed)
        return 1;
    return 0;
}
