#pragma once
// Streaming multipart/form-data parser (RFC 7578 / RFC 2046). Finds the parts of a body fed in
// arbitrary pieces and hands out each part's content decoded according to its
// Content-Transfer-Encoding (base64, quoted-printable, else as is).
//
// The delimiter "\n--boundary" (with an optional CR before it, which then belongs to the
// delimiter) is matched byte by byte. The delimiter contains no other LF, so the bytes held
// back while a candidate delimiter is being matched are always the delimiter's own prefix (at
// most boundary length + 4 bytes, CR included): they are replayed from the delimiter string on
// a mismatch, and no lookbehind buffer is needed. Part header lines are buffered, bounded.
//
// After a hole in the body (gap()): an identity or quoted-printable part goes on after it (the
// handler hears partGap); a base64 part cannot (its 4-character alignment is lost) and ends, as
// does anything between parts: the parser then resynchronises at the next delimiter line,
// skipping the bytes before it like a preamble.
//
// Thread: owned by one flow's decoder.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dpi/content/content_base64.h"
#include "dpi/content/content_quoted_printable.h"

namespace egressmon::dpi {

class MultipartHandler {
  public:
    virtual void partBegin() = 0;
    virtual void partData(const uint8_t* data, size_t len) = 0;
    // `missing` bytes of the open part's encoded content were lost; the part goes on after them.
    virtual void partGap(uint64_t missing) = 0;
    virtual void partEnd() = 0;

  protected:
    ~MultipartHandler() = default;
};

class MultipartParser {
  public:
    // `max_header_bytes`: bound on each part's header section (HttpDecoderLimits).
    MultipartParser(std::string_view boundary, uint32_t max_header_bytes = 16 * 1024);

    void feed(const uint8_t* data, size_t len, MultipartHandler& handler);
    // End of the body: an open (truncated) part is flushed and ends.
    void finish(MultipartHandler& handler);
    // Input lost: an open part ends without flushing held bytes.
    void abort(MultipartHandler& handler);
    // `missing` (> 0) bytes of the body were lost here. Returns true when this ended an open
    // part early (a base64 part: the handler heard partEnd).
    bool gap(uint64_t missing, MultipartHandler& handler);
    // Part headers over the bound: the rest of the body is ignored.
    bool failed() const noexcept { return state_ == State::Failed; }

  private:
    enum class TransferEncoding : uint8_t { Identity, Base64, QuotedPrintable };
    enum class State : uint8_t {
        Preamble,   // discarded up to the first delimiter
        AfterDelim, // "--" (close delimiter) or padding up to LF
        AfterDelimDash,
        Padding,
        Headers,
        Body,
        Epilogue,
        Failed,
    };
    // Only Content-Transfer-Encoding is read from a part header line: a longer line loses
    // nothing this parser uses.
    static constexpr size_t kMaxHeaderLine = 1024;

    size_t matchDelimiter(const uint8_t* data, size_t len, bool emit, MultipartHandler& h,
                          bool& found);
    void emit(const uint8_t* data, size_t len, MultipartHandler& h);
    void releaseHeld(bool emit, MultipartHandler& h);
    void headerLine(MultipartHandler& h);
    void endPart(MultipartHandler& h);

    std::string delim_; // "\n--" + boundary
    uint32_t max_header_bytes_;
    State state_ = State::Preamble;
    size_t matched_ = 1; // delimiter bytes matched; the body may start with "--boundary"
    bool held_cr_ = false;
    std::string line_;
    size_t header_bytes_ = 0;
    TransferEncoding encoding_ = TransferEncoding::Identity;
    Base64Decoder base64_;
    QuotedPrintableDecoder qp_;
    std::string scratch_;
};

} // namespace egressmon::dpi
