#include "dpi/transform/sealed/sealed_transform.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

#include "dpi/decode/decoded_layer_sink.h"
#include "dpi/transform/sealed/sealed_probe.h"

namespace egressmon::dpi {

namespace {

class SealedTransform final : public Transform {
  public:
    SealedTransform(TransformContext& ctx, LayerId parent) : ctx_(ctx), parent_(parent) {
        ++ctx.counters.sealed.files;
    }

    // The format is told by the first 8 bytes (applies() saw them, make() is not given them):
    // held until they are all here, then the probe reads them and everything after.
    void feed(const uint8_t* data, size_t len) noexcept override {
        if (!probe_ && held_len_ < held_.size()) {
            const size_t n = std::min(len, held_.size() - held_len_);
            std::memcpy(held_.data() + held_len_, data, n);
            held_len_ += n, data += n, len -= n;
            if (held_len_ < held_.size()) return;
            SealedFormat format;
            if (!sealedFormatOf(held_, format)) return; // cannot be: applies() checked
            probe_.emplace(format, ctx_.files.zip.max_entries, ctx_.files.sealed,
                           ctx_.files.extraction_budget);
            probe_->feed(held_.data(), held_.size());
        }
        if (probe_) probe_->feed(data, len);
    }
    // After a hole RAR headers cannot be followed (the probe stops; what it decided stays);
    // 7z and OLE2 go on by offset.
    void gap(uint64_t missing) noexcept override {
        if (probe_) probe_->skip(missing);
        held_len_ = held_.size(); // a start cut short is never told
    }
    void finish() noexcept override {
        if (probe_) probe_->finish();
        note();
    }
    void abort() noexcept override {}

  private:
    void note() noexcept {
        if (!probe_) return; // shorter than its signature
        ctx_.counters.sealed.sevenzip_headers_decoded += probe_->headersDecoded();
        FileNote note;
        switch (probe_->verdict()) {
        case SealedVerdict::Encrypted:
            ++ctx_.counters.sealed.encrypted;
            note.encrypted = true;
            note.uninspectable = "encrypted";
            break;
        case SealedVerdict::Unreadable:
            note.uninspectable = sealedProblemReason(probe_->problem());
            if (probe_->problem() == SealedProblem::HeaderBytes)
                ++ctx_.counters.sealed.sevenzip_header_exceeded;
            else if (probe_->problem() == SealedProblem::Memory)
                ++ctx_.counters.sealed.memory_refused;
            else
                ++ctx_.counters.sealed.unreadable;
            break;
        case SealedVerdict::Reading:
        case SealedVerdict::Plain:
            if (probe_->headersExceeded()) {
                ++ctx_.counters.sealed.headers_exceeded;
                note.uninspectable = "max-archive-entries";
            }
            break;
        }
        if (note.uninspectable == nullptr) return;
        ctx_.sink->noteFile(parent_, note);
    }

    TransformContext& ctx_;
    const LayerId parent_;
    std::array<uint8_t, 8> held_{};
    size_t held_len_ = 0;
    std::optional<SealedProbe> probe_;
};

} // namespace

bool sealedApplies(const LayerInfo& layer, std::span<const uint8_t> first) noexcept {
    SealedFormat format;
    return layer.file && layer.coding == ContentCoding::Identity && sealedFormatOf(first, format);
}

std::unique_ptr<Transform> makeSealedTransform(TransformContext& ctx, const LayerInfo& /*layer*/,
                                               LayerId parent) {
    return std::make_unique<SealedTransform>(ctx, parent);
}

} // namespace egressmon::dpi
