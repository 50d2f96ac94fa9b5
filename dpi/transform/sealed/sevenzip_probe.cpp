#include "dpi/transform/sealed/sevenzip_probe.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <span>

#include <zlib.h>

#include "dpi/transform/sealed/lzma_header_decoder.h"
#include "dpi/transform/sealed/sevenzip_header.h"

namespace egressmon::dpi {

namespace {

constexpr uint8_t kSignature[] = {'7', 'z', 0xBC, 0xAF, 0x27, 0x1C};
constexpr uint64_t kStartHeaderBytes = 32;

uint64_t le(const uint8_t* p, int bytes) noexcept {
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i)
        v = v << 8 | p[i];
    return v;
}

uint32_t crc(std::span<const uint8_t> bytes) noexcept {
    uint32_t c = 0;
    // zlib's length is a uInt: a 7z header is bounded well below 4 GiB, but go piecewise.
    while (!bytes.empty()) {
        const size_t n = std::min<size_t>(bytes.size(), 1u << 30);
        c = static_cast<uint32_t>(crc32(c, bytes.data(), static_cast<uInt>(n)));
        bytes = bytes.subspan(n);
    }
    return c;
}

std::span<const uint8_t> bytesOf(const std::string& s) noexcept {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

} // namespace

void SevenZipProbe::end(SealedVerdict v, SealedProblem p) noexcept {
    verdict_ = v;
    problem_ = p;
    release();
}

void SevenZipProbe::release() noexcept {
    std::string().swap(tail_);
    if (budget_) budget_->release(reserved_);
    reserved_ = 0;
}

void SevenZipProbe::feed(const uint8_t* data, size_t len) noexcept {
    if (verdict_ != SealedVerdict::Reading) return;
    if (pos_ < kStartHeaderBytes) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(len, kStartHeaderBytes - pos_));
        std::memcpy(start_.data() + pos_, data, n);
        pos_ += n, data += n, len -= n;
        if (pos_ < kStartHeaderBytes) return;
        readStartHeader();
        if (verdict_ != SealedVerdict::Reading) return;
    }
    // Only [tail_start_, end_) is kept.
    const uint64_t from = std::max(pos_, tail_start_);
    const uint64_t to = std::min(pos_ + len, end_);
    if (from < to) {
        try {
            tail_.append(reinterpret_cast<const char*>(data + (from - pos_)),
                         static_cast<size_t>(to - from));
        } catch (const std::bad_alloc&) {
            end(SealedVerdict::Unreadable, SealedProblem::NoMemory);
            return;
        }
    }
    pos_ += len;
    if (pos_ >= end_) decide();
}

void SevenZipProbe::skip(uint64_t missing) noexcept {
    if (verdict_ != SealedVerdict::Reading) return;
    if (pos_ < kStartHeaderBytes || pos_ + missing > tail_start_) {
        end(SealedVerdict::Unreadable, SealedProblem::Gap);
        return;
    }
    pos_ += missing;
}

void SevenZipProbe::finish() noexcept {
    if (verdict_ == SealedVerdict::Reading) end(SealedVerdict::Unreadable, SealedProblem::Corrupt);
}

void SevenZipProbe::readStartHeader() noexcept {
    const uint8_t* s = start_.data();
    if (std::memcmp(s, kSignature, sizeof kSignature) != 0 || s[6] != 0 ||
        le(s + 8, 4) != crc({s + 12, 20})) {
        end(SealedVerdict::Unreadable, SealedProblem::Corrupt);
        return;
    }
    const uint64_t offset = le(s + 12, 8), size = le(s + 20, 8);
    header_crc_ = static_cast<uint32_t>(le(s + 28, 4));
    if (size == 0) { // no header at all: an empty archive
        end(SealedVerdict::Plain);
        return;
    }
    if (size > max_bytes_) {
        end(SealedVerdict::Unreadable, SealedProblem::HeaderBytes);
        return;
    }
    if (offset > UINT64_MAX - kStartHeaderBytes - size) {
        end(SealedVerdict::Unreadable, SealedProblem::Corrupt);
        return;
    }
    header_start_ = kStartHeaderBytes + offset;
    end_ = header_start_ + size;
    // The rest of the bound goes to the bytes just before the header (its packed streams).
    tail_start_ = header_start_ - std::min(offset, max_bytes_ - size);
    reserved_ = end_ - tail_start_;
    if (budget_ && !budget_->reserve(reserved_)) {
        reserved_ = 0;
        end(SealedVerdict::Unreadable, SealedProblem::Memory);
    }
}

void SevenZipProbe::decide() noexcept {
    const std::span<const uint8_t> tail = bytesOf(tail_);
    const auto header = tail.subspan(static_cast<size_t>(header_start_ - tail_start_));
    if (crc(header) != header_crc_) {
        end(SealedVerdict::Unreadable, SealedProblem::Corrupt);
        return;
    }
    uint64_t reserved = 0; // the decoded headers', given back when the verdict is in
    SealedVerdict verdict = SealedVerdict::Unreadable;
    SealedProblem problem = SealedProblem::Corrupt;
    try {
        problem = readHeader(header, reserved, verdict);
    } catch (const std::bad_alloc&) {
        verdict = SealedVerdict::Unreadable, problem = SealedProblem::NoMemory;
    }
    if (budget_) budget_->release(reserved);
    end(verdict, problem);
}

// Reads `first`; an encoded header is decoded (from the held tail) and read in turn. Each
// decoding's output is reserved in the budget (`reserved` sums them): at most two exist at once.
SealedProblem SevenZipProbe::readHeader(std::span<const uint8_t> first, uint64_t& reserved,
                                        SealedVerdict& verdict) {
    verdict = SealedVerdict::Unreadable;
    std::string current, next;
    std::span<const uint8_t> header = first;
    for (int round = 0; round < kMaxHeaderRounds; ++round) {
        const SevenZipHeader h = parseSevenZipHeader(header);
        if (h.kind == SevenZipHeader::Kind::Corrupt) return SealedProblem::Corrupt;
        if (h.aes || h.kind == SevenZipHeader::Kind::Header) {
            verdict = h.aes ? SealedVerdict::Encrypted : SealedVerdict::Plain;
            return SealedProblem::None;
        }
        // One folder of one coder reading one packed stream: how 7-Zip packs a header.
        const SevenZipStreams& s = h.encoded;
        if (s.folders.size() != 1 || s.pack_sizes.empty() || s.unpack_sizes.empty())
            return SealedProblem::Corrupt;
        const SevenZipFolder& folder = s.folders[0];
        if (folder.coders.size() != 1 || folder.packed_streams != 1)
            return SealedProblem::Unsupported;
        const uint64_t pack_size = s.pack_sizes[0], unpack_size = s.unpack_sizes[0];
        if (s.pack_pos > UINT64_MAX - kStartHeaderBytes - pack_size) return SealedProblem::Corrupt;
        const uint64_t pack_start = kStartHeaderBytes + s.pack_pos;
        if (pack_start + pack_size > header_start_) return SealedProblem::Corrupt;
        if (pack_start < tail_start_ || unpack_size > max_bytes_) return SealedProblem::HeaderBytes;
        if (budget_ && !budget_->reserve(unpack_size)) return SealedProblem::Memory;
        reserved += unpack_size;
        const SevenZipCoder& coder = folder.coders[0];
        const auto packed = bytesOf(tail_).subspan(static_cast<size_t>(pack_start - tail_start_),
                                                   static_cast<size_t>(pack_size));
        switch (decodeLzmaHeader(coder.id, header.subspan(coder.props_at, coder.props_size), packed,
                                 static_cast<size_t>(unpack_size), next)) {
        case LzmaHeaderResult::Ok: break;
        case LzmaHeaderResult::Corrupt: return SealedProblem::Corrupt;
        case LzmaHeaderResult::Unsupported: return SealedProblem::Unsupported;
        case LzmaHeaderResult::NoMemory: return SealedProblem::NoMemory;
        }
        ++decoded_;
        if (s.folder_crc_defined && crc(bytesOf(next)) != s.folder_crc)
            return SealedProblem::Corrupt;
        current.swap(next);
        header = bytesOf(current);
    }
    return SealedProblem::Corrupt; // encoded deeper than kMaxHeaderRounds
}

} // namespace egressmon::dpi
