#include "export/disk_spool.h"

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <new>
#include <stdexcept>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <system_error>
#include <unistd.h>

#include <zlib.h>

#include "core/path_trust.h"

namespace egressmon::exporting {

namespace {

using namespace spool_format;

constexpr unsigned char kRecordMagic[4] = {0xFF, 'E', 'S', '1'};
constexpr unsigned char kCursorMagic[4] = {0xFF, 'E', 'C', '1'};
constexpr const char* kLockName = "lock";
constexpr const char* kCursorName = "cursor";
constexpr const char* kCursorTempName = "cursor.tmp";
constexpr size_t kSequenceDigits = 20;
// Sequence numbers stay at most 2^63 - 1: the spool cannot create that many segments (one a
// nanosecond would take 292 years), so a larger one, in a file name or in a damaged cursor whose
// CRC happens to hold, is not its own. The bound keeps next_sequence_ from wrapping to 0, which
// would put new segments before the cursor, where the next open deletes them unreplayed.
constexpr uint64_t kMaxSequence = INT64_MAX;
constexpr std::string_view kSegmentSuffix = ".seg";
// Reading ahead this much turns a replay of small records into few large preads.
constexpr uint64_t kReadAhead = 1 << 20;

struct SegmentName {
    char text[32];
};

SegmentName segmentName(uint64_t sequence) noexcept {
    SegmentName name;
    std::snprintf(name.text, sizeof name.text, "%020" PRIu64 ".seg", sequence);
    return name;
}

bool parseSegmentName(std::string_view name, uint64_t& sequence) {
    if (name.size() != kSequenceDigits + kSegmentSuffix.size() ||
        name.substr(kSequenceDigits) != kSegmentSuffix)
        return false;
    sequence = 0;
    for (size_t i = 0; i < kSequenceDigits; ++i) {
        if (name[i] < '0' || name[i] > '9') return false;
        const uint64_t digit = static_cast<uint64_t>(name[i] - '0');
        if (sequence > (UINT64_MAX - digit) / 10) return false;
        sequence = sequence * 10 + digit;
    }
    return sequence <= kMaxSequence;
}

void store32(unsigned char* out, uint32_t value) noexcept {
    for (int i = 0; i < 4; ++i)
        out[i] = static_cast<unsigned char>(value >> (8 * i));
}

void store64(unsigned char* out, uint64_t value) noexcept {
    for (int i = 0; i < 8; ++i)
        out[i] = static_cast<unsigned char>(value >> (8 * i));
}

uint32_t load32(const char* in) noexcept {
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i)
        value |= static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << (8 * i);
    return value;
}

uint64_t load64(const char* in) noexcept {
    uint64_t value = 0;
    for (int i = 0; i < 8; ++i)
        value |= static_cast<uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
    return value;
}

uint32_t crc(uint32_t running, const void* data, size_t length) noexcept {
    // Every length passed here is bounded by the format (at most 16 MiB + 64 KiB).
    return static_cast<uint32_t>(
        crc32(running, static_cast<const Bytef*>(data), static_cast<uInt>(length)));
}

std::string errnoText(int error) {
    return std::generic_category().message(error);
}

void add(std::atomic<uint64_t>& counter, uint64_t amount = 1) noexcept {
    counter.fetch_add(amount, std::memory_order_relaxed);
}

bool writeAll(int fd, const unsigned char* data, size_t length) noexcept {
    while (length > 0) {
        const ssize_t written = ::write(fd, data, length);
        if (written < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data += written;
        length -= static_cast<size_t>(written);
    }
    return true;
}

} // namespace

// ---------------------------------------------------------------------------------------------

// Buffered pread over one segment. The window only ever holds bytes below the `end` it was
// filled with (the segment's valid_bytes then): bytes there never change afterwards, since
// appends only add beyond it and a failed append is truncated back to it, so the window can be
// kept while the segment grows.
class DiskSpool::SegmentReader {
  public:
    struct View {
        std::string_view key;
        std::string_view payload;
        int64_t origin_us = 0;
        uint64_t total_bytes = 0;
    };

    bool attach(int dir_fd, uint64_t sequence) noexcept {
        if (fd_ && sequence_ == sequence) return true;
        invalidate();
        fd_ = Fd(::openat(dir_fd, segmentName(sequence).text, O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
        sequence_ = sequence;
        return static_cast<bool>(fd_);
    }

    void detach(uint64_t sequence) noexcept {
        if (sequence_ != sequence) return;
        fd_.reset();
        invalidate();
    }

    void invalidate() noexcept { window_bytes_ = 0; }

    // Makes [offset, offset + length) of the attached segment available in `data` (until the
    // next call), reading ahead up to `end`. kDamaged: the file is shorter than recorded.
    Outcome fill(uint64_t offset, size_t length, uint64_t end, const char*& data) noexcept {
        if (offset >= window_offset_ && offset + length <= window_offset_ + window_bytes_) {
            data = buffer_.data() + (offset - window_offset_);
            return Outcome::kOk;
        }
        const size_t wanted =
            static_cast<size_t>(std::max<uint64_t>(length, std::min(kReadAhead, end - offset)));
        try {
            if (buffer_.size() < wanted) buffer_.resize(wanted);
        } catch (const std::bad_alloc&) {
            return Outcome::kIoError;
        }
        window_bytes_ = 0;
        size_t got = 0;
        while (got < wanted) {
            const ssize_t n = ::pread(fd_.get(), buffer_.data() + got, wanted - got,
                                      static_cast<off_t>(offset + got));
            if (n < 0) {
                if (errno == EINTR) continue;
                return Outcome::kIoError;
            }
            if (n == 0) break;
            got += static_cast<size_t>(n);
        }
        window_offset_ = offset;
        window_bytes_ = got;
        if (got < length) return Outcome::kDamaged;
        data = buffer_.data();
        return Outcome::kOk;
    }

    // Validates the record starting at `offset`. Lengths are checked against the format's
    // bounds and against `end` before the record's body is read.
    Outcome parse(uint64_t offset, uint64_t end, View& view) noexcept {
        if (offset > end || end - offset < kRecordHeaderBytes) return Outcome::kDamaged;
        const char* header = nullptr;
        Outcome outcome = fill(offset, kRecordHeaderBytes, end, header);
        if (outcome != Outcome::kOk) return outcome;
        if (std::memcmp(header, kRecordMagic, sizeof kRecordMagic) != 0) return Outcome::kDamaged;
        const uint32_t key_bytes = load32(header + kKeyLengthOffset);
        const uint32_t payload_bytes = load32(header + kPayloadLengthOffset);
        if (key_bytes > kMaxKeyBytes || payload_bytes > kMaxPayloadBytes) return Outcome::kDamaged;
        const uint64_t total = kRecordHeaderBytes + uint64_t{key_bytes} + payload_bytes;
        if (total > end - offset) return Outcome::kDamaged;
        const char* record = nullptr;
        outcome = fill(offset, static_cast<size_t>(total), end, record);
        if (outcome != Outcome::kOk) return outcome;
        uint32_t checksum =
            crc(0, record + kKeyLengthOffset, kRecordHeaderBytes - kKeyLengthOffset);
        checksum = crc(checksum, record + kRecordHeaderBytes, key_bytes + size_t{payload_bytes});
        if (checksum != load32(record + kCrcOffset)) return Outcome::kDamaged;
        view.key = std::string_view(record + kRecordHeaderBytes, key_bytes);
        view.payload = std::string_view(record + kRecordHeaderBytes + key_bytes, payload_bytes);
        view.origin_us = static_cast<int64_t>(load64(record + kOriginOffset));
        view.total_bytes = total;
        return Outcome::kOk;
    }

  private:
    Fd fd_;
    uint64_t sequence_ = 0;
    std::vector<char> buffer_;
    uint64_t window_offset_ = 0;
    size_t window_bytes_ = 0;
};

// ---------------------------------------------------------------------------------------------

std::unique_ptr<DiskSpool> DiskSpool::open(const SpoolConfig& config) {
    if (config.dir.empty()) throw std::runtime_error("disk spool: no directory configured");
    const std::string quoted = "'" + config.dir + "'";
    if (config.max_bytes == 0 || config.segment_bytes == 0)
        throw std::runtime_error("disk spool " + quoted +
                                 ": max_bytes and segment_bytes must be positive");
    std::error_code error;
    std::filesystem::create_directories(config.dir, error);
    if (error)
        throw std::runtime_error("cannot create spool directory " + quoted + ": " +
                                 error.message());
    // No link is followed inside the spool, nor as its last path component: the directory is
    // handed to the unprivileged run-as user (app/privilege_drop.h), and root must never be
    // steered by links that user planted into truncating, creating or chowning other files.
    Fd dir_fd(::open(config.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
    struct stat link_status {};
    if (!dir_fd && (errno == ELOOP || errno == ENOTDIR) &&
        ::lstat(config.dir.c_str(), &link_status) == 0 && S_ISLNK(link_status.st_mode))
        throw std::runtime_error("spool directory " + quoted +
                                 " is a symbolic link; give the directory itself");
    if (!dir_fd)
        throw std::runtime_error("cannot open spool directory " + quoted + ": " + errnoText(errno));
    // Whoever can write into the spool can add alerts of their own or remove real ones.
    if (const std::string why = core::whyDirectoryIsUntrusted(dir_fd.get()); !why.empty())
        throw std::runtime_error("refusing spool directory " + quoted + ": " + why);
    Fd lock_fd(::openat(dir_fd.get(), kLockName, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!lock_fd)
        throw std::runtime_error("cannot create the lock file in spool directory " + quoted + ": " +
                                 errnoText(errno));
    // flock, not fcntl locks: it also conflicts between two opens in one process.
    if (::flock(lock_fd.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            throw std::runtime_error("spool directory " + quoted +
                                     " is in use by another spool (its lock file is held)");
        throw std::runtime_error("cannot lock spool directory " + quoted + ": " + errnoText(errno));
    }
    // An existing lock file opens even in a directory that has since become read-only.
    if (::faccessat(dir_fd.get(), ".", W_OK | X_OK, AT_EACCESS) != 0)
        throw std::runtime_error("spool directory " + quoted +
                                 " is not writable: " + errnoText(errno));
    std::unique_ptr<DiskSpool> spool(new DiskSpool(config, std::move(dir_fd), std::move(lock_fd)));
    spool->recover();
    return spool;
}

DiskSpool::DiskSpool(const SpoolConfig& config, Fd dir_fd, Fd lock_fd)
    : config_(config),
      roll_bytes_(std::min(config.segment_bytes, std::max<uint64_t>(config.max_bytes / 4, 1))),
      dir_fd_(std::move(dir_fd)), lock_fd_(std::move(lock_fd)),
      last_sync_(std::chrono::steady_clock::now()), reader_(std::make_unique<SegmentReader>()) {}

DiskSpool::~DiskSpool() {
    if (config_.fsync != SpoolFsync::kNever) sync();
}

void DiskSpool::recover() {
    const std::string quoted = "'" + config_.dir + "'";
    std::vector<uint64_t> sequences;
    std::error_code error;
    for (std::filesystem::directory_iterator entry(config_.dir, error), end; !error && entry != end;
         entry.increment(error)) {
        uint64_t sequence = 0;
        if (parseSegmentName(entry->path().filename().string(), sequence))
            sequences.push_back(sequence);
    }
    if (error)
        throw std::runtime_error("cannot list spool directory " + quoted + ": " + error.message());
    std::sort(sequences.begin(), sequences.end());
    for (const uint64_t sequence : sequences) {
        struct stat status {};
        if (::fstatat(dir_fd_.get(), segmentName(sequence).text, &status, AT_SYMLINK_NOFOLLOW) != 0)
            throw std::runtime_error("cannot stat segment " +
                                     std::string(segmentName(sequence).text) +
                                     " in spool directory " + quoted + ": " + errnoText(errno));
        const auto size = static_cast<uint64_t>(status.st_size);
        segments_.push_back(Segment{sequence, size, size});
    }

    // No usable cursor: replay from the oldest segment (position 0/0 precedes every segment).
    Position cursor;
    if (!readCursor(cursor)) cursor = Position{};
    next_sequence_ =
        std::max(segments_.empty() ? 0 : segments_.back().sequence, cursor.segment) + 1;
    const size_t at = segmentIndexAtOrAfter(cursor.segment);
    // Records past the end of a segment can be gone after a crash when they were never synced.
    if (at < segments_.size() && segments_[at].sequence == cursor.segment)
        cursor.offset = std::min(cursor.offset, segments_[at].valid_bytes);
    commit_ = cursor;
    read_ = cursor;

    uint64_t intact_records = 0;
    if (!scanFrom(commit_, /*at_open=*/true, intact_records))
        throw std::runtime_error("cannot read the segments in spool directory " + quoted +
                                 " (one is unreadable, or a symbolic link, which is never "
                                 "followed)");
    pending_.store(intact_records, std::memory_order_relaxed);
    uint64_t on_disk = 0;
    for (const Segment& segment : segments_)
        on_disk += segment.file_bytes;
    bytes_.store(on_disk, std::memory_order_relaxed);
    // Left over by a crash between writing the cursor and deleting what it made obsolete.
    deleteConsumedSegments();
}

bool DiskSpool::readCursor(Position& cursor) {
    Fd fd(::openat(dir_fd_.get(), kCursorName, O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        if (errno == ENOENT) return false;
        throw std::runtime_error("cannot open the cursor file in spool directory '" + config_.dir +
                                 "': " + errnoText(errno));
    }
    // One byte more than a cursor holds, to tell a longer (damaged) file from a good one.
    char bytes[kCursorBytes + 1];
    size_t got = 0;
    while (got < sizeof bytes) {
        const ssize_t n = ::read(fd.get(), bytes + got, sizeof bytes - got);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error("cannot read the cursor file in spool directory '" +
                                     config_.dir + "': " + errnoText(errno));
        }
        if (n == 0) break;
        got += static_cast<size_t>(n);
    }
    const size_t crc_at = kCursorBytes - 4;
    if (got == kCursorBytes && std::memcmp(bytes, kCursorMagic, sizeof kCursorMagic) == 0 &&
        crc(0, bytes, crc_at) == load32(bytes + crc_at) && load64(bytes + 4) <= kMaxSequence) {
        cursor.segment = load64(bytes + 4);
        cursor.offset = load64(bytes + 12);
        return true;
    }
    struct stat status {};
    const uint64_t damaged_bytes =
        ::fstat(fd.get(), &status) == 0 ? static_cast<uint64_t>(status.st_size) : got;
    add(corrupt_records_);
    add(corrupt_bytes_, damaged_bytes);
    return false;
}

size_t DiskSpool::segmentIndexAtOrAfter(uint64_t sequence) const noexcept {
    const auto found =
        std::lower_bound(segments_.begin(), segments_.end(), sequence,
                         [](const Segment& segment, uint64_t s) { return segment.sequence < s; });
    return static_cast<size_t>(found - segments_.begin());
}

void DiskSpool::noteDamage(Position at, uint64_t length) noexcept {
    add(corrupt_records_);
    add(corrupt_bytes_, length);
    try {
        known_damage_.emplace(at, length);
    } catch (const std::bad_alloc&) {
        // Only costs a rescan (and a second count) when the stretch is read again.
    }
}

DiskSpool::Outcome DiskSpool::findNextRecord(uint64_t from, uint64_t end, uint64_t& next) noexcept {
    uint64_t position = from;
    while (position <= end && end - position >= kRecordHeaderBytes) {
        const size_t span = static_cast<size_t>(std::min(kReadAhead, end - position));
        const char* window = nullptr;
        const Outcome filled = reader_->fill(position, span, end, window);
        if (filled == Outcome::kIoError) return filled;
        if (filled == Outcome::kDamaged) break; // the file ends early: nothing intact follows
        const char* candidate = nullptr;
        for (const char* p = window; p + sizeof kRecordMagic <= window + span; ++p) {
            p = static_cast<const char*>(std::memchr(p, kRecordMagic[0], window + span - p));
            if (p == nullptr) break;
            if (p + sizeof kRecordMagic <= window + span &&
                std::memcmp(p, kRecordMagic, sizeof kRecordMagic) == 0) {
                candidate = p;
                break;
            }
        }
        if (candidate == nullptr) {
            // The last bytes may hold the start of a magic split across windows.
            position += span - (sizeof kRecordMagic - 1);
            continue;
        }
        const uint64_t candidate_offset = position + static_cast<uint64_t>(candidate - window);
        SegmentReader::View view;
        const Outcome parsed = reader_->parse(candidate_offset, end, view);
        if (parsed != Outcome::kDamaged) {
            next = candidate_offset;
            return parsed;
        }
        position = candidate_offset + 1;
    }
    next = end;
    return Outcome::kOk;
}

bool DiskSpool::scanFrom(Position from, bool at_open, uint64_t& intact_records) noexcept {
    for (size_t i = segmentIndexAtOrAfter(from.segment); i < segments_.size(); ++i) {
        Segment& segment = segments_[i];
        uint64_t offset = segment.sequence == from.segment ? from.offset : 0;
        if (offset >= segment.valid_bytes) continue;
        if (!reader_->attach(dir_fd_.get(), segment.sequence)) {
            add(io_errors_);
            return false;
        }
        while (offset < segment.valid_bytes) {
            const auto known = known_damage_.find(Position{segment.sequence, offset});
            if (known != known_damage_.end()) {
                offset += known->second;
                continue;
            }
            SegmentReader::View view;
            Outcome outcome = reader_->parse(offset, segment.valid_bytes, view);
            if (outcome == Outcome::kOk) {
                ++intact_records;
                offset += view.total_bytes;
                continue;
            }
            uint64_t next = segment.valid_bytes;
            if (outcome == Outcome::kDamaged)
                outcome = findNextRecord(offset + 1, segment.valid_bytes, next);
            if (outcome == Outcome::kIoError) {
                add(io_errors_);
                return false;
            }
            const bool torn_tail =
                at_open && i + 1 == segments_.size() && next == segment.valid_bytes;
            if (torn_tail) {
                // A crash mid-append: cut it off so appends continue from intact records.
                Fd fd(::openat(dir_fd_.get(), segmentName(segment.sequence).text,
                               O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
                if (fd && ::ftruncate(fd.get(), static_cast<off_t>(offset)) == 0) {
                    if (config_.fsync != SpoolFsync::kNever && ::fdatasync(fd.get()) != 0)
                        add(io_errors_);
                    add(corrupt_records_);
                    add(corrupt_bytes_, segment.valid_bytes - offset);
                    segment.valid_bytes = offset;
                    segment.file_bytes = offset;
                    reader_->invalidate(); // it may hold the bytes just cut off
                    break;
                }
                add(io_errors_);
                active_broken_ = true; // cannot cut it: skip it and append elsewhere
            }
            noteDamage(Position{segment.sequence, offset}, next - offset);
            offset = next;
        }
    }
    return true;
}

bool DiskSpool::recountAfterUnexpectedDamage() noexcept {
    // Damage that appeared after open() (the disk, or someone else, changed a segment): the
    // records it swallowed were counted in pending, so count again from here.
    uint64_t intact_records = 0;
    if (!scanFrom(read_, /*at_open=*/false, intact_records)) return false;
    pending_.store(handed_out_ + intact_records, std::memory_order_relaxed);
    return true;
}

bool DiskSpool::ensureWritableSegment() noexcept {
    const bool roll =
        segments_.empty() || active_broken_ || segments_.back().valid_bytes >= roll_bytes_;
    if (!roll) {
        if (!write_fd_)
            write_fd_ = Fd(::openat(dir_fd_.get(), segmentName(segments_.back().sequence).text,
                                    O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW));
        return static_cast<bool>(write_fd_);
    }
    // The interval policy only ever syncs the segment being written: sync this one before
    // leaving it.
    if (write_fd_ && unsynced_ && config_.fsync != SpoolFsync::kNever) syncActive();
    write_fd_.reset();
    unsynced_ = false;
    // Only after a damaged name or cursor at the very top of the range: refuse rather than wrap.
    if (next_sequence_ > kMaxSequence) return false;
    const uint64_t sequence = next_sequence_++; // burnt even on failure: never retry a name
    Fd fd(::openat(dir_fd_.get(), segmentName(sequence).text,
                   O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd) return false;
    try {
        segments_.push_back(Segment{sequence, 0, 0});
    } catch (const std::bad_alloc&) {
        ::unlinkat(dir_fd_.get(), segmentName(sequence).text, 0);
        return false;
    }
    // Makes the new file's name durable, so the records synced into it are found after a crash.
    if (config_.fsync != SpoolFsync::kNever && ::fsync(dir_fd_.get()) != 0) add(io_errors_);
    write_fd_ = std::move(fd);
    active_broken_ = false;
    return true;
}

bool DiskSpool::append(std::string_view key, std::string_view payload, int64_t origin_us) noexcept {
    if (key.size() > kMaxKeyBytes || payload.size() > kMaxPayloadBytes) {
        add(dropped_too_large_);
        return false;
    }
    const uint64_t record_bytes = kRecordHeaderBytes + key.size() + payload.size();
    if (bytes_.load(std::memory_order_relaxed) + record_bytes > config_.max_bytes) {
        add(dropped_full_);
        return false;
    }
    if (!ensureWritableSegment()) {
        add(io_errors_);
        return false;
    }

    unsigned char header[kRecordHeaderBytes];
    std::memcpy(header, kRecordMagic, sizeof kRecordMagic);
    store32(header + kKeyLengthOffset, static_cast<uint32_t>(key.size()));
    store32(header + kPayloadLengthOffset, static_cast<uint32_t>(payload.size()));
    store64(header + kOriginOffset, static_cast<uint64_t>(origin_us));
    uint32_t checksum = crc(0, header + kKeyLengthOffset, kRecordHeaderBytes - kKeyLengthOffset);
    checksum = crc(checksum, key.data(), key.size());
    checksum = crc(checksum, payload.data(), payload.size());
    store32(header + kCrcOffset, checksum);

    // One writev per record, unbuffered: readNext sees the record as soon as this returns.
    iovec parts[3] = {{header, sizeof header},
                      {const_cast<char*>(key.data()), key.size()},
                      {const_cast<char*>(payload.data()), payload.size()}};
    iovec* part = parts;
    int parts_left = 3;
    bool failed = false;
    while (parts_left > 0) {
        if (part->iov_len == 0) {
            ++part;
            --parts_left;
            continue;
        }
        const ssize_t written = ::writev(write_fd_.get(), part, parts_left);
        if (written < 0) {
            if (errno == EINTR) continue;
            failed = true;
            break;
        }
        auto consumed = static_cast<size_t>(written);
        while (parts_left > 0 && consumed >= part->iov_len) {
            consumed -= part->iov_len;
            ++part;
            --parts_left;
        }
        if (parts_left > 0) {
            part->iov_base = static_cast<char*>(part->iov_base) + consumed;
            part->iov_len -= consumed;
        }
    }

    Segment& active = segments_.back();
    if (failed) {
        add(io_errors_);
        // A partial record must not stay where the next one goes: readers would see it as
        // damage. If it cannot be cut off, leave it behind and append to a new segment.
        if (::ftruncate(write_fd_.get(), static_cast<off_t>(active.valid_bytes)) != 0) {
            active_broken_ = true;
            struct stat status {};
            if (::fstat(write_fd_.get(), &status) == 0 &&
                static_cast<uint64_t>(status.st_size) > active.file_bytes) {
                add(bytes_, static_cast<uint64_t>(status.st_size) - active.file_bytes);
                active.file_bytes = static_cast<uint64_t>(status.st_size);
            }
        }
        return false;
    }
    active.valid_bytes += record_bytes;
    active.file_bytes = active.valid_bytes;
    add(bytes_, record_bytes);
    add(pending_);
    add(appended_);
    unsynced_ = true;
    if (config_.fsync == SpoolFsync::kEveryRecord) syncActive();
    return true;
}

bool DiskSpool::empty() const noexcept {
    return pending_.load(std::memory_order_relaxed) == 0;
}

size_t DiskSpool::readNext(size_t max, std::vector<SpoolRecord>& out) noexcept {
    size_t handed = 0;
    while (handed < max) {
        const size_t i = segmentIndexAtOrAfter(read_.segment);
        if (i == segments_.size()) break;
        const Segment& segment = segments_[i];
        if (segment.sequence != read_.segment) read_ = Position{segment.sequence, 0};
        if (read_.offset >= segment.valid_bytes) {
            if (i + 1 == segments_.size()) break; // caught up with the appends
            read_ = Position{segments_[i + 1].sequence, 0};
            continue;
        }
        const auto known = known_damage_.find(read_);
        if (known != known_damage_.end()) {
            read_.offset += known->second;
            continue;
        }
        if (!reader_->attach(dir_fd_.get(), segment.sequence)) {
            add(io_errors_);
            break;
        }
        SegmentReader::View view;
        const Outcome outcome = reader_->parse(read_.offset, segment.valid_bytes, view);
        if (outcome == Outcome::kDamaged) {
            // Once recounted, the damage is known and skipped above; if it is not (the read
            // went through this time, or no memory to note it), stop rather than spin.
            if (!recountAfterUnexpectedDamage() || known_damage_.count(read_) == 0) break;
            continue;
        }
        if (outcome == Outcome::kIoError) {
            add(io_errors_);
            break;
        }
        try {
            out.push_back(
                SpoolRecord{std::string(view.key), std::string(view.payload), view.origin_us});
        } catch (const std::bad_alloc&) {
            add(io_errors_);
            break;
        }
        read_.offset += view.total_bytes;
        ++handed_out_;
        ++handed;
    }
    return handed;
}

bool DiskSpool::writeCursor(Position commit) noexcept {
    unsigned char bytes[kCursorBytes];
    std::memcpy(bytes, kCursorMagic, sizeof kCursorMagic);
    store64(bytes + 4, commit.segment);
    store64(bytes + 12, commit.offset);
    store32(bytes + 20, crc(0, bytes, 20));
    const bool durable = config_.fsync != SpoolFsync::kNever;
    Fd fd(::openat(dir_fd_.get(), kCursorTempName,
                   O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd || !writeAll(fd.get(), bytes, sizeof bytes)) return false;
    if (durable && ::fdatasync(fd.get()) != 0) return false;
    if (::close(fd.release()) != 0) return false;
    // rename is atomic: a crash leaves either the old cursor or the new one, never half of one.
    if (::renameat(dir_fd_.get(), kCursorTempName, dir_fd_.get(), kCursorName) != 0) return false;
    return !durable || ::fsync(dir_fd_.get()) == 0;
}

void DiskSpool::deleteConsumedSegments() noexcept {
    while (!segments_.empty()) {
        const Segment& oldest = segments_.front();
        const bool consumed =
            oldest.sequence < commit_.segment ||
            (oldest.sequence == commit_.segment && commit_.offset >= oldest.valid_bytes);
        if (!consumed) break;
        if (::unlinkat(dir_fd_.get(), segmentName(oldest.sequence).text, 0) != 0 &&
            errno != ENOENT) {
            add(io_errors_);
            break; // tried again at the next commit
        }
        if (segments_.size() == 1) {
            // The segment being written was wholly delivered: the next append starts a new one.
            write_fd_.reset();
            unsynced_ = false;
            active_broken_ = false;
        }
        reader_->detach(oldest.sequence);
        known_damage_.erase(known_damage_.lower_bound(Position{oldest.sequence, 0}),
                            known_damage_.lower_bound(Position{oldest.sequence + 1, 0}));
        bytes_.fetch_sub(oldest.file_bytes, std::memory_order_relaxed);
        segments_.pop_front();
    }
}

void DiskSpool::commitRead() noexcept {
    if (read_ == commit_) return;
    // Not fatal: the segments deleted below lie wholly before the new commit point, and the old
    // cursor then leads to the oldest remaining segment, so nothing is skipped after a restart,
    // only replayed again.
    if (!writeCursor(read_)) add(io_errors_);
    commit_ = read_;
    add(replayed_, handed_out_);
    pending_.fetch_sub(handed_out_, std::memory_order_relaxed);
    handed_out_ = 0;
    known_damage_.erase(known_damage_.begin(), known_damage_.lower_bound(commit_));
    deleteConsumedSegments();
}

void DiskSpool::rewindRead() noexcept {
    read_ = commit_;
    handed_out_ = 0;
}

void DiskSpool::syncActive() noexcept {
    if (write_fd_ && ::fdatasync(write_fd_.get()) != 0) add(io_errors_);
    unsynced_ = false; // after a failed fdatasync Linux drops the error: retrying proves nothing
    last_sync_ = std::chrono::steady_clock::now();
}

void DiskSpool::tick() noexcept {
    if (config_.fsync != SpoolFsync::kInterval || !unsynced_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_sync_ >= std::chrono::milliseconds(config_.fsync_interval_ms)) syncActive();
}

void DiskSpool::sync() noexcept {
    if (unsynced_) syncActive();
}

SpoolCounters DiskSpool::counters() const noexcept {
    SpoolCounters counters;
    counters.appended = appended_.load(std::memory_order_relaxed);
    counters.replayed = replayed_.load(std::memory_order_relaxed);
    counters.dropped_full = dropped_full_.load(std::memory_order_relaxed);
    counters.dropped_too_large = dropped_too_large_.load(std::memory_order_relaxed);
    counters.io_errors = io_errors_.load(std::memory_order_relaxed);
    counters.corrupt_records = corrupt_records_.load(std::memory_order_relaxed);
    counters.corrupt_bytes = corrupt_bytes_.load(std::memory_order_relaxed);
    counters.bytes = bytes_.load(std::memory_order_relaxed);
    counters.pending = pending_.load(std::memory_order_relaxed);
    return counters;
}

uint64_t DiskSpool::bytes() const noexcept {
    return bytes_.load(std::memory_order_relaxed);
}

} // namespace egressmon::exporting
