#pragma once
// The content side of one HTTP message body: takes the de-chunked body bytes and emits the
// body layers to a DecodedLayerSink:
//
//   body bytes --> "http.<dir>.body"
//       |
//       +--> Inflater (gzip / deflate) --> "http.<dir>.body.gzip" / ".deflate"
//       |
//       +--> content stage, on the decompressed bytes when compressed:
//              form      --> PercentDecoder --> "http.request.body.form"
//              multipart --> MultipartParser --> "http.request.body.multipart" per part
//
// Each layer is opened on its first byte, so empty bodies/parts give no layer. A decompression
// bomb or corrupt compressed data ends the decompressed layer and the content stage; the body
// layer goes on (framing is not affected).
//
// A hole in the body (gap()): the body layer takes it (layerGap) and goes on. A decompressed
// layer cannot continue across a hole: it ends (counted in gap_cut_layers) with its content
// stage, and the rest of the body is only framed. An identity body's content stage goes on: the
// form layer takes the gap (counted in raw body bytes); a multipart part takes it or ends, and
// the parser resynchronises at the next boundary (MultipartParser::gap).
//
// Thread: owned by one HttpDecoder. Memory: the inflater (~44 KiB) only while a compressed body
// is open; small scratch strings bounded by kSlice.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "dpi/content/content_inflater.h"
#include "dpi/content/content_percent_decoder.h"
#include "dpi/decode/decoded_layer_sink.h"
#include "dpi/decode/http/http_decoder.h"
#include "dpi/decode/http/http_message_parser.h"
#include "dpi/decode/http/http_multipart.h"

namespace egressmon::dpi {

class HttpBodyDecoder final : InflateOutput, MultipartHandler {
  public:
    static constexpr size_t kSlice = 16 * 1024;

    HttpBodyDecoder(bool request, const HttpDecoderLimits& limits, HttpDecoderCounters& counters)
        : request_(request), limits_(limits), counters_(counters) {}
    ~HttpBodyDecoder() = default;
    HttpBodyDecoder(const HttpBodyDecoder&) = delete;
    HttpBodyDecoder& operator=(const HttpBodyDecoder&) = delete;

    // A new body: `head` gives coding and content type (its views are copied as needed).
    void start(const HttpHead& head);
    void data(const uint8_t* data, size_t len, DecodedLayerSink& sink);
    // The body ended (complete, or truncated by the end of the stream): flush and end layers.
    void finish(DecodedLayerSink& sink);
    // `missing` bytes of the body were lost: see above. The body goes on.
    void gap(uint64_t missing, DecodedLayerSink& sink);
    // Decoding of the body is given up: end the open layers without flushing held partial
    // escapes.
    void abort(DecodedLayerSink& sink);

  private:
    void inflated(const uint8_t* data, size_t len) override;
    void partBegin() override;
    void partData(const uint8_t* data, size_t len) override;
    void partGap(uint64_t missing) override;
    void partEnd() override;

    void content(const uint8_t* data, size_t len);
    void finishContent(bool flush);
    // A layer instance, begun on its first byte (once: a sink that refuses it is not asked
    // again for this instance).
    struct Layer {
        LayerId id = kNoLayer;
        bool begun = false;
        uint64_t gap_before = 0; // lost before the layer's first byte: told once it begins
    };
    void emit(Layer& layer, const char* name, const uint8_t* data, size_t len);
    void gapLayer(Layer& layer, uint64_t missing);
    void end(Layer& layer);

    const bool request_;
    const HttpDecoderLimits& limits_;
    HttpDecoderCounters& counters_;
    DecodedLayerSink* sink_ = nullptr; // valid during a call

    bool open_ = false;
    ContentCoding coding_ = ContentCoding::Identity;
    ContentKind kind_ = ContentKind::Other;
    bool content_open_ = false; // form / multipart stage still takes bytes
    bool decoded_cut_ = false;  // a hole ended the decompressed layer: the rest is only framed
    Layer body_layer_;
    Layer decoded_layer_;
    Layer content_layer_;
    std::unique_ptr<Inflater> inflater_;
    PercentDecoder form_;
    std::unique_ptr<MultipartParser> multipart_;
    std::string boundary_;
    std::string scratch_;
};

} // namespace egressmon::dpi
