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
// outstanding requests remembered for response pairing, bytes skipped to resynchronise after a
// gap. Unparseable input stops the decoder for the rest of this direction (counted); the raw
// stream is still matched elsewhere.
//
// Gaps (bytes lost under the stream, onGap): inside body data of a known length (Content-Length,
// the current chunk's data) or a close-delimited body, the body goes on after the hole: its
// layers take the gap (layerGap, offsets counting the missing bytes), except a decompressed
// layer, which ends (gap_cut_layers) while the body is still framed; a multipart part takes the
// gap or ends, the parser resuming at the next boundary. Anywhere else (a header section, chunk
// framing, a hole running past the body's end, between messages) the decoder resynchronises:
// it discards the stream up to a line that is a plausible start line of this direction
// (plausibleResyncLine) and decodes from there, holding at most one line (bounded by
// max_header_bytes). Past max_resync_bytes skipped without one it stops (resync_failures).
// Messages lost in a hole are not known to the HEAD pairing, so a later response may be paired
// with the wrong request.
//
// Pairing-only mode (HttpDecoderMode::PairingOnly, for a direction no rule inspects): request
// heads are parsed and bodies framed only to record each request's method in HttpPairing; no
// layer is opened, nothing is decompressed or percent-decoded.
//
// Thread: the worker owning the flow; noexcept; memory bounded by the limits.

#include <cstdint>
#include <memory>
#include <vector>

#include "core/counter_table.h"
#include "dpi/decode/decoded_layer_sink.h"
#include "dpi/transform/transform.h"

namespace egressmon::dpi {

struct HttpDecoderLimits {
    uint32_t max_header_bytes = 64 * 1024;         // request/status line + headers
    uint64_t max_decompressed_bytes = 64ull << 20; // per body
    uint32_t max_compression_ratio = 1000;         // decompressed / compressed, per body
    uint32_t max_part_header_bytes = 16 * 1024;    // one multipart part's headers
    uint32_t max_multipart_depth = 8;              // nested multiparts in a form-data body
    uint32_t max_trailer_bytes = 64 * 1024;        // a chunked body's trailer section
    uint32_t max_pending_requests = 64;            // requests awaiting a response, per flow
    uint64_t max_resync_bytes = 1 << 20; // stream skipped looking for a start line after a gap
};

// One line per counter: X(field, unit, help, exports) (core/counter_table.h).
#define EGRESSMON_HTTP_DECODER_COUNTERS(X)                                                         \
    X(messages, "messages", "Requests or responses parsed", counter::series("message"))            \
    X(bodies, "bodies", "Message bodies decoded", counter::series("body"))                         \
    X(chunked_bodies, "bodies", "Bodies with chunked transfer coding",                             \
      counter::series("chunked_body"))                                                             \
    X(decompressed_bodies, "bodies", "Bodies decompressed (gzip, deflate)",                        \
      counter::series("decompressed_body"))                                                        \
    X(multipart_parts, "parts",                                                                    \
      "multipart/form-data parts decoded (parts with content or a hole; empty fields not "         \
      "counted)",                                                                                  \
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
    X(gaps, "gaps", "Holes in the stream under a decoder", counter::series("gap"))                 \
    X(part_header_too_large, "parts",                                                              \
      "multipart/form-data parts whose headers exceeded the bound (fields past it ignored; the "   \
      "part is still decoded)",                                                                    \
      counter::limit("http.max-part-header-bytes"))                                                \
    X(multipart_too_deep, "multiparts",                                                            \
      "Multiparts nested in a form-data body deeper than the bound (decoded as one part)",         \
      counter::limit("http.max-multipart-depth"))                                                  \
    X(trailer_too_large, "bodies",                                                                 \
      "Chunked bodies whose trailers exceeded the bound (decoding stopped for the direction)",     \
      counter::limit("http.max-trailer-bytes"))                                                    \
    X(pending_requests_exceeded, "requests",                                                       \
      "Requests forgotten because more were awaiting a response (a later response may be "         \
      "framed wrongly)",                                                                           \
      counter::limit("http.max-pending-requests"))                                                 \
    X(resyncs, "gaps",                                                                             \
      "Holes after which decoding went on (in the body, or at the next start line)",               \
      counter::series("resync"))                                                                   \
    X(resync_failures, "gaps",                                                                     \
      "Holes after which no start line came within http.max-resync-bytes (decoding stopped)",      \
      counter::limit("http.max-resync-bytes"))                                                     \
    X(gap_cut_layers, "layers", "Decoded layers a hole ended early (gzip/deflate bodies)",         \
      counter::series("gap_cut_layer"))                                                            \
    X(transforms_refused, "transforms",                                                            \
      "Content transforms (inflate, form, MIME) not run or cut for lack of memory, or layers "     \
      "past "                                                                                      \
      "the nesting cap of 64 not decoded further (their input layer is still scanned)",            \
      counter::series("transform_refused"))                                                        \
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
    // No response decoder reads the ring (the responses turned out not to be HTTP, or were
    // lost before they could tell): requests are not remembered, so no bound is hit for them.
    bool unread = false;
    std::vector<uint64_t> more_bits; // ring bits 64 and up
};

// Decode: every layer above. PairingOnly: parse and frame only (see above); meant for the
// request direction of a flow whose requests no rule inspects but whose responses are.
enum class HttpDecoderMode : uint8_t { Decode, PairingOnly };

class HttpDecoder final : public StreamDecoder {
  public:
    // `requests`: true for the client -> server direction. `pairing` is shared with the other
    // direction's decoder and must outlive both (may be null: then HEAD is not known).
    // `files`: the bounds and counters of the file transforms under the bodies (archives); it
    // must outlive the decoder (null: the defaults, nothing counted).
    HttpDecoder(bool requests, const HttpDecoderLimits& limits, HttpDecoderCounters& counters,
                HttpPairing* pairing, HttpDecoderMode mode = HttpDecoderMode::Decode,
                const FileDecoding* files = nullptr);
    ~HttpDecoder() override;
    HttpDecoder(const HttpDecoder&) = delete;
    HttpDecoder& operator=(const HttpDecoder&) = delete;

    void onData(const uint8_t* data, uint32_t len, DecodedLayerSink& sink) noexcept override;
    // Bytes were lost: the body goes on where its length is known, else resynchronise at the
    // next start line (see above).
    void onGap(uint64_t missing, DecodedLayerSink& sink) noexcept override;
    // End of the direction (FIN/RST/flow end): a body delimited by the connection close ends
    // here; open layers are ended.
    void onEnd(DecodedLayerSink& sink) noexcept override;

    bool stopped() const noexcept override;
    bool betweenMessages() const noexcept override;
    DecoderKind kind() const noexcept override { return DecoderKind::Http; }

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace egressmon::dpi
