#include "dpi/decode/http/http_body_decoder.h"

#include <algorithm>

namespace egressmon::dpi {

namespace {

const char* bodyName(bool request) {
    return request ? "http.request.body" : "http.response.body";
}

const char* decodedName(bool request, ContentCoding coding) {
    if (coding == ContentCoding::Gzip)
        return request ? "http.request.body.gzip" : "http.response.body.gzip";
    return request ? "http.request.body.deflate" : "http.response.body.deflate";
}

} // namespace

void HttpBodyDecoder::start(const HttpHead& head) {
    open_ = true;
    coding_ = head.coding;
    // Form and multipart layers are request layers; compressed content we cannot decompress
    // is not parsed.
    kind_ = request_ && coding_ != ContentCoding::Unsupported ? head.kind : ContentKind::Other;
    content_open_ = kind_ != ContentKind::Other;
    decoded_cut_ = false;
    if (kind_ == ContentKind::Form) form_.reset(PercentDecoder::Plus::Space);
    if (kind_ == ContentKind::Multipart) boundary_.assign(head.boundary);
}

void HttpBodyDecoder::emit(Layer& layer, const char* name, const uint8_t* data, size_t len) {
    if (len == 0) return;
    if (!layer.begun) {
        layer.begun = true;
        layer.id = sink_->beginLayer(name);
        if (layer.id != kNoLayer && layer.gap_before > 0)
            sink_->layerGap(layer.id, layer.gap_before);
    }
    // A refused layer's bytes still go to the sink, which counts what it could not scan.
    sink_->layerData(layer.id, data, static_cast<uint32_t>(len));
}

void HttpBodyDecoder::gapLayer(Layer& layer, uint64_t missing) {
    if (!layer.begun) {
        layer.gap_before += missing;
    } else if (layer.id != kNoLayer) {
        sink_->layerGap(layer.id, missing);
    }
}

void HttpBodyDecoder::end(Layer& layer) {
    if (layer.id != kNoLayer) sink_->endLayer(layer.id);
    layer = Layer{};
}

void HttpBodyDecoder::data(const uint8_t* data, size_t len, DecodedLayerSink& sink) {
    if (!open_ || len == 0) return;
    sink_ = &sink;
    if (!body_layer_.begun) ++counters_.bodies;
    for (size_t off = 0; off < len; off += kSlice) {
        const uint8_t* p = data + off;
        const size_t n = std::min(kSlice, len - off);
        emit(body_layer_, bodyName(request_), p, n);
        if (coding_ == ContentCoding::Gzip || coding_ == ContentCoding::Deflate) {
            if (decoded_cut_) continue;
            if (!inflater_) {
                inflater_ = std::make_unique<Inflater>(
                    coding_ == ContentCoding::Gzip ? Inflater::Format::Gzip
                                                   : Inflater::Format::Deflate,
                    limits_.max_decompressed_bytes, limits_.max_compression_ratio);
                ++counters_.decompressed_bodies;
            }
            if (inflater_->status() != Inflater::Status::Active) continue;
            const auto status = inflater_->feed(p, n, *this);
            if (status == Inflater::Status::Bomb || status == Inflater::Status::Error) {
                ++(status == Inflater::Status::Bomb ? counters_.decompression_bombs
                                                    : counters_.decompression_errors);
                if (status == Inflater::Status::Bomb && inflater_->stoppedByRatio())
                    ++counters_.ratio_exceeded;
                end(decoded_layer_);
                finishContent(true);
            }
        } else {
            content(p, n);
        }
    }
}

void HttpBodyDecoder::inflated(const uint8_t* data, size_t len) {
    emit(decoded_layer_, decodedName(request_, coding_), data, len);
    content(data, len);
}

void HttpBodyDecoder::content(const uint8_t* data, size_t len) {
    if (!content_open_) return;
    if (kind_ == ContentKind::Form) {
        form_.decode(data, len, scratch_);
        emit(content_layer_, "http.request.body.form",
             reinterpret_cast<const uint8_t*>(scratch_.data()), scratch_.size());
        scratch_.clear();
    } else if (kind_ == ContentKind::Multipart) {
        if (!multipart_)
            multipart_ =
                std::make_unique<MultipartParser>(boundary_, limits_.max_part_header_bytes);
        multipart_->feed(data, len, *this);
        if (multipart_->failed()) { // a part's headers over the bound: the rest is not parsed
            ++counters_.part_header_too_large;
            finishContent(false);
        }
    }
}

void HttpBodyDecoder::partBegin() {
    ++counters_.multipart_parts;
}

void HttpBodyDecoder::partData(const uint8_t* data, size_t len) {
    emit(content_layer_, "http.request.body.multipart", data, len);
}

void HttpBodyDecoder::partGap(uint64_t missing) {
    gapLayer(content_layer_, missing);
}

void HttpBodyDecoder::partEnd() {
    end(content_layer_);
}

void HttpBodyDecoder::finishContent(bool flush) {
    if (!content_open_) return;
    content_open_ = false;
    if (kind_ == ContentKind::Form && flush) {
        form_.finish(scratch_);
        emit(content_layer_, "http.request.body.form",
             reinterpret_cast<const uint8_t*>(scratch_.data()), scratch_.size());
        scratch_.clear();
    }
    if (multipart_) {
        if (flush) {
            multipart_->finish(*this);
        } else {
            multipart_->abort(*this);
        }
        multipart_.reset();
    }
    end(content_layer_);
}

void HttpBodyDecoder::finish(DecodedLayerSink& sink) {
    if (!open_) return;
    sink_ = &sink;
    // A compressed stream cut short just ends: what was inflated so far has been emitted.
    finishContent(true);
    end(decoded_layer_);
    end(body_layer_);
    inflater_.reset();
    open_ = false;
}

void HttpBodyDecoder::gap(uint64_t missing, DecodedLayerSink& sink) {
    if (!open_ || missing == 0) return;
    sink_ = &sink;
    gapLayer(body_layer_, missing);
    if (coding_ == ContentCoding::Gzip || coding_ == ContentCoding::Deflate) {
        if (decoded_cut_) return;
        decoded_cut_ = true;
        // Counted when a decompressed layer was (or was still to be) decoded: not after a bomb
        // or corrupt data already ended it.
        if (!inflater_ || inflater_->status() == Inflater::Status::Active)
            ++counters_.gap_cut_layers;
        finishContent(false);
        end(decoded_layer_);
        inflater_.reset();
        return;
    }
    if (!content_open_) return;
    if (kind_ == ContentKind::Form) {
        form_.reset(PercentDecoder::Plus::Space); // a held partial escape is lost with the hole
        gapLayer(content_layer_, missing);
    } else if (kind_ == ContentKind::Multipart && multipart_) {
        if (multipart_->gap(missing, *this)) ++counters_.gap_cut_layers;
    }
}

void HttpBodyDecoder::abort(DecodedLayerSink& sink) {
    if (!open_) return;
    sink_ = &sink;
    finishContent(false);
    end(decoded_layer_);
    end(body_layer_);
    inflater_.reset();
    open_ = false;
}

} // namespace egressmon::dpi
