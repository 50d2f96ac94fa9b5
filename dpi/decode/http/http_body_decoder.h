#pragma once
// The content side of one HTTP message body: the de-chunked body bytes become the root of a
// layer tree ("http.request.body" / "http.response.body"), which the transform registry routes
// on (dpi/transform/):
//
//   body bytes --> "http.<dir>.body"
//       +--> inflate (Content-Encoding gzip / deflate) --> "http.<dir>.body.gzip" / ".deflate"
//       +--> on the decompressed bytes when compressed, request bodies only:
//              form      --> "http.request.body.form"
//              multipart --> MIME parser --> "http.request.body.multipart" per leaf part
//
// Each layer begins on its first byte, so empty bodies and parts give no layer. A hole in the
// body goes to the tree: the body layer takes it and goes on; a decompressed layer ends
// (gap_cut_layers); form and multipart decoding go on after it (see MimeParser::gap). The
// transforms' counts are folded into HttpDecoderCounters after every call.
//
// Thread: owned by one HttpDecoder. Memory: the inflater (~44 KiB) only while a compressed body
// is open; the MIME parser's bounded buffers while a multipart body is.

#include <cstddef>
#include <cstdint>

#include "dpi/decode/decoded_layer_sink.h"
#include "dpi/decode/http/http_decoder.h"
#include "dpi/decode/http/http_message_parser.h"
#include "dpi/transform/layer_node.h"
#include "dpi/transform/transform.h"

namespace egressmon::dpi {

class HttpBodyDecoder final {
  public:
    // Bodies are fed in slices of at most this many bytes, which bounds the transforms'
    // scratch buffers.
    static constexpr size_t kSlice = 16 * 1024;

    HttpBodyDecoder(bool request, const HttpDecoderLimits& limits, HttpDecoderCounters& counters,
                    const FileDecoding& files);
    HttpBodyDecoder(const HttpBodyDecoder&) = delete;
    HttpBodyDecoder& operator=(const HttpBodyDecoder&) = delete;

    // A new body: `head` gives coding, content type, boundary and the file name of the root
    // layer (http_body_file_name.h), copied as needed.
    void start(const HttpHead& head, DecodedLayerSink& sink) noexcept;
    void data(const uint8_t* data, size_t len, DecodedLayerSink& sink) noexcept;
    // The body ended (complete, or truncated by the end of the stream): flush and end layers.
    void finish(DecodedLayerSink& sink) noexcept;
    // `missing` bytes of the body were lost: see above. The body goes on.
    void gap(uint64_t missing, DecodedLayerSink& sink) noexcept;
    // Decoding of the body is given up: end the open layers without flushing held bytes.
    void abort(DecodedLayerSink& sink) noexcept;

  private:
    void fold() noexcept;

    const bool request_;
    HttpDecoderCounters& counters_;
    TransformContext transforms_;
    LayerNode body_;
    bool counted_ = false; // the body is in `bodies`
};

} // namespace egressmon::dpi
