#include "app/control_signals.h"

#include <csignal>
#include <pthread.h>

#include "app/pipeline.h"
#include "app/rule_reloader.h"
#include "export/file_record_writer.h"

namespace egressmon::app {

namespace {

void onReloadSignal(int) {
    reloadRequested().store(true);
}

void onReopenSignal(int) {
    exporting::FileRecordWriter::reopenGeneration().fetch_add(1, std::memory_order_relaxed);
}

void onStopSignal(int) {
    stopRequested().store(true);
}

sigset_t controlSignals() noexcept {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    return set;
}

} // namespace

void installControlSignals() noexcept {
    struct sigaction stop {};
    stop.sa_handler = onStopSignal;
    // The first signal asks for a clean stop (drain, flush, report); a second one kills. No
    // SA_RESTART: a reader waiting on an idle pipe must wake up and see the stop.
    stop.sa_flags = SA_RESETHAND;
    sigemptyset(&stop.sa_mask);
    sigaction(SIGINT, &stop, nullptr);
    sigaction(SIGTERM, &stop, nullptr);
    struct sigaction hup {};
    hup.sa_handler = onReloadSignal; // re-read the rule files; the running ones stay on failure
    // A reload request must never end the input: an interrupted read() resumes.
    hup.sa_flags = SA_RESTART;
    sigemptyset(&hup.sa_mask);
    sigaction(SIGHUP, &hup, nullptr);
    struct sigaction usr1 {};
    usr1.sa_handler = onReopenSignal; // log rotation: file outputs open their paths again
    usr1.sa_flags = SA_RESTART;
    sigemptyset(&usr1.sa_mask);
    sigaction(SIGUSR1, &usr1, nullptr);
    const sigset_t set = controlSignals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr); // inherited by every thread started from here
}

void acceptControlSignals() noexcept {
    const sigset_t set = controlSignals();
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr); // pending ones are delivered now
}

} // namespace egressmon::app
