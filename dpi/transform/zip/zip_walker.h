#pragma once
// Streaming ZIP reader: walks the local file headers of an archive that arrives in pieces (an
// HTTP body, a MIME part) and is never held whole, handing out each entry's decompressed bytes
// as they come. libarchive is pull-only and libzip/minizip need the central directory at the
// end, so the walk is push-style over the local headers, the way the archive was written.
//
// Per entry: the local header (PK\3\4, 30 bytes, name, extra field) is read with bounded state
// (the name up to max_name_bytes, the extra field skipped except the ZIP64 sizes of block
// 0x0001), then the data: stored entries pass through, deflate (method 8) goes through a raw
// Inflater with the entry bounds; encrypted entries (flag bit 0, method 99 AES) and other
// methods are announced and skipped by their compressed size. When flag bit 3 says a data
// descriptor follows the data (the sizes were not known when the header was written):
//   - deflate: the end of the deflate stream ends the data; the descriptor (optional PK\7\8,
//     crc32, compressed and uncompressed size of 4 bytes, or 8 when the header had the ZIP64
//     block) is read and checked against what was decoded (4 bytes equal to PK\7\8 are taken
//     as the signature, not as a crc);
//   - stored: the data ends at the first PK\7\8 whose compressed and uncompressed sizes both
//     equal the bytes seen so far (up to 24 bytes are held back while they might be one); its
//     crc32 then says Complete or Corrupt. Past max_entry_bytes the entry ends Bomb and the
//     walk stops, since scanning on for the descriptor would have no bound;
//   - encrypted or another method: skipped by the compressed size if the header gives it
//     anyway (Info-ZIP does for encrypted entries), then the descriptor; with a zero size
//     nothing tells where the data ends, so the walk stops (counted corrupt).
// After an entry comes the next PK\3\4, or the central directory (PK\1\2), the end record
// (PK\5\6), the ZIP64 end record (PK\6\6) or the archive extra data record (PK\6\8): the archive
// is complete and the walk stops. Anything else is corrupt and stops it. An entry is Complete
// only when its bytes, sizes and crc32 agree with its header (or descriptor).
//
// Bounds: no entry data is buffered (beyond the 24 held-back bytes above), only one entry is
// open at a time, nothing recurses (a ZIP inside a ZIP is an entry's bytes: the caller decides
// whether to walk them). Per entry at most max_entry_bytes decompressed bytes are handed out;
// deflate also stops at max_compression_ratio once 64 KiB are out (Inflater's bounds). A bomb
// ends the entry and its remaining compressed bytes are skipped; when only a data descriptor
// could tell where they end, the walk stops.
//
// Split invariance: any split of the input into feed() calls gives the same handler events
// (entryData pieces may be cut differently). One exception, inherited from Inflater: where the
// compression ratio stops an entry, the cut point depends on how much input zlib had consumed
// when it checked, which depends on the split.
//
// Thread: owned by one flow's decoder (a worker); noexcept throughout. Memory: the walker
// (~0.4 KiB plus max_name_bytes) and, while a deflate entry is open, one z_stream (~44 KiB).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dpi/content/content_inflater.h"

namespace egressmon::dpi {

struct ZipLimits {
    uint32_t max_entries = 10000;           // entries per archive; past it: stop, counted
    uint64_t max_entry_bytes = 64ull << 20; // decompressed bytes per entry; past it: Bomb
    uint32_t max_compression_ratio = 1000;  // per deflate entry, after 64 KiB out (Inflater's)
    uint32_t max_name_bytes = 1024;         // longer names truncated (counted); at most 65535
};

struct ZipEntryInfo {
    // As stored: CP437, or UTF-8 when flag bit 11 is set; the bytes are passed, not converted.
    // Cut at max_name_bytes. Valid during entryBegin only.
    std::string_view name;
    uint16_t method = 0;          // 0 stored, 8 deflate; others are not decoded
    uint16_t flags = 0;           // the general purpose bit flag, as stored
    bool encrypted = false;       // flag bit 0 (traditional PKWARE or strong), or method 99 (AES)
    bool data_descriptor = false; // flag bit 3: sizes and crc follow the data
    // As the local header says, with the ZIP64 block's values where the header has 0xffffffff.
    // Writers put 0 here when data_descriptor is set; the walker does not use them then.
    uint64_t compressed_size = 0, uncompressed_size = 0;
    bool directory = false; // the name (uncut) ends with '/'
};

enum class ZipEntryEnd : uint8_t {
    Complete,          // all its bytes decoded, and they agree with its sizes and crc32
    Truncated,         // the archive ended (finish) or was cut (abort) or a hole (gap) inside it
    Encrypted,         // not decodable: skipped
    UnsupportedMethod, // not stored/deflate: skipped
    Bomb,              // max_entry_bytes or the ratio hit; the rest skipped
    Corrupt,           // bad deflate data, or sizes or crc32 inconsistent with the header
};

class ZipEntryHandler {
  public:
    virtual void entryBegin(const ZipEntryInfo& info) noexcept = 0;
    // Decompressed bytes of the entry begun last; never empty.
    virtual void entryData(const uint8_t* data, size_t len) noexcept = 0;
    // Exactly once per entryBegin, before the next entryBegin.
    virtual void entryEnd(ZipEntryEnd how) noexcept = 0;

  protected:
    ~ZipEntryHandler() = default;
};

class ZipWalker {
  public:
    // Counters over the walker's life (the caller folds them into its own).
    struct Counts {
        uint64_t entries = 0;            // entries begun
        uint64_t encrypted = 0;          // ... ended Encrypted
        uint64_t unsupported_method = 0; // ... ended UnsupportedMethod
        uint64_t bombs = 0;              // ... ended Bomb
        uint64_t ratio_exceeded = 0;     // ... of them by the compression ratio
        uint64_t corrupt = 0;            // entries ended Corrupt, and walks stopped as corrupt
        uint64_t entries_exceeded = 0;   // walks stopped at max_entries
        uint64_t names_truncated = 0;    // names cut at max_name_bytes
        uint64_t gaps = 0;               // holes told by gap() before the walk ended
    };

    // Allocates the name buffer (may throw std::bad_alloc); nothing allocates afterwards but the
    // Inflater of a deflate entry (a failure there ends the entry Corrupt).
    explicit ZipWalker(const ZipLimits& limits);

    // The next bytes of the archive. Ignored once stopped().
    void feed(const uint8_t* data, size_t len, ZipEntryHandler& h) noexcept;
    // `missing` (> 0) bytes of the archive were lost. An open entry ends Truncated. When the
    // hole lies inside the data of an entry whose compressed size the header gave, the rest of
    // that entry is skipped (the hole counts against it) and the walk goes on with the next
    // header; anywhere else (a header, a descriptor, data whose end only a descriptor tells)
    // the walk stops.
    void gap(uint64_t missing, ZipEntryHandler& h) noexcept;
    // The input is complete: an open entry is flushed (held-back bytes of a stored entry with a
    // data descriptor) and ends Truncated. The walk stops.
    void finish(ZipEntryHandler& h) noexcept;
    // The input is given up: as finish, without flushing held-back bytes.
    void abort(ZipEntryHandler& h) noexcept;

    // The central directory or end record was reached, a bound or corrupt data or a hole
    // stopped the walk, or finish/abort was called: feed ignores input.
    bool stopped() const noexcept { return state_ == State::Stopped; }
    const Counts& counts() const noexcept { return counts_; }

  private:
    enum class State : uint8_t {
        Signature,  // the 4 bytes after an entry (or at the start)
        Header,     // the rest of the 30-byte local header
        Name,       // the file name
        Extra,      // the extra field
        Stored,     // stored data, size known
        StoredScan, // stored data ended by a data descriptor
        Deflate,    // deflate data (size known, or ended by the stream's end)
        Descriptor, // the data descriptor after deflate data or skipped data
        Skip,       // compressed bytes of an entry that ended (or was never decoded)
        Stopped,
    };
    class Output;

    size_t step(const uint8_t* data, size_t len, ZipEntryHandler& h) noexcept;
    size_t readSignature(const uint8_t* data, size_t len) noexcept;
    size_t readHeader(const uint8_t* data, size_t len, ZipEntryHandler& h) noexcept;
    size_t readName(const uint8_t* data, size_t len, ZipEntryHandler& h) noexcept;
    size_t readExtra(const uint8_t* data, size_t len, ZipEntryHandler& h) noexcept;
    void extraByte(uint8_t b) noexcept;
    void extraBlockEnd() noexcept;
    void headerDone(ZipEntryHandler& h) noexcept;
    size_t readStored(const uint8_t* data, size_t len, ZipEntryHandler& h) noexcept;
    size_t scanStored(const uint8_t* data, size_t len, ZipEntryHandler& h) noexcept;
    bool descriptorAtHold() const noexcept;
    size_t readDeflate(const uint8_t* data, size_t len, ZipEntryHandler& h) noexcept;
    size_t readDescriptor(const uint8_t* data, size_t len, ZipEntryHandler& h) noexcept;
    size_t skip(size_t len) noexcept;

    // Hands out entry bytes up to max_entry_bytes; false when the bound cut them.
    bool emit(const uint8_t* data, size_t len, ZipEntryHandler& h) noexcept;
    // Drops the first `n` held-back bytes of a stored entry as data; false when the bound hit.
    bool releaseHeld(size_t n, ZipEntryHandler& h) noexcept;
    void endEntry(ZipEntryEnd how, ZipEntryHandler& h) noexcept;
    // Complete when the decoded bytes agree with the sizes and crc32 the archive gave.
    ZipEntryEnd verdict(uint32_t crc, uint64_t compressed, uint64_t uncompressed) const noexcept;
    void afterEntry(uint64_t skip_bytes) noexcept; // skip the rest, then the next signature
    void stop() noexcept { state_ = State::Stopped; }
    void stopCorrupt() noexcept;

    ZipLimits limits_;
    State state_ = State::Signature;
    Counts counts_;
    uint64_t archive_entries_ = 0;

    // The local header being read.
    uint8_t header_[30] = {};
    size_t header_have_ = 0;
    uint16_t flags_ = 0, method_ = 0;
    uint32_t crc_ = 0;
    uint64_t compressed_ = 0, uncompressed_ = 0;
    uint32_t name_left_ = 0, extra_left_ = 0;
    std::string name_; // capacity max_name_bytes, reserved once
    bool name_cut_ = false;
    uint8_t name_last_ = 0;
    // Extra field blocks: [id: 2][size: 2][data], read a byte at a time.
    uint8_t block_head_[4] = {};
    size_t block_head_have_ = 0;
    uint32_t block_left_ = 0;
    uint8_t zip64_block_[16] = {};
    size_t zip64_block_have_ = 0;
    bool zip64_ = false; // the header had a ZIP64 block: descriptor sizes are 8 bytes

    // The open entry.
    bool entry_open_ = false;
    bool descriptor_follows_ = false; // the data (decoded or skipped) ends with a descriptor
    uint64_t remaining_ = 0; // compressed bytes left (Stored, Deflate with a known size, Skip)
    uint64_t consumed_ = 0;  // compressed bytes of the entry used so far
    uint64_t out_ = 0;       // decompressed bytes seen (handed out up to the bound)
    uint32_t crc_run_ = 0;   // crc32 of the decompressed bytes seen
    std::optional<Inflater> inflater_;
    // Held-back bytes of a stored entry that may begin its data descriptor, or the descriptor
    // after deflate data: [PK\7\8][crc: 4][sizes: 2 x 4 or 2 x 8].
    uint8_t held_[24] = {};
    size_t held_len_ = 0;
};

} // namespace egressmon::dpi
