#pragma once
// What the encryption probes of a worker counted (RAR archives and OLE2 compound files inside
// HTTP bodies, form-data parts, MIME parts and archives), exported as the "sealed" decoder's
// events.
//
// Thread: the worker; summed across workers for --stats and the metrics endpoint.

#include "core/counter_table.h"

namespace egressmon::dpi {

// One line per counter: X(field, unit, help, exports); see core/counter_table.h.
#define EGRESSMON_SEALED_COUNTERS(X)                                                               \
    X(files, "files", "RAR archives and OLE2 compound files probed for encryption",                \
      counter::series("file"))                                                                     \
    X(encrypted, "files",                                                                          \
      "Of them password-protected (RAR encryption headers or records, OLE2 EncryptedPackage)",     \
      counter::series("encrypted"))                                                                \
    X(unreadable, "files", "RAR archives whose headers could not be walked (malformed, too long)", \
      counter::series("unreadable"))                                                               \
    X(headers_exceeded, "files",                                                                   \
      "RAR archives with more headers than the entries bound (the rest not probed)",               \
      counter::limit("extraction.max-archive-entries"))                                            \
    /* one X(...) per counter, above this line */

struct SealedCounters {
    EGRESSMON_SEALED_COUNTERS(EGRESSMON_COUNTER_FIELD)
    EGRESSMON_COUNTER_TABLE(SealedCounters, EGRESSMON_SEALED_COUNTERS, "sealed", "sealed",
                            "egressmon_decoder_events_total", "decoder", "sealed")
    EGRESSMON_COUNTER_SUM(SealedCounters)
};

} // namespace egressmon::dpi
