#pragma once
// Streaming zlib inflate for HTTP Content-Encoding and ZIP entries, with decompression-bomb
// bounds.
//
//   Gzip:    inflateInit2(15 + 32), which takes a gzip or a zlib header.
//   Deflate: RFC 9110 says zlib-wrapped, but some servers send raw deflate, so, as browsers
//            do, the first two bytes decide: a valid zlib header -> zlib, else raw (-15).
//   Raw:     raw deflate only (-15), as ZIP entries (method 8) store it: there the first bytes
//            are data, and guessing a zlib header from them would misread some entries.
//
// Output goes to an InflateOutput in pieces of at most kOutChunk bytes; nothing is buffered
// beyond zlib's own window. Bounds: at most `max_out` bytes in all, and (once kRatioGrace bytes
// are out) at most `max_ratio` times the compressed bytes consumed so far. A bound hit gives
// Status::Bomb (stoppedByRatio() tells which bound), corrupt data Status::Error; both are final
// (later input is ignored).
//
// Thread: owned by one flow's decoder. Memory: z_stream state (~44 KiB) while active.

#include <cstddef>
#include <cstdint>
#include <memory>

namespace egressmon::dpi {

class InflateOutput {
  public:
    virtual void inflated(const uint8_t* data, size_t len) = 0;

  protected:
    ~InflateOutput() = default;
};

class Inflater {
  public:
    enum class Format : uint8_t { Gzip, Deflate, Raw };
    enum class Status : uint8_t { Active, Finished, Bomb, Error };
    static constexpr size_t kOutChunk = 16 * 1024;
    static constexpr uint64_t kRatioGrace = 64 * 1024;

    Inflater(Format format, uint64_t max_out, uint32_t max_ratio) noexcept;
    ~Inflater();
    Inflater(const Inflater&) = delete;
    Inflater& operator=(const Inflater&) = delete;

    Status feed(const uint8_t* data, size_t len, InflateOutput& out);
    Status status() const noexcept { return status_; }
    uint64_t totalOut() const noexcept { return total_out_; }
    // Status::Bomb because of max_ratio rather than max_out: each bound is its own setting, so
    // the operator must be told which one to change.
    bool stoppedByRatio() const noexcept { return by_ratio_; }
    // After Status::Finished: how many bytes at the end of the feed() call that finished the
    // stream came after its end (0 otherwise). A container that does not frame the compressed
    // stream itself (a ZIP entry with a data descriptor) finds its next record there.
    size_t unconsumedTail() const noexcept { return tail_; }

  private:
    struct Stream;
    bool start(int window_bits);
    void run(const uint8_t* data, size_t len, InflateOutput& out);

    Format format_;
    Status status_ = Status::Active;
    uint64_t max_out_;
    uint32_t max_ratio_;
    uint64_t total_out_ = 0;
    bool by_ratio_ = false;
    size_t tail_ = 0;
    bool have_first_ = false; // Deflate: first byte held until the second decides the format
    uint8_t first_ = 0;
    std::unique_ptr<Stream> stream_;
};

} // namespace egressmon::dpi
