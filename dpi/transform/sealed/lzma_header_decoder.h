#pragma once
// Decodes the LZMA or LZMA2 stream of a 7z encoded header with liblzma's raw decoder, into an
// output of the size the header's folder declares (no more is ever written).
//
// 7-Zip ends its LZMA streams without an end marker: decoding stops when the declared size is
// out; fewer bytes by the end of the input is corrupt. The dictionary is never made larger than
// the output (no match can reach further back), so a header declaring a 4 GiB dictionary costs
// what its output does.
//
// Thread: any. Memory: the decoder's state (the dictionary, at most the output size, and the
// literal tables) while it runs, freed on return; `out` is resized to `out_size`.

#include <cstdint>
#include <span>
#include <string>

namespace egressmon::dpi {

enum class LzmaHeaderResult : uint8_t { Ok, Corrupt, Unsupported, NoMemory };

// `method`: k7zLzma (5 bytes of properties: lc/lp/pb, dictionary size) or k7zLzma2 (1 byte).
LzmaHeaderResult decodeLzmaHeader(uint64_t method, std::span<const uint8_t> props,
                                  std::span<const uint8_t> in, size_t out_size,
                                  std::string& out) noexcept;

} // namespace egressmon::dpi
