#include "content_base64.h"

namespace egressmon::dpi {

namespace {

int sextet(uint8_t c) noexcept {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

} // namespace

void Base64Decoder::decode(const uint8_t* data, size_t len, std::string& out) {
    for (size_t i = 0; i < len; ++i) {
        const uint8_t c = data[i];
        if (c == '=') {
            flushPartial(out);
            continue;
        }
        const int v = sextet(c);
        if (v < 0) continue;
        acc_ = (acc_ << 6) | static_cast<uint32_t>(v);
        if (++count_ == 4) {
            out.push_back(static_cast<char>((acc_ >> 16) & 0xff));
            out.push_back(static_cast<char>((acc_ >> 8) & 0xff));
            out.push_back(static_cast<char>(acc_ & 0xff));
            acc_ = 0;
            count_ = 0;
        }
    }
}

void Base64Decoder::flushPartial(std::string& out) {
    // Two sextets carry one byte, three carry two; a lone sextet carries nothing.
    if (count_ == 2) {
        out.push_back(static_cast<char>((acc_ >> 4) & 0xff));
    } else if (count_ == 3) {
        out.push_back(static_cast<char>((acc_ >> 10) & 0xff));
        out.push_back(static_cast<char>((acc_ >> 2) & 0xff));
    }
    acc_ = 0;
    count_ = 0;
}

void Base64Decoder::finish(std::string& out) {
    flushPartial(out);
}

} // namespace egressmon::dpi
