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

#include "core/counter_table.h"
#include "decoded_layer_sink.h"

namespace egressmon::dpi {

struct SmtpDecoderLimits {
    uint32_t max_line_bytes = 4096;        // command line or header line (longer: truncated)
    uint32_t max_header_bytes = 64 * 1024; // one MIME header section (fields past it ignored)
    uint32_t max_mime_depth = 8;           // nested multiparts (deeper: decoded as one leaf)
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
    X(gaps, "directions", "Stream gaps (decoding stopped for the direction)",                      \
      counter::series("gap"))                                                                      \
    X(line_too_long, "lines",                                                                      \
      "SMTP command lines, MIME header lines or unfolded fields truncated at the bound",           \
      counter::limit("smtp.max-line-bytes"))                                                       \
    X(header_too_large, "headers", "MIME header sections over the bound (fields past it ignored)", \
      counter::limit("smtp.max-header-bytes"))                                                     \
    X(mime_too_deep, "multiparts",                                                                 \
      "Multiparts nested deeper than the bound (decoded as one part)",                             \
      counter::limit("smtp.max-mime-depth"))                                                       \
    /* one X(...) per counter, above this line */

struct SmtpDecoderCounters {
    EGRESSMON_SMTP_DECODER_COUNTERS(EGRESSMON_COUNTER_FIELD)
    EGRESSMON_COUNTER_TABLE(SmtpDecoderCounters, EGRESSMON_SMTP_DECODER_COUNTERS, "smtp", "smtp",
                            "egressmon_decoder_events_total", "decoder", "smtp")
    EGRESSMON_COUNTER_SUM(SmtpDecoderCounters)
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
