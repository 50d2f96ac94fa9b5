#include "dpi/content/content_base64.h"

#include <array>

namespace egressmon::dpi {

namespace {

constexpr int8_t kSkip = -1; // whitespace and anything outside the alphabet
constexpr int8_t kPad = -2;  // '='

constexpr std::array<int8_t, 256> makeSextets() {
    std::array<int8_t, 256> t{};
    for (auto& v : t)
        v = kSkip;
    for (int c = 'A'; c <= 'Z'; ++c)
        t[c] = static_cast<int8_t>(c - 'A');
    for (int c = 'a'; c <= 'z'; ++c)
        t[c] = static_cast<int8_t>(c - 'a' + 26);
    for (int c = '0'; c <= '9'; ++c)
        t[c] = static_cast<int8_t>(c - '0' + 52);
    t['+'] = 62;
    t['/'] = 63;
    t['='] = kPad;
    return t;
}
constexpr std::array<int8_t, 256> kSextets = makeSextets();

char* putQuantum(char* w, uint32_t v) noexcept {
    w[0] = static_cast<char>((v >> 16) & 0xff);
    w[1] = static_cast<char>((v >> 8) & 0xff);
    w[2] = static_cast<char>(v & 0xff);
    return w + 3;
}

} // namespace

void Base64Decoder::decode(const uint8_t* data, size_t len, std::string& out) {
    // Output never exceeds 3 bytes per 4 sextets, counting the up to 3 carried in: size the
    // string once and write through a pointer (this runs over whole attachments).
    const size_t start = out.size();
    out.resize(start + len / 4 * 3 + 6);
    char* w = out.data() + start;
    size_t i = 0;
    while (i < len) {
        if (count_ == 0) {
            // Whole quanta of four alphabet characters: the body of every base64 line.
            while (i + 4 <= len) {
                const int a = kSextets[data[i]], b = kSextets[data[i + 1]],
                          c = kSextets[data[i + 2]], d = kSextets[data[i + 3]];
                if ((a | b | c | d) < 0) break;
                w = putQuantum(w, uint32_t(a) << 18 | uint32_t(b) << 12 | uint32_t(c) << 6 |
                                      uint32_t(d));
                i += 4;
            }
            if (i >= len) break;
        }
        const int v = kSextets[data[i++]];
        if (v == kPad) {
            w = flushPartial(w);
            continue;
        }
        if (v < 0) continue;
        acc_ = (acc_ << 6) | static_cast<uint32_t>(v);
        if (++count_ == 4) {
            w = putQuantum(w, acc_);
            acc_ = 0;
            count_ = 0;
        }
    }
    out.resize(static_cast<size_t>(w - out.data()));
}

char* Base64Decoder::flushPartial(char* w) noexcept {
    // Two sextets carry one byte, three carry two; a lone sextet carries nothing.
    if (count_ == 2) {
        *w++ = static_cast<char>((acc_ >> 4) & 0xff);
    } else if (count_ == 3) {
        *w++ = static_cast<char>((acc_ >> 10) & 0xff);
        *w++ = static_cast<char>((acc_ >> 2) & 0xff);
    }
    acc_ = 0;
    count_ = 0;
    return w;
}

void Base64Decoder::finish(std::string& out) {
    char tail[2];
    out.append(tail, static_cast<size_t>(flushPartial(tail) - tail));
}

} // namespace egressmon::dpi
