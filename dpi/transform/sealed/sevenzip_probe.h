#pragma once
// Whether a 7z archive is password-protected, told as it streams past: some folder's coders
// include 7zAES (`7z a -p`), or the header itself is encrypted (`-mhe=on`: the next header is a
// kEncodedHeader whose folder's coders include 7zAES).
//
// A 7z file ends with its header: the 32-byte signature header at the start says where
// (NextHeaderOffset, NextHeaderSize, NextHeaderCRC). That header is usually a kEncodedHeader:
// the real one LZMA-compressed into packed bytes stored just before it, which are found by
// their offset (PackPos) once the header says it. Nothing can be sought, so the probe holds the
// last bytes before the header and the header itself, `max_header_bytes` in all (the file's
// tail), and decodes the packed header (liblzma, its output at most `max_header_bytes` too).
// Everything before that tail is counted past without being kept; a hole there costs nothing.
//
// Verdicts: Encrypted, Plain (the header's coders are known and none is 7zAES), Unreadable:
// HeaderBytes (the header, its packed bytes or their decoding over the bound), Corrupt (a CRC,
// a malformed header, a file ending before its header), Unsupported (a header packed otherwise
// than by LZMA or LZMA2), Gap (a hole in the held tail), Memory (the worker's extraction memory
// refused the tail), NoMemory.
//
// Thread: the worker that owns the flow. Memory: the tail (reserved in the worker's extraction
// budget when given one) and, while it runs, one decoded header and liblzma's decoder. noexcept.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "dpi/transform/extraction_budget.h"
#include "dpi/transform/sealed/sealed_verdict.h"

namespace egressmon::dpi {

class SevenZipProbe {
  public:
    // Encoded headers inside encoded headers followed at most this deep (7-Zip writes one).
    static constexpr int kMaxHeaderRounds = 4;

    SevenZipProbe(uint64_t max_header_bytes, ExtractionBudget* budget) noexcept
        : max_bytes_(max_header_bytes), budget_(budget) {}
    ~SevenZipProbe() { release(); }
    SevenZipProbe(const SevenZipProbe&) = delete;
    SevenZipProbe& operator=(const SevenZipProbe&) = delete;

    void feed(const uint8_t* data, size_t len) noexcept;
    // `missing` bytes were lost: harmless before the held tail, else the verdict is Gap.
    void skip(uint64_t missing) noexcept;
    // The file ended: still Reading means its header never came (Corrupt).
    void finish() noexcept;

    SealedVerdict verdict() const noexcept { return verdict_; }
    SealedProblem problem() const noexcept { return problem_; }
    uint32_t headersDecoded() const noexcept { return decoded_; }
    // Bytes held now (the tail gathered so far).
    size_t held() const noexcept { return tail_.size(); }

  private:
    void readStartHeader() noexcept;
    void decide() noexcept;
    SealedProblem readHeader(std::span<const uint8_t> first, uint64_t& reserved,
                             SealedVerdict& verdict);
    void end(SealedVerdict v, SealedProblem p = SealedProblem::None) noexcept;
    void release() noexcept;

    const uint64_t max_bytes_;
    ExtractionBudget* const budget_;
    SealedVerdict verdict_ = SealedVerdict::Reading;
    SealedProblem problem_ = SealedProblem::None;
    uint64_t pos_ = 0; // file offset of the next byte fed
    std::array<uint8_t, 32> start_{};
    uint64_t tail_start_ = 0;   // first byte held
    uint64_t header_start_ = 0; // 32 + NextHeaderOffset
    uint64_t end_ = 0;          // header_start_ + NextHeaderSize
    uint32_t header_crc_ = 0;
    std::string tail_;
    uint64_t reserved_ = 0; // of budget_
    uint32_t decoded_ = 0;
};

} // namespace egressmon::dpi
