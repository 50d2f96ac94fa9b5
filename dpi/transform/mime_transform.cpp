#include "dpi/transform/mime_transform.h"

#include <new>

#include "dpi/decode/mime/mime_parser.h"
#include "dpi/transform/layer_node.h"

namespace egressmon::dpi {

namespace {

const char* partType(LayerFamily family, MimeEncoding encoding) noexcept {
    switch (family) {
    case LayerFamily::HttpRequest: return "http.request.body.multipart";
    case LayerFamily::HttpResponse: return "http.response.body.multipart";
    case LayerFamily::Smtp: break;
    }
    switch (encoding) {
    case MimeEncoding::Base64: return "smtp.mime.base64";
    case MimeEncoding::QuotedPrintable: return "smtp.mime.qp";
    case MimeEncoding::Identity: break;
    }
    return "smtp.mime.part";
}

class MimeTransform final : public Transform, MimeHandler {
  public:
    MimeTransform(TransformContext& ctx, const LayerInfo& layer, LayerId parent)
        : ctx_(ctx), family_(layer.family), parent_(parent), depth_(layer.depth),
          parser_(layer.kind == ContentKind::Multipart ? MimeParser(ctx.limits.mime, layer.boundary)
                                                       : MimeParser(ctx.limits.mime)) {}

    void feed(const uint8_t* data, size_t len) noexcept override {
        if (done_) return;
        try {
            parser_.feed(data, len, *this);
        } catch (const std::bad_alloc&) { // a header line or boundary: the rest is not parsed
            ++ctx_.counters.transforms_refused;
            abort();
            return;
        }
        countBounds();
    }
    void gap(uint64_t missing) noexcept override {
        if (!done_) parser_.gap(missing, *this);
    }
    void finish() noexcept override {
        if (done_) return;
        done_ = true;
        try {
            parser_.finish(*this); // flushing a held quantum or escape may allocate
        } catch (const std::bad_alloc&) {
            ++ctx_.counters.transforms_refused;
        }
        part_.finish(); // a part that gave no data was never begun: nothing to end
        countBounds();
    }
    void abort() noexcept override {
        if (done_) return;
        done_ = true;
        aborting_ = true; // the open part is aborted too, not flushed
        parser_.abort(*this);
        part_.abort();
        countBounds();
    }

  private:
    // The part's layer node, prepared on its first byte or hole (a hole before the first byte
    // is kept until the layer begins, so its offsets count it).
    void openPart() noexcept {
        if (part_.prepared()) return;
        LayerInfo info;
        info.type = partType(family_, parser_.part().encoding);
        info.family = family_;
        info.file_name = parser_.part().file_name;
        // Every leaf part of a message is a file (an attachment, or the text the sender
        // wrote); in an HTTP form-data body only parts sent with a file name are (the others
        // are form fields).
        info.file = family_ == LayerFamily::Smtp || !info.file_name.empty();
        info.depth = depth_;
        part_.prepare(ctx_, info, parent_);
        ++ctx_.counters.mime_parts;
    }
    void partData(MimeEncoding, const uint8_t* data, size_t len) override {
        openPart();
        part_.data(data, len);
    }
    void partGap(uint64_t missing) override {
        openPart();
        part_.gap(missing);
    }
    void partEnd() override {
        if (aborting_) {
            part_.abort();
        } else {
            part_.finish();
        }
    }

    // The parser counts its bounds over its life; the context hears each new one once.
    void countBounds() noexcept {
        TransformCounters& c = ctx_.counters;
        c.mime_header_overflows += parser_.headerOverflows() - header_seen_;
        c.mime_line_overflows += parser_.lineOverflows() - line_seen_;
        c.mime_depth_overflows += parser_.depthOverflows() - depth_seen_;
        header_seen_ = parser_.headerOverflows();
        line_seen_ = parser_.lineOverflows();
        depth_seen_ = parser_.depthOverflows();
    }

    TransformContext& ctx_;
    const LayerFamily family_;
    const LayerId parent_;
    const uint32_t depth_; // of the part layers
    MimeParser parser_;
    LayerNode part_; // the leaf part being decoded
    bool done_ = false;
    bool aborting_ = false;
    uint64_t header_seen_ = 0, line_seen_ = 0, depth_seen_ = 0;
};

} // namespace

bool mimeApplies(const LayerInfo& layer, std::span<const uint8_t>) noexcept {
    if (layer.coding != ContentCoding::Identity) return false;
    if (layer.kind == ContentKind::Message) return true;
    // Response bodies are not split: egress is what clients send.
    return layer.kind == ContentKind::Multipart && layer.family == LayerFamily::HttpRequest &&
           !layer.boundary.empty();
}

std::unique_ptr<Transform> makeMimeTransform(TransformContext& ctx, const LayerInfo& layer,
                                             LayerId parent) {
    return std::make_unique<MimeTransform>(ctx, layer, parent);
}

} // namespace egressmon::dpi
