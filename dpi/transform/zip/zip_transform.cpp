#include "dpi/transform/zip/zip_transform.h"

#include <cstring>

#include "dpi/transform/layer_node.h"

namespace egressmon::dpi {

namespace {

class ZipTransform final : public Transform, ZipEntryHandler {
  public:
    ZipTransform(TransformContext& ctx, const LayerInfo& layer, LayerId parent)
        : ctx_(ctx), family_(layer.family), parent_(parent), depth_(layer.depth),
          walker_(ctx.files.zip) {
        ++ctx.counters.zip.archives;
    }

    void feed(const uint8_t* data, size_t len) noexcept override {
        walker_.feed(data, len, *this);
        countWalk();
    }
    void gap(uint64_t missing) noexcept override {
        walker_.gap(missing, *this);
        countWalk();
    }
    void finish() noexcept override {
        walker_.finish(*this);
        countWalk();
    }
    void abort() noexcept override {
        aborting_ = true;
        walker_.abort(*this);
        countWalk();
    }

  private:
    void entryBegin(const ZipEntryInfo& info) noexcept override {
        if (info.directory) return; // no bytes of its own
        LayerInfo out;
        out.type = "zip.entry";
        out.family = family_;
        out.file_name = info.name;
        out.depth = depth_;
        entry_.prepare(ctx_, out, parent_);
    }
    void entryData(const uint8_t* data, size_t len) noexcept override { entry_.data(data, len); }
    // However the entry ended (a bomb, corrupt data, the archive's end), what it decoded is real
    // content: flushed, unless the whole tree is being aborted.
    void entryEnd(ZipEntryEnd) noexcept override {
        if (aborting_) {
            entry_.abort();
        } else {
            entry_.finish();
        }
    }

    // The walker counts over its life; the context hears each new count once.
    void countWalk() noexcept {
        const ZipWalker::Counts& now = walker_.counts();
        ZipCounters& c = ctx_.counters.zip;
        c.entries += now.entries - seen_.entries;
        c.encrypted_entries += now.encrypted - seen_.encrypted;
        c.unsupported_method += now.unsupported_method - seen_.unsupported_method;
        c.bombs += now.bombs - seen_.bombs;
        c.ratio_exceeded += now.ratio_exceeded - seen_.ratio_exceeded;
        c.corrupt += now.corrupt - seen_.corrupt;
        c.entries_exceeded += now.entries_exceeded - seen_.entries_exceeded;
        c.names_truncated += now.names_truncated - seen_.names_truncated;
        c.gaps += now.gaps - seen_.gaps;
        seen_ = now;
    }

    TransformContext& ctx_;
    const LayerFamily family_;
    const LayerId parent_;
    const uint32_t depth_; // of the entry layers
    ZipWalker walker_;
    LayerNode entry_; // the entry being decoded
    ZipWalker::Counts seen_;
    bool aborting_ = false;
};

} // namespace

bool zipApplies(const LayerInfo& layer, std::span<const uint8_t> first) noexcept {
    static constexpr uint8_t kLocalHeader[] = {'P', 'K', 3, 4};
    return layer.coding == ContentCoding::Identity && first.size() >= sizeof kLocalHeader &&
           std::memcmp(first.data(), kLocalHeader, sizeof kLocalHeader) == 0;
}

std::unique_ptr<Transform> makeZipTransform(TransformContext& ctx, const LayerInfo& layer,
                                            LayerId parent) {
    return std::make_unique<ZipTransform>(ctx, layer, parent);
}

} // namespace egressmon::dpi
