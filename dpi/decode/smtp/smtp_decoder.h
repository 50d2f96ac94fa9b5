#pragma once
// Incremental SMTP decoder for the client -> server direction of one flow. Follows the command
// dialogue (EHLO/HELO, MAIL, RCPT, DATA, BDAT, RSET, QUIT; pipelined commands too) and decodes
// each message's content into layers of a DecodedLayerSink:
//
//   "smtp.data"         the message as sent after DATA, dot-unstuffed, up to the final "."
//                       (or the BDAT chunks of one message)
//   "smtp.mime.base64"  each MIME part with Content-Transfer-Encoding: base64, decoded
//   "smtp.mime.qp"      each MIME part with Content-Transfer-Encoding: quoted-printable, decoded
//                       (soft line breaks removed)
//   "smtp.mime.part"    each other leaf part's body (7bit/8bit/binary), so offsets are per part
//
// MIME: multipart/* at any depth up to a small bound (boundaries from Content-Type), headers
// unfolded, leaf parts decoded as they stream; never a whole message buffered. Bounds: command
// line length, header section size, MIME nesting, bytes skipped to resynchronise.
//
// STARTTLS: the decoder then waits for what follows. When the server's reply is known (an
// SmtpReplyDecoder on the other direction, sharing an SmtpPairing): 220 means TLS follows and
// decoding ends (counted `starttls`); 4xx/5xx means refused, and the client's clear-text
// commands are decoded on (counted `starttls_refused`). With no reply known when the client's
// next bytes come (the server direction not seen, or late): a byte that no command line has (a
// TLS record starts 0x16 0x03) ends decoding as `starttls`, so does a first line that is not a
// plausible command (plausibleSmtpCommand); a plausible one resumes, counted `starttls_refused`.
// A gap while waiting: an acceptance already known stops, else the command-phase resync below.
//
// Gaps (bytes lost under the stream) are resynchronised, counted `gaps`, then `resyncs` once
// decoding goes on: inside DATA the message layer and the open MIME leaf hear layerGap, the
// MIME parser goes on at the next line (boundaries recognised again, base64 and quoted-printable
// restart at the next line), and a "." line still ends the message (the first line after the
// hole included); inside a BDAT chunk the chunk's count frames it exactly. In the command phase
// lines are skipped up to the next plausible command (the rest of the cut line first, unless it
// is one); past max_resync_bytes skipped (a line cut at max_line_bytes counts as skipped as it
// comes), decoding stops (counted `resync_failures`). Known limit: a line that the hole cut to
// "." is taken for the end of the message. Input that is not SMTP stops decoding too
// (`parse_errors`).
//
// Thread: the worker owning the flow; noexcept; memory bounded.

#include <cstdint>
#include <memory>

#include "core/counter_table.h"
#include "dpi/decode/decoded_layer_sink.h"
#include "dpi/transform/transform.h"

namespace egressmon::dpi {

struct SmtpDecoderLimits {
    uint32_t max_line_bytes = 4096;        // command line or header line (longer: truncated)
    uint32_t max_header_bytes = 64 * 1024; // one MIME header section (fields past it ignored)
    uint32_t max_mime_depth = 8;           // nested multiparts (deeper: decoded as one leaf)
    // Bytes skipped after a gap in the command phase (or after STARTTLS) looking for a plausible
    // command line; past it decoding stops (counted resync_failures). smtp.max-resync-bytes.
    uint32_t max_resync_bytes = 1024 * 1024;
};

// One line per counter: X(field, unit, help, exports); see core/counter_table.h.
#define EGRESSMON_SMTP_DECODER_COUNTERS(X)                                                         \
    X(messages, "messages", "DATA or BDAT messages", counter::series("message"))                   \
    X(mime_parts, "parts", "MIME leaf parts decoded", counter::series("mime_part"))                \
    X(starttls, "directions", "Decoding ended by STARTTLS (mail the sensor can no longer read)",   \
      counter::series("starttls"))                                                                 \
    X(parse_errors, "directions",                                                                  \
      "Input that is not SMTP, or bounds hit in a way that desynchronises (decoding stopped)",     \
      counter::series("parse_error"))                                                              \
    X(gaps, "gaps", "Holes in the client stream under the decoder", counter::series("gap"))        \
    X(line_too_long, "lines",                                                                      \
      "SMTP command lines, MIME header lines or unfolded fields truncated at the bound",           \
      counter::limit("smtp.max-line-bytes"))                                                       \
    X(header_too_large, "headers", "MIME header sections over the bound (fields past it ignored)", \
      counter::limit("smtp.max-header-bytes"))                                                     \
    X(mime_too_deep, "multiparts",                                                                 \
      "Multiparts nested deeper than the bound (decoded as one part)",                             \
      counter::limit("smtp.max-mime-depth"))                                                       \
    X(resyncs, "gaps",                                                                             \
      "Holes after which decoding went on (inside DATA or BDAT, or at the next plausible "         \
      "command)",                                                                                  \
      counter::series("resync"))                                                                   \
    X(resync_failures, "gaps",                                                                     \
      "Holes after which no plausible command came within smtp.max-resync-bytes (stopped)",        \
      counter::limit("smtp.max-resync-bytes"))                                                     \
    X(starttls_refused, "sessions",                                                                \
      "STARTTLS answered 4xx/5xx, or followed by clear-text commands: decoding went on",           \
      counter::series("starttls_refused"))                                                         \
    X(reply_errors, "directions",                                                                  \
      "Server bytes that are not SMTP replies (the reply reader stopped)",                         \
      counter::series("reply_error"))                                                              \
    X(transforms_refused, "transforms",                                                            \
      "Content transforms (inflate, form, MIME) not run or cut for lack of memory, or layers "     \
      "past "                                                                                      \
      "the nesting cap of 64 not decoded further (their input layer is still scanned)",            \
      counter::series("transform_refused"))                                                        \
    /* one X(...) per counter, above this line */

struct SmtpDecoderCounters {
    EGRESSMON_SMTP_DECODER_COUNTERS(EGRESSMON_COUNTER_FIELD)
    EGRESSMON_COUNTER_TABLE(SmtpDecoderCounters, EGRESSMON_SMTP_DECODER_COUNTERS, "smtp", "smtp",
                            "egressmon_decoder_events_total", "decoder", "smtp")
    EGRESSMON_COUNTER_SUM(SmtpDecoderCounters)
};

// Shared by the two directions of one SMTP flow (as HttpPairing is for HTTP): the client's
// SmtpDecoder says which reply answers its STARTTLS, the server's SmtpReplyDecoder records the
// replies, so the client's decoder learns whether TLS follows. Both count in one numbering:
// reply 1 is the banner, then one reply per client command line (AUTH continuations included)
// and one per DATA message's end. A gap in either direction makes the numbering untrusted
// (`lost`): the answer is then the first 220/4xx/5xx reply completed after the client's
// STARTTLS was seen. Fixed size; no allocation.
struct SmtpPairing {
    static constexpr uint32_t kRecent = 8;
    uint64_t awaited = 1;          // replies the client's lines call for so far, banner included
    uint64_t replies = 0;          // replies completed by the server direction
    uint16_t recent[kRecent] = {}; // codes of the last replies: reply n at (n - 1) % kRecent
    uint64_t starttls_at = 0;      // number of the reply answering a pending STARTTLS; 0: none
    uint64_t starttls_after = 0;   // `replies` when that STARTTLS was seen (for `lost`)
    uint16_t starttls_code = 0;    // the answer's code once known; 0: not yet
    bool lost = false;             // a gap in either direction: numbering not trusted
};

// The SMTP decoder of the client -> server direction.
class SmtpDecoder final : public StreamDecoder {
  public:
    // Fed from the client's first byte (its greeting). `pairing` is shared with the server
    // direction's SmtpReplyDecoder and must outlive both; null when that direction is not
    // decoded: then what follows STARTTLS is judged from the client's bytes alone.
    // `files`: the bounds and counters of the file transforms under the messages (archives).
    SmtpDecoder(const SmtpDecoderLimits& limits, SmtpDecoderCounters& counters,
                SmtpPairing* pairing = nullptr, const FileDecoding& files = FileDecoding());
    ~SmtpDecoder() override;
    SmtpDecoder(const SmtpDecoder&) = delete;
    SmtpDecoder& operator=(const SmtpDecoder&) = delete;

    void onData(const uint8_t* data, uint32_t len, DecodedLayerSink& sink) noexcept override;
    void onGap(uint64_t missing, DecodedLayerSink& sink) noexcept override;
    void onEnd(DecodedLayerSink& sink) noexcept override;
    bool stopped() const noexcept override;
    DecoderKind kind() const noexcept override { return DecoderKind::SmtpClient; }

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The server -> client direction of an SMTP flow: reads reply lines ("250-..." continuations,
// "250 ..." or "250" last line, complete at its LF) only for what SmtpPairing needs; writes no
// layer. Cheap: per line it keeps 4 bytes and a length; a line longer than max_line_bytes
// (CRLF not counted), or one that is not a reply line, stops it (counted reply_errors; not
// while a STARTTLS is pending: those are TLS bytes). The reply answering STARTTLS with 220
// stops it (TLS follows). A gap: the numbering is marked lost and reading goes on at the next
// line. Fed from the server's first byte (its banner; see sniffSmtpReplies); when started
// later, set pairing.lost first. onGap counts nothing (the client's decoder counts gaps).
class SmtpReplyDecoder final : public StreamDecoder {
  public:
    SmtpReplyDecoder(const SmtpDecoderLimits& limits, SmtpDecoderCounters& counters,
                     SmtpPairing& pairing) noexcept
        : max_line_(limits.max_line_bytes), counters_(counters), pairing_(pairing) {}

    void onData(const uint8_t* data, uint32_t len, DecodedLayerSink& sink) noexcept override;
    void onGap(uint64_t missing, DecodedLayerSink& sink) noexcept override;
    void onEnd(DecodedLayerSink& sink) noexcept override;
    bool stopped() const noexcept override { return stopped_; }
    DecoderKind kind() const noexcept override { return DecoderKind::SmtpReplies; }

  private:
    void lineHead() noexcept;
    void replyDone() noexcept;
    void fail() noexcept;

    uint32_t max_line_;
    SmtpDecoderCounters& counters_;
    SmtpPairing& pairing_;
    char head_[4] = {};      // the current line's first bytes: code and separator
    uint32_t line_len_ = 0;  // bytes of the current line so far (terminator excluded)
    bool skip_line_ = false; // past the head (or after a gap): skipping to LF
    bool last_ = false;      // the line being read is a reply's last ("250 ..."): at its LF
    uint16_t code_ = 0;      // code of the line read
    bool stopped_ = false;
};

} // namespace egressmon::dpi
