#pragma once
// What the encryption probes of a worker counted (RAR and 7z archives and OLE2 compound files
// inside HTTP bodies, form-data parts, MIME parts and archives), exported as the "sealed"
// decoder's events.
//
// Thread: the worker; summed across workers for --stats and the metrics endpoint.

#include "core/counter_table.h"

namespace egressmon::dpi {

// One line per counter: X(field, unit, help, exports); see core/counter_table.h.
#define EGRESSMON_SEALED_COUNTERS(X)                                                               \
    X(files, "files", "RAR and 7z archives and OLE2 compound files probed for encryption",         \
      counter::series("file"))                                                                     \
    X(encrypted, "files",                                                                          \
      "Of them password-protected (RAR encryption headers or records, 7zAES coders, OLE2 "         \
      "EncryptedPackage, Word FIB fEncrypted, Excel FILEPASS, PowerPoint EncryptedSummary)",       \
      counter::series("encrypted"))                                                                \
    X(unreadable, "files",                                                                         \
      "Of them with headers that could not be read (malformed, a bad CRC, cut short, a hole in a " \
      "7z's header, a 7z header coder other than LZMA/LZMA2, out of memory)",                      \
      counter::series("unreadable"))                                                               \
    X(headers_exceeded, "files",                                                                   \
      "RAR archives with more headers than the entries bound (the rest not probed)",               \
      counter::limit("extraction.max-archive-entries"))                                            \
    X(sevenzip_headers_decoded, "headers", "7z headers LZMA-decoded to read their coders",         \
      counter::series("7z_header_decoded"))                                                        \
    X(sevenzip_header_exceeded, "files",                                                           \
      "7z archives whose header, its packed bytes or their decoding exceed the bound "             \
      "(uninspectable)",                                                                           \
      counter::limit("extraction.max-7z-header-bytes"))                                            \
    X(memory_refused, "files",                                                                     \
      "7z archives whose header tail the worker's extraction memory refused (uninspectable)",      \
      counter::limit("extraction.max-worker-memory"))                                              \
    /* one X(...) per counter, above this line */

struct SealedCounters {
    EGRESSMON_SEALED_COUNTERS(EGRESSMON_COUNTER_FIELD)
    EGRESSMON_COUNTER_TABLE(SealedCounters, EGRESSMON_SEALED_COUNTERS, "sealed", "sealed",
                            "egressmon_decoder_events_total", "decoder", "sealed")
    EGRESSMON_COUNTER_SUM(SealedCounters)
};

} // namespace egressmon::dpi
