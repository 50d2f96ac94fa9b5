// TarWalker (dpi/transform/tar/tar_walker.h): header blocks of every format, checksums, octal
// and base-256 numbers, GNU long names, pax records, entries with and without data, padding,
// the entry, byte and name bounds, holes, truncated and corrupt archives; and isTarHeader on the
// first block (what the tar transform decides by).
//
// Input: [limits][split seed: 4] then the archive.
//   limits bits 0-1: max_entries 1, 3, 16, 10000
//          bits 2-3: max_entry_bytes 16, 1000, 100000, 300000
//          bit 5:    max_name_bytes 4 (else 1024)
//          bit 6:    the input is given up (abort()) instead of finished
//          bit 7:    a hole: (seed & 0xffff) + 1 bytes at offset (seed >> 16) % (size + 1) are
//                    dropped from the input and told with gap()
// Checks: entryEnd once per entryBegin, no entryData outside an entry, data never empty, no
// entry over max_entry_bytes, no name over max_name_bytes, no event once the walker said
// stopped(), nothing left open at the end, no more entries begun than max_entries, and the same
// events and counts whole and split (the walker's promise).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "dpi/transform/tar/tar_walker.h"
#include "fuzz_input.h"

using namespace egressmon;
using dpi::TarEntryEnd;

namespace {

constexpr uint32_t kMaxEntries[] = {1, 3, 16, 10000};
constexpr uint64_t kMaxEntryBytes[] = {16, 1000, 100000, 300000};

// Events folded into a digest as they come: entryData pieces are hashed byte by byte, so any
// cut of the same bytes gives the same digest.
class Checker final : public dpi::TarEntryHandler {
  public:
    explicit Checker(const dpi::TarLimits& limits) : limits_(limits) {}

    void entryBegin(const dpi::TarEntryInfo& info) noexcept override {
        if (open_ || frozen || info.name.size() > limits_.max_name_bytes) std::abort();
        open_ = true;
        if (++begun > limits_.max_entries) std::abort();
        entry_bytes_ = 0;
        mix('B');
        for (char c : info.name)
            mix(static_cast<uint8_t>(c));
        mixValue(info.size);
        mix(static_cast<uint8_t>(info.typeflag));
    }
    void entryData(const uint8_t* data, size_t len) noexcept override {
        if (!open_ || frozen || len == 0) std::abort();
        entry_bytes_ += len;
        if (entry_bytes_ > limits_.max_entry_bytes) std::abort();
        for (size_t i = 0; i < len; ++i)
            mix(data[i]);
    }
    void entryEnd(TarEntryEnd how) noexcept override {
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

    dpi::TarLimits limits_;
    uint64_t entry_bytes_ = 0;
    bool open_ = false;
};

struct Result {
    uint64_t digest;
    dpi::TarWalker::Counts counts;
    bool complete;
};

struct Hole {
    bool present = false;
    size_t at = 0, length = 0;
};

Result run(const dpi::TarLimits& limits, std::span<const uint8_t> archive, const Hole& hole,
           uint32_t seed, bool cut) {
    dpi::TarWalker walker(limits);
    Checker checker(limits);
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
    if (checker.open() || !walker.stopped()) std::abort();
    return {checker.digest, walker.counts(), walker.complete()};
}

bool sameCounts(const dpi::TarWalker::Counts& a, const dpi::TarWalker::Counts& b) {
    return a.entries == b.entries && a.corrupt == b.corrupt &&
           a.entries_exceeded == b.entries_exceeded && a.entries_cut == b.entries_cut &&
           a.names_truncated == b.names_truncated && a.gaps == b.gaps;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    const uint8_t bits = in.u8();
    const uint32_t raw_seed = in.u32();
    const uint32_t seed = raw_seed | 1; // 0 means "one piece" in feedInPieces
    const auto archive = in.rest();
    dpi::TarLimits limits;
    limits.max_entries = kMaxEntries[bits & 3];
    limits.max_entry_bytes = kMaxEntryBytes[(bits >> 2) & 3];
    limits.max_name_bytes = (bits & 0x20) ? 4 : 1024;
    const bool cut = bits & 0x40;
    Hole hole;
    if (bits & 0x80) {
        hole.present = true;
        hole.at = (raw_seed >> 16) % (archive.size() + 1);
        hole.length = (raw_seed & 0xffff) + 1;
    }
    if (archive.size() >= dpi::kTarBlockBytes)
        (void)dpi::isTarHeader(archive.first<dpi::kTarBlockBytes>());
    const Result whole = run(limits, archive, hole, 0, cut);
    const Result split = run(limits, archive, hole, seed, cut);
    if (whole.digest != split.digest || !sameCounts(whole.counts, split.counts) ||
        whole.complete != split.complete)
        std::abort();
    return 0;
}
