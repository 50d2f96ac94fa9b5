#include "dpi/transform/form_transform.h"

#include <new>
#include <string>

#include "dpi/content/content_percent_decoder.h"
#include "dpi/transform/layer_node.h"

namespace egressmon::dpi {

namespace {

class FormTransform final : public Transform {
  public:
    FormTransform(TransformContext& ctx, const LayerInfo& layer, LayerId parent)
        : ctx_(ctx), decoder_(PercentDecoder::Plus::Space) {
        LayerInfo out = layer;
        out.type = "http.request.body.form";
        out.kind = ContentKind::Other;
        output_.prepare(ctx, out, parent);
    }

    void feed(const uint8_t* data, size_t len) noexcept override {
        if (done_) return;
        try {
            decoder_.decode(data, len, scratch_);
        } catch (const std::bad_alloc&) {
            fail();
            return;
        }
        flush();
    }
    void gap(uint64_t missing) noexcept override {
        if (done_) return;
        decoder_.reset(PercentDecoder::Plus::Space); // a held partial escape is lost with it
        output_.gap(missing);
    }
    void finish() noexcept override {
        if (done_) return;
        try {
            decoder_.finish(scratch_);
        } catch (const std::bad_alloc&) { // a held escape of at most two bytes is lost
            ++ctx_.counters.transforms_refused;
        }
        flush();
        done_ = true;
        output_.finish();
    }
    void abort() noexcept override {
        if (done_) return;
        done_ = true;
        output_.abort();
    }

  private:
    void flush() noexcept {
        output_.data(reinterpret_cast<const uint8_t*>(scratch_.data()), scratch_.size());
        scratch_.clear();
    }
    void fail() noexcept {
        ++ctx_.counters.transforms_refused;
        scratch_.clear();
        abort();
    }

    TransformContext& ctx_;
    PercentDecoder decoder_;
    LayerNode output_;
    std::string scratch_;
    bool done_ = false;
};

} // namespace

bool formApplies(const LayerInfo& layer, std::span<const uint8_t>) noexcept {
    return layer.family == LayerFamily::HttpRequest && layer.coding == ContentCoding::Identity &&
           layer.kind == ContentKind::Form;
}

std::unique_ptr<Transform> makeFormTransform(TransformContext& ctx, const LayerInfo& layer,
                                             LayerId parent) {
    return std::make_unique<FormTransform>(ctx, layer, parent);
}

} // namespace egressmon::dpi
