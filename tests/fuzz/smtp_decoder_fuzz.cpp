// SmtpDecoder (dpi/smtp_decoder.h), the client -> server direction: commands (pipelined), DATA
// with dot-unstuffing, BDAT, STARTTLS, and the MIME decoding of each message (multipart at
// depth, base64 and quoted-printable parts); gaps resynchronised; with SmtpReplyDecoder on the
// server -> client direction sharing an SmtpPairing. Small limits so line, header, depth and
// resync bounds are reached.
//
// Input: [mode][split seed: 4][gap at: 2] then the rest.
//   mode bit 4 clear: the rest is the client's stream. Bit 1: a gap is announced at `gap at`;
//   bits 2-3: the sink refuses layers past 1-3 open ones (0: never).
//   mode bit 4 set: the rest is a script of steps, each [op][n: 2] then, for data, n bytes:
//   op & 3 = 0 client bytes, 1 a gap of n + 1 bytes in the client's stream, 2 server bytes,
//   3 a gap of n + 1 bytes in the server's stream.
// Checks: the sink contract, no layer left open after onEnd or after a gap that stopped the
// decoder, no layer from the reply decoder, and that any split of the stream (of each script
// step) gives the same layers and counters (the decoders' promise).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "dpi/decode/smtp/smtp_decoder.h"
#include "fuzz_input.h"
#include "layer_check_sink.h"

using namespace egressmon;

namespace {

std::string counters(const dpi::SmtpDecoderCounters& c) {
    std::string s;
    for (const uint64_t v : {c.messages, c.mime_parts, c.starttls, c.parse_errors, c.gaps,
                             c.line_too_long, c.header_too_large, c.mime_too_deep, c.resyncs,
                             c.resync_failures, c.starttls_refused, c.reply_errors})
        s += std::to_string(v) + " ";
    return s;
}

dpi::SmtpDecoderLimits smallLimits() {
    dpi::SmtpDecoderLimits limits;
    limits.max_line_bytes = 256;
    limits.max_header_bytes = 2048;
    limits.max_mime_depth = 3;
    limits.max_resync_bytes = 1024;
    return limits;
}

struct Step {
    uint8_t op = 0;
    uint64_t gap = 0;
    std::span<const uint8_t> bytes;
};

std::vector<Step> readScript(fuzz::FuzzInput& in) {
    std::vector<Step> steps;
    while (!in.empty()) {
        Step s;
        s.op = in.u8() & 3;
        const uint16_t n = in.u16();
        if (s.op == 1 || s.op == 3)
            s.gap = uint64_t(n) + 1;
        else
            s.bytes = in.bytes(n);
        steps.push_back(s);
    }
    return steps;
}

// Both directions through one script: each data step whole (seed 0) or in pieces.
std::string runScript(const std::vector<Step>& steps, uint32_t seed,
                      const dpi::SmtpDecoderLimits& limits) {
    dpi::SmtpDecoderCounters c;
    dpi::SmtpPairing pairing;
    fuzz::LayerCheckSink sink, reply_sink;
    dpi::SmtpDecoder client(limits, c, &pairing);
    dpi::SmtpReplyDecoder replies(limits, c, pairing);
    for (const Step& s : steps) {
        dpi::StreamDecoder& d = s.op < 2 ? static_cast<dpi::StreamDecoder&>(client) : replies;
        fuzz::LayerCheckSink& k = s.op < 2 ? sink : reply_sink;
        if (s.gap > 0) {
            d.onGap(s.gap, k);
            if (client.stopped() && sink.openCount() != 0) std::abort();
            continue;
        }
        if (seed == 0) {
            if (!d.stopped()) d.onData(s.bytes.data(), static_cast<uint32_t>(s.bytes.size()), k);
            continue;
        }
        fuzz::feedInPieces(s.bytes, seed, 512, [&](const uint8_t* piece, size_t n) {
            if (!d.stopped()) d.onData(piece, static_cast<uint32_t>(n), k);
        });
    }
    client.onEnd(sink);
    replies.onEnd(reply_sink);
    if (sink.openCount() != 0 || !reply_sink.render().empty()) std::abort();
    return sink.render() + counters(c) + std::to_string(pairing.replies);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    const uint8_t mode = in.u8();
    const uint32_t seed = in.u32();
    const uint16_t gap_at = in.u16();
    const dpi::SmtpDecoderLimits limits = smallLimits();

    if (mode & 16) {
        const std::vector<Step> steps = readScript(in);
        if (runScript(steps, 0, limits) != runScript(steps, seed | 1, limits)) std::abort();
        return 0;
    }

    const auto stream = in.rest();
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
