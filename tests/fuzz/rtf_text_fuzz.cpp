// RtfTextExtractor (dpi/transform/rtf/rtf_text_extractor.h): control words and their
// parameters, symbols, \'hh runs in each converted code page, \uN and \ucN fallbacks, skipped
// destinations, \bin, the depth bound, a hole.
//
// Input: [limits][split seed: 4] then the document.
//   limits bits 0-1: max_depth 1, 4, 32, 256
//          bit 2:    a hole told with gap() before the byte at (seed >> 8) % (size + 1)
// Checks: the text is valid UTF-8; each feed() of n bytes adds at most 3n bytes, gap() and
// finish() at most what a full run and a surrogate give; a stop by the depth bound only when
// the bound is small enough to be reached; the same text, stop and counts whole and split.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "dpi/decode/mime/mime_charset.h"
#include "dpi/transform/rtf/rtf_text_extractor.h"
#include "fuzz_input.h"

using namespace egressmon;
using dpi::RtfTextExtractor;

namespace {

constexpr uint32_t kMaxDepth[] = {1, 4, 32, 256};
// A full run of code page bytes, each U+FFFD at worst, then a lone surrogate's U+FFFD.
constexpr size_t kMaxFlush = 3 * RtfTextExtractor::kRunBytes + 3;

struct Result {
    std::string text;
    dpi::RtfStop stop;
    RtfTextExtractor::Counts counts;
};

Result run(const dpi::RtfLimits& limits, std::span<const uint8_t> doc, bool hole, size_t hole_at,
           uint32_t seed) {
    RtfTextExtractor x(limits);
    std::string text;
    const auto feed = [&](std::span<const uint8_t> part) {
        fuzz::feedInPieces(part, seed, 4096, [&](const uint8_t* piece, size_t n) {
            const size_t before = text.size();
            x.feed(piece, n, text);
            // Every byte may flush the run held before it, then add 3 bytes of its own.
            if (text.size() - before > 3 * n + kMaxFlush) std::abort();
        });
    };
    if (hole) {
        feed(doc.first(hole_at));
        const size_t before = text.size();
        x.gap(text);
        if (text.size() - before > kMaxFlush) std::abort();
        feed(doc.subspan(hole_at));
    } else {
        feed(doc);
    }
    const size_t before = text.size();
    x.finish(text);
    if (text.size() - before > kMaxFlush) std::abort();
    if (!dpi::isValidUtf8(text)) std::abort();
    if (text.size() > 3 * doc.size() + kMaxFlush) std::abort();
    return {std::move(text), x.stopped(), x.counts()};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    const uint8_t bits = in.u8();
    const uint32_t raw_seed = in.u32();
    const uint32_t seed = raw_seed | 1; // 0 means "one piece" in feedInPieces
    const auto doc = in.rest();
    dpi::RtfLimits limits;
    limits.max_depth = kMaxDepth[bits & 3];
    const bool hole = bits & 4;
    const size_t hole_at = (raw_seed >> 8) % (doc.size() + 1);
    const Result whole = run(limits, doc, hole, hole_at, 0);
    const Result split = run(limits, doc, hole, hole_at, seed);
    if (whole.text != split.text || whole.stop != split.stop) std::abort();
    if (whole.counts.embedded_objects != split.counts.embedded_objects ||
        whole.counts.long_control_words != split.counts.long_control_words ||
        whole.counts.binary_bytes != split.counts.binary_bytes)
        std::abort();
    // A depth stop needs more '{' than the bound.
    if (whole.stop == dpi::RtfStop::Depth) {
        size_t braces = 0;
        for (uint8_t c : doc)
            braces += c == '{';
        if (braces <= limits.max_depth) std::abort();
    }
    return 0;
}
