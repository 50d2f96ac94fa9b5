#include "dpi/transform/tar/tar_transform.h"

#include <cstring>
#include <new>
#include <optional>

#include "dpi/decode/decoded_layer_sink.h"
#include "dpi/file/file_sniff.h"
#include "dpi/transform/layer_node.h"
#include "dpi/transform/tar/tar_walker.h"

namespace egressmon::dpi {

namespace {

TarLimits tarLimits(const ZipLimits& zip) noexcept {
    TarLimits l;
    l.max_entries = zip.max_entries;
    l.max_entry_bytes = zip.max_entry_bytes;
    return l;
}

class TarTransform final : public Transform, TarEntryHandler {
  public:
    TarTransform(TransformContext& ctx, const LayerInfo& layer, LayerId parent)
        : ctx_(ctx), family_(layer.family), parent_(parent), depth_(layer.depth),
          first_(new uint8_t[kTarBlockBytes]) {}

    void feed(const uint8_t* data, size_t len) noexcept override {
        if (first_) {
            const size_t take = std::min(len, kTarBlockBytes - first_have_);
            std::memcpy(first_.get() + first_have_, data, take);
            first_have_ += take;
            if (first_have_ < kTarBlockBytes) return;
            if (!startWalk()) return;
            data += take;
            len -= take;
        }
        if (!walker_ || len == 0) return;
        walker_->feed(data, len, *this);
        countWalk();
    }
    void gap(uint64_t missing) noexcept override {
        if (first_) { // a hole before the first block is judged: not known to be a tar
            first_.reset();
            return;
        }
        if (!walker_) return;
        const bool was_stopped = walker_->stopped();
        walker_->gap(missing, *this);
        if (!was_stopped) note("gap");
        countWalk();
    }
    void finish() noexcept override {
        first_.reset(); // shorter than a header block: no entry in it either way
        if (!walker_) return;
        walker_->finish(*this);
        countWalk();
    }
    void abort() noexcept override {
        first_.reset();
        if (!walker_) return;
        aborting_ = true;
        walker_->abort(*this);
        countWalk();
    }

  private:
    // The first block is judged: a tar header starts the walk with it; anything else ends the
    // transform. False when there is nothing more to do.
    bool startWalk() noexcept {
        const auto first = std::move(first_);
        if (!isTarHeader(std::span<const uint8_t, kTarBlockBytes>(first.get(), kTarBlockBytes)))
            return false;
        try {
            walker_.emplace(tarLimits(ctx_.files.zip));
        } catch (const std::bad_alloc&) {
            ++ctx_.counters.transforms_refused;
            return false;
        }
        ++ctx_.counters.tar.archives;
        FileNote note;
        note.refine_type = true;
        note.type = FileType::Tar;
        ctx_.sink->noteFile(parent_, note);
        walker_->feed(first.get(), kTarBlockBytes, *this);
        countWalk();
        return true;
    }

    void entryBegin(const TarEntryInfo& info) noexcept override {
        LayerInfo out;
        out.type = "tar.entry";
        out.family = family_;
        out.file_name = info.name;
        out.file = true;
        out.depth = depth_;
        entry_.prepare(ctx_, out, parent_);
    }
    void entryData(const uint8_t* data, size_t len) noexcept override { entry_.data(data, len); }
    // What an entry gave is real content: flushed however it ended, unless the whole tree is
    // being aborted. An entry not read whole leaves the archive uninspectable.
    void entryEnd(TarEntryEnd how) noexcept override {
        if (how == TarEntryEnd::TooLarge) note("max-entry-bytes");
        if (how == TarEntryEnd::Truncated && !aborting_) note("truncated");
        if (aborting_) {
            entry_.abort();
        } else {
            entry_.finish();
        }
    }

    void note(const char* reason) noexcept {
        FileNote n;
        n.uninspectable = reason;
        ctx_.sink->noteFile(parent_, n);
    }

    // The walker counts over its life; the context hears each new count once, and the file a
    // bound or a bad header stopped hears why.
    void countWalk() noexcept {
        const TarWalker::Counts& now = walker_->counts();
        if (now.entries_exceeded > seen_.entries_exceeded) note("max-archive-entries");
        if (now.corrupt > seen_.corrupt) note("corrupt");
        TarCounters& c = ctx_.counters.tar;
        c.entries += now.entries - seen_.entries;
        c.corrupt += now.corrupt - seen_.corrupt;
        c.entries_exceeded += now.entries_exceeded - seen_.entries_exceeded;
        c.entries_cut += now.entries_cut - seen_.entries_cut;
        c.long_names_truncated += now.names_truncated - seen_.names_truncated;
        c.gaps += now.gaps - seen_.gaps;
        seen_ = now;
    }

    TransformContext& ctx_;
    const LayerFamily family_;
    const LayerId parent_;
    const uint32_t depth_;             // of the entry layers
    std::unique_ptr<uint8_t[]> first_; // the first block, until judged
    size_t first_have_ = 0;
    std::optional<TarWalker> walker_;
    LayerNode entry_; // the entry being read
    TarWalker::Counts seen_;
    bool aborting_ = false;
};

} // namespace

bool tarApplies(const LayerInfo& layer, std::span<const uint8_t> first) noexcept {
    if (!layer.file || layer.coding != ContentCoding::Identity || first.empty() || first[0] == 0)
        return false;
    const FileType sniffed = sniffFileType(first);
    return sniffed == FileType::Text || sniffed == FileType::Binary;
}

std::unique_ptr<Transform> makeTarTransform(TransformContext& ctx, const LayerInfo& layer,
                                            LayerId parent) {
    return std::make_unique<TarTransform>(ctx, layer, parent);
}

} // namespace egressmon::dpi
