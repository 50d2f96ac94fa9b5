#include "dpi/transform/zip/zip_walker.h"

#include <algorithm>
#include <cstring>
#include <new>

#include <zlib.h>

namespace egressmon::dpi {

namespace {

// APPNOTE.TXT 4.3: record signatures, little-endian.
constexpr uint32_t kLocalHeader = 0x04034b50;      // PK\3\4
constexpr uint32_t kCentralHeader = 0x02014b50;    // PK\1\2
constexpr uint32_t kEndRecord = 0x06054b50;        // PK\5\6
constexpr uint32_t kZip64EndRecord = 0x06064b50;   // PK\6\6
constexpr uint32_t kArchiveExtraData = 0x08064b50; // PK\6\8 (before an encrypted directory)
constexpr uint8_t kDescriptorSignature[4] = {'P', 'K', 7, 8};
constexpr uint32_t kZip64Marker = 0xffffffff;
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint16_t kFlagEncrypted = 1 << 0;
constexpr uint16_t kFlagDescriptor = 1 << 3;
constexpr uint16_t kMethodStored = 0, kMethodDeflate = 8, kMethodAes = 99;
constexpr size_t kLocalHeaderBytes = 30;

uint16_t le16(const uint8_t* p) noexcept {
    return static_cast<uint16_t>(p[0] | p[1] << 8);
}
uint32_t le32(const uint8_t* p) noexcept {
    return le16(p) | static_cast<uint32_t>(le16(p + 2)) << 16;
}
uint64_t le64(const uint8_t* p) noexcept {
    return le32(p) | static_cast<uint64_t>(le32(p + 4)) << 32;
}

uint32_t crc32Update(uint32_t crc, const uint8_t* data, size_t len) noexcept {
    while (len > 0) { // zlib takes uInt lengths
        const uInt piece = static_cast<uInt>(std::min<size_t>(len, 1u << 30));
        crc = static_cast<uint32_t>(crc32(crc, data, piece));
        data += piece;
        len -= piece;
    }
    return crc;
}

} // namespace

// Inflated bytes go to the handler through the walker's bound and crc.
class ZipWalker::Output final : public InflateOutput {
  public:
    Output(ZipWalker& walker, ZipEntryHandler& h) noexcept : walker_(walker), h_(h) {}
    void inflated(const uint8_t* data, size_t len) override { walker_.emit(data, len, h_); }

  private:
    ZipWalker& walker_;
    ZipEntryHandler& h_;
};

ZipWalker::ZipWalker(const ZipLimits& limits) : limits_(limits) {
    // A name is at most 65535 bytes (a 16-bit length): reserving once means appending to it
    // never allocates on the data path.
    limits_.max_name_bytes = std::min<uint32_t>(limits_.max_name_bytes, 0xffff);
    name_.reserve(limits_.max_name_bytes);
}

void ZipWalker::feed(const uint8_t* data, size_t len, ZipEntryHandler& h) noexcept {
    // Every step uses at least one byte or changes the state, so this ends.
    while (len > 0 && state_ != State::Stopped) {
        const size_t used = step(data, len, h);
        data += used;
        len -= used;
    }
}

size_t ZipWalker::step(const uint8_t* data, size_t len, ZipEntryHandler& h) noexcept {
    switch (state_) {
    case State::Signature: return readSignature(data, len);
    case State::Header: return readHeader(data, len, h);
    case State::Name: return readName(data, len, h);
    case State::Extra: return readExtra(data, len, h);
    case State::Stored: return readStored(data, len, h);
    case State::StoredScan: return scanStored(data, len, h);
    case State::Deflate: return readDeflate(data, len, h);
    case State::Descriptor: return readDescriptor(data, len, h);
    case State::Skip: return skip(len);
    case State::Stopped: break;
    }
    return len;
}

// --- the local header ------------------------------------------------------------------------

size_t ZipWalker::readSignature(const uint8_t* data, size_t len) noexcept {
    const size_t n = std::min(len, 4 - header_have_);
    std::memcpy(header_ + header_have_, data, n);
    header_have_ += n;
    if (header_have_ < 4) return n;
    switch (le32(header_)) {
    case kLocalHeader:
        if (archive_entries_ >= limits_.max_entries) {
            ++counts_.entries_exceeded;
            stop();
        } else {
            state_ = State::Header;
        }
        break;
    case kCentralHeader:
    case kEndRecord:
    case kZip64EndRecord:
    case kArchiveExtraData: stop(); break; // the entries are over: the archive is complete
    default: stopCorrupt(); break;
    }
    return n;
}

size_t ZipWalker::readHeader(const uint8_t* data, size_t len, ZipEntryHandler& h) noexcept {
    const size_t n = std::min(len, kLocalHeaderBytes - header_have_);
    std::memcpy(header_ + header_have_, data, n);
    header_have_ += n;
    if (header_have_ < kLocalHeaderBytes) return n;
    flags_ = le16(header_ + 6);
    method_ = le16(header_ + 8);
    crc_ = le32(header_ + 14);
    compressed_ = le32(header_ + 18);
    uncompressed_ = le32(header_ + 22);
    name_left_ = le16(header_ + 26);
    extra_left_ = le16(header_ + 28);
    name_.clear();
    name_cut_ = false;
    name_last_ = 0;
    block_head_have_ = 0;
    zip64_ = false;
    if (name_left_ > 0)
        state_ = State::Name;
    else if (extra_left_ > 0)
        state_ = State::Extra;
    else
        headerDone(h);
    return n;
}

size_t ZipWalker::readName(const uint8_t* data, size_t len, ZipEntryHandler& h) noexcept {
    const size_t n = std::min<size_t>(len, name_left_);
    const size_t keep = std::min<size_t>(n, limits_.max_name_bytes - name_.size());
    name_.append(reinterpret_cast<const char*>(data), keep); // within the reserved capacity
    name_cut_ = name_cut_ || keep < n;
    name_last_ = data[n - 1];
    name_left_ -= static_cast<uint32_t>(n);
    if (name_left_ == 0) {
        if (extra_left_ > 0)
            state_ = State::Extra;
        else
            headerDone(h);
    }
    return n;
}

size_t ZipWalker::readExtra(const uint8_t* data, size_t len, ZipEntryHandler& h) noexcept {
    // At most 64 KiB, once per entry: a byte at a time keeps the state to one block's head.
    const size_t n = std::min<size_t>(len, extra_left_);
    for (size_t i = 0; i < n; ++i)
        extraByte(data[i]);
    extra_left_ -= static_cast<uint32_t>(n);
    if (extra_left_ == 0) {
        if (block_head_have_ == 4) extraBlockEnd(); // a block longer than the field: cut
        headerDone(h);
    }
    return n;
}

void ZipWalker::extraByte(uint8_t b) noexcept {
    if (block_head_have_ < 4) {
        block_head_[block_head_have_++] = b;
        if (block_head_have_ == 4) {
            block_left_ = le16(block_head_ + 2);
            zip64_block_have_ = 0;
            if (block_left_ == 0) extraBlockEnd();
        }
        return;
    }
    if (le16(block_head_) == kZip64ExtraId && zip64_block_have_ < sizeof zip64_block_)
        zip64_block_[zip64_block_have_++] = b;
    if (--block_left_ == 0) extraBlockEnd();
}

void ZipWalker::extraBlockEnd() noexcept {
    block_head_have_ = 0;
    if (le16(block_head_) != kZip64ExtraId) return;
    zip64_ = true;
    // APPNOTE 4.5.3: in a local header the block holds both sizes, uncompressed first; some
    // writers put only those the header marks 0xffffffff, in the same order.
    const bool both = zip64_block_have_ >= 16;
    size_t at = 0;
    if (uncompressed_ == kZip64Marker || both) {
        if (uncompressed_ == kZip64Marker && zip64_block_have_ >= 8)
            uncompressed_ = le64(zip64_block_);
        at = 8;
    }
    if (compressed_ == kZip64Marker && zip64_block_have_ >= at + 8)
        compressed_ = le64(zip64_block_ + at);
}

void ZipWalker::headerDone(ZipEntryHandler& h) noexcept {
    ZipEntryInfo info;
    info.name = name_;
    info.method = method_;
    info.flags = flags_;
    info.encrypted = (flags_ & kFlagEncrypted) != 0 || method_ == kMethodAes;
    info.data_descriptor = (flags_ & kFlagDescriptor) != 0;
    info.compressed_size = compressed_;
    info.uncompressed_size = uncompressed_;
    info.directory = name_last_ == '/';
    ++archive_entries_;
    ++counts_.entries;
    if (name_cut_) ++counts_.names_truncated;
    entry_open_ = true;
    descriptor_follows_ = false;
    consumed_ = 0;
    out_ = 0;
    crc_run_ = 0;
    held_len_ = 0;
    h.entryBegin(info);

    const bool decodable = method_ == kMethodStored || method_ == kMethodDeflate;
    if (info.encrypted || !decodable) {
        endEntry(info.encrypted ? ZipEntryEnd::Encrypted : ZipEntryEnd::UnsupportedMethod, h);
        if (!info.data_descriptor) {
            afterEntry(compressed_);
        } else if (compressed_ > 0) {
            // Info-ZIP sets bit 3 on encrypted entries it could size (zip -e to a file) and
            // still writes the sizes: skip by them, then the descriptor.
            descriptor_follows_ = true;
            afterEntry(compressed_);
        } else {
            stopCorrupt(); // only decoding could find the end of the data, and it cannot
        }
        return;
    }
    remaining_ = compressed_;
    if (method_ == kMethodStored) {
        if (info.data_descriptor) {
            state_ = State::StoredScan;
        } else if (remaining_ == 0) {
            endEntry(verdict(crc_, compressed_, uncompressed_), h);
            afterEntry(0);
        } else {
            state_ = State::Stored;
        }
        return;
    }
    inflater_.emplace(Inflater::Format::Raw, limits_.max_entry_bytes,
                      limits_.max_compression_ratio);
    state_ = State::Deflate;
    if (!info.data_descriptor && remaining_ == 0) { // not even an empty deflate stream
        endEntry(ZipEntryEnd::Corrupt, h);
        afterEntry(0);
    }
}

// --- entry data ------------------------------------------------------------------------------

bool ZipWalker::emit(const uint8_t* data, size_t len, ZipEntryHandler& h) noexcept {
    const uint64_t room = out_ < limits_.max_entry_bytes ? limits_.max_entry_bytes - out_ : 0;
    const size_t n = static_cast<size_t>(std::min<uint64_t>(len, room));
    if (n > 0) {
        crc_run_ = crc32Update(crc_run_, data, n);
        out_ += n;
        h.entryData(data, n);
    }
    return n == len;
}

size_t ZipWalker::readStored(const uint8_t* data, size_t len, ZipEntryHandler& h) noexcept {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(len, remaining_));
    remaining_ -= n;
    consumed_ += n;
    if (!emit(data, n, h)) {
        endEntry(ZipEntryEnd::Bomb, h);
        afterEntry(remaining_);
    } else if (remaining_ == 0) {
        endEntry(verdict(crc_, compressed_, uncompressed_), h);
        afterEntry(0);
    }
    return n;
}

size_t ZipWalker::scanStored(const uint8_t* data, size_t len, ZipEntryHandler& h) noexcept {
    // held_ always starts with a possible descriptor: a prefix of PK\7\8 and what follows it,
    // until there are enough bytes to check the sizes. Everything before it is entry data.
    const size_t width = zip64_ ? 24 : 16;
    size_t used = 0;
    while (used < len) {
        if (held_len_ == 0) {
            const void* p = std::memchr(data + used, 'P', len - used);
            const size_t end = p ? static_cast<size_t>(static_cast<const uint8_t*>(p) - data) : len;
            if (end > used) { // cannot begin a descriptor: data at once
                const size_t n = end - used;
                consumed_ += n;
                used = end;
                if (!emit(data + end - n, n, h)) {
                    // Only a descriptor could end the data, and scanning for it has no end.
                    endEntry(ZipEntryEnd::Bomb, h);
                    stop();
                    return used;
                }
                continue;
            }
        }
        held_[held_len_++] = data[used++];
        while (held_len_ > 0) {
            if (std::memcmp(held_, kDescriptorSignature, std::min<size_t>(held_len_, 4)) == 0) {
                if (held_len_ < width) break; // maybe a descriptor: wait for its sizes
                if (descriptorAtHold()) {
                    // The sizes matched; the crc decides Complete or Corrupt.
                    const uint64_t size = zip64_ ? le64(held_ + 8) : le32(held_ + 8);
                    endEntry(verdict(le32(held_ + 4), size, size), h);
                    afterEntry(0);
                    return used;
                }
            }
            size_t drop = 1; // not a descriptor here: data up to the next 'P'
            while (drop < held_len_ && held_[drop] != 'P')
                ++drop;
            if (!releaseHeld(drop, h)) return used;
        }
    }
    return used;
}

bool ZipWalker::descriptorAtHold() const noexcept {
    // The signature and both sizes equal to the bytes seen (stored: they are the same).
    if (zip64_) return le64(held_ + 8) == consumed_ && le64(held_ + 16) == consumed_;
    const uint64_t seen = consumed_ & 0xffffffff;
    return le32(held_ + 8) == seen && le32(held_ + 12) == seen;
}

bool ZipWalker::releaseHeld(size_t n, ZipEntryHandler& h) noexcept {
    consumed_ += n;
    const bool whole = emit(held_, n, h);
    std::memmove(held_, held_ + n, held_len_ - n);
    held_len_ -= n;
    if (!whole) {
        endEntry(ZipEntryEnd::Bomb, h);
        stop();
    }
    return whole;
}

size_t ZipWalker::readDeflate(const uint8_t* data, size_t len, ZipEntryHandler& h) noexcept {
    const bool sized = (flags_ & kFlagDescriptor) == 0;
    const size_t n = sized ? static_cast<size_t>(std::min<uint64_t>(len, remaining_)) : len;
    Output out(*this, h);
    Inflater::Status status = Inflater::Status::Error;
    try {
        status = inflater_->feed(data, n, out);
    } catch (const std::bad_alloc&) {
        // No z_stream: the entry cannot be decoded (reported as Corrupt, the nearest end).
    }
    size_t used = n;
    if (status == Inflater::Status::Finished) used = n - inflater_->unconsumedTail();
    consumed_ += used;
    if (sized) remaining_ -= used;
    switch (status) {
    case Inflater::Status::Active:
        if (sized && remaining_ == 0) { // the stream goes on past the entry's size
            endEntry(ZipEntryEnd::Corrupt, h);
            afterEntry(0);
        }
        break;
    case Inflater::Status::Finished:
        if (!sized) {
            descriptor_follows_ = true;
            state_ = State::Descriptor;
            held_len_ = 0;
        } else { // a stream that ended early leaves compressed bytes: verdict says Corrupt
            endEntry(verdict(crc_, compressed_, uncompressed_), h);
            afterEntry(remaining_);
        }
        break;
    case Inflater::Status::Bomb:
    case Inflater::Status::Error:
        endEntry(status == Inflater::Status::Bomb ? ZipEntryEnd::Bomb : ZipEntryEnd::Corrupt, h);
        if (sized)
            afterEntry(remaining_);
        else
            stop(); // only the stream's end would have told where the entry ends
        break;
    }
    return used;
}

size_t ZipWalker::readDescriptor(const uint8_t* data, size_t len, ZipEntryHandler& h) noexcept {
    size_t used = 0;
    const auto fill = [&](size_t upto) {
        const size_t n = std::min(len - used, upto - held_len_);
        std::memcpy(held_ + held_len_, data + used, n);
        held_len_ += n;
        used += n;
        return held_len_ == upto;
    };
    if (held_len_ < 4 && !fill(4)) return used;
    // The signature is optional (APPNOTE 4.3.9.3); a crc32 equal to it is taken as it.
    const size_t at = std::memcmp(held_, kDescriptorSignature, 4) == 0 ? 4 : 0;
    if (!fill(at + 4 + (zip64_ ? 16 : 8))) return used;
    const uint32_t crc = le32(held_ + at);
    const uint64_t compressed = zip64_ ? le64(held_ + at + 4) : le32(held_ + at + 4);
    const uint64_t uncompressed = zip64_ ? le64(held_ + at + 12) : le32(held_ + at + 8);
    descriptor_follows_ = false;
    if (entry_open_) endEntry(verdict(crc, compressed, uncompressed), h); // else: skipped
    afterEntry(0);
    return used;
}

size_t ZipWalker::skip(size_t len) noexcept {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(len, remaining_));
    remaining_ -= n;
    if (remaining_ == 0) afterEntry(0);
    return n;
}

// --- entry and walk ends ---------------------------------------------------------------------

ZipEntryEnd ZipWalker::verdict(uint32_t crc, uint64_t compressed,
                               uint64_t uncompressed) const noexcept {
    // Without a ZIP64 block the sizes are 32-bit fields: compare what they can hold.
    const uint64_t mask = zip64_ ? ~uint64_t{0} : uint64_t{0xffffffff};
    const bool agree =
        crc == crc_run_ && (consumed_ & mask) == compressed && (out_ & mask) == uncompressed;
    return agree ? ZipEntryEnd::Complete : ZipEntryEnd::Corrupt;
}

void ZipWalker::endEntry(ZipEntryEnd how, ZipEntryHandler& h) noexcept {
    switch (how) {
    case ZipEntryEnd::Encrypted: ++counts_.encrypted; break;
    case ZipEntryEnd::UnsupportedMethod: ++counts_.unsupported_method; break;
    case ZipEntryEnd::Bomb:
        ++counts_.bombs;
        if (inflater_ && inflater_->stoppedByRatio()) ++counts_.ratio_exceeded;
        break;
    case ZipEntryEnd::Corrupt: ++counts_.corrupt; break;
    case ZipEntryEnd::Complete:
    case ZipEntryEnd::Truncated: break;
    }
    entry_open_ = false;
    inflater_.reset(); // its ~44 KiB only while an entry is open
    held_len_ = 0;
    h.entryEnd(how);
}

void ZipWalker::afterEntry(uint64_t skip_bytes) noexcept {
    remaining_ = skip_bytes;
    header_have_ = 0;
    held_len_ = 0;
    state_ = skip_bytes > 0        ? State::Skip
             : descriptor_follows_ ? State::Descriptor
                                   : State::Signature;
}

void ZipWalker::stopCorrupt() noexcept {
    ++counts_.corrupt;
    stop();
}

void ZipWalker::gap(uint64_t missing, ZipEntryHandler& h) noexcept {
    if (state_ == State::Stopped || missing == 0) return;
    ++counts_.gaps;
    const bool sized = (flags_ & kFlagDescriptor) == 0;
    switch (state_) {
    case State::Stored:
    case State::Deflate:
        endEntry(ZipEntryEnd::Truncated, h);
        if (sized && missing <= remaining_) {
            afterEntry(remaining_ - missing); // the hole ends inside this entry's data
            return;
        }
        break;
    case State::Skip:
        if (missing <= remaining_) {
            afterEntry(remaining_ - missing);
            return;
        }
        break;
    case State::StoredScan:
        // The bytes held before the hole were received: they are the entry's.
        if (held_len_ == 0 || releaseHeld(held_len_, h)) endEntry(ZipEntryEnd::Truncated, h);
        break;
    case State::Descriptor:
        if (entry_open_) endEntry(ZipEntryEnd::Truncated, h);
        break;
    case State::Signature:
    case State::Header:
    case State::Name:
    case State::Extra:
    case State::Stopped: break;
    }
    stop();
}

void ZipWalker::finish(ZipEntryHandler& h) noexcept {
    if (state_ == State::StoredScan && held_len_ > 0 && !releaseHeld(held_len_, h)) return;
    abort(h);
}

void ZipWalker::abort(ZipEntryHandler& h) noexcept {
    if (entry_open_) endEntry(ZipEntryEnd::Truncated, h);
    stop();
}

} // namespace egressmon::dpi
