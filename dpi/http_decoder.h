#pragma once
// Incremental HTTP/1.x decoder for ONE direction of one flow (requests client -> server, or
// responses server -> client). Fed the reassembled stream in arbitrary pieces; never buffers a
// whole body. Emits decoded layers to a DecodedLayerSink:
//
//   requests:  "http.request.uri.decoded"    percent-decoded request target (+ as space in query)
//              "http.request.body"           body after de-chunking (Content-Length or chunked)
//              "http.request.body.gzip" / ".deflate"  after Content-Encoding decompression
//              "http.request.body.form"      application/x-www-form-urlencoded, percent-decoded
//              "http.request.body.multipart" each multipart/form-data part's content (after the
//                                            part's Content-Transfer-Encoding base64 / QP)
//   responses: "http.response.body" (+ ".gzip" / ".deflate")
//
// Pipelining: any number of messages back to back. Bodies: Content-Length, chunked (with chunk
// extensions and trailers), or (responses only) until the end of the stream. Requests without
// a body-describing header have none. A response to HEAD, 1xx, 204 and 304 has no body.
// Bounds (each counted when hit): header section size, multipart part header and chunked
// trailer size, decompressed bytes per body and decompression ratio (decompression bombs),
// outstanding requests remembered for response pairing. On a gap or unparseable input the decoder
// stops for the rest of this direction (counted); the raw stream is still matched elsewhere.
//
// Thread: the worker owning the flow; noexcept; memory bounded by the limits.

#include <cstdint>
#include <memory>
#include <vector>

#include "core/counter_table.h"
#include "decoded_layer_sink.h"

namespace egressmon::dpi {

struct HttpDecoderLimits {
    uint32_t max_header_bytes = 64 * 1024;         // request/status line + headers
    uint64_t max_decompressed_bytes = 64ull << 20; // per body
    uint32_t max_compression_ratio = 1000;         // decompressed / compressed, per body
    uint32_t max_part_header_bytes = 16 * 1024;    // one multipart part's headers
    uint32_t max_trailer_bytes = 64 * 1024;        // a chunked body's trailer section
    uint32_t max_pending_requests = 64;            // requests awaiting a response, per flow
};

// One line per counter: X(field, unit, help, exports) (core/counter_table.h).
#define EGRESSMON_HTTP_DECODER_COUNTERS(X)                                                         \
    X(messages, "messages", "Requests or responses parsed", counter::series("message"))            \
    X(bodies, "bodies", "Message bodies decoded", counter::series("body"))                         \
    X(chunked_bodies, "bodies", "Bodies with chunked transfer coding",                             \
      counter::series("chunked_body"))                                                             \
    X(decompressed_bodies, "bodies", "Bodies decompressed (gzip, deflate)",                        \
      counter::series("decompressed_body"))                                                        \
    X(multipart_parts, "parts", "multipart/form-data parts decoded",                               \
      counter::series("multipart_part"))                                                           \
    X(header_too_large, "headers",                                                                 \
      "Header sections over the size bound (decoding stopped for the direction)",                  \
      counter::limit("http.max-header-bytes"))                                                     \
    X(decompression_bombs, "bodies",                                                               \
      "Bodies whose decoded layer was cut at a decompression bound (bomb guard)",                  \
      counter::limit("http.max-decompressed-bytes", "ratio_exceeded"))                             \
    X(ratio_exceeded, "bodies",                                                                    \
      "Decompression bombs stopped at the decompressed/compressed ratio bound",                    \
      counter::limit("http.max-compression-ratio"))                                                \
    X(decompression_errors, "bodies", "Corrupt gzip or deflate data",                              \
      counter::series("decompression_error"))                                                      \
    X(parse_errors, "directions",                                                                  \
      "Input that is not HTTP or lost its framing (decoding stopped for the direction)",           \
      counter::series("parse_error"))                                                              \
    X(gaps, "directions", "Stream gaps (decoding stopped for the direction)",                      \
      counter::series("gap"))                                                                      \
    X(part_header_too_large, "parts",                                                              \
      "multipart/form-data parts whose headers exceeded the bound (the rest of that body is "      \
      "not split into parts)",                                                                     \
      counter::limit("http.max-part-header-bytes"))                                                \
    X(trailer_too_large, "bodies",                                                                 \
      "Chunked bodies whose trailers exceeded the bound (decoding stopped for the direction)",     \
      counter::limit("http.max-trailer-bytes"))                                                    \
    X(pending_requests_exceeded, "requests",                                                       \
      "Requests forgotten because more were awaiting a response (a later response may be "         \
      "framed wrongly)",                                                                           \
      counter::limit("http.max-pending-requests"))                                                 \
    /* one X(...) per counter, above this line */

struct HttpDecoderCounters {
    EGRESSMON_HTTP_DECODER_COUNTERS(EGRESSMON_COUNTER_FIELD)
    EGRESSMON_COUNTER_TABLE(HttpDecoderCounters, EGRESSMON_HTTP_DECODER_COUNTERS, "http", "http",
                            "egressmon_decoder_events_total", "decoder", "http")
    EGRESSMON_COUNTER_SUM(HttpDecoderCounters)
};

// Shared by the two directions of one flow: the request decoder records each request's method
// in order, the response decoder consumes them, so a response to HEAD is known to have no body.
// Bounded: past HttpDecoderLimits::max_pending_requests outstanding requests the oldest entry is
// forgotten (counted), so later responses may be paired with the wrong request.
struct HttpPairing {
    // A ring of one bit per outstanding request (set: HEAD), oldest at `first`. Up to 64
    // requests fit in `bits`; a larger bound gets `more_bits` with the first request.
    uint64_t bits = 0;
    uint32_t pending = 0;
    uint32_t first = 0;
    std::vector<uint64_t> more_bits; // ring bits 64 and up
};

class HttpDecoder final : public StreamDecoder {
  public:
    // `requests`: true for the client -> server direction. `pairing` is shared with the other
    // direction's decoder and must outlive both (may be null: then HEAD is not known).
    HttpDecoder(bool requests, const HttpDecoderLimits& limits, HttpDecoderCounters& counters,
                HttpPairing* pairing);
    ~HttpDecoder() override;
    HttpDecoder(const HttpDecoder&) = delete;
    HttpDecoder& operator=(const HttpDecoder&) = delete;

    void onData(const uint8_t* data, uint32_t len, DecodedLayerSink& sink) noexcept override;
    // Bytes were lost: HTTP framing can no longer be trusted; ends open layers and stops.
    void onGap(uint64_t missing, DecodedLayerSink& sink) noexcept override;
    // End of the direction (FIN/RST/flow end): a body delimited by the connection close ends
    // here; open layers are ended.
    void onEnd(DecodedLayerSink& sink) noexcept override;

    bool stopped() const noexcept override;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace egressmon::dpi
