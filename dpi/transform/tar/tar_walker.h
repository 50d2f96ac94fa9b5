#pragma once
// Streaming tar reader: walks the 512-byte header blocks of an archive that arrives in pieces (an
// HTTP body, a MIME part, the content of a .tar.gz) and is never held whole, handing out each
// regular file's bytes as they come. Push-style for the same reason as the ZIP walker: libarchive
// pulls.
//
// Formats: POSIX ustar (magic "ustar\0", name = prefix + "/" + name), GNU ("ustar  \0": no
// prefix; long names in 'L' entries), pax ('x' extended headers: the `path` record names the next
// entry, its `size` record the entry's size past ustar's 8 GiB; 'g' global headers are skipped)
// and v7 (no magic). Every header's checksum is verified
// (the unsigned sum of its bytes with the chksum field as spaces; the signed sum some old tars
// wrote is accepted too). Sizes are octal or GNU base-256. Regular files ('0', '\0', '7') hand out
// their bytes; directories, links, devices and FIFOs have none; other types (GNU sparse, dumpdir,
// vendor types) are skipped by their size. Data is padded to 512 bytes. The archive ends at two
// zero blocks (or the input's end).
//
// Bounds: only the header block being read is buffered, never data; long names and pax paths are
// kept up to max_name_bytes (cut, counted) and read as they stream, whatever their size. Entries
// per archive stop at max_entries (counted); an entry's bytes past max_entry_bytes are skipped
// and the entry ends TooLarge. A header whose checksum or number fields are wrong stops the walk
// (counted corrupt).
//
// Holes: inside an entry's data (or padding, or a long name or pax header) the size is known, so
// the open entry ends Truncated and the walk goes on at the next header when the hole ends
// before it; a hole in a header or past the next header stops the walk.
//
// Split invariance: any split of the input into feed() calls gives the same handler events
// (entryData pieces may be cut differently).
//
// Thread: owned by one flow's decoder (a worker); noexcept after construction. Memory: ~0.6 KiB
// plus three name buffers of max_name_bytes.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace egressmon::dpi {

struct TarLimits {
    uint32_t max_entries = 10000;           // entries per archive; past it: stop, counted
    uint64_t max_entry_bytes = 64ull << 20; // bytes handed out per entry; past it: TooLarge
    uint32_t max_name_bytes = 1024;         // longer names cut (counted); at most 65535
};

inline constexpr size_t kTarBlockBytes = 512;

struct TarEntryInfo {
    std::string_view name; // the path, as stored (no charset conversion); valid in entryBegin
    uint64_t size = 0;     // bytes of data
    char typeflag = '0';
};

enum class TarEntryEnd : uint8_t {
    Complete,  // all its bytes handed out
    Truncated, // the archive ended (finish) or was cut (abort) or a hole (gap) inside it
    TooLarge,  // max_entry_bytes handed out; the rest skipped
};

class TarEntryHandler {
  public:
    // A regular file; other entries give no events.
    virtual void entryBegin(const TarEntryInfo& info) noexcept = 0;
    // Bytes of the entry begun last; never empty.
    virtual void entryData(const uint8_t* data, size_t len) noexcept = 0;
    // Exactly once per entryBegin, before the next entryBegin.
    virtual void entryEnd(TarEntryEnd how) noexcept = 0;

  protected:
    ~TarEntryHandler() = default;
};

// Whether a 512-byte block is a tar header: its checksum agrees, and it has the ustar magic or
// looks like a v7 header (a name, a known type, octal numbers). What decides that a file with no
// magic in its first bytes is a tar.
bool isTarHeader(std::span<const uint8_t, kTarBlockBytes> block) noexcept;

class TarWalker {
  public:
    // Counters over the walker's life (the caller folds them into its own).
    struct Counts {
        uint64_t entries = 0;          // entries met (regular files and others)
        uint64_t corrupt = 0;          // walks stopped on a bad header
        uint64_t entries_exceeded = 0; // walks stopped at max_entries
        uint64_t entries_cut = 0;      // entries ended TooLarge
        uint64_t names_truncated = 0;  // names (long, pax or prefix + name) cut at max_name_bytes
        uint64_t gaps = 0;             // holes told by gap() before the walk stopped
    };

    // Allocates the name buffers (may throw std::bad_alloc); nothing allocates afterwards.
    explicit TarWalker(const TarLimits& limits);

    // The next bytes of the archive. Ignored once stopped().
    void feed(const uint8_t* data, size_t len, TarEntryHandler& h) noexcept;
    // `missing` (> 0) bytes were lost. An open entry ends Truncated; the walk goes on at the next
    // header when the hole ends before it, else stops.
    void gap(uint64_t missing, TarEntryHandler& h) noexcept;
    // The input is complete: an open entry ends Truncated. The walk stops.
    void finish(TarEntryHandler& h) noexcept;
    // The input is given up: as finish.
    void abort(TarEntryHandler& h) noexcept { finish(h); }

    // The end blocks were reached, a bound or a bad header or a hole stopped the walk, or
    // finish/abort was called: feed ignores input.
    bool stopped() const noexcept { return state_ == State::Stopped; }
    // The walk reached the two zero blocks that end an archive.
    bool complete() const noexcept { return complete_; }
    const Counts& counts() const noexcept { return counts_; }

  private:
    enum class State : uint8_t {
        Header,   // collecting a 512-byte block
        Data,     // a regular file's bytes, handed out
        LongName, // a GNU 'L' entry's bytes: the next entry's name
        Pax,      // a pax 'x' header's records
        Skip,     // bytes of no interest: padding, skipped data
        Stopped,
    };

    size_t step(const uint8_t* data, size_t len, TarEntryHandler& h) noexcept;
    size_t readHeader(const uint8_t* data, size_t len, TarEntryHandler& h) noexcept;
    void headerDone(TarEntryHandler& h) noexcept;
    void beginEntry(char typeflag, uint64_t size, TarEntryHandler& h) noexcept;
    size_t readData(const uint8_t* data, size_t len, TarEntryHandler& h) noexcept;
    size_t readLongName(const uint8_t* data, size_t len) noexcept;
    size_t readPax(const uint8_t* data, size_t len) noexcept;
    void paxByte(uint8_t b) noexcept;
    size_t skip(size_t len) noexcept;
    // After `size` bytes of an entry's body: its padding, then the next header.
    void expectBody(State state, uint64_t size) noexcept;
    void bodyDone() noexcept; // the body read: its padding, then the next header
    void endEntry(TarEntryEnd how, TarEntryHandler& h) noexcept;
    void appendName(std::string& name, std::string_view piece, bool& cut) noexcept;
    void stop() noexcept { state_ = State::Stopped; }

    TarLimits limits_;
    State state_ = State::Header;
    Counts counts_;
    uint64_t archive_entries_ = 0;
    bool complete_ = false;
    uint32_t zero_blocks_ = 0; // consecutive zero blocks

    uint8_t block_[kTarBlockBytes] = {};
    size_t block_have_ = 0;

    uint64_t remaining_ = 0; // bytes left of the current body (Data, LongName, Pax, Skip)
    uint64_t padding_ = 0;   // after it
    bool entry_open_ = false;
    uint64_t out_ = 0; // bytes of the open entry handed out

    // The name the next entry takes from a GNU long name or a pax path (pax wins).
    std::string long_name_, pax_path_, name_; // capacity max_name_bytes, reserved once
    bool long_name_set_ = false, long_name_cut_ = false, long_name_ended_ = false;
    bool pax_path_set_ = false, pax_path_cut_ = false;
    uint64_t pax_size_ = 0; // a pax `size` record's, for the next entry
    bool pax_size_set_ = false;

    // The pax record being read: "<length> <key>=<value>\n".
    enum class PaxPart : uint8_t { Length, Key, Value, Ignore };
    PaxPart pax_part_ = PaxPart::Length;
    uint64_t pax_record_left_ = 0; // bytes of the record after the current one
    uint64_t pax_length_ = 0, pax_read_ = 0;
    char pax_key_[8] = {};
    size_t pax_key_len_ = 0;
    bool pax_in_path_ = false, pax_in_size_ = false;
};

} // namespace egressmon::dpi
