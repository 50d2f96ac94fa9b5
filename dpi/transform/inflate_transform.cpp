#include "dpi/transform/inflate_transform.h"

#include "dpi/content/content_inflater.h"
#include "dpi/transform/layer_node.h"

namespace egressmon::dpi {

namespace {

const char* inflatedType(LayerFamily family, bool gzip) noexcept {
    switch (family) {
    case LayerFamily::HttpRequest:
        return gzip ? "http.request.body.gzip" : "http.request.body.deflate";
    case LayerFamily::HttpResponse:
        return gzip ? "http.response.body.gzip" : "http.response.body.deflate";
    case LayerFamily::Smtp: break;
    }
    return gzip ? "smtp.mime.gzip" : "smtp.mime.deflate";
}

class InflateTransform final : public Transform, InflateOutput {
  public:
    InflateTransform(TransformContext& ctx, const LayerInfo& layer, LayerId parent)
        : ctx_(ctx),
          inflater_(layer.coding == ContentCoding::Gzip ? Inflater::Format::Gzip
                                                        : Inflater::Format::Deflate,
                    ctx.limits.max_decompressed_bytes, ctx.limits.max_compression_ratio) {
        LayerInfo out = layer;
        out.type = inflatedType(layer.family, layer.coding == ContentCoding::Gzip);
        out.coding = ContentCoding::Identity;
        output_.prepare(ctx, out, parent);
        ++ctx.counters.inflated_layers;
    }

    void feed(const uint8_t* data, size_t len) noexcept override {
        if (done_) return;
        const Inflater::Status status = inflater_.feed(data, len, *this);
        if (status != Inflater::Status::Bomb && status != Inflater::Status::Error) return;
        if (status == Inflater::Status::Bomb) {
            ++ctx_.counters.decompression_bombs;
            if (inflater_.stoppedByRatio()) ++ctx_.counters.ratio_exceeded;
        } else {
            ++ctx_.counters.decompression_errors;
        }
        done_ = true;
        output_.finish(); // what was inflated is good: flushed
    }
    void gap(uint64_t) noexcept override {
        // After the compressed stream's end nothing decompressed is lost: the layer stays.
        if (done_ || inflater_.status() != Inflater::Status::Active) return;
        done_ = true;
        ++ctx_.counters.gap_cut_layers;
        output_.abort();
    }
    void finish() noexcept override {
        // A compressed stream cut short just ends: what was inflated has been passed on.
        if (!done_) output_.finish();
        done_ = true;
    }
    void abort() noexcept override {
        if (!done_) output_.abort();
        done_ = true;
    }

  private:
    void inflated(const uint8_t* data, size_t len) override { output_.data(data, len); }

    TransformContext& ctx_;
    Inflater inflater_;
    LayerNode output_;
    bool done_ = false;
};

} // namespace

bool inflateApplies(const LayerInfo& layer, std::span<const uint8_t>) noexcept {
    return layer.coding == ContentCoding::Gzip || layer.coding == ContentCoding::Deflate;
}

std::unique_ptr<Transform> makeInflateTransform(TransformContext& ctx, const LayerInfo& layer,
                                                LayerId parent) {
    return std::make_unique<InflateTransform>(ctx, layer, parent);
}

} // namespace egressmon::dpi
