#pragma once
// Whether a RAR or 7z archive or an OLE2 compound file is password-protected, read from its
// headers as it streams past (nothing is extracted: RAR's compression is proprietary, a 7z's
// content is not read, and an encrypted Office document is ciphertext).
//
//   RAR 5.0 (RARLAB's "RAR 5.0 archive format"): an archive encryption header (type 4: every
//   header after it is encrypted, `rar -hp`), or a file or service header whose extra area holds
//   a file encryption record (type 0x01, `rar -p`). Headers are walked one after another (data
//   areas skipped) to the end-of-archive header.
//   RAR 1.5-4.x: the main header's MHD_PASSWORD flag (0x0080) or a file header's LHD_PASSWORD
//   flag (0x0004).
//   7z: a 7zAES coder in a folder of its header, or an encrypted header (SevenZipProbe: the
//   header is at the end of the file, usually LZMA-compressed; the tail is held, bounded by
//   extraction.max-7z-header-bytes).
//   OLE2: an encrypted OOXML document (Word, Excel, PowerPoint with a password, [MS-OFFCRYPTO])
//   is a compound file holding an "EncryptedPackage" stream: its directory entry's name, in
//   UTF-16LE, anywhere in the file (directory sectors may be anywhere). Legacy .doc/.xls/.ppt
//   encryption (the Word FIB's fEncrypted, an Excel FILEPASS record, PowerPoint's
//   EncryptedSummary stream): Ole2LegacyProbe, alongside.
//
// Thread: the worker that owns the flow. Memory: one RAR header (at most kMaxHeaderBytes); for
// OLE2 31 bytes of carry and Ole2LegacyProbe's sector; for 7z SevenZipProbe's tail. noexcept;
// an allocation failure ends the probe (Unreadable, NoMemory).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "dpi/transform/extraction_budget.h"
#include "dpi/transform/sealed/ole2_legacy_probe.h"
#include "dpi/transform/sealed/sealed_limits.h"
#include "dpi/transform/sealed/sealed_verdict.h"
#include "dpi/transform/sealed/sevenzip_probe.h"

namespace egressmon::dpi {

enum class SealedFormat : uint8_t { Rar5, Rar4, Ole2, SevenZip };

// The format of a file starting with `first` (at least 8 bytes), if it is one the probe reads.
bool sealedFormatOf(std::span<const uint8_t> first, SealedFormat& format) noexcept;

class SealedProbe {
  public:
    static constexpr size_t kMaxHeaderBytes = 64 * 1024;

    // `max_headers`: RAR headers walked at most (extraction.max-archive-entries); past it the
    // walk stops with the verdict still Reading. `budget`: where a 7z's held tail is reserved
    // (null: not counted).
    SealedProbe(SealedFormat format, uint32_t max_headers, SealedLimits limits = {},
                ExtractionBudget* budget = nullptr) noexcept;

    void feed(const uint8_t* data, size_t len) noexcept;
    // A hole of `missing` bytes. RAR: the headers cannot be followed past it (the verdict so far
    // stays). 7z and OLE2 locate by offset: reading goes on (a 7z's held tail cut: Gap).
    void skip(uint64_t missing) noexcept;
    // The file ended (7z: no header by then is Corrupt; OLE2: marks overflowed and nothing
    // found is Unreadable).
    void finish() noexcept;
    SealedVerdict verdict() const noexcept { return verdict_; }
    // Why Unreadable.
    SealedProblem problem() const noexcept { return problem_; }
    // 7z headers LZMA-decoded.
    uint32_t headersDecoded() const noexcept { return sevenzip_ ? sevenzip_->headersDecoded() : 0; }
    bool headersExceeded() const noexcept { return headers_exceeded_; }
    uint64_t headersRead() const noexcept { return headers_; }

  private:
    void feedRar(const uint8_t* data, size_t len) noexcept;
    // A whole header is in `header_`: decide, or say how many data bytes follow it. False: the
    // walk ends (verdict set).
    bool rar5Header(uint64_t& data_size) noexcept;
    bool rar4Header(uint64_t& data_size) noexcept;
    // Bytes the header at the start of header_ has in all, once known (0: not known yet).
    size_t rarHeaderLength() const noexcept;
    void feedOle2(const uint8_t* data, size_t len) noexcept;
    void fail(SealedProblem problem) noexcept;
    void takeSevenZip() noexcept;

    SealedFormat format_;
    uint32_t max_headers_;
    SealedVerdict verdict_ = SealedVerdict::Reading;
    SealedProblem problem_ = SealedProblem::None;
    bool done_ = false;
    bool headers_exceeded_ = false;
    uint64_t headers_ = 0;
    size_t signature_left_; // bytes of the RAR signature still to skip
    uint64_t skip_ = 0;     // data area bytes still to skip
    std::string header_;    // the RAR header being gathered, or the OLE2 carry
    std::optional<Ole2LegacyProbe> legacy_;
    std::optional<SevenZipProbe> sevenzip_;
};

} // namespace egressmon::dpi
