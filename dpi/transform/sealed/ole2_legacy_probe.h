#pragma once
// Whether a legacy Office document in a Compound File ([MS-CFB]) is password-protected, told as
// it streams past, by the first sector of its main stream:
//
//   .doc: the WordDocument stream starts with the FIB: wIdent 0xA5EC, and the flags word at
//         offset 0x0A has fEncrypted (0x0100) for RC4, RC4 CryptoAPI and XOR obfuscation alike
//         ([MS-DOC] 2.5.2 FibBase).
//   .xls: the Workbook (BIFF8) or Book (BIFF5) stream starts with the globals substream's BOF
//         record (0x0809, dt 0x0005); a FILEPASS record (0x002F) before its first BOUNDSHEET
//         says encrypted ([MS-XLS] 2.4.117, 2.1.7.20.1).
//   .ppt: an "EncryptedSummary" stream, where PowerPoint's CryptoAPI encryption puts the
//         encrypted document properties ([MS-OFFCRYPTO] 2.3.5.4).
//
// Nothing can be sought and the directory (which says where each stream starts) may come
// before or after the stream's sectors, so both are remembered as they pass, each in a short
// list: every 128-byte directory entry naming one of those streams (its start sector), and every
// sector that reads as an encrypted FIB or an encrypted workbook's start. A match of the two is
// the verdict, whichever came first. Streams under the 4096-byte mini-stream cutoff live in the
// mini stream, which cannot be followed without the FAT: they are not checked (Word and Excel
// always write those streams larger).
//
// Thread: the worker that owns the flow. Memory: one sector (at most 4096 bytes) and the two
// lists (kMaxMarks entries each). noexcept.

#include <array>
#include <cstddef>
#include <cstdint>

namespace egressmon::dpi {

class Ole2LegacyProbe {
  public:
    // Directory entries naming a main stream, and sectors reading as an encrypted start, kept
    // at most; one more makes the probe give up (a real file has a few of each).
    static constexpr size_t kMaxMarks = 64;

    void feed(const uint8_t* data, size_t len) noexcept;
    // `missing` bytes lost: the sector they fall in is not read; sectors after are.
    void skip(uint64_t missing) noexcept;

    bool encrypted() const noexcept { return encrypted_; }
    // More marks than kMaxMarks: what was not kept cannot be told.
    bool overflowed() const noexcept { return overflowed_; }
    // The header was not a version 3 or 4 compound file's: nothing is read.
    bool unusable() const noexcept { return unusable_; }

  private:
    enum class Kind : uint8_t { Word, Excel };
    struct Mark {
        uint32_t sector;
        Kind kind;
    };

    void readHeader() noexcept;
    void readSector(uint32_t index, size_t len) noexcept;
    void readEntry(const uint8_t* e) noexcept;
    void add(Mark* list, size_t& count, Mark m, const Mark* other, size_t other_count) noexcept;

    uint64_t pos_ = 0;          // file offset of the next byte
    uint32_t sector_bytes_ = 0; // 512 or 4096 once the header is read
    uint32_t cutoff_ = 4096;    // mini stream cutoff
    bool v3_ = true;
    size_t have_ = 0;     // bytes of the current sector (or header) gathered
    bool broken_ = false; // a hole in the current sector
    std::array<uint8_t, 4096> sector_{};
    Mark entries_[kMaxMarks]{};
    size_t entry_count_ = 0;
    Mark starts_[kMaxMarks]{};
    size_t start_count_ = 0;
    bool encrypted_ = false;
    bool overflowed_ = false;
    bool unusable_ = false;
};

} // namespace egressmon::dpi
