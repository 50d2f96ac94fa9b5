#pragma once
// Whether a RAR archive or an OLE2 compound file is password-protected, read from its headers as
// it streams past (nothing is extracted: RAR's compression is proprietary, and an encrypted
// Office document is ciphertext).
//
//   RAR 5.0 (RARLAB's "RAR 5.0 archive format"): an archive encryption header (type 4: every
//   header after it is encrypted, `rar -hp`), or a file or service header whose extra area holds
//   a file encryption record (type 0x01, `rar -p`). Headers are walked one after another (data
//   areas skipped) to the end-of-archive header.
//   RAR 1.5-4.x: the main header's MHD_PASSWORD flag (0x0080) or a file header's LHD_PASSWORD
//   flag (0x0004).
//   OLE2: an encrypted OOXML document (Word, Excel, PowerPoint with a password, [MS-OFFCRYPTO])
//   is a compound file holding an "EncryptedPackage" stream: its directory entry's name, in
//   UTF-16LE, anywhere in the file (directory sectors may be anywhere). Legacy .doc/.xls RC4
//   encryption (a flag inside the Word FIB or an Excel FILEPASS record) is not detected.
//
// Thread: the worker that owns the flow. Memory: one RAR header (at most kMaxHeaderBytes) or 31
// bytes of carry for the OLE2 search. noexcept; an allocation failure ends the probe (Unknown).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace egressmon::dpi {

enum class SealedFormat : uint8_t { Rar5, Rar4, Ole2 };
enum class SealedVerdict : uint8_t {
    Reading,   // nothing decided yet
    Encrypted, // a header says so
    Plain,     // RAR: the end-of-archive header came, no entry encrypted
    Unreadable // RAR: a header longer than kMaxHeaderBytes, or malformed; or out of memory
};

// The format of a file starting with `first` (at least 8 bytes), if it is one the probe reads.
bool sealedFormatOf(std::span<const uint8_t> first, SealedFormat& format) noexcept;

class SealedProbe {
  public:
    static constexpr size_t kMaxHeaderBytes = 64 * 1024;

    // `max_headers`: RAR headers walked at most (extraction.max-archive-entries); past it the
    // walk stops with the verdict still Reading.
    SealedProbe(SealedFormat format, uint32_t max_headers) noexcept;

    void feed(const uint8_t* data, size_t len) noexcept;
    // A hole: the headers cannot be followed past it (the verdict so far stays).
    void stop() noexcept { done_ = true; }
    SealedVerdict verdict() const noexcept { return verdict_; }
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

    SealedFormat format_;
    uint32_t max_headers_;
    SealedVerdict verdict_ = SealedVerdict::Reading;
    bool done_ = false;
    bool headers_exceeded_ = false;
    uint64_t headers_ = 0;
    size_t signature_left_; // bytes of the RAR signature still to skip
    uint64_t skip_ = 0;     // data area bytes still to skip
    std::string header_;    // the RAR header being gathered, or the OLE2 carry
};

} // namespace egressmon::dpi
