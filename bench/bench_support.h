#pragma once
// Inputs shared by the micro-benchmarks: English-like text, zlib compression, base64 and
// quoted-printable encoding, HTTP chunking, cutting a stream into TCP-sized pieces, and a
// DecodedLayerSink that only counts. All built once, outside the timed loops.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <zlib.h>

#include "dpi/decode/decoded_layer_sink.h"
#include "tests/unit/base64_encode.h"

namespace egressmon::bench {

// Bytes of one full-sized TCP segment on a 1500-byte MTU (IPv4, timestamps option).
inline constexpr size_t kSegment = 1448;

// Deterministic English-like prose: common words, punctuation, line breaks every ~72 chars.
// Contains nothing the default rules match (no markings, keys or card numbers).
inline std::string englishText(size_t n) {
    static const char* const kWords[] = {
        "the",      "of",      "and",     "to",      "in",       "a",       "is",       "that",
        "for",      "it",      "as",      "was",     "with",     "be",      "by",       "on",
        "not",      "he",      "this",    "are",     "or",       "his",     "from",     "at",
        "which",    "but",     "have",    "an",      "had",      "they",    "you",      "were",
        "their",    "one",     "all",     "we",      "can",      "her",     "has",      "there",
        "been",     "if",      "more",    "when",    "will",     "would",   "who",      "so",
        "no",       "report",  "quarter", "meeting", "schedule", "project", "customer", "invoice",
        "delivery", "budget",  "review",  "team",    "update",   "please",  "attached", "thanks",
        "regards",  "morning", "office",  "travel",  "policy",   "approval"};
    constexpr size_t kCount = sizeof kWords / sizeof kWords[0];
    std::string out;
    out.reserve(n + 16);
    uint64_t x = 0x2545f4914f6cdd1dULL;
    size_t line = 0;
    bool capital = true;
    while (out.size() < n) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        std::string w = kWords[x % kCount];
        if (capital) w[0] = static_cast<char>(w[0] - 'a' + 'A'), capital = false;
        out += w;
        line += w.size();
        if ((x >> 20) % 11 == 0)
            out += '.', capital = true;
        else if ((x >> 24) % 13 == 0)
            out += ',';
        if (line > 72)
            out += "\r\n", line = 0;
        else
            out += ' ', ++line;
    }
    out.resize(n);
    return out;
}

// windowBits: 31 gzip, 15 zlib, -15 raw deflate.
inline std::string compress(std::string_view in, int window_bits) {
    z_stream z{};
    if (deflateInit2(&z, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("deflateInit2");
    std::string out(deflateBound(&z, in.size()) + 64, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    if (rc != Z_STREAM_END) throw std::runtime_error("deflate");
    return out;
}
inline std::string gzip(std::string_view in) {
    return compress(in, 31);
}

using egressmon::test::base64Encode; // RFC 2045, CRLF-wrapped lines

// Quoted-printable with soft line breaks at 76 columns: bytes outside printable ASCII, '=' and
// (to give the decoder work on ordinary text) every 16th character are escaped.
inline std::string quotedPrintableEncode(std::string_view in) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    size_t col = 0;
    for (size_t i = 0; i < in.size(); ++i) {
        const auto c = static_cast<uint8_t>(in[i]);
        std::string piece;
        if (c == '\r' && i + 1 < in.size() && in[i + 1] == '\n') {
            out += "\r\n", col = 0, ++i;
            continue;
        }
        if (c == '=' || c < 32 || c > 126 || i % 16 == 0) {
            piece = {'=', hex[c >> 4], hex[c & 15]};
        } else {
            piece = std::string(1, static_cast<char>(c));
        }
        if (col + piece.size() > 75) out += "=\r\n", col = 0;
        out += piece, col += piece.size();
    }
    return out;
}

// HTTP/1.1 chunked transfer coding of `body` in `chunk`-byte chunks.
inline std::string chunked(std::string_view body, size_t chunk) {
    std::string out;
    char size[32];
    for (size_t off = 0; off < body.size(); off += chunk) {
        const size_t n = std::min(chunk, body.size() - off);
        std::snprintf(size, sizeof size, "%zx\r\n", n);
        out += size;
        out.append(body.substr(off, n));
        out += "\r\n";
    }
    return out + "0\r\n\r\n";
}

// `s` cut into pieces of at most `piece` bytes, as the reassembler would deliver it.
inline std::vector<std::string_view> pieces(std::string_view s, size_t piece = kSegment) {
    std::vector<std::string_view> out;
    for (size_t off = 0; off < s.size(); off += piece)
        out.push_back(s.substr(off, piece));
    return out;
}

inline const uint8_t* u8(std::string_view s) {
    return reinterpret_cast<const uint8_t*>(s.data());
}

// Takes every layer and counts what it is given (the inspector would scan it).
class CountingSink : public dpi::DecodedLayerSink {
  public:
    dpi::LayerId beginLayer(const dpi::LayerInfo&, dpi::LayerId) noexcept override {
        ++layers;
        return next_++;
    }
    void layerData(dpi::LayerId, const uint8_t* data, uint32_t len) noexcept override {
        bytes += len;
        if (len) last = data[len - 1];
    }
    void layerGap(dpi::LayerId, uint64_t missing) noexcept override { gap_bytes += missing; }
    void endLayer(dpi::LayerId) noexcept override {}

    uint64_t layers = 0;
    uint64_t gap_bytes = 0;
    uint64_t bytes = 0;
    uint8_t last = 0;

  private:
    dpi::LayerId next_ = 1;
};

} // namespace egressmon::bench
