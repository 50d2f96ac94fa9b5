#pragma once
// Reads a fuzz input as a sequence of small fields (bytes, little-endian integers, length-
// prefixed pieces). Past the end every read gives zeros / empty pieces, so a target never has to
// check lengths and every input, however short, is a valid program for it.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

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

} // namespace egressmon::fuzz
