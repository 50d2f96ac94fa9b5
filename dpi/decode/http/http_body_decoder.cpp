#include "dpi/decode/http/http_body_decoder.h"

#include <algorithm>
#include <string>

#include "dpi/decode/http/http_body_file_name.h"
#include "dpi/transform/transform_registry.h"

namespace egressmon::dpi {

HttpBodyDecoder::HttpBodyDecoder(bool request, const HttpDecoderLimits& limits,
                                 HttpDecoderCounters& counters, const FileDecoding& files)
    : request_(request), counters_(counters) {
    transforms_.files = files;
    transforms_.limits.max_decompressed_bytes = limits.max_decompressed_bytes;
    transforms_.limits.max_compression_ratio = limits.max_compression_ratio;
    // A part header line is bounded by its section: a line past it overflows the section too,
    // so part_header_too_large alone tells the operator which setting to change.
    transforms_.limits.mime.max_line_bytes = limits.max_part_header_bytes;
    transforms_.limits.mime.max_header_bytes = limits.max_part_header_bytes;
    transforms_.limits.mime.max_depth = limits.max_multipart_depth;
    transforms_.registry = transformsFor(files);
}

void HttpBodyDecoder::start(const HttpHead& head, DecodedLayerSink& sink) noexcept {
    transforms_.sink = &sink; // a body still open (there is none in practice) ends through it
    counted_ = false;
    LayerInfo info;
    info.type = request_ ? "http.request.body" : "http.response.body";
    info.family = request_ ? LayerFamily::HttpRequest : LayerFamily::HttpResponse;
    info.coding = head.coding;
    info.kind = head.kind;
    info.boundary = head.boundary;
    // A body is a file unless it is a container (a form, a multipart body: their parts are).
    info.file = head.kind == ContentKind::Other;
    const std::string file_name = httpBodyFileName(head, request_); // prepare() copies it
    info.file_name = file_name;
    body_.prepare(transforms_, info, kNoLayer);
    fold();
}

void HttpBodyDecoder::data(const uint8_t* data, size_t len, DecodedLayerSink& sink) noexcept {
    if (!body_.prepared() || len == 0) return;
    transforms_.sink = &sink;
    if (!counted_) ++counters_.bodies;
    counted_ = true;
    for (size_t off = 0; off < len; off += kSlice)
        body_.data(data + off, std::min(kSlice, len - off));
    fold();
}

void HttpBodyDecoder::gap(uint64_t missing, DecodedLayerSink& sink) noexcept {
    if (!body_.prepared() || missing == 0) return;
    transforms_.sink = &sink;
    body_.gap(missing);
    fold();
}

void HttpBodyDecoder::finish(DecodedLayerSink& sink) noexcept {
    if (!body_.prepared()) return;
    transforms_.sink = &sink;
    body_.finish();
    fold();
}

void HttpBodyDecoder::abort(DecodedLayerSink& sink) noexcept {
    if (!body_.prepared()) return;
    transforms_.sink = &sink;
    body_.abort();
    fold();
}

void HttpBodyDecoder::fold() noexcept {
    TransformCounters& t = transforms_.counters;
    counters_.decompressed_bodies += t.inflated_layers;
    counters_.decompression_bombs += t.decompression_bombs;
    counters_.ratio_exceeded += t.ratio_exceeded;
    counters_.decompression_errors += t.decompression_errors;
    counters_.gap_cut_layers += t.gap_cut_layers;
    counters_.multipart_parts += t.mime_parts;
    counters_.part_header_too_large += t.mime_header_overflows;
    counters_.multipart_too_deep += t.mime_depth_overflows;
    counters_.transforms_refused += t.transforms_refused;
    transforms_.foldFileCounts();
    t = TransformCounters{};
}

} // namespace egressmon::dpi
