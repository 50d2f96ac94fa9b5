#pragma once
// What the PDF text extractors of a worker counted (every PDF inside HTTP bodies, form-data
// parts, MIME parts and archives), exported as the "pdf" decoder's events.
//
// Thread: the worker; summed across workers for --stats and the metrics endpoint.

#include "core/counter_table.h"

namespace egressmon::dpi {

// One line per counter: X(field, unit, help, exports); see core/counter_table.h.
#define EGRESSMON_PDF_COUNTERS(X)                                                                  \
    X(documents, "documents", "PDF files read (found by their magic bytes %PDF-)",                 \
      counter::series("document"))                                                                 \
    X(text_bytes, "bytes", "UTF-8 text written to pdf.text layers", counter::statsOnly)            \
    X(streams_decoded, "streams", "Content, CMap and object streams decoded",                      \
      counter::series("stream_decoded"))                                                           \
    X(streams_skipped, "streams", "Streams that hold no text (images, font programs, metadata)",   \
      counter::series("stream_skipped"))                                                           \
    X(streams_unsupported, "streams",                                                              \
      "Streams whose filter or predictor is not decoded (the file is uninspectable)",              \
      counter::series("stream_unsupported"))                                                       \
    X(streams_corrupt, "streams", "Streams whose data did not decode (the file is uninspectable)", \
      counter::series("stream_corrupt"))                                                           \
    X(streams_deferred, "streams",                                                                 \
      "Content streams held until the end of the file for fonts not seen yet",                     \
      counter::series("stream_deferred"))                                                          \
    X(cmaps, "cmaps", "ToUnicode CMaps read", counter::series("cmap"))                             \
    X(document_strings, "strings",                                                                 \
      "Document information, form field and annotation strings read into pdf.text",                \
      counter::series("document_string"))                                                          \
    X(attachments, "files", "Files attached inside PDFs (/EmbeddedFile streams) decoded",          \
      counter::series("attachment"))                                                               \
    X(metadata_streams, "streams", "XMP metadata streams read into pdf.text",                      \
      counter::series("metadata_stream"))                                                          \
    X(object_streams, "streams", "Object streams (/Type /ObjStm) read for their dictionaries",     \
      counter::series("object_stream"))                                                            \
    X(encrypted, "documents", "Encrypted PDFs (an /Encrypt dictionary): no text",                  \
      counter::series("encrypted"))                                                                \
    X(object_text_cut, "objects",                                                                  \
      "Stretches of object text longer than the 1 MiB the scanner keeps (their start is lost)",    \
      counter::series("object_text_cut"))                                                          \
    X(gaps, "documents", "Documents a hole fell in (streams it cut are not decoded)",              \
      counter::series("gap"))                                                                      \
    X(stream_bytes_exceeded, "streams", "Streams whose decoded bytes reached the bound",           \
      counter::limit("extraction.max-pdf-stream-bytes"))                                           \
    X(buffered_exceeded, "documents",                                                              \
      "Documents whose held content streams reached the bound (the rest read without fonts)",      \
      counter::limit("extraction.max-pdf-buffered-bytes"))                                         \
    X(objects_exceeded, "documents", "Documents with more objects than the bound (text ends)",     \
      counter::limit("extraction.max-pdf-objects"))                                                \
    X(time_exceeded, "documents", "Documents whose extraction took longer than the bound",         \
      counter::limit("extraction.max-file-time-ms"))                                               \
    X(memory_exceeded, "documents",                                                                \
      "Documents that could not buffer more: the worker's extraction memory was in use",           \
      counter::limit("extraction.max-worker-memory"))                                              \
    /* one X(...) per counter, above this line */

struct PdfCounters {
    EGRESSMON_PDF_COUNTERS(EGRESSMON_COUNTER_FIELD)
    EGRESSMON_COUNTER_TABLE(PdfCounters, EGRESSMON_PDF_COUNTERS, "pdf", "pdf",
                            "egressmon_decoder_events_total", "decoder", "pdf")
    EGRESSMON_COUNTER_SUM(PdfCounters)
};

} // namespace egressmon::dpi
