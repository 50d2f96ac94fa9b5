#pragma once
// A local, bounded, crash-safe queue of records on disk. Alerts that cannot be handed to Kafka
// (broker down, queue full, timed out, delivery failed) are appended here and replayed in order
// once the broker is back. Delivery is at-least-once: whenever in doubt (damaged cursor, failed
// commit, crash between delivery and commit) records are replayed again rather than skipped.
//
// Threads: everything is called from one thread (the Kafka exporter thread), except counters()
// and bytes(), which any thread may call at any time.
//
// On-disk format. All integers are little-endian. The directory holds:
//
//   lock                       flock()ed for the spool's lifetime: two sensors never share a
//                              spool. Never deleted (unlinking a lock file races with lockers).
//   00000000000000000001.seg   segment files, named by a 20-digit zero-padded sequence number
//   00000000000000000002.seg   that only grows (never reused, even after all segments are gone).
//   ...                        Append-only; a new segment starts once the current one has reached
//                              segment_bytes, so a segment exceeds it by at most one record.
//                              Sequence numbers are at most 2^63 - 1; a larger name is not a
//                              segment (left alone), a cursor naming one is damaged.
//   cursor                     the commit point (below); cursor.tmp while it is being replaced.
//
// A segment is a plain sequence of records, no file header:
//
//   offset  size  field
//        0     4  magic FF 45 53 31 ("\xFF" "ES1"). 0xFF never occurs in UTF-8, so a magic is
//                 never found inside a JSON payload when resynchronising after damage.
//        4     4  CRC-32 (zlib) over bytes 8..23 of this header, then the key, then the payload
//        8     4  key length      (at most kMaxKeyBytes)
//       12     4  payload length  (at most kMaxPayloadBytes)
//       16     8  origin_us (signed)
//       24        key bytes, then payload bytes
//
// The cursor file is 24 bytes: magic FF 45 43 31 ("\xFF" "EC1"), the segment number (8 bytes)
// and the offset in it (8 bytes) of the first record not yet delivered, then a CRC-32 over the
// first 20 bytes. It is replaced atomically (written to cursor.tmp, fsync'd, renamed, directory
// fsync'd). Segments wholly before it are deleted. A missing or damaged cursor means "replay
// from the oldest segment".
//
// Damage. A record whose magic, lengths or CRC do not check out is skipped by scanning forward
// for the next magic at which a record with a valid CRC starts; each contiguous damaged stretch
// counts once in corrupt_records and its length in corrupt_bytes. open() validates everything
// from the commit point; a damaged stretch running to the end of the last segment is a torn
// write (crash mid-append) and is truncated away. Lengths are checked against the bounds and the
// segment's size before anything is read, so a flipped length byte never causes a big allocation.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/unique_fd.h"

namespace egressmon::exporting {

namespace spool_format {
inline constexpr size_t kRecordHeaderBytes = 24;
inline constexpr size_t kCrcOffset = 4;
inline constexpr size_t kKeyLengthOffset = 8;
inline constexpr size_t kPayloadLengthOffset = 12;
inline constexpr size_t kOriginOffset = 16;
inline constexpr uint32_t kMaxKeyBytes = 64 * 1024;
inline constexpr uint32_t kMaxPayloadBytes = 16 * 1024 * 1024;
inline constexpr size_t kCursorBytes = 24;
} // namespace spool_format

enum class SpoolFsync {
    kEveryRecord, // fdatasync after every append: a record appended is a record on disk
    kInterval,    // tick() syncs the segment being written every fsync_interval_ms
    kNever,       // leave it to the kernel; sync() still forces one when asked
};

struct SpoolConfig {
    std::string dir;                      // created if missing (mkdir -p semantics)
    uint64_t max_bytes = 1ULL << 30;      // bound on all segment files together
    uint64_t segment_bytes = 16ULL << 20; // roll to a new segment file past this size; capped at
                                          // max_bytes / 4 (see DiskSpool::open)
    SpoolFsync fsync = SpoolFsync::kInterval;
    uint32_t fsync_interval_ms = 1000;
};

struct SpoolRecord {
    std::string key;       // Kafka message key (may be empty)
    std::string payload;   // the JSON record
    int64_t origin_us = 0; // when the record's event happened (for latency metrics)
};

struct SpoolCounters {
    uint64_t appended = 0;          // records written to the spool
    uint64_t replayed = 0;          // records committed as delivered after replay
    uint64_t dropped_full = 0;      // appends refused because max_bytes was reached
    uint64_t dropped_too_large = 0; // appends refused: key or payload beyond the format's bounds
    uint64_t io_errors = 0;         // write/fsync/read/unlink failures
    uint64_t corrupt_records = 0;   // damaged stretches (records, torn tails, cursor) skipped
    uint64_t corrupt_bytes = 0;     // bytes skipped with them
    uint64_t bytes = 0;             // current size of segment files on disk
    uint64_t pending = 0;           // intact records beyond the commit point (exact)
};

class DiskSpool {
  public:
    // Throws std::runtime_error naming the directory if it cannot be created or opened, is locked
    // by another spool (in this or another process), or its content cannot be read. Recovers
    // existing content: validates every segment from the commit point, counts and skips damaged
    // records, truncates a torn tail of the last segment. segment_bytes is capped at
    // max_bytes / 4 so that delivered records waiting in a partly committed segment never pin
    // more than a quarter of the bound.
    static std::unique_ptr<DiskSpool> open(const SpoolConfig& config);
    ~DiskSpool(); // syncs (unless the policy is kNever) and closes
    DiskSpool(const DiskSpool&) = delete;
    DiskSpool& operator=(const DiskSpool&) = delete;

    // true: the record is in the spool (durable as the fsync policy says; a failed fdatasync is
    // counted in io_errors but the record stays and will be replayed). false (and counted) when
    // max_bytes would be exceeded, a bound of the format is exceeded, or the write fails.
    bool append(std::string_view key, std::string_view payload, int64_t origin_us) noexcept;
    // true when no record beyond the commit point exists (nothing to replay, nothing in flight).
    bool empty() const noexcept;
    // Appends up to `max` records after the read cursor to `out`, in append order (appends made
    // after earlier readNext calls are seen too). Damaged records are skipped and counted.
    // Returns how many were appended to `out`.
    size_t readNext(size_t max, std::vector<SpoolRecord>& out) noexcept;
    // Everything handed out so far was delivered: durably move the commit point to the read
    // cursor and delete segments wholly before it (also the last one once it is wholly
    // delivered, so an empty spool holds no segment). Counts `replayed`. If the cursor file
    // cannot be written, it is counted and the records are replayed after a restart.
    void commitRead() noexcept;
    // Delivery of handed-out records failed: the read cursor goes back to the commit point so
    // they are handed out again later.
    void rewindRead() noexcept;
    // Called periodically from the exporter loop: fsync per the interval policy.
    void tick() noexcept;
    // Forces an fsync of the segment being written, whatever the policy (shutdown).
    void sync() noexcept;
    SpoolCounters counters() const noexcept; // thread-safe
    uint64_t bytes() const noexcept;         // thread-safe; counters().bytes

  private:
    using Fd = core::UniqueFd;

    struct Position {
        uint64_t segment = 0; // sequence number; may name a deleted segment (then: the next one)
        uint64_t offset = 0;
        auto operator<=>(const Position&) const = default;
    };

    struct Segment {
        uint64_t sequence = 0;
        uint64_t valid_bytes = 0; // records end here; never includes a failed partial write
        uint64_t file_bytes = 0;  // size on disk (larger only after a failed, untruncated write)
    };

    class SegmentReader; // buffered pread over one segment; defined in disk_spool.cpp

    enum class Outcome { kOk, kDamaged, kIoError };

    DiskSpool(const SpoolConfig& config, Fd dir_fd, Fd lock_fd);
    void recover();                    // open()'s second half; throws
    bool readCursor(Position& cursor); // false: none or damaged (counted); throws on I/O errors
    bool scanFrom(Position from, bool at_open, uint64_t& intact_records) noexcept;
    Outcome findNextRecord(uint64_t from, uint64_t end, uint64_t& next) noexcept;
    bool recountAfterUnexpectedDamage() noexcept;
    size_t segmentIndexAtOrAfter(uint64_t sequence) const noexcept;
    bool ensureWritableSegment() noexcept;
    bool writeCursor(Position commit) noexcept;
    void deleteConsumedSegments() noexcept;
    void syncActive() noexcept;
    void noteDamage(Position at, uint64_t length) noexcept;

    const SpoolConfig config_;
    const uint64_t roll_bytes_; // segment_bytes after the max_bytes / 4 cap
    Fd dir_fd_;
    Fd lock_fd_;                   // holding it open holds the flock
    std::deque<Segment> segments_; // ascending sequence; back() is the one appended to
    uint64_t next_sequence_ = 1;
    Fd write_fd_;                // O_APPEND on segments_.back(), opened on first append
    bool active_broken_ = false; // back() has bytes past valid_bytes: roll before appending
    bool unsynced_ = false;      // write_fd_ has data not yet fdatasync'd
    std::chrono::steady_clock::time_point last_sync_;
    std::unique_ptr<SegmentReader> reader_;
    Position commit_;
    Position read_;
    uint64_t handed_out_ = 0; // records handed out by readNext since the commit point
    // Damaged stretches already counted (by open() or a later read), so that replaying them
    // after a rewind neither counts them again nor rescans.
    std::map<Position, uint64_t> known_damage_;

    std::atomic<uint64_t> appended_{0};
    std::atomic<uint64_t> replayed_{0};
    std::atomic<uint64_t> dropped_full_{0};
    std::atomic<uint64_t> dropped_too_large_{0};
    std::atomic<uint64_t> io_errors_{0};
    std::atomic<uint64_t> corrupt_records_{0};
    std::atomic<uint64_t> corrupt_bytes_{0};
    std::atomic<uint64_t> bytes_{0};
    std::atomic<uint64_t> pending_{0};
};

} // namespace egressmon::exporting
