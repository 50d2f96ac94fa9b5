#pragma once
// The config's bounds for the sealed probes (`extraction:`). RAR headers walked share
// extraction.max-archive-entries with ZIP and tar (ZipLimits::max_entries).
//
// Thread: any (built once from the config, copied into each worker's FileDecoding).

#include <cstdint>

namespace egressmon::dpi {

struct SealedLimits {
    // extraction.max-7z-header-bytes: a 7z's tail held (its header and the packed bytes before
    // it), and, separately, each LZMA-decoded header.
    uint64_t max_7z_header_bytes = 1u << 20;
};

} // namespace egressmon::dpi
