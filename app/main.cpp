// egressmon: network egress monitor. Parses options, runs the pipeline, reports.
// Start-up errors become one line on stderr and exit status 2 (INTERFACE.md); a run that lost
// records to a failing sink or capture handle exits 1.

#include <csignal>
#include <iostream>
#include <string_view>

#include "app/config_check.h"
#include "app/control_signals.h"
#include "app/fleet_command.h"
#include "app/options.h"
#include "app/pipeline.h"
#include "app/policy_command.h"
#include "app/privilege_drop.h"
#include "app/version_text.h"

int main(int argc, char** argv) {
    using namespace egressmon::app;
    // Subcommands that do not run the sensor, dispatched before its options are parsed.
    if (argc > 1 && std::string_view(argv[1]) == "policy")
        return runPolicyCommand({argv + 2, argv + argc}, std::cout, std::cerr);
    if (argc > 1 && std::string_view(argv[1]) == "fleet")
        return runFleetCommand({argv + 2, argv + argc}, std::cout, std::cerr);
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
        std::cout << versionText();
        return 0;
    }
    if (cmd.action == Action::kTestConfig) {
        try {
            const std::string checked = checkConfiguration(cmd.options); // may throw
            std::cerr << "egressmon: " << checked << "\n";
        } catch (const std::exception& e) {
            std::cerr << "egressmon: " << e.what() << "\n";
            return 2;
        }
        return 0;
    }

    // SIGINT/SIGTERM/SIGHUP: handlers installed, and blocked for every thread but the main
    // one (which takes them once the pipeline's threads are started).
    installControlSignals();
    // A reader that goes away (`egressmon ... | head`) must not kill the sensor: the write
    // fails with EPIPE instead and the sink counts the record as dropped.
    signal(SIGPIPE, SIG_IGN);

    RunSummary summary;
    try {
        forbidPrivilegeGain(); // before any thread: it is inherited by all of them
        const Options& o = cmd.options;
        summary = !o.interface.empty()    ? runLivePipeline(o)
                  : !o.read_files.empty() ? runFilePipeline(o)
                                          : runIcapPipeline(o);
    } catch (const std::exception& e) {
        std::cerr << "egressmon: " << e.what() << "\n";
        return 2;
    }
    if (cmd.options.stats) std::cerr << formatStatsJson(summary) << "\n";
    // The run finished, but records were lost to a failing output or capture (already reported
    // on stderr): not a success.
    if (summary.flow_sink.write_failed > 0 || summary.alert_sink.write_failed > 0 ||
        summary.file_sink.write_failed > 0 || summary.alert_sink.spool_full > 0 ||
        summary.capture_failed)
        return 1;
    return 0;
}
