#pragma once
// What the RTF text extractors of a worker counted (every RTF file inside HTTP bodies, form-data
// parts, MIME parts and archives), exported as the "rtf" decoder's events.
//
// Thread: the worker; summed across workers for --stats and the metrics endpoint.

#include "core/counter_table.h"

namespace egressmon::dpi {

// One line per counter: X(field, unit, help, exports); see core/counter_table.h.
#define EGRESSMON_RTF_COUNTERS(X)                                                                  \
    X(documents, "documents", "RTF files read (found by their magic bytes {\\rtf)",                \
      counter::series("document"))                                                                 \
    X(text_bytes, "bytes", "UTF-8 text written to rtf.text layers", counter::statsOnly)            \
    X(embedded_objects_skipped, "objects",                                                         \
      "Embedded objects (\\object, \\objdata) skipped: their hex is not text",                     \
      counter::series("embedded_object_skipped"))                                                  \
    X(binary_bytes_skipped, "bytes", "Bytes skipped by \\bin N", counter::statsOnly)               \
    X(long_control_words, "words", "Control words or parameters cut at their length bound",        \
      counter::series("long_control_word"))                                                        \
    X(depth_exceeded, "documents",                                                                 \
      "Documents with more groups open than the bound (the text ends there)",                      \
      counter::limit("extraction.max-rtf-depth"))                                                  \
    X(gaps, "documents", "Documents a hole ended (RTF cannot resynchronise)",                      \
      counter::series("gap"))                                                                      \
    /* one X(...) per counter, above this line */

struct RtfCounters {
    EGRESSMON_RTF_COUNTERS(EGRESSMON_COUNTER_FIELD)
    EGRESSMON_COUNTER_TABLE(RtfCounters, EGRESSMON_RTF_COUNTERS, "rtf", "rtf",
                            "egressmon_decoder_events_total", "decoder", "rtf")
    EGRESSMON_COUNTER_SUM(RtfCounters)
};

} // namespace egressmon::dpi
