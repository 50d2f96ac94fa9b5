#include "dpi/transform/tar/tar_walker.h"

#include <algorithm>
#include <cstring>
#include <optional>

namespace egressmon::dpi {

namespace {

// POSIX.1-2017 pax, "ustar Interchange Format": field offsets and sizes of the header block.
constexpr size_t kNameAt = 0, kNameLen = 100;
constexpr size_t kModeAt = 100, kUidAt = 108, kGidAt = 116, kIdLen = 8;
constexpr size_t kSizeAt = 124, kMtimeAt = 136, kTimeLen = 12;
constexpr size_t kChksumAt = 148, kChksumLen = 8;
constexpr size_t kTypeAt = 156;
constexpr size_t kMagicAt = 257;
constexpr size_t kPrefixAt = 345, kPrefixLen = 155;
constexpr char kPosixMagic[] = "ustar"; // followed by NUL and "00"; GNU writes "ustar  \0"

// A numeric field: octal digits (leading spaces, ended by a space or NUL, or the field's end),
// or GNU's base-256 when the first byte's high bit is set (negative values refused). An empty
// field is 0, as some writers leave uid/gid.
std::optional<uint64_t> parseNumber(const uint8_t* field, size_t len) noexcept {
    if (field[0] & 0x80) {
        if (field[0] & 0x40) return std::nullopt; // negative
        uint64_t v = field[0] & 0x3f;
        for (size_t i = 1; i < len; ++i) {
            if (v > (UINT64_MAX >> 9)) return std::nullopt; // keeps sizes below 2^63
            v = v << 8 | field[i];
        }
        return v;
    }
    size_t i = 0;
    while (i < len && field[i] == ' ')
        ++i;
    uint64_t v = 0;
    for (; i < len && field[i] != ' ' && field[i] != '\0'; ++i) {
        if (field[i] < '0' || field[i] > '7') return std::nullopt;
        v = v << 3 | static_cast<uint64_t>(field[i] - '0'); // at most 12 digits: 36 bits
    }
    return v;
}

bool checksumAgrees(std::span<const uint8_t, kTarBlockBytes> b) noexcept {
    const uint8_t* field = b.data() + kChksumAt;
    size_t i = 0;
    while (i < kChksumLen && field[i] == ' ')
        ++i;
    uint32_t stored = 0;
    size_t digits = 0;
    for (; i < kChksumLen && field[i] != ' ' && field[i] != '\0'; ++i, ++digits) {
        if (field[i] < '0' || field[i] > '7') return false;
        stored = stored << 3 | static_cast<uint32_t>(field[i] - '0');
    }
    if (digits == 0) return false; // a zero block has none
    // The sum is taken with the checksum field as eight spaces; unsigned per POSIX, signed as
    // some old tars (Sun, early GNU) computed it.
    uint32_t unsigned_sum = 8 * ' ';
    int32_t signed_sum = 8 * ' ';
    for (size_t k = 0; k < kTarBlockBytes; ++k) {
        if (k >= kChksumAt && k < kChksumAt + kChksumLen) continue;
        unsigned_sum += b[k];
        signed_sum += static_cast<int8_t>(b[k]);
    }
    return stored == unsigned_sum || static_cast<int32_t>(stored) == signed_sum;
}

bool hasPosixMagic(const uint8_t* b) noexcept {
    return std::memcmp(b + kMagicAt, kPosixMagic, sizeof kPosixMagic) == 0; // with its NUL
}

bool isZeroBlock(const uint8_t* b) noexcept {
    return std::all_of(b, b + kTarBlockBytes, [](uint8_t c) { return c == 0; });
}

size_t fieldLength(const uint8_t* field, size_t len) noexcept {
    const auto* end = static_cast<const uint8_t*>(std::memchr(field, 0, len));
    return end ? static_cast<size_t>(end - field) : len;
}

bool isRegular(char type) noexcept {
    return type == '0' || type == '\0' || type == '7'; // '7': contiguous file, read as regular
}

} // namespace

bool isTarHeader(std::span<const uint8_t, kTarBlockBytes> block) noexcept {
    const uint8_t* b = block.data();
    if (!checksumAgrees(block)) return false;
    if (std::memcmp(b + kMagicAt, kPosixMagic, 5) == 0) return true; // POSIX or GNU
    // v7: nothing but the checksum marks it, so ask for what every v7 writer filled in.
    const char type = static_cast<char>(b[kTypeAt]);
    if (b[kNameAt] == 0 || !(type == '\0' || (type >= '0' && type <= '7'))) return false;
    return parseNumber(b + kModeAt, kIdLen) && parseNumber(b + kUidAt, kIdLen) &&
           parseNumber(b + kGidAt, kIdLen) && parseNumber(b + kSizeAt, kTimeLen) &&
           parseNumber(b + kMtimeAt, kTimeLen);
}

TarWalker::TarWalker(const TarLimits& limits) : limits_(limits) {
    // Reserving once means appending a name never allocates on the data path.
    limits_.max_name_bytes = std::min<uint32_t>(limits_.max_name_bytes, 0xffff);
    long_name_.reserve(limits_.max_name_bytes);
    pax_path_.reserve(limits_.max_name_bytes);
    name_.reserve(limits_.max_name_bytes);
}

void TarWalker::feed(const uint8_t* data, size_t len, TarEntryHandler& h) noexcept {
    // Every step uses at least one byte: bodies are entered only with remaining_ > 0.
    while (len > 0 && state_ != State::Stopped) {
        const size_t used = step(data, len, h);
        data += used;
        len -= used;
    }
}

size_t TarWalker::step(const uint8_t* data, size_t len, TarEntryHandler& h) noexcept {
    switch (state_) {
    case State::Header: return readHeader(data, len, h);
    case State::Data: return readData(data, len, h);
    case State::LongName: return readLongName(data, len);
    case State::Pax: return readPax(data, len);
    case State::Skip: return skip(len);
    case State::Stopped: break;
    }
    return len;
}

// --- headers ---------------------------------------------------------------------------------

size_t TarWalker::readHeader(const uint8_t* data, size_t len, TarEntryHandler& h) noexcept {
    const size_t n = std::min(len, kTarBlockBytes - block_have_);
    std::memcpy(block_ + block_have_, data, n);
    block_have_ += n;
    if (block_have_ == kTarBlockBytes) {
        block_have_ = 0;
        headerDone(h);
    }
    return n;
}

void TarWalker::headerDone(TarEntryHandler& h) noexcept {
    if (isZeroBlock(block_)) {
        if (++zero_blocks_ == 2) { // the end of the archive
            complete_ = true;
            stop();
        }
        return;
    }
    zero_blocks_ = 0; // a lone zero block is read past, as `tar --ignore-zeros` would
    const std::optional<uint64_t> size = parseNumber(block_ + kSizeAt, kTimeLen);
    if (!isTarHeader(std::span<const uint8_t, kTarBlockBytes>(block_)) || !size) {
        ++counts_.corrupt;
        stop();
        return;
    }
    const char type = static_cast<char>(block_[kTypeAt]);
    switch (type) {
    case 'L': // GNU: the next entry's name is this entry's data
        long_name_.clear();
        long_name_set_ = true;
        long_name_cut_ = long_name_ended_ = false;
        expectBody(State::LongName, *size);
        return;
    case 'x': // pax extended header: records for the next entry
        pax_part_ = PaxPart::Length;
        pax_length_ = pax_read_ = 0;
        expectBody(State::Pax, *size);
        return;
    case 'g': // pax global header: nothing here names an entry
    case 'K': // GNU long link name: a link's target
        expectBody(State::Skip, *size);
        return;
    default: break;
    }
    beginEntry(type, *size, h);
}

void TarWalker::beginEntry(char type, uint64_t size, TarEntryHandler& h) noexcept {
    if (pax_size_set_) size = pax_size_; // pax overrides the header's
    pax_size_set_ = false;
    ++counts_.entries;
    if (archive_entries_ >= limits_.max_entries) {
        ++counts_.entries_exceeded;
        stop();
        return;
    }
    ++archive_entries_;
    // The name: a pax path, else a GNU long name, else the header's (prefix "/" name).
    name_.clear();
    bool cut = false;
    if (pax_path_set_) {
        name_.assign(pax_path_);
        cut = pax_path_cut_;
    } else if (long_name_set_) {
        name_.assign(long_name_);
        cut = long_name_cut_;
    } else {
        if (hasPosixMagic(block_)) {
            const size_t prefix = fieldLength(block_ + kPrefixAt, kPrefixLen);
            if (prefix > 0) {
                appendName(name_, {reinterpret_cast<const char*>(block_ + kPrefixAt), prefix}, cut);
                appendName(name_, "/", cut);
            }
        }
        appendName(name_,
                   {reinterpret_cast<const char*>(block_ + kNameAt),
                    fieldLength(block_ + kNameAt, kNameLen)},
                   cut);
    }
    if (cut) ++counts_.names_truncated;
    pax_path_set_ = long_name_set_ = false;

    if (isRegular(type)) {
        TarEntryInfo info;
        info.name = name_;
        info.size = size;
        info.typeflag = type;
        h.entryBegin(info);
        entry_open_ = true;
        out_ = 0;
        if (size == 0) endEntry(TarEntryEnd::Complete, h);
        expectBody(State::Data, size);
    } else if (type >= '2' && type <= '6') {
        expectBody(State::Skip, 0); // symlinks, devices, directories, FIFOs: no data
    } else {
        // Hard links (pax lets them carry data), GNU sparse files, dumpdirs, vendor types:
        // their data is skipped by the size the header gives.
        expectBody(State::Skip, size);
    }
}

void TarWalker::appendName(std::string& name, std::string_view piece, bool& cut) noexcept {
    const size_t keep = std::min<size_t>(piece.size(), limits_.max_name_bytes - name.size());
    name.append(piece.data(), keep); // within the reserved capacity
    cut = cut || keep < piece.size();
}

void TarWalker::expectBody(State state, uint64_t size) noexcept {
    remaining_ = size;
    padding_ = (kTarBlockBytes - size % kTarBlockBytes) % kTarBlockBytes;
    if (size == 0) {
        bodyDone();
    } else {
        state_ = state;
    }
}

void TarWalker::bodyDone() noexcept {
    if (padding_ > 0) {
        remaining_ = padding_;
        padding_ = 0;
        state_ = State::Skip;
    } else {
        state_ = State::Header;
        block_have_ = 0;
    }
}

// --- bodies ----------------------------------------------------------------------------------

size_t TarWalker::readData(const uint8_t* data, size_t len, TarEntryHandler& h) noexcept {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(len, remaining_));
    remaining_ -= n;
    if (entry_open_) {
        const size_t give =
            static_cast<size_t>(std::min<uint64_t>(n, limits_.max_entry_bytes - out_));
        if (give > 0) h.entryData(data, give);
        out_ += give;
        if (give < n || (remaining_ > 0 && out_ == limits_.max_entry_bytes)) {
            ++counts_.entries_cut; // the rest is skipped
            endEntry(TarEntryEnd::TooLarge, h);
        } else if (remaining_ == 0) {
            endEntry(TarEntryEnd::Complete, h);
        }
    }
    if (remaining_ == 0) bodyDone();
    return n;
}

size_t TarWalker::readLongName(const uint8_t* data, size_t len) noexcept {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(len, remaining_));
    remaining_ -= n;
    if (!long_name_ended_) { // the name ends at its NUL
        const size_t end = fieldLength(data, n);
        long_name_ended_ = end < n;
        appendName(long_name_, {reinterpret_cast<const char*>(data), end}, long_name_cut_);
    }
    if (remaining_ == 0) bodyDone();
    return n;
}

size_t TarWalker::readPax(const uint8_t* data, size_t len) noexcept {
    // Records are read a byte at a time: the header's size bounds the work, nothing is held.
    const size_t n = static_cast<size_t>(std::min<uint64_t>(len, remaining_));
    for (size_t i = 0; i < n; ++i)
        paxByte(data[i]);
    remaining_ -= n;
    if (remaining_ == 0) bodyDone();
    return n;
}

// "<length> <key>=<value>\n", the length in decimal counting the whole record.
void TarWalker::paxByte(uint8_t b) noexcept {
    ++pax_read_;
    switch (pax_part_) {
    case PaxPart::Length:
        if (b >= '0' && b <= '9' && pax_read_ <= 19) {
            pax_length_ = pax_length_ * 10 + (b - '0');
        } else if (b == ' ' && pax_read_ > 1 && pax_length_ > pax_read_) {
            pax_part_ = PaxPart::Key;
            pax_key_len_ = 0;
        } else {
            pax_part_ = PaxPart::Ignore; // malformed: the rest of this header is not trusted
        }
        return;
    case PaxPart::Key:
        if (b == '=') {
            pax_in_path_ = pax_key_len_ == 4 && std::memcmp(pax_key_, "path", 4) == 0;
            pax_in_size_ = pax_key_len_ == 4 && std::memcmp(pax_key_, "size", 4) == 0;
            if (pax_in_path_) { // a later path record wins
                pax_path_.clear();
                pax_path_set_ = true;
                pax_path_cut_ = false;
            }
            if (pax_in_size_) {
                pax_size_ = 0;
                pax_size_set_ = true;
            }
            pax_part_ = PaxPart::Value;
        } else if (pax_key_len_ < sizeof pax_key_) {
            pax_key_[pax_key_len_++] = static_cast<char>(b);
        } else {
            pax_key_len_ = sizeof pax_key_ + 1; // longer than any key we read
        }
        break;
    case PaxPart::Value:
        if (pax_read_ < pax_length_ && pax_in_path_) {
            const char c = static_cast<char>(b);
            appendName(pax_path_, {&c, 1}, pax_path_cut_);
        }
        if (pax_read_ < pax_length_ && pax_in_size_) {
            // Decimal, for files over ustar's 8 GiB; anything else leaves the header's size.
            if (b >= '0' && b <= '9' && pax_size_ < (1ull << 58)) {
                pax_size_ = pax_size_ * 10 + (b - '0');
            } else {
                pax_size_set_ = pax_in_size_ = false;
            }
        }
        break; // the record's last byte is its newline
    case PaxPart::Ignore: return;
    }
    if (pax_read_ == pax_length_) { // the record ends
        pax_part_ = PaxPart::Length;
        pax_length_ = pax_read_ = 0;
        pax_in_path_ = pax_in_size_ = false;
    }
}

size_t TarWalker::skip(size_t len) noexcept {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(len, remaining_));
    remaining_ -= n;
    if (remaining_ == 0) bodyDone();
    return n;
}

// --- the end ---------------------------------------------------------------------------------

void TarWalker::endEntry(TarEntryEnd how, TarEntryHandler& h) noexcept {
    if (!entry_open_) return;
    entry_open_ = false;
    h.entryEnd(how);
}

void TarWalker::gap(uint64_t missing, TarEntryHandler& h) noexcept {
    if (state_ == State::Stopped || missing == 0) return;
    ++counts_.gaps;
    endEntry(TarEntryEnd::Truncated, h);
    if (state_ == State::Header) { // the next entry's size is unknown
        stop();
        return;
    }
    // A name being read is lost with its bytes: the next entry keeps its header's own name.
    if (state_ == State::LongName) long_name_set_ = false;
    if (state_ == State::Pax) pax_path_set_ = pax_size_set_ = false;
    const uint64_t left = remaining_ + padding_; // the body and its padding
    if (missing > left) {
        stop();
        return;
    }
    padding_ = 0;
    remaining_ = left - missing;
    if (remaining_ == 0) {
        bodyDone();
    } else {
        state_ = State::Skip;
    }
}

void TarWalker::finish(TarEntryHandler& h) noexcept {
    endEntry(TarEntryEnd::Truncated, h);
    stop();
}

} // namespace egressmon::dpi
