#include "dpi/transform/pdf/pdf_transform.h"

#include <cstring>
#include <string>

#include "dpi/decode/decoded_layer_sink.h"
#include "dpi/transform/layer_node.h"
#include "dpi/transform/pdf/pdf_document.h"

namespace egressmon::dpi {

namespace {

class PdfTransform final : public Transform, PdfAttachmentSink {
  public:
    PdfTransform(TransformContext& ctx, const LayerInfo& layer, LayerId parent)
        : ctx_(ctx), parent_(parent), family_(layer.family), depth_(layer.depth),
          document_(ctx.files.pdf, ctx.counters.pdf, ctx.files.extraction_budget) {
        LayerInfo out;
        out.type = "pdf.text";
        out.family = layer.family;
        out.depth = layer.depth;
        text_.prepare(ctx, out, parent);
        document_.setAttachmentSink(this);
        document_.setXmlLimits(ctx.files.xml);
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
    void abort() noexcept override {
        attachment_.abort();
        text_.abort();
    }

  private:
    // A file attached inside the PDF is a file of its own, beside the text: identified,
    // hashed, matched, and opened by the transforms its type calls for (a zip, a docx...).
    void beginAttachment(std::string_view name) noexcept override {
        LayerInfo out;
        out.type = "pdf.attachment";
        out.family = family_;
        out.file = true;
        out.file_name = name;
        out.depth = depth_;
        attachment_.prepare(ctx_, out, parent_);
    }
    void attachmentData(const uint8_t* data, size_t len) noexcept override {
        attachment_.data(data, len);
    }
    void endAttachment(const char* uninspectable) noexcept override {
        if (uninspectable) {
            FileNote note;
            note.uninspectable = uninspectable;
            attachment_.noteFile(note); // its first bytes may still be held for sniffing
        }
        attachment_.finish();
    }

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
    const LayerFamily family_;
    const uint32_t depth_;
    LayerNode text_;       // declared before the document, which writes into them
    LayerNode attachment_; // the attached file being decoded, one at a time
    PdfDocument document_;
    std::string out_; // the text of the piece being fed; its capacity is kept
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
