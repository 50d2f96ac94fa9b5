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

    dpi::SmtpDecoderCounters whole_counters;
    fuzz::LayerCheckSink whole_sink;
    {
        dpi::SmtpDecoder decoder(limits, whole_counters);
        decoder.onData(stream.data(), static_cast<uint32_t>(stream.size()), whole_sink);
        decoder.onEnd(whole_sink);
        if (whole_sink.openCount() != 0) std::abort();
    }

    dpi::SmtpDecoderCounters split_counters;
    fuzz::LayerCheckSink split_sink;
    {
        dpi::SmtpDecoder decoder(limits, split_counters);
        fuzz::PieceSizes pieces(seed);
        for (size_t i = 0; i < stream.size();) {
            const size_t n = std::min(pieces.next(4096), stream.size() - i);
            decoder.onData(stream.data() + i, static_cast<uint32_t>(n), split_sink);
            i += n;
        }
        decoder.onEnd(split_sink);
        if (split_sink.openCount() != 0) std::abort();
    }
    if (whole_sink.render() != split_sink.render() ||
        counters(whole_counters) != counters(split_counters))
        std::abort();

    const size_t max_open = (mode >> 2) & 3;
    if ((mode & 2) || max_open != 0) {
        dpi::SmtpDecoderCounters c;
        fuzz::LayerCheckSink sink(max_open == 0 ? SIZE_MAX : max_open);
        dpi::SmtpDecoder decoder(limits, c);
        const size_t cut = (mode & 2) ? std::min<size_t>(gap_at, stream.size()) : stream.size();
        decoder.onData(stream.data(), static_cast<uint32_t>(cut), sink);
        if (mode & 2) {
            decoder.onGap(sink);
            if (sink.openCount() != 0 || !decoder.stopped()) std::abort();
        }
        decoder.onData(stream.data() + cut, static_cast<uint32_t>(stream.size() - cut), sink);
        decoder.onEnd(sink);
        if (sink.openCount() != 0) std::abort();
    }
    return 0;
}
