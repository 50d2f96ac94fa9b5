// ZipWalker (dpi/transform/zip/zip_walker.h): local headers, names, extra fields and ZIP64
// blocks, stored and deflate data, data descriptors (deflate stream ends, stored scans),
// skipped entries, the entry, size and ratio bounds, holes, truncated and corrupt archives.
//
// Input: [limits][split seed: 4] then the archive.
//   limits bits 0-1: max_entries 1, 3, 16, 10000
//          bits 2-3: max_entry_bytes 16, 1000, 100000, 300000
//          bit 4:    max_compression_ratio 10 (else 0: off)
//          bit 5:    max_name_bytes 4 (else 1024)
//          bit 6:    the input is given up (abort()) instead of finished
//          bit 7:    a hole: (seed & 0xff) + 1 bytes at offset (seed >> 8) % (size + 1) are
//                    dropped from the input and told with gap()
// Checks: entryEnd once per entryBegin, no entryData outside an entry, data never empty, no
// entry over max_entry_bytes, no event once the walker said stopped(), nothing left open at
// the end, counts().entries equal to the entries begun, and the same events and counts whole
// and split (the walker's promise) unless the ratio bound cut an entry (where zlib checked it
// depends on the split, as documented).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "dpi/transform/zip/zip_walker.h"
#include "fuzz_input.h"

using namespace egressmon;
using dpi::ZipEntryEnd;

namespace {

constexpr uint32_t kMaxEntries[] = {1, 3, 16, 10000};
constexpr uint64_t kMaxEntryBytes[] = {16, 1000, 100000, 300000};

// Events folded into a digest as they come: entryData pieces are hashed byte by byte, so
// any cut of the same bytes gives the same digest.
class Checker final : public dpi::ZipEntryHandler {
  public:
    explicit Checker(uint64_t max_entry_bytes) : max_entry_bytes_(max_entry_bytes) {}

    void entryBegin(const dpi::ZipEntryInfo& info) noexcept override {
        if (open_ || frozen) std::abort();
        open_ = true;
        ++begun;
        entry_bytes_ = 0;
        mix('B');
        for (char c : info.name)
            mix(static_cast<uint8_t>(c));
        mixValue(info.method);
        mixValue(info.flags);
        mixValue(info.compressed_size);
        mixValue(info.uncompressed_size);
        mix(static_cast<uint8_t>(info.encrypted | info.data_descriptor << 1 | info.directory << 2));
    }
    void entryData(const uint8_t* data, size_t len) noexcept override {
        if (!open_ || frozen || len == 0) std::abort();
        entry_bytes_ += len;
        if (entry_bytes_ > max_entry_bytes_) std::abort();
        for (size_t i = 0; i < len; ++i)
            mix(data[i]);
    }
    void entryEnd(ZipEntryEnd how) noexcept override {
        if (!open_ || frozen) std::abort();
        open_ = false;
        mix('E');
        mix(static_cast<uint8_t>(how));
        mixValue(entry_bytes_);
    }
    bool open() const { return open_; }

    uint64_t digest = 0xcbf29ce484222325; // FNV-1a 64
    uint64_t begun = 0;
    bool frozen = false; // the walker said stopped(): no event may follow

  private:
    void mix(uint8_t b) { digest = (digest ^ b) * 0x100000001b3; }
    void mixValue(uint64_t v) {
        for (int i = 0; i < 8; ++i)
            mix(static_cast<uint8_t>(v >> (8 * i)));
    }

    uint64_t max_entry_bytes_;
    uint64_t entry_bytes_ = 0;
    bool open_ = false;
};

struct Result {
    uint64_t digest;
    dpi::ZipWalker::Counts counts;
};

struct Hole {
    bool present = false;
    size_t at = 0, length = 0;
};

Result run(const dpi::ZipLimits& limits, std::span<const uint8_t> archive, const Hole& hole,
           uint32_t seed, bool cut) {
    dpi::ZipWalker walker(limits);
    Checker checker(limits.max_entry_bytes);
    const auto feed = [&](std::span<const uint8_t> part) {
        fuzz::feedInPieces(part, seed, 4096, [&](const uint8_t* piece, size_t n) {
            walker.feed(piece, n, checker);
            checker.frozen = walker.stopped();
        });
    };
    if (hole.present) {
        feed(archive.first(hole.at));
        walker.gap(hole.length, checker);
        checker.frozen = walker.stopped();
        feed(archive.subspan(std::min(archive.size(), hole.at + hole.length)));
    } else {
        feed(archive);
    }
    if (cut)
        walker.abort(checker);
    else
        walker.finish(checker);
    if (checker.open() || !walker.stopped() || walker.counts().entries != checker.begun)
        std::abort();
    return {checker.digest, walker.counts()};
}

bool sameCounts(const dpi::ZipWalker::Counts& a, const dpi::ZipWalker::Counts& b) {
    return a.entries == b.entries && a.encrypted == b.encrypted &&
           a.unsupported_method == b.unsupported_method && a.bombs == b.bombs &&
           a.ratio_exceeded == b.ratio_exceeded && a.corrupt == b.corrupt &&
           a.entries_exceeded == b.entries_exceeded && a.names_truncated == b.names_truncated &&
           a.gaps == b.gaps;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    const uint8_t bits = in.u8();
    const uint32_t raw_seed = in.u32();
    const uint32_t seed = raw_seed | 1; // 0 means "one piece" in feedInPieces
    const auto archive = in.rest();
    dpi::ZipLimits limits;
    limits.max_entries = kMaxEntries[bits & 3];
    limits.max_entry_bytes = kMaxEntryBytes[(bits >> 2) & 3];
    limits.max_compression_ratio = (bits & 0x10) ? 10 : 0;
    limits.max_name_bytes = (bits & 0x20) ? 4 : 1024;
    const bool cut = bits & 0x40;
    Hole hole;
    if (bits & 0x80) {
        hole.present = true;
        hole.at = (raw_seed >> 8) % (archive.size() + 1);
        hole.length = (raw_seed & 0xff) + 1;
    }
    const Result whole = run(limits, archive, hole, 0, cut);
    const Result split = run(limits, archive, hole, seed, cut);
    if (whole.counts.ratio_exceeded > 0 || split.counts.ratio_exceeded > 0) return 0;
    if (whole.digest != split.digest || !sameCounts(whole.counts, split.counts)) std::abort();
    return 0;
}
