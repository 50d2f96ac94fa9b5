#pragma once
// What the office-document XML extractors of a worker counted (each XML part of a docx, xlsx,
// pptx, odt, ods or odp inside the traffic), exported as the "xml" decoder's events.
//
// Thread: the worker; summed across workers for --stats and the metrics endpoint.

#include "core/counter_table.h"

namespace egressmon::dpi {

// One line per counter: X(field, unit, help, exports); see core/counter_table.h.
#define EGRESSMON_XML_COUNTERS(X)                                                                  \
    X(parts, "parts", "Office XML parts whose text was extracted (document, sheet, slide...)",     \
      counter::series("part"))                                                                     \
    X(malformed, "parts", "Parts stopped on malformed or truncated XML (text so far kept)",        \
      counter::series("malformed"))                                                                \
    X(depth_exceeded, "parts", "Parts stopped at the element nesting bound",                       \
      counter::limit("extraction.max-xml-depth"))                                                  \
    X(entities_refused, "parts",                                                                   \
      "Parts stopped for declaring DTD entities (billion-laughs guard)",                           \
      counter::series("entity_declaration"))                                                       \
    X(amplification_exceeded, "parts", "Parts stopped at expat's entity amplification bound",      \
      counter::limit("extraction.max-xml-amplification"))                                          \
    X(tokens_too_large, "parts", "Parts stopped at a tag, comment or PI over 1 MiB",               \
      counter::series("token_too_large"))                                                          \
    X(namespaces_exceeded, "parts",                                                                \
      "Parts stopped at a namespace binding not held (over max-xml-depth in scope, long prefix)",  \
      counter::series("namespaces"))                                                               \
    X(gaps, "parts", "Parts ended by a hole (XML cannot resynchronise)", counter::series("gap"))   \
    X(out_of_memory, "parts", "Parts not read, or stopped, for lack of memory",                    \
      counter::series("out_of_memory"))                                                            \
    /* one X(...) per counter, above this line */

struct XmlCounters {
    EGRESSMON_XML_COUNTERS(EGRESSMON_COUNTER_FIELD)
    EGRESSMON_COUNTER_TABLE(XmlCounters, EGRESSMON_XML_COUNTERS, "xml", "xml",
                            "egressmon_decoder_events_total", "decoder", "xml")
    EGRESSMON_COUNTER_SUM(XmlCounters)
};

} // namespace egressmon::dpi
