#pragma once
// Reads a fuzz input as a sequence of small fields (bytes, little-endian integers, length-
// prefixed pieces). Past the end every read gives zeros / empty pieces, so a target never has to
// check lengths and every input, however short, is a valid program for it. Below it, the ways
// the targets feed the same data whole and split (PieceSizes, feedInPieces and the helpers
// built on it).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

namespace egressmon::fuzz {

class FuzzInput {
  public:
    FuzzInput(const uint8_t* data, size_t size) : data_(data), size_(size) {}

    bool empty() const { return pos_ >= size_; }
    size_t remaining() const { return size_ - pos_; }

    uint8_t u8() { return pos_ < size_ ? data_[pos_++] : 0; }
    uint16_t u16() { return static_cast<uint16_t>(u8() | (u8() << 8)); }
    uint32_t u32() { return u16() | (static_cast<uint32_t>(u16()) << 16); }

    // Up to `n` bytes (fewer at the end of the input).
    std::span<const uint8_t> bytes(size_t n) {
        n = std::min(n, remaining());
        std::span<const uint8_t> out(data_ + pos_, n);
        pos_ += n;
        return out;
    }
    std::span<const uint8_t> rest() { return bytes(remaining()); }

  private:
    const uint8_t* data_;
    size_t size_;
    size_t pos_ = 0;
};

// Piece sizes for feeding a stream decoder: a small deterministic generator seeded by the
// input, so the same input always splits the same way and the fuzzer can steer the seed.
class PieceSizes {
  public:
    explicit PieceSizes(uint32_t seed) : state_(seed | 1) {}
    // 1..max_piece, mostly small (splits inside tokens), sometimes large.
    size_t next(size_t max_piece) {
        state_ ^= state_ << 13, state_ ^= state_ >> 17, state_ ^= state_ << 5; // xorshift32
        const size_t limit = (state_ & 3) == 0 ? max_piece : std::min<size_t>(max_piece, 16);
        return 1 + (state_ >> 8) % limit;
    }

  private:
    uint32_t state_;
};

// Calls feed(const uint8_t*, size_t) over `data`: in one piece when `seed` is 0 (not at all for
// empty data), else in pieces of 1..max_piece bytes drawn from PieceSizes(seed).
template <typename Feed>
void feedInPieces(std::span<const uint8_t> data, uint32_t seed, size_t max_piece, Feed&& feed) {
    PieceSizes pieces(seed);
    for (size_t i = 0; i < data.size();) {
        const size_t n =
            seed == 0 ? data.size() : std::min(pieces.next(max_piece), data.size() - i);
        feed(data.data() + i, n);
        i += n;
    }
}

// Runs a streaming parser (feed(data, len, handler), finish(handler), abort(handler), as
// MimeParser has) over `data` split as feedInPieces does with pieces of up
// to 4 KiB, then finishes it, or aborts it when `cut` (the input was cut off).
template <typename Parser, typename Handler>
void parseInPieces(Parser& parser, Handler& handler, std::span<const uint8_t> data, uint32_t seed,
                   bool cut) {
    feedInPieces(data, seed, 4096,
                 [&](const uint8_t* piece, size_t n) { parser.feed(piece, n, handler); });
    if (cut)
        parser.abort(handler);
    else
        parser.finish(handler);
}

// The content decoder targets (decode(data, len, out) / finish(out)): decodes `data` with a
// decoder from make(), whole and in pieces of up to 256 bytes from `seed` (not 0), and aborts
// unless both give the same output. Every decode() call of n bytes may add at most
// max_growth(n) bytes, finish() at most max_finish.
template <typename MakeDecoder, typename MaxGrowth>
void checkContentDecoder(MakeDecoder&& make, std::span<const uint8_t> data, uint32_t seed,
                         MaxGrowth&& max_growth, size_t max_finish) {
    const auto run = [&](uint32_t piece_seed) {
        auto decoder = make();
        std::string out;
        feedInPieces(data, piece_seed, 256, [&](const uint8_t* piece, size_t n) {
            const size_t before = out.size();
            decoder.decode(piece, n, out);
            if (out.size() - before > max_growth(n)) std::abort();
        });
        const size_t before = out.size();
        decoder.finish(out);
        if (out.size() - before > max_finish) std::abort();
        return out;
    };
    if (run(0) != run(seed)) std::abort();
}

} // namespace egressmon::fuzz
