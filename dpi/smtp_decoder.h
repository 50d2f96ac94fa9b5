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
// unfolded, leaf parts decoded as they stream; never a whole message buffered. STARTTLS (a 220
// reply is not visible here, so: the STARTTLS command) ends decoding for the direction, as does
// a gap or input that is not SMTP (counted). Bounds: command line length, header section size,
// MIME nesting.
//
// Thread: the worker owning the flow; noexcept; memory bounded.

#include <cstdint>
#include <memory>

#include "decoded_layer_sink.h"

namespace egressmon::dpi {

struct SmtpDecoderLimits {
    uint32_t max_line_bytes = 4096;        // command line or header line (longer: truncated)
    uint32_t max_header_bytes = 64 * 1024; // one MIME header section (fields past it ignored)
    uint32_t max_mime_depth = 8;           // nested multiparts (deeper: decoded as one leaf)
};

struct SmtpDecoderCounters {
    uint64_t messages = 0;     // DATA/BDAT messages
    uint64_t mime_parts = 0;   // leaf parts decoded
    uint64_t starttls = 0;     // decoding ended by STARTTLS
    uint64_t parse_errors = 0; // not SMTP / bounds hit in a way that desyncs: stopped
    uint64_t gaps = 0;
    uint64_t line_too_long = 0;    // command lines, header lines or fields cut at max_line_bytes
    uint64_t header_too_large = 0; // MIME header sections over max_header_bytes
    uint64_t mime_too_deep = 0;    // multiparts past max_mime_depth, not split into parts
    SmtpDecoderCounters& operator+=(const SmtpDecoderCounters& o) {
        messages += o.messages, mime_parts += o.mime_parts, starttls += o.starttls;
        parse_errors += o.parse_errors, gaps += o.gaps;
        line_too_long += o.line_too_long, header_too_large += o.header_too_large;
        mime_too_deep += o.mime_too_deep;
        return *this;
    }
};

class SmtpDecoder final : public StreamDecoder {
  public:
    SmtpDecoder(const SmtpDecoderLimits& limits, SmtpDecoderCounters& counters);
    ~SmtpDecoder() override;
    SmtpDecoder(const SmtpDecoder&) = delete;
    SmtpDecoder& operator=(const SmtpDecoder&) = delete;

    void onData(const uint8_t* data, uint32_t len, DecodedLayerSink& sink) noexcept override;
    void onGap(uint64_t missing, DecodedLayerSink& sink) noexcept override;
    void onEnd(DecodedLayerSink& sink) noexcept override;
    bool stopped() const noexcept override;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace egressmon::dpi
