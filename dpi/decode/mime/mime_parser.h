#pragma once
// Streaming MIME entity parser (RFC 2045/2046) for one message: the header section of the
// message and of every part (unfolded, bounded), multipart/* nested up to a depth bound, and
// each leaf part's body decoded by its Content-Transfer-Encoding, handed out as it streams.
//
// Call flow: bytes are line-oriented. In a header section a line is buffered (bounded) and
// interpreted when complete. In a body a line start holds its first bytes while they can still
// be "--boundary" of an open multipart (innermost first), and the line terminator before it is
// held too, since it belongs to a following delimiter; everything else is passed on at once.
// So at most one boundary plus CRLF is ever held, whatever the split of the input; each held
// byte is compared once per open multipart still matching. What a gap does: see gap().
//
// A message that is not multipart with an identity encoding gives no leaf (its bytes are the
// message itself). Known limit: where one open boundary is a prefix of another, a line is taken
// as the delimiter of the first full match, innermost first.
//
// Thread: owned by one flow's decoder.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dpi/content/content_base64.h"
#include "dpi/content/content_quoted_printable.h"
#include "dpi/decode/content_run.h"
#include "dpi/decode/line_bound.h"
#include "dpi/decode/mime/mime_header.h"

namespace egressmon::dpi {

class MimeHandler {
  public:
    // Decoded bytes of the current leaf part; never empty.
    virtual void partData(MimeEncoding encoding, const uint8_t* data, size_t len) = 0;
    // The current leaf part ended (also when it gave no data).
    virtual void partEnd() = 0;
    // `missing` bytes of the message were lost inside the current leaf part (encoded bytes, as
    // the stream counts them); the part goes on after them. Only MimeParser::gap calls it.
    virtual void partGap(uint64_t /*missing*/) {}

  protected:
    ~MimeHandler() = default;
};

struct MimeLimits {
    uint32_t max_line_bytes = 4096;
    uint32_t max_header_bytes = 64 * 1024;
    uint32_t max_depth = 8;
};

class MimeParser {
  public:
    // A message: its header section comes first (SMTP DATA, message/rfc822).
    explicit MimeParser(const MimeLimits& limits) : limits_(clamped(limits)) {}
    // The body of a multipart entity whose headers were read elsewhere (an HTTP
    // multipart/form-data body: the HTTP headers gave the boundary): parsing starts in its
    // preamble, and the body may begin with the first delimiter line.
    MimeParser(const MimeLimits& limits, std::string_view boundary);

    // May throw std::bad_alloc.
    void feed(const uint8_t* data, size_t len, MimeHandler& h);
    // End of the message: an open leaf is flushed and ends.
    void finish(MimeHandler& h);
    // Input lost for good: an open leaf ends without flushing held bytes.
    void abort(MimeHandler& h);
    // `missing` (> 0) bytes of the message were lost. Held bytes are dropped. Outside a header
    // section the bytes right after the hole may be a delimiter line (the hole ended at a line
    // start); if they are not, an identity or quoted-printable leaf goes on with them as
    // content (a cut escape is dropped), while a base64 leaf and a preamble or epilogue skip the
    // rest of the cut line (base64 drops its partial quantum: lines of whole quanta decode on
    // their own). In a header section the field being read and the rest of the cut line are
    // dropped (that line may also be a delimiter) and the section goes on. An open leaf hears
    // partGap. Delimiter lines are recognised again, so the next part is decoded normally. Counted
    // in gaps().
    void gap(uint64_t missing, MimeHandler& h);
    uint64_t gaps() const noexcept { return gaps_; }
    // Header fields past max_header_bytes were ignored (counted once per section).
    uint64_t headerOverflows() const noexcept { return header_overflows_; }
    // Header lines or unfolded fields cut at max_line_bytes (counted once per line or field).
    uint64_t lineOverflows() const noexcept { return line_overflows_; }
    // multipart entities past max_depth, decoded as one leaf part instead of split into parts.
    uint64_t depthOverflows() const noexcept { return depth_overflows_; }
    // The headers of the leaf part being decoded (valid from its first partData to partEnd).
    const MimeEntityInfo& part() const noexcept { return info_; }

  private:
    // At most 64 open multiparts: the delimiter candidates are a 64-bit mask.
    static MimeLimits clamped(MimeLimits limits) noexcept {
        if (limits.max_depth > 64) limits.max_depth = 64;
        return limits;
    }
    enum class Mode : uint8_t { Headers, Leaf, Skip, Done };
    enum class Line : uint8_t { Start, Inside, DelimTail, DelimDash, Rest };

    size_t feedHeaders(const uint8_t* data, size_t len, MimeHandler& h);
    size_t feedBody(const uint8_t* data, size_t len, MimeHandler& h);
    void headerLine(MimeHandler& h);
    void endHeaders();
    // Index of the open multipart whose "--boundary" starts `line`, or -1.
    int delimiterIn(std::string_view line) const noexcept;
    void delimiter(size_t frame, bool closing, MimeHandler& h);
    void content(const uint8_t* data, size_t len, MimeHandler& h);
    void flushHeld(MimeHandler& h);
    void endLeaf(bool flush, MimeHandler& h);

    MimeLimits limits_;
    Mode mode_ = Mode::Headers;
    Line line_state_ = Line::Start;
    bool top_ = true;                 // the entity being parsed is the message itself
    std::vector<std::string> frames_; // "--" + boundary of each open multipart, outermost first
    size_t delim_frame_ = 0;          // frame of the delimiter being read (DelimTail/DelimDash)
    // Header section.
    MimeEntityInfo info_;
    std::string line_;  // current header line, bounded
    std::string field_; // current unfolded field, bounded
    size_t header_bytes_ = 0;
    bool header_overflow_ = false;
    LineBound line_bound_;        // of line_, at max_line_bytes
    bool field_overflow_ = false; // the current unfolded field was cut (counted)
    uint64_t header_overflows_ = 0;
    uint64_t line_overflows_ = 0;
    uint64_t depth_overflows_ = 0;
    uint64_t gaps_ = 0;
    // Body line framing.
    std::string hold_;    // line start that may be a delimiter
    uint8_t eol_len_ = 0; // held terminator of the previous line: 0, 1 ("\n") or 2 ("\r\n")
    bool cr_held_ = false;
    bool after_gap_ = false;  // at the first byte after a hole, taken as a possible line start
    uint64_t candidates_ = 0; // frames whose delimiter the held line start still matches
    uint64_t allFrames() const noexcept {
        return frames_.size() >= 64 ? ~uint64_t{0} : (uint64_t{1} << frames_.size()) - 1;
    }
    // Leaf decoding.
    Base64Decoder base64_;
    QuotedPrintableDecoder qp_;
    std::string scratch_;
};

} // namespace egressmon::dpi
