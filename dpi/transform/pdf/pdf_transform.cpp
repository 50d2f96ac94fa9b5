#include "dpi/transform/pdf/pdf_transform.h"

#include <cstring>
#include <string>

#include "dpi/decode/decoded_layer_sink.h"
#include "dpi/transform/layer_node.h"
#include "dpi/transform/pdf/pdf_document.h"

namespace egressmon::dpi {

namespace {

class PdfTransform final : public Transform {
  public:
    PdfTransform(TransformContext& ctx, const LayerInfo& layer, LayerId parent)
        : ctx_(ctx), parent_(parent),
          document_(ctx.files.pdf, ctx.counters.pdf, ctx.files.extraction_budget) {
        LayerInfo out;
        out.type = "pdf.text";
        out.family = layer.family;
        out.depth = layer.depth;
        text_.prepare(ctx, out, parent);
    }

    void feed(const uint8_t* data, size_t len) noexcept override {
        document_.feed(data, len, out_);
        pass();
    }
    // PDF resynchronises at the next object: the document goes on and notes the hole.
    void gap(uint64_t /*missing*/) noexcept override { document_.gap(); }
    void finish() noexcept override {
        document_.finish(out_);
        pass();
        note();
        text_.finish();
    }
    void abort() noexcept override { text_.abort(); }

  private:
    void pass() noexcept {
        if (out_.empty()) return;
        ctx_.counters.pdf.text_bytes += out_.size();
        text_.data(reinterpret_cast<const uint8_t*>(out_.data()), out_.size());
        out_.clear();
    }
    void note() noexcept {
        const char* why = document_.uninspectable();
        if (why == nullptr) return;
        FileNote note;
        note.encrypted = document_.encrypted();
        note.uninspectable = why;
        ctx_.sink->noteFile(parent_, note);
    }

    TransformContext& ctx_;
    const LayerId parent_;
    PdfDocument document_;
    std::string out_; // the text of the piece being fed; its capacity is kept
    LayerNode text_;
};

} // namespace

bool pdfApplies(const LayerInfo& layer, std::span<const uint8_t> first) noexcept {
    static constexpr char kMagic[] = {'%', 'P', 'D', 'F', '-'};
    return layer.file && layer.coding == ContentCoding::Identity && first.size() >= sizeof kMagic &&
           std::memcmp(first.data(), kMagic, sizeof kMagic) == 0;
}

std::unique_ptr<Transform> makePdfTransform(TransformContext& ctx, const LayerInfo& layer,
                                            LayerId parent) {
    return std::make_unique<PdfTransform>(ctx, layer, parent);
}

} // namespace egressmon::dpi
