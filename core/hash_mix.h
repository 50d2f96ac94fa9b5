#pragma once
// The 64-bit mixing steps behind every hash table key in egressmon (flows, fragments).

#include <cstdint>
#include <cstring>

namespace egressmon::core {

// Stafford's variant 13 of the MurmurHash3 finaliser: cheap and well mixed.
inline uint64_t mix64(uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

// Unaligned little-endian-agnostic load of 8 bytes (the value only feeds a hash).
inline uint64_t load64(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

} // namespace egressmon::core
