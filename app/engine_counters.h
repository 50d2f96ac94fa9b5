#pragma once
// The counter groups an inspection engine keeps (inspection, decoders, file transforms, the
// matcher), copied into a WorkerCounters: a capture worker's engine and an ICAP thread's are
// reported the same way, and summed together in --stats and the metrics.

#include "app/worker.h"
#include "dpi/inspect/inspection_engine.h"

namespace egressmon::app {

inline void copyEngineCounters(const dpi::InspectionEngine& engine, WorkerCounters& c) {
    c.inspection = engine.counters();
    c.http = engine.http();
    c.smtp = engine.smtp();
    c.zip = engine.zip();
    c.xml = engine.xml();
    c.tar = engine.tar();
    c.rtf = engine.rtf();
    c.pdf = engine.pdf();
    c.sealed = engine.sealed();
    c.matcher_errors = engine.matcher().errors();
    c.scan_calls = engine.matcher().scanCalls();
    c.streams_opened = engine.matcher().streamsOpened();
}

} // namespace egressmon::app
