#pragma once
// The signals that steer a run: SIGINT/SIGTERM ask for a clean stop (a second one kills),
// SIGHUP asks for a rule reload, SIGUSR1 for file outputs to be reopened (log rotation). Their
// handlers only set flags (stopRequested(), reloadRequested(),
// FileRecordWriter::reopenGeneration()).
//
// Only the main thread takes them. installControlSignals() runs before any thread exists: it
// installs the handlers and blocks the three signals in the calling thread, so every thread
// started afterwards (workers, record sinks, the rule reloader, the metrics server, librdkafka's)
// inherits the block. Once the pipeline has started its threads, the main thread calls
// acceptControlSignals() and from then on is the only thread they can land on.
//
// Why: the main thread is the file reader, and may be blocked in read() on a pipe
// (`tcpdump -w - | egressmon -r -`). SIGHUP is installed with SA_RESTART, so that read()
// resumes after a reload request and libpcap never sees EINTR (which it would report as a read
// error, ending the input). SIGINT/SIGTERM are installed without SA_RESTART on purpose: they
// interrupt that read, so a stop is seen even while the pipe is idle.

namespace egressmon::app {

void installControlSignals() noexcept;
void acceptControlSignals() noexcept;

} // namespace egressmon::app
