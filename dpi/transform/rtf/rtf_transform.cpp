#include "dpi/transform/rtf/rtf_transform.h"

#include <cstring>
#include <string>

#include "dpi/decode/decoded_layer_sink.h"
#include "dpi/transform/layer_node.h"

namespace egressmon::dpi {

namespace {

class RtfTransform final : public Transform {
  public:
    RtfTransform(TransformContext& ctx, const LayerInfo& layer, LayerId parent)
        : ctx_(ctx), parent_(parent), extractor_(ctx.files.rtf) {
        ++ctx.counters.rtf.documents;
        LayerInfo out;
        out.type = "rtf.text";
        out.family = layer.family;
        out.depth = layer.depth;
        text_.prepare(ctx, out, parent);
    }

    void feed(const uint8_t* data, size_t len) noexcept override {
        extractor_.feed(data, len, out_);
        pass();
    }
    // The text before the hole is real; after it nothing can be trusted.
    void gap(uint64_t /*missing*/) noexcept override {
        extractor_.gap(out_);
        pass();
        text_.finish();
    }
    void finish() noexcept override {
        extractor_.finish(out_);
        pass();
        text_.finish();
    }
    void abort() noexcept override { text_.abort(); }

  private:
    // Writes the text the extractor gave, and says once why it stopped, if it did.
    void pass() noexcept {
        if (!out_.empty()) {
            ctx_.counters.rtf.text_bytes += out_.size();
            text_.data(reinterpret_cast<const uint8_t*>(out_.data()), out_.size());
            out_.clear();
        }
        const RtfTextExtractor::Counts& now = extractor_.counts();
        RtfCounters& c = ctx_.counters.rtf;
        c.embedded_objects_skipped += now.embedded_objects - seen_.embedded_objects;
        c.long_control_words += now.long_control_words - seen_.long_control_words;
        c.binary_bytes_skipped += now.binary_bytes - seen_.binary_bytes;
        seen_ = now;
        if (noted_ || extractor_.stopped() == RtfStop::None) return;
        noted_ = true;
        FileNote note;
        switch (extractor_.stopped()) {
        case RtfStop::Depth:
            ++c.depth_exceeded;
            note.uninspectable = "max-rtf-depth";
            break;
        case RtfStop::Gap:
            ++c.gaps;
            note.uninspectable = "gap";
            break;
        case RtfStop::NoMemory:
            ++ctx_.counters.transforms_refused;
            note.uninspectable = "no-memory";
            break;
        case RtfStop::None: return;
        }
        ctx_.sink->noteFile(parent_, note);
        text_.finish(); // nothing more will come
    }

    TransformContext& ctx_;
    const LayerId parent_;
    RtfTextExtractor extractor_;
    RtfTextExtractor::Counts seen_;
    std::string out_; // the text of the piece being fed; its capacity is kept
    LayerNode text_;
    bool noted_ = false;
};

} // namespace

bool rtfApplies(const LayerInfo& layer, std::span<const uint8_t> first) noexcept {
    static constexpr char kMagic[] = {'{', '\\', 'r', 't', 'f'};
    return layer.file && layer.coding == ContentCoding::Identity && first.size() >= sizeof kMagic &&
           std::memcmp(first.data(), kMagic, sizeof kMagic) == 0;
}

std::unique_ptr<Transform> makeRtfTransform(TransformContext& ctx, const LayerInfo& layer,
                                            LayerId parent) {
    return std::make_unique<RtfTransform>(ctx, layer, parent);
}

} // namespace egressmon::dpi
