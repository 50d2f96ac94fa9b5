#include "dpi/transform/sealed/ole2_legacy_probe.h"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace egressmon::dpi {

namespace {

constexpr uint8_t kSignature[] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
constexpr size_t kHeaderBytes = 512;
constexpr size_t kEntryBytes = 128;
constexpr uint8_t kStreamEntry = 2;
constexpr uint32_t kLastRegularSector = 0xFFFFFFF9; // above: FREESECT, ENDOFCHAIN...

// [MS-DOC] FibBase; [MS-XLS] record types.
constexpr uint16_t kFibIdent = 0xA5EC, kFibEncrypted = 0x0100;
constexpr uint16_t kBof = 0x0809, kFilePass = 0x002F, kBoundSheet = 0x0085, kEof = 0x000A;
constexpr uint16_t kBiff5 = 0x0500, kBiff8 = 0x0600, kGlobalsSubstream = 0x0005;

uint32_t le(const uint8_t* p, int bytes) noexcept {
    uint32_t v = 0;
    for (int i = bytes - 1; i >= 0; --i)
        v = v << 8 | p[i];
    return v;
}

// The directory entry's name is `name` (ASCII) in UTF-16LE, NUL-terminated, its length field
// counting the NUL.
bool named(const uint8_t* e, std::string_view name) noexcept {
    if (le(e + 0x40, 2) != (name.size() + 1) * 2) return false;
    for (size_t i = 0; i <= name.size(); ++i) {
        const char c = i < name.size() ? name[i] : '\0';
        if (e[2 * i] != static_cast<uint8_t>(c) || e[2 * i + 1] != 0) return false;
    }
    return true;
}

} // namespace

void Ole2LegacyProbe::feed(const uint8_t* data, size_t len) noexcept {
    while (len > 0 && !encrypted_ && !overflowed_ && !unusable_) {
        if (sector_bytes_ == 0) { // the header's 512 bytes
            const size_t n = std::min(len, kHeaderBytes - have_);
            std::memcpy(sector_.data() + have_, data, n);
            have_ += n, pos_ += n, data += n, len -= n;
            if (have_ == kHeaderBytes) {
                have_ = 0;
                readHeader();
            }
            continue;
        }
        if (pos_ < sector_bytes_) { // the rest of a version 4 header's 4096-byte sector
            const size_t n = static_cast<size_t>(std::min<uint64_t>(len, sector_bytes_ - pos_));
            pos_ += n, data += n, len -= n;
            continue;
        }
        const size_t off = static_cast<size_t>(pos_ % sector_bytes_);
        if (off == 0) have_ = 0, broken_ = false;
        const size_t n = std::min(len, sector_bytes_ - off);
        if (!broken_) {
            std::memcpy(sector_.data() + off, data, n);
            have_ += n;
        }
        pos_ += n, data += n, len -= n;
        if (off + n == sector_bytes_ && !broken_)
            readSector(static_cast<uint32_t>(pos_ / sector_bytes_ - 2), sector_bytes_);
    }
}

void Ole2LegacyProbe::skip(uint64_t missing) noexcept {
    if (sector_bytes_ == 0) {
        unusable_ = true;
        return;
    }
    pos_ += missing;
    broken_ = true; // until the next sector starts
}

void Ole2LegacyProbe::readHeader() noexcept {
    const uint8_t* h = sector_.data();
    const uint32_t major = le(h + 0x1A, 2), shift = le(h + 0x1E, 2);
    if (std::memcmp(h, kSignature, sizeof kSignature) != 0 || le(h + 0x1C, 2) != 0xFFFE ||
        !((major == 3 && shift == 9) || (major == 4 && shift == 12))) {
        unusable_ = true;
        return;
    }
    v3_ = major == 3;
    sector_bytes_ = 1u << shift;
    cutoff_ = le(h + 0x38, 4);
}

void Ole2LegacyProbe::readSector(uint32_t index, size_t len) noexcept {
    const uint8_t* s = sector_.data();
    for (size_t at = 0; at + kEntryBytes <= len; at += kEntryBytes)
        readEntry(s + at);
    if (le(s, 2) == kFibIdent && (le(s + 0x0A, 2) & kFibEncrypted))
        add(starts_, start_count_, {index, Kind::Word}, entries_, entry_count_);
    // A workbook globals substream's BOF, then its records up to the first sheet's.
    const uint32_t version = le(s + 4, 2);
    if (le(s, 2) == kBof && le(s + 2, 2) >= 4 && (version == kBiff5 || version == kBiff8) &&
        le(s + 6, 2) == kGlobalsSubstream) {
        for (size_t at = 4 + le(s + 2, 2); at + 4 <= len; at += 4 + le(s + at + 2, 2)) {
            const uint32_t type = le(s + at, 2);
            if (type == kFilePass) {
                add(starts_, start_count_, {index, Kind::Excel}, entries_, entry_count_);
                break;
            }
            if (type == kBoundSheet || type == kEof || type == kBof) break;
        }
    }
}

void Ole2LegacyProbe::readEntry(const uint8_t* e) noexcept {
    if (e[0x42] != kStreamEntry) return;
    if (named(e, "EncryptedSummary")) {
        encrypted_ = true;
        return;
    }
    Kind kind;
    if (named(e, "WordDocument"))
        kind = Kind::Word;
    else if (named(e, "Workbook") || named(e, "Book"))
        kind = Kind::Excel;
    else
        return;
    const uint32_t start = le(e + 0x74, 4);
    // Version 3 files may leave garbage in the size's high half ([MS-CFB] 2.6.3).
    const uint64_t size =
        le(e + 0x78, 4) | (v3_ ? 0 : static_cast<uint64_t>(le(e + 0x7C, 4)) << 32);
    if (size < cutoff_ || start > kLastRegularSector) return; // in the mini stream, or empty
    add(entries_, entry_count_, {start, kind}, starts_, start_count_);
}

void Ole2LegacyProbe::add(Mark* list, size_t& count, Mark m, const Mark* other,
                          size_t other_count) noexcept {
    const auto same = [&](const Mark& o) { return o.sector == m.sector && o.kind == m.kind; };
    if (std::any_of(other, other + other_count, same)) {
        encrypted_ = true;
        return;
    }
    if (std::any_of(list, list + count, same)) return;
    if (count == kMaxMarks) {
        overflowed_ = true;
        return;
    }
    list[count++] = m;
}

} // namespace egressmon::dpi
