// SmtpDecoder (dpi/smtp_decoder.h), the client -> server direction: commands (pipelined), DATA
// with dot-unstuffing, BDAT, STARTTLS, and the MIME decoding of each message (multipart at
// depth, base64 and quoted-printable parts). Small limits so line, header and depth bounds are
// reached.
//
// Input: [mode][split seed: 4][gap at: 2] then the stream.
//   mode bit 1: a gap is announced at `gap at`; bits 2-3: the sink refuses layers past 1-3
//   open ones (0: never).
// Checks: the sink contract, no layer left open after onEnd/onGap, and that any split of the
// stream gives the same layers and counters (the decoder's promise).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "dpi/smtp_decoder.h"
#include "fuzz_input.h"
#include "layer_check_sink.h"

using namespace egressmon;

namespace {

std::string counters(const dpi::SmtpDecoderCounters& c) {
    return std::to_string(c.messages) + " " + std::to_string(c.mime_parts) + " " +
           std::to_string(c.starttls) + " " + std::to_string(c.parse_errors) + " " +
           std::to_string(c.gaps);
}

dpi::SmtpDecoderLimits smallLimits() {
    dpi::SmtpDecoderLimits limits;
    limits.max_line_bytes = 256;
    limits.max_header_bytes = 2048;
    limits.max_mime_depth = 3;
    return limits;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    const uint8_t mode = in.u8();
    const uint32_t seed = in.u32();
    const uint16_t gap_at = in.u16();
    const auto stream = in.rest();
    const dpi::SmtpDecoderLimits limits = smallLimits();

    // Whole stream in one piece, then in pieces (PieceSizes splits alike for seed and seed | 1).
    dpi::SmtpDecoderCounters whole_counters, split_counters;
    fuzz::LayerCheckSink whole_sink, split_sink;
    fuzz::decodeStream([&] { return dpi::SmtpDecoder(limits, whole_counters); }, stream, 0,
                       whole_sink);
    fuzz::decodeStream([&] { return dpi::SmtpDecoder(limits, split_counters); }, stream, seed | 1,
                       split_sink);
    if (whole_sink.render() != split_sink.render() ||
        counters(whole_counters) != counters(split_counters))
        std::abort();

    // Gaps and a sink that refuses layers: only the contract is checked.
    dpi::SmtpDecoderCounters c;
    fuzz::checkGapAndRefusal([&] { return dpi::SmtpDecoder(limits, c); }, stream, mode, gap_at);
    return 0;
}
