#pragma once
// What the ZIP walkers of a worker counted (every archive inside HTTP bodies, form-data parts,
// MIME parts, and inside other archives), exported as the "zip" decoder's events.
//
// Thread: the worker; summed across workers for --stats and the metrics endpoint.

#include "core/counter_table.h"

namespace egressmon::dpi {

// One line per counter: X(field, unit, help, exports); see core/counter_table.h.
#define EGRESSMON_ZIP_COUNTERS(X)                                                                  \
    X(archives, "archives", "ZIP archives walked (found by their magic bytes)",                    \
      counter::series("archive"))                                                                  \
    X(entries, "entries", "Archive entries met (decoded, skipped or cut)",                         \
      counter::series("entry"))                                                                    \
    X(encrypted_entries, "entries", "Encrypted entries (not decodable; the archive goes on)",      \
      counter::series("encrypted_entry"))                                                          \
    X(unsupported_method, "entries",                                                               \
      "Entries compressed with a method other than stored or deflate (skipped)",                   \
      counter::series("unsupported_method"))                                                       \
    X(bombs, "entries", "Entries cut at a decompression bound (bomb guard)",                       \
      counter::limit("extraction.max-entry-bytes", "ratio_exceeded"))                              \
    X(ratio_exceeded, "entries", "Entries cut at the decompressed/compressed ratio bound",         \
      counter::limit("extraction.max-compression-ratio"))                                          \
    X(corrupt, "entries",                                                                          \
      "Entries whose data disagrees with their header (or walks stopped on corrupt data)",         \
      counter::series("corrupt"))                                                                  \
    X(entries_exceeded, "archives",                                                                \
      "Archives with more entries than the bound (the rest not walked)",                           \
      counter::limit("extraction.max-archive-entries"))                                            \
    X(names_truncated, "entries", "Entry names cut at 1024 bytes",                                 \
      counter::series("name_truncated"))                                                           \
    X(gaps, "gaps", "Holes in archives being walked", counter::series("gap"))                      \
    /* one X(...) per counter, above this line */

struct ZipCounters {
    EGRESSMON_ZIP_COUNTERS(EGRESSMON_COUNTER_FIELD)
    EGRESSMON_COUNTER_TABLE(ZipCounters, EGRESSMON_ZIP_COUNTERS, "zip", "zip",
                            "egressmon_decoder_events_total", "decoder", "zip")
    EGRESSMON_COUNTER_SUM(ZipCounters)
};

} // namespace egressmon::dpi
