#include "dpi/transform/sealed/sealed_probe.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <string_view>

namespace egressmon::dpi {

namespace {

constexpr uint8_t kRar5Signature[] = {0x52, 0x61, 0x72, 0x21, 0x1A, 0x07, 0x01, 0x00};
constexpr uint8_t kRar4Signature[] = {0x52, 0x61, 0x72, 0x21, 0x1A, 0x07, 0x00};
constexpr uint8_t kOle2Signature[] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
constexpr uint8_t k7zSignature[] = {'7', 'z', 0xBC, 0xAF, 0x27, 0x1C};
// The directory entry name of an encrypted OOXML package's stream, UTF-16LE, without its NUL.
constexpr std::string_view kEncryptedPackage{"E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e\0",
                                             32};

// RAR 5 header types and flags.
constexpr uint64_t kRar5File = 2, kRar5Service = 3, kRar5Encryption = 4, kRar5End = 5;
constexpr uint64_t kRar5HasExtra = 0x0001, kRar5HasData = 0x0002;
constexpr uint64_t kRar5FileEncryptionRecord = 0x01;
// RAR 4 block types and flags.
constexpr uint8_t kRar4Main = 0x73, kRar4File = 0x74, kRar4End = 0x7B;
constexpr uint16_t kRar4MainPassword = 0x0080, kRar4FilePassword = 0x0004;
constexpr uint16_t kRar4LargeFile = 0x0100, kRar4HasAddSize = 0x8000;

// A RAR 5 variable-length integer at `pos` (7 bits a byte, low first; at most 10 bytes).
bool readVint(std::string_view s, size_t& pos, uint64_t& value) noexcept {
    value = 0;
    for (int shift = 0; shift < 70 && pos < s.size(); shift += 7) {
        const auto b = static_cast<uint8_t>(s[pos++]);
        if (shift < 64) value |= static_cast<uint64_t>(b & 0x7F) << shift;
        if ((b & 0x80) == 0) return true;
    }
    return false;
}

uint32_t le(std::string_view s, size_t pos, int bytes) noexcept {
    uint32_t v = 0;
    for (int i = bytes - 1; i >= 0; --i)
        v = v << 8 | static_cast<uint8_t>(s[pos + i]);
    return v;
}

} // namespace

bool sealedFormatOf(std::span<const uint8_t> first, SealedFormat& format) noexcept {
    const auto starts = [&](const uint8_t* magic, size_t n) {
        return first.size() >= n && std::memcmp(first.data(), magic, n) == 0;
    };
    if (starts(kRar5Signature, sizeof kRar5Signature)) return format = SealedFormat::Rar5, true;
    if (starts(kRar4Signature, sizeof kRar4Signature)) return format = SealedFormat::Rar4, true;
    if (starts(kOle2Signature, sizeof kOle2Signature)) return format = SealedFormat::Ole2, true;
    if (starts(k7zSignature, sizeof k7zSignature)) return format = SealedFormat::SevenZip, true;
    return false;
}

SealedProbe::SealedProbe(SealedFormat format, uint32_t max_headers, SealedLimits limits,
                         ExtractionBudget* budget) noexcept
    : format_(format), max_headers_(max_headers),
      signature_left_(format == SealedFormat::Rar5   ? sizeof kRar5Signature
                      : format == SealedFormat::Rar4 ? sizeof kRar4Signature
                                                     : 0) {
    if (format == SealedFormat::Ole2) legacy_.emplace();
    if (format == SealedFormat::SevenZip) sevenzip_.emplace(limits.max_7z_header_bytes, budget);
}

void SealedProbe::fail(SealedProblem problem) noexcept {
    verdict_ = SealedVerdict::Unreadable;
    problem_ = problem;
    done_ = true;
}

void SealedProbe::takeSevenZip() noexcept {
    verdict_ = sevenzip_->verdict();
    problem_ = sevenzip_->problem();
    done_ = verdict_ != SealedVerdict::Reading;
}

void SealedProbe::feed(const uint8_t* data, size_t len) noexcept {
    if (done_ || len == 0) return;
    switch (format_) {
    case SealedFormat::Ole2:
        feedOle2(data, len);
        if (done_) return;
        legacy_->feed(data, len);
        if (legacy_->encrypted()) verdict_ = SealedVerdict::Encrypted, done_ = true;
        return;
    case SealedFormat::SevenZip:
        sevenzip_->feed(data, len);
        takeSevenZip();
        return;
    case SealedFormat::Rar5:
    case SealedFormat::Rar4: feedRar(data, len); return;
    }
}

void SealedProbe::skip(uint64_t missing) noexcept {
    if (done_) return;
    switch (format_) {
    case SealedFormat::Ole2:
        header_.clear(); // a name is not joined across the hole
        legacy_->skip(missing);
        return;
    case SealedFormat::SevenZip:
        sevenzip_->skip(missing);
        takeSevenZip();
        return;
    case SealedFormat::Rar5:
    case SealedFormat::Rar4: done_ = true; return;
    }
}

void SealedProbe::finish() noexcept {
    if (done_) return;
    if (format_ == SealedFormat::SevenZip) {
        sevenzip_->finish();
        takeSevenZip();
        return;
    }
    if (format_ == SealedFormat::Ole2 && legacy_->overflowed()) fail(SealedProblem::TooManyMarks);
    done_ = true;
}

void SealedProbe::feedOle2(const uint8_t* data, size_t len) noexcept {
    // The name may straddle two pieces: the last 31 bytes of the previous one are kept.
    const std::string_view piece(reinterpret_cast<const char*>(data), len);
    try {
        const size_t head = std::min(len, kEncryptedPackage.size() - 1);
        header_.append(piece.substr(0, head));
        if (header_.find(kEncryptedPackage) != std::string::npos ||
            piece.find(kEncryptedPackage) != std::string_view::npos) {
            verdict_ = SealedVerdict::Encrypted;
            done_ = true;
            return;
        }
        const size_t keep = kEncryptedPackage.size() - 1;
        if (len >= keep)
            header_.assign(piece.substr(len - keep));
        else if (header_.size() > keep)
            header_.erase(0, header_.size() - keep);
    } catch (const std::bad_alloc&) {
        fail(SealedProblem::NoMemory);
    }
}

size_t SealedProbe::rarHeaderLength() const noexcept {
    const std::string_view h = header_;
    if (format_ == SealedFormat::Rar4) return h.size() >= 7 ? le(h, 5, 2) : 0;
    size_t pos = 4; // past the CRC32
    uint64_t size = 0;
    if (h.size() < 5 || !readVint(h, pos, size)) {
        // A size of more than 3 bytes would already be past kMaxHeaderBytes.
        return h.size() >= 4 + 3 ? kMaxHeaderBytes + 1 : 0;
    }
    return size > kMaxHeaderBytes ? kMaxHeaderBytes + 1 : pos + static_cast<size_t>(size);
}

void SealedProbe::feedRar(const uint8_t* data, size_t len) noexcept {
    while (len > 0 && !done_) {
        if (signature_left_ > 0) {
            const size_t n = std::min(len, signature_left_);
            signature_left_ -= n, data += n, len -= n;
            continue;
        }
        if (skip_ > 0) {
            const size_t n = static_cast<size_t>(std::min<uint64_t>(len, skip_));
            skip_ -= n, data += n, len -= n;
            continue;
        }
        // Gather the header: its length is known after its first few bytes.
        size_t need = rarHeaderLength();
        try {
            while (len > 0 && (need == 0 || header_.size() < need)) {
                const size_t want = need == 0 ? 1 : need - header_.size();
                const size_t n = std::min(len, std::min(want, kMaxHeaderBytes));
                header_.append(reinterpret_cast<const char*>(data), n);
                data += n, len -= n;
                need = rarHeaderLength();
                if (need > kMaxHeaderBytes || (need != 0 && need < 7)) {
                    fail(SealedProblem::Corrupt);
                    return;
                }
            }
        } catch (const std::bad_alloc&) {
            fail(SealedProblem::NoMemory);
            return;
        }
        if (need == 0 || header_.size() < need) return; // more to come
        if (++headers_ > max_headers_) {
            headers_exceeded_ = true;
            done_ = true;
            return;
        }
        uint64_t data_size = 0;
        const bool go_on =
            format_ == SealedFormat::Rar5 ? rar5Header(data_size) : rar4Header(data_size);
        header_.clear();
        if (!go_on) {
            done_ = true;
            return;
        }
        skip_ = data_size;
    }
}

bool SealedProbe::rar5Header(uint64_t& data_size) noexcept {
    const std::string_view h = header_;
    size_t pos = 4;
    uint64_t size = 0, type = 0, flags = 0, extra = 0;
    readVint(h, pos, size);
    const size_t end = h.size();
    if (!readVint(h, pos, type) || !readVint(h, pos, flags) ||
        ((flags & kRar5HasExtra) && !readVint(h, pos, extra)) ||
        ((flags & kRar5HasData) && !readVint(h, pos, data_size)) || pos > end ||
        extra > end - pos) {
        verdict_ = SealedVerdict::Unreadable;
        problem_ = SealedProblem::Corrupt;
        return false;
    }
    if (type == kRar5Encryption) {
        verdict_ = SealedVerdict::Encrypted;
        return false;
    }
    if (type == kRar5End) {
        verdict_ = SealedVerdict::Plain;
        return false;
    }
    if ((type == kRar5File || type == kRar5Service) && extra > 0) {
        // The extra area is the header's last `extra` bytes: records of size, type, data.
        size_t at = end - static_cast<size_t>(extra);
        while (at < end) {
            uint64_t record_size = 0, record_type = 0;
            size_t p = at;
            if (!readVint(h, p, record_size) || record_size == 0 || record_size > end - p) break;
            const size_t next = p + static_cast<size_t>(record_size);
            if (!readVint(h, p, record_type) || p > next) break;
            if (record_type == kRar5FileEncryptionRecord) {
                verdict_ = SealedVerdict::Encrypted;
                return false;
            }
            at = next;
        }
    }
    return true;
}

bool SealedProbe::rar4Header(uint64_t& data_size) noexcept {
    const std::string_view h = header_;
    const auto type = static_cast<uint8_t>(h[2]);
    const auto flags = static_cast<uint16_t>(le(h, 3, 2));
    if (type == kRar4Main && (flags & kRar4MainPassword)) {
        verdict_ = SealedVerdict::Encrypted;
        return false;
    }
    if (type == kRar4End) {
        verdict_ = SealedVerdict::Plain;
        return false;
    }
    if (type == kRar4File && (flags & kRar4FilePassword)) {
        verdict_ = SealedVerdict::Encrypted;
        return false;
    }
    // A file header always has its packed size here; other blocks when ADD_SIZE is flagged.
    if ((type == kRar4File || (flags & kRar4HasAddSize)) && h.size() >= 11) {
        data_size = le(h, 7, 4);
        if (type == kRar4File && (flags & kRar4LargeFile) && h.size() >= 36)
            data_size |= static_cast<uint64_t>(le(h, 32, 4)) << 32;
    }
    return true;
}

} // namespace egressmon::dpi
