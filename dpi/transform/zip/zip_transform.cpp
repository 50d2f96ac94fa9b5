#include "dpi/transform/zip/zip_transform.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "dpi/decode/decoded_layer_sink.h"
#include "dpi/file/file_sniff.h"
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
        FileNote note;
        note.uninspectable = "gap";
        ctx_.sink->noteFile(parent_, note);
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
        refineType(info.name);
        first_entry_ = false;
        if (info.directory) return; // no bytes of its own
        LayerInfo out;
        out.type = "zip.entry";
        out.family = family_;
        out.file_name = info.name;
        out.file = true;
        out.depth = depth_;
        entry_.prepare(ctx_, out, parent_);
    }
    void entryData(const uint8_t* data, size_t len) noexcept override {
        if (reading_mimetype_) {
            const size_t take = std::min(len, sizeof mimetype_ - mimetype_len_);
            std::memcpy(mimetype_ + mimetype_len_, data, take);
            mimetype_len_ += take;
        }
        entry_.data(data, len);
    }
    // However the entry ended (a bomb, corrupt data, the archive's end), what it decoded is real
    // content: flushed, unless the whole tree is being aborted. An entry not read whole leaves
    // the archive uninspectable, and an encrypted one makes it an encrypted archive.
    void entryEnd(ZipEntryEnd how) noexcept override {
        if (reading_mimetype_) {
            reading_mimetype_ = false;
            if (const auto type = openDocumentType({mimetype_, mimetype_len_})) {
                FileNote note;
                note.refine_type = true;
                note.type = *type;
                ctx_.sink->noteFile(parent_, note);
            }
        }
        const char* reason = uninspectableReason(how);
        ratio_stops_ = walker_.counts().ratio_exceeded;
        if (reason) {
            FileNote note;
            note.uninspectable = reason;
            note.encrypted = how == ZipEntryEnd::Encrypted;
            ctx_.sink->noteFile(parent_, note);
        }
        if (aborting_) {
            entry_.abort();
        } else {
            entry_.finish();
        }
    }

    const char* uninspectableReason(ZipEntryEnd how) const noexcept {
        switch (how) {
        case ZipEntryEnd::Complete: return nullptr;
        case ZipEntryEnd::Truncated: return aborting_ ? nullptr : "truncated";
        case ZipEntryEnd::Encrypted: return "encrypted";
        case ZipEntryEnd::UnsupportedMethod: return "unsupported-method";
        case ZipEntryEnd::Bomb:
            return walker_.counts().ratio_exceeded > ratio_stops_ ? "max-compression-ratio"
                                                                  : "max-entry-bytes";
        case ZipEntryEnd::Corrupt: return "corrupt";
        }
        return nullptr;
    }

    // OOXML by its part names; OpenDocument by its first entry, a stored `mimetype` naming
    // the document's media type (ODF 1.2 part 3, 3.3).
    void refineType(std::string_view name) noexcept {
        if (first_entry_ && name == "mimetype") {
            reading_mimetype_ = true;
            mimetype_len_ = 0;
            return;
        }
        const FileType refined = zipTypeFromEntryName(FileType::Zip, name);
        if (refined == FileType::Zip || type_refined_) return;
        type_refined_ = true;
        FileNote note;
        note.refine_type = true;
        note.type = refined;
        ctx_.sink->noteFile(parent_, note);
    }

    // A walk a bound or corrupt headers stopped left the rest of the archive unread.
    void noteWalkStop() noexcept {
        const ZipWalker::Counts& now = walker_.counts();
        const char* reason = now.entries_exceeded > seen_.entries_exceeded ? "max-archive-entries"
                             : now.corrupt > seen_.corrupt                 ? "corrupt"
                                                                           : nullptr;
        if (!reason) return;
        FileNote note;
        note.uninspectable = reason;
        ctx_.sink->noteFile(parent_, note);
    }

    // The walker counts over its life; the context hears each new count once.
    void countWalk() noexcept {
        noteWalkStop();
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
    uint64_t ratio_stops_ = 0; // the walker's ratio_exceeded at the last entry's end
    bool first_entry_ = true;
    bool type_refined_ = false;
    bool reading_mimetype_ = false;
    char mimetype_[64]; // the longest ODF media type has 57 characters
    size_t mimetype_len_ = 0;
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
