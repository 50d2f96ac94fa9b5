// HttpDecoder (dpi/http_decoder.h), one direction of a flow: request line and headers, Content-
// Length / chunked / close-delimited bodies, gzip and deflate, form and multipart content,
// percent-decoded targets. Small limits so the header, bomb and ratio bounds are reached.
//
// Input: [mode][HEAD bits][split seed: 4][gap at: 2] then, when mode bit 7 is set, a gap program
// (fuzz::readGaps: up to 8 holes at chosen offsets, of chosen lengths), then the stream.
//   mode bit 0: requests (else responses); bit 1: a 1-byte gap is announced at `gap at`;
//   bits 2-3: the sink refuses layers past 1-3 open ones (0: never); bits 4-6: outstanding
//   responses' requests (responses); bit 7: the gap program, bit 6 then: pairing-only mode
//   (requests).
// Checks: the sink contract (LayerCheckSink), no layer left open after onEnd/onGap, and the
// decoder's promise that any split of the stream gives the same layers and counters, with the
// same holes at the same offsets too (the decoder resynchronises after them).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "dpi/decode/http/http_decoder.h"
#include "fuzz_input.h"
#include "layer_check_sink.h"

using namespace egressmon;

namespace {

std::string counters(const dpi::HttpDecoderCounters& c) {
    return std::to_string(c.messages) + " " + std::to_string(c.bodies) + " " +
           std::to_string(c.chunked_bodies) + " " + std::to_string(c.decompressed_bodies) + " " +
           std::to_string(c.multipart_parts) + " " + std::to_string(c.header_too_large) + " " +
           std::to_string(c.decompression_errors) + " " + std::to_string(c.parse_errors) + " " +
           std::to_string(c.gaps) + " " + std::to_string(c.resyncs) + " " +
           std::to_string(c.resync_failures) + " " + std::to_string(c.gap_cut_layers);
}

dpi::HttpDecoderLimits smallLimits() {
    dpi::HttpDecoderLimits limits;
    limits.max_header_bytes = 2048;
    limits.max_decompressed_bytes = 256 * 1024;
    limits.max_compression_ratio = 50;
    limits.max_resync_bytes = 4096;
    return limits;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    const uint8_t mode = in.u8();
    const uint8_t head_bits = in.u8();
    const uint32_t seed = in.u32();
    const uint16_t gap_at = in.u16();
    const bool program = mode & 0x80;
    const std::vector<fuzz::StreamGap> gaps =
        program ? fuzz::readGaps(in) : std::vector<fuzz::StreamGap>{};
    const auto stream = in.rest();
    const bool requests = mode & 1;
    const dpi::HttpDecoderLimits limits = smallLimits();
    // Responses may follow outstanding requests, some of them HEAD (no body).
    const dpi::HttpPairing initial{head_bits, requests ? 0u : (mode >> 4) % 8};

    if (program) {
        const auto decode_mode = requests && (mode & 0x40) ? dpi::HttpDecoderMode::PairingOnly
                                                           : dpi::HttpDecoderMode::Decode;
        dpi::HttpDecoderCounters whole_counters, split_counters;
        dpi::HttpPairing whole_pairing = initial, split_pairing = initial;
        fuzz::LayerCheckSink whole_sink, split_sink;
        fuzz::decodeStreamWithGaps(
            [&] {
                return dpi::HttpDecoder(requests, limits, whole_counters, &whole_pairing,
                                        decode_mode);
            },
            stream, gaps, 0, whole_sink);
        fuzz::decodeStreamWithGaps(
            [&] {
                return dpi::HttpDecoder(requests, limits, split_counters, &split_pairing,
                                        decode_mode);
            },
            stream, gaps, seed | 1, split_sink);
        if (decode_mode == dpi::HttpDecoderMode::PairingOnly &&
            (whole_sink.render() != "" || split_sink.render() != ""))
            std::abort(); // pairing only: no layer
        if (whole_counters.decompression_bombs == 0 && split_counters.decompression_bombs == 0 &&
            (whole_sink.render() != split_sink.render() ||
             counters(whole_counters) != counters(split_counters) ||
             whole_pairing.pending != split_pairing.pending))
            std::abort();
        // And into a sink that refuses layers: the contract only.
        const size_t max_open = (mode >> 2) & 3;
        if (max_open > 0) {
            dpi::HttpDecoderCounters c;
            dpi::HttpPairing pairing = initial;
            fuzz::LayerCheckSink refusing(max_open);
            fuzz::decodeStreamWithGaps(
                [&] { return dpi::HttpDecoder(requests, limits, c, &pairing, decode_mode); },
                stream, gaps, seed | 1, refusing);
        }
        return 0;
    }

    // Whole stream in one piece, then in pieces (PieceSizes splits alike for seed and seed | 1).
    dpi::HttpDecoderCounters whole_counters, split_counters;
    dpi::HttpPairing whole_pairing = initial, split_pairing = initial;
    fuzz::LayerCheckSink whole_sink, split_sink;
    fuzz::decodeStream(
        [&] { return dpi::HttpDecoder(requests, limits, whole_counters, &whole_pairing); }, stream,
        0, whole_sink);
    fuzz::decodeStream(
        [&] { return dpi::HttpDecoder(requests, limits, split_counters, &split_pairing); }, stream,
        seed | 1, split_sink);
    // A decompression bound is checked per inflate call, so where it cuts may depend on the
    // split; everything else must not.
    if (whole_counters.decompression_bombs == 0 && split_counters.decompression_bombs == 0 &&
        (whole_sink.render() != split_sink.render() ||
         counters(whole_counters) != counters(split_counters)))
        std::abort();

    // Gaps and a sink that refuses layers: only the contract is checked.
    dpi::HttpDecoderCounters c;
    dpi::HttpPairing pairing = initial;
    fuzz::checkGapAndRefusal([&] { return dpi::HttpDecoder(requests, limits, c, &pairing); },
                             stream, mode, gap_at);
    return 0;
}
