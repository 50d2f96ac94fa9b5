#include "dpi/transform/inflate_transform.h"

#include <algorithm>
#include <new>
#include <string>
#include <string_view>

#include "dpi/content/content_inflater.h"
#include "dpi/decode/decoded_layer_sink.h"
#include "dpi/file/file_sniff.h"
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

// The name of a gzip file's content: "report.docx.gz" held "report.docx", "x.tgz" a tar.
std::string gunzippedName(std::string_view name) {
    const auto endsWith = [&](std::string_view suffix) {
        return name.size() > suffix.size() &&
               std::equal(suffix.rbegin(), suffix.rend(), name.rbegin(), [](char a, char b) {
                   return a == (b | ((b >= 'A' && b <= 'Z') ? 0x20 : 0));
               });
    };
    if (endsWith(".gz")) return std::string(name.substr(0, name.size() - 3));
    if (endsWith(".tgz")) return std::string(name.substr(0, name.size() - 4)) + ".tar";
    return std::string(name);
}

class InflateTransform final : public Transform, InflateOutput {
  public:
    // A content coding's layer (HTTP Content-Encoding: gzip or deflate), or a gzip file.
    InflateTransform(TransformContext& ctx, const LayerInfo& layer, LayerId parent, bool gzip_file)
        : ctx_(ctx),
          inflater_(layer.coding == ContentCoding::Deflate ? Inflater::Format::Deflate
                                                           : Inflater::Format::Gzip,
                    ctx.limits.max_decompressed_bytes, ctx.limits.max_compression_ratio) {
        LayerInfo out = layer;
        out.coding = ContentCoding::Identity;
        std::string name;
        if (gzip_file) {
            out.type = "gzip.content";
            try {
                name = gunzippedName(layer.file_name);
            } catch (const std::bad_alloc&) {
                ++ctx.counters.transforms_refused; // the content goes on, unnamed
            }
            out.file_name = name;
            out.file = true;
        } else {
            out.type = inflatedType(layer.family, layer.coding == ContentCoding::Gzip);
        }
        output_.prepare(ctx, out, parent);
        ++ctx.counters.inflated_layers;
    }

    void feed(const uint8_t* data, size_t len) noexcept override {
        if (done_) return;
        const Inflater::Status status = inflater_.feed(data, len, *this);
        if (status != Inflater::Status::Bomb && status != Inflater::Status::Error) return;
        const char* reason = "corrupt";
        if (status == Inflater::Status::Bomb) {
            ++ctx_.counters.decompression_bombs;
            reason = "max-decompressed-bytes";
            if (inflater_.stoppedByRatio()) {
                ++ctx_.counters.ratio_exceeded;
                reason = "max-compression-ratio";
            }
        } else {
            ++ctx_.counters.decompression_errors;
        }
        noteOutput(reason);
        done_ = true;
        output_.finish(); // what was inflated is good: flushed
    }
    void gap(uint64_t) noexcept override {
        // After the compressed stream's end nothing decompressed is lost: the layer stays.
        if (done_ || inflater_.status() != Inflater::Status::Active) return;
        done_ = true;
        ++ctx_.counters.gap_cut_layers;
        noteOutput("gap");
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
    // The decompressed file was not read whole. (When not one byte came out, there is no file
    // layer to tell: the counters above still say it.)
    void noteOutput(const char* reason) noexcept {
        if (output_.id() == kNoLayer) return;
        FileNote note;
        note.uninspectable = reason;
        ctx_.sink->noteFile(output_.id(), note);
    }

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
    return std::make_unique<InflateTransform>(ctx, layer, parent, /*gzip_file=*/false);
}

bool gzipFileApplies(const LayerInfo& layer, std::span<const uint8_t> first) noexcept {
    return layer.file && layer.coding == ContentCoding::Identity && first.size() >= 3 &&
           first[0] == 0x1f && first[1] == 0x8b && first[2] == 8;
}

std::unique_ptr<Transform> makeGzipFileTransform(TransformContext& ctx, const LayerInfo& layer,
                                                 LayerId parent) {
    return std::make_unique<InflateTransform>(ctx, layer, parent, /*gzip_file=*/true);
}

} // namespace egressmon::dpi
