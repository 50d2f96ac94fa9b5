#pragma once
// What a sealed probe decided about a file, and why one could not decide.
//
// Thread: any (plain values).

#include <cstdint>

namespace egressmon::dpi {

enum class SealedVerdict : uint8_t {
    Reading,   // nothing decided yet
    Encrypted, // a header says so
    Plain,     // RAR: the end-of-archive header came, no entry encrypted; 7z: no 7zAES coder
    Unreadable // the headers could not be read: SealedProblem says why
};

enum class SealedProblem : uint8_t {
    None,
    Corrupt,      // malformed, a CRC that does not match, cut short
    Gap,          // a hole where the headers were
    HeaderBytes,  // a 7z header (or its packed bytes, or their decoding) over the bound
    Memory,       // the worker's extraction memory refused the bytes to hold
    NoMemory,     // an allocation failed
    Unsupported,  // a 7z header packed by a coder other than LZMA or LZMA2
    TooManyMarks, // OLE2: more candidate streams than the probe keeps
};

// The file's uninspectable reason for a problem ("corrupt", "max-7z-header-bytes", ...).
constexpr const char* sealedProblemReason(SealedProblem p) noexcept {
    switch (p) {
    case SealedProblem::None: return nullptr;
    case SealedProblem::Gap: return "gap";
    case SealedProblem::HeaderBytes: return "max-7z-header-bytes";
    case SealedProblem::Memory: return "max-worker-memory";
    case SealedProblem::NoMemory: return "no-memory";
    case SealedProblem::Unsupported: return "unsupported-method";
    case SealedProblem::Corrupt:
    case SealedProblem::TooManyMarks: return "corrupt";
    }
    return "corrupt";
}

} // namespace egressmon::dpi
