#pragma once
// The top-level structure of a PDF file, pushed through in pieces of any size: each object's
// text ("12 0 obj << ... >>"), each stream's raw data between "stream" and "endstream", and each
// trailer. What the objects mean is the PdfDocument's business; this only finds them.
//
// It reads the file front to back, as it streams past, without the cross-reference table
// (which is at the end, and often wrong): the text between keywords is gathered (bounded by
// max_body_bytes: a longer stretch keeps its last half, so a trailer after a long xref table
// is still seen) and handed over at each token `stream` (followed by an end of line), `endobj`
// and `startxref`. Stream data ends at the token "endstream", not at /Length: the length is
// often an indirect object written after the stream, and often wrong; "endstream" inside
// compressed data is as likely as any 9-byte string (about 2^-72 per position), and the end of
// line before it is harmless to every filter (flate stops at its end marker, the ASCII filters
// skip whitespace, LZW and RunLength have end codes, content streams ignore it).
//
// After a hole the scanner goes on: inside a stream, the stream is flagged broken and its end
// is still found by "endstream"; outside, the gathered text is dropped and the next keyword
// resynchronises.
//
// Thread: the worker that owns the flow. Memory: the gathered text, at most max_body_bytes.
// noexcept; an allocation failure drops the gathered text (counted by the caller through
// bodiesDropped()).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace egressmon::dpi {

class PdfScanEvents {
  public:
    // An object "num gen obj" and its text after "obj", up to "endobj" or "stream" (then
    // `has_stream`, and streamData/streamEnd follow). num is 0 when the header was lost (the
    // text before was cut by the body bound or a hole).
    virtual void object(uint32_t num, std::string_view body, bool has_stream) noexcept = 0;
    virtual void streamData(const uint8_t* data, size_t len) noexcept = 0;
    // `broken`: a hole fell inside the data; `complete`: "endstream" was seen (false: the file
    // ended first).
    virtual void streamEnd(bool broken, bool complete) noexcept = 0;
    // The text of a "trailer" section (its dictionary follows the keyword).
    virtual void trailer(std::string_view body) noexcept = 0;

  protected:
    ~PdfScanEvents() = default;
};

class PdfObjectScanner {
  public:
    explicit PdfObjectScanner(size_t max_body_bytes) noexcept;

    void feed(const uint8_t* data, size_t len, PdfScanEvents& events) noexcept;
    // `missing` bytes were lost.
    void gap(PdfScanEvents& events) noexcept;
    // The file ended: an open stream ends (incomplete); gathered text is dropped.
    void finish(PdfScanEvents& events) noexcept;

    uint64_t bodiesCut() const noexcept { return bodies_cut_; }
    bool inStream() const noexcept { return state_ != State::Outside; }

  private:
    enum class State : uint8_t { Outside, StreamStart, StreamData };

    size_t feedOutside(const uint8_t* data, size_t len, PdfScanEvents& events) noexcept;
    size_t feedStream(const uint8_t* data, size_t len, PdfScanEvents& events) noexcept;
    // Looks for the keywords in body_ from scan_from_; returns where the stream data starts in
    // body_ when a "stream" keyword was found (the rest of body_ is stream data), else npos.
    size_t handleKeywords(PdfScanEvents& events) noexcept;
    void objectText(std::string_view text, bool has_stream, PdfScanEvents& events) noexcept;

    size_t max_body_;
    State state_ = State::Outside;
    std::string body_;
    size_t scan_from_ = 0; // body_ before this holds no keyword
    bool body_cut_ = false;
    uint64_t bodies_cut_ = 0;
    uint8_t matched_ = 0; // bytes of "endstream" matched at the end of the data so far
    bool stream_broken_ = false;
    bool after_cr_ = false; // StreamStart: the CR of a CRLF was read
};

} // namespace egressmon::dpi
