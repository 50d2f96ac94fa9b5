#pragma once
// The memory one worker's file extractors may hold at once (`extraction.max-worker-memory`):
// the buffers that outlive a packet (a PDF's decoded streams waiting for their fonts, its object
// streams) reserve their bytes here before they grow and give them back when freed. Windows and
// parser states of fixed size (zlib's 44 KiB, expat's) are bounded per layer by the open-layer
// bound instead, and are not counted here.
//
// Thread: the worker; one per worker (the inspection engine's), no locks.

#include <cstdint>

namespace egressmon::dpi {

struct ExtractionBudget {
    uint64_t limit = 256ull << 20;
    uint64_t in_use = 0;
    uint64_t peak = 0;

    bool reserve(uint64_t bytes) noexcept {
        if (bytes > limit - in_use) return false;
        in_use += bytes;
        if (in_use > peak) peak = in_use;
        return true;
    }
    void release(uint64_t bytes) noexcept { in_use -= bytes < in_use ? bytes : in_use; }
};

} // namespace egressmon::dpi
