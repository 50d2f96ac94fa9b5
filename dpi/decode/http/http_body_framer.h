#pragma once
// HTTP/1.x message body framing: Content-Length, chunked transfer coding (extensions and
// trailers skipped) or until the end of the stream. A byte-at-a-time state machine for the
// chunk-size line and trailers (nothing buffered); chunk data is handed out as views of the
// input.
//
// Call flow: start() per body, then step() repeatedly on the unconsumed input: each call
// consumes some bytes and returns at most one contiguous span of body bytes. gap() when bytes of
// the stream were lost: whether the framing still holds after the hole.

#include <cstddef>
#include <cstdint>

namespace egressmon::dpi {

class HttpBodyFramer {
  public:
    enum class Mode : uint8_t { Length, Chunked, UntilClose };

    struct Step {
        size_t consumed = 0;
        const uint8_t* body = nullptr; // body bytes inside the consumed input
        size_t body_len = 0;
        bool done = false;              // the body ended with the consumed bytes
        bool error = false;             // malformed chunked framing
        bool trailer_too_large = false; // ... namely trailers over max_trailer_bytes
    };

    // `max_trailer_bytes`: bound on a chunked body's trailer section (HttpDecoderLimits).
    explicit HttpBodyFramer(uint32_t max_trailer_bytes = 64 * 1024) noexcept
        : max_trailer_bytes_(max_trailer_bytes) {}

    struct GapStep {
        uint64_t body = 0;    // body bytes lost in the hole
        bool resumes = false; // framing holds after the hole (else: lost, the body is over)
        bool done = false;    // ... and the body ended exactly at the hole's end
    };

    void start(Mode mode, uint64_t length = 0) noexcept;
    Step step(const uint8_t* data, size_t len) noexcept;
    // `missing` (> 0) bytes were lost at this point. Inside data of a known length (Content-
    // Length, one chunk) or a close-delimited body, the hole takes body bytes and framing goes
    // on; a hole in chunk framing (size line, CRLF, trailers) or past a Content-Length body's
    // end loses it: `resumes` false, and the framer is done.
    GapStep gap(uint64_t missing) noexcept;

  private:
    enum class State : uint8_t {
        Data,        // Length / UntilClose / chunk data
        ChunkSize,   // hex digits
        ChunkExt,    // after the size: extensions up to LF
        ChunkDataCr, // CRLF after chunk data
        ChunkDataLf,
        Trailer, // trailer fields up to an empty line
        Done,
    };
    static constexpr uint32_t kMaxLine = 8 * 1024; // chunk-size line and trailer line bound

    uint32_t max_trailer_bytes_;
    Mode mode_ = Mode::Length;
    State state_ = State::Done;
    uint64_t remaining_ = 0;
    uint32_t digits_ = 0;
    uint32_t line_len_ = 0;
    uint32_t trailer_bytes_ = 0;
};

} // namespace egressmon::dpi
