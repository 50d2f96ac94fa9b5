#pragma once
// Test and benchmark helper: RFC 2045 base64, lines of `wrap` characters ended by CRLF.
// Header-only, no dependency beyond the standard library (the benchmarks use it too).

#include <cstdint>
#include <string>
#include <string_view>

namespace egressmon::test {

inline std::string base64Encode(std::string_view in, size_t wrap = 76) {
    static const char* abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string flat;
    for (size_t i = 0; i < in.size(); i += 3) {
        uint32_t v = static_cast<uint32_t>(static_cast<uint8_t>(in[i])) << 16;
        if (i + 1 < in.size()) v |= static_cast<uint32_t>(static_cast<uint8_t>(in[i + 1])) << 8;
        if (i + 2 < in.size()) v |= static_cast<uint8_t>(in[i + 2]);
        flat += abc[(v >> 18) & 63];
        flat += abc[(v >> 12) & 63];
        flat += i + 1 < in.size() ? abc[(v >> 6) & 63] : '=';
        flat += i + 2 < in.size() ? abc[v & 63] : '=';
    }
    std::string out;
    for (size_t i = 0; i < flat.size(); i += wrap)
        out += flat.substr(i, wrap) + "\r\n";
    return out;
}

} // namespace egressmon::test
