#include "dpi/transform/layer_node.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <span>

#include "dpi/decode/decoded_layer_sink.h"
#include "dpi/file/file_sniff.h"

namespace egressmon::dpi {

static_assert(LayerNode::kMaxSniffBytes >= kFileSniffBytes);

LayerNode::~LayerNode() = default;

void LayerNode::prepare(TransformContext& ctx, const LayerInfo& info, LayerId parent) noexcept {
    if (ctx_ != nullptr) abort();
    ctx_ = &ctx;
    info_ = info;
    parent_ = parent;
    id_ = kNoLayer;
    begun_ = false;
    gap_before_ = 0;
    note_pending_ = false;
    held_len_ = 0;
    try {
        boundary_.assign(info.boundary);
        file_name_.assign(info.file_name);
    } catch (const std::bad_alloc&) {
        ++ctx.counters.transforms_refused;
        boundary_.clear();
        file_name_.clear();
        if (info_.kind == ContentKind::Multipart) info_.kind = ContentKind::Other;
    }
    info_.boundary = boundary_;
    info_.file_name = file_name_;
    // A file layer's own type comes from its first bytes too. A coded layer is not the file
    // (its decompressed child, which copies the flag, is).
    carries_file_ = info_.file && info_.coding == ContentCoding::Identity;
    sniff_bytes_ = carries_file_ ? static_cast<uint32_t>(kFileSniffBytes) : 0;
    for (const TransformRegistration& r : ctx.registry)
        sniff_bytes_ = std::max(sniff_bytes_, std::min(r.sniff_bytes, kMaxSniffBytes));
}

void LayerNode::begin(const uint8_t* first, size_t first_len) noexcept {
    begun_ = true;
    // After a lost start the first bytes are not the layer's: no magic is known.
    const std::span<const uint8_t> sniffed =
        gap_before_ > 0 ? std::span<const uint8_t>() : std::span<const uint8_t>(first, first_len);
    LayerInfo shown = info_;
    shown.file = carries_file_;
    if (carries_file_) shown.file_type = sniffFileType(sniffed);
    id_ = ctx_->sink->beginLayer(shown, parent_);
    if (id_ == kNoLayer) {
        // Refused (counted by the sink): nothing is decoded beneath, so the file this layer
        // came from is not fully inspected.
        FileNote note;
        note.uninspectable = "inspection-max-layers";
        ctx_->sink->noteFile(parent_, note);
        return;
    }
    if (gap_before_ > 0) ctx_->sink->layerGap(id_, gap_before_);
    if (note_pending_) {
        note_pending_ = false;
        ctx_->sink->noteFile(id_, pending_note_);
    }
    if (info_.depth >= kMaxDepth) {
        ++ctx_->counters.transforms_refused;
        FileNote note;
        note.uninspectable = "max-depth";
        ctx_->sink->noteFile(id_, note);
        return;
    }
    // What the transforms are told of their input: their outputs are one level deeper.
    LayerInfo input = info_;
    input.depth = info_.depth + 1;
    size_t n = 0;
    for (const TransformRegistration& r : ctx_->registry) {
        if (n == kMaxTransforms) break;
        if (gap_before_ > 0 && r.sniff_bytes > 0) continue;
        if (!r.applies(info_, sniffed)) continue;
        if (gap_before_ > 0 && r.needs_start) { // it cannot start mid-stream
            ++ctx_->counters.gap_cut_layers;
            continue;
        }
        try {
            transforms_[n] = r.make(*ctx_, input, id_);
            ++n;
        } catch (const std::bad_alloc&) {
            ++ctx_->counters.transforms_refused;
        }
    }
    if (gap_before_ > 0)
        for (size_t i = 0; i < n; ++i)
            transforms_[i]->gap(gap_before_);
}

void LayerNode::noteFile(const FileNote& note) noexcept {
    if (ctx_ == nullptr) return;
    if (!begun_) {
        pending_note_ = note;
        note_pending_ = true;
    } else if (id_ != kNoLayer) {
        ctx_->sink->noteFile(id_, note);
    }
}

void LayerNode::pass(const uint8_t* data, size_t len) noexcept {
    // A refused layer's bytes still go to the sink, which counts what it could not scan.
    ctx_->sink->layerData(id_, data, static_cast<uint32_t>(len));
    for (auto& t : transforms_)
        if (t) t->feed(data, len);
}

void LayerNode::data(const uint8_t* data, size_t len) noexcept {
    if (ctx_ == nullptr || len == 0) return;
    if (!begun_) {
        if (sniff_bytes_ > 0 && gap_before_ == 0 && held_len_ + len < sniff_bytes_) {
            std::memcpy(held_.data() + held_len_, data, len);
            held_len_ += static_cast<uint32_t>(len);
            return;
        }
        uint8_t first[kMaxSniffBytes];
        const size_t take = std::min<size_t>(len, sniff_bytes_ - std::min(sniff_bytes_, held_len_));
        std::memcpy(first, held_.data(), held_len_);
        std::memcpy(first + held_len_, data, take);
        begin(first, held_len_ + take);
        if (held_len_ > 0) pass(held_.data(), held_len_);
        held_len_ = 0;
    }
    pass(data, len);
}

void LayerNode::gap(uint64_t missing) noexcept {
    if (ctx_ == nullptr || missing == 0) return;
    if (!begun_ && held_len_ > 0) { // what was held is the start; the hole follows it
        begin(held_.data(), held_len_);
        pass(held_.data(), held_len_);
        held_len_ = 0;
    }
    if (!begun_) {
        gap_before_ += missing;
        return;
    }
    if (id_ == kNoLayer) return;
    ctx_->sink->layerGap(id_, missing);
    for (auto& t : transforms_)
        if (t) t->gap(missing);
}

void LayerNode::close(bool flush) noexcept {
    if (ctx_ == nullptr) return;
    if (!begun_ && held_len_ > 0) { // a layer shorter than the sniffed prefix
        begin(held_.data(), held_len_);
        pass(held_.data(), held_len_);
    }
    for (auto& t : transforms_) {
        if (!t) continue;
        if (flush) {
            t->finish();
        } else {
            t->abort();
        }
        t.reset();
    }
    if (id_ != kNoLayer) ctx_->sink->endLayer(id_);
    ctx_ = nullptr;
    id_ = kNoLayer;
    begun_ = false;
    held_len_ = 0;
    gap_before_ = 0;
}

void LayerNode::finish() noexcept {
    close(true);
}

void LayerNode::abort() noexcept {
    close(false);
}

} // namespace egressmon::dpi
