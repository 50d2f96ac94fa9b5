#pragma once
// What the tar walkers of a worker counted (every tar inside HTTP bodies, form-data parts, MIME
// parts, gzip files and other archives), exported as the "tar" decoder's events.
//
// The bounds are the `extraction:` keys the ZIP walker uses (max-archive-entries,
// max-entry-bytes): egressmon_limit_hits_total sums the hits of both groups per key.
//
// Thread: the worker; summed across workers for --stats and the metrics endpoint.

#include "core/counter_table.h"

namespace egressmon::dpi {

// One line per counter: X(field, unit, help, exports); see core/counter_table.h.
#define EGRESSMON_TAR_COUNTERS(X)                                                                  \
    X(archives, "archives", "tar archives walked (a file whose first block is a tar header)",      \
      counter::series("archive"))                                                                  \
    X(entries, "entries", "tar entries met (files, directories, links...)",                        \
      counter::series("entry"))                                                                    \
    X(corrupt, "archives", "tar walks stopped on a header with a bad checksum or number field",    \
      counter::series("corrupt"))                                                                  \
    X(entries_exceeded, "archives",                                                                \
      "tar archives with more entries than the bound (the rest not walked)",                       \
      counter::limit("extraction.max-archive-entries"))                                            \
    X(entries_cut, "entries", "tar entries cut at the bytes-per-entry bound (the rest skipped)",   \
      counter::limit("extraction.max-entry-bytes"))                                                \
    X(long_names_truncated, "entries",                                                             \
      "tar entry names (GNU long names, pax paths) cut at 1024 bytes",                             \
      counter::series("long_name_truncated"))                                                      \
    X(gaps, "gaps", "Holes in tar archives being walked", counter::series("gap"))                  \
    /* one X(...) per counter, above this line */

struct TarCounters {
    EGRESSMON_TAR_COUNTERS(EGRESSMON_COUNTER_FIELD)
    EGRESSMON_COUNTER_TABLE(TarCounters, EGRESSMON_TAR_COUNTERS, "tar", "tar",
                            "egressmon_decoder_events_total", "decoder", "tar")
    EGRESSMON_COUNTER_SUM(TarCounters)
};

} // namespace egressmon::dpi
