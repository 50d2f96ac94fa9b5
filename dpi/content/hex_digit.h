#pragma once
// The value of one hexadecimal digit, for the decoders that read them (percent-encoding,
// quoted-printable, chunk sizes).

#include <cstdint>

namespace egressmon::dpi {

// 0..15, or -1 when `c` is not a hex digit (either case).
inline int hexDigitValue(uint8_t c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

} // namespace egressmon::dpi
