// PdfFilterChain (dpi/transform/pdf/pdf_filter_chain.h): chains of up to 4 PDF stream filters
// (Flate, ASCIIHex, ASCII85, LZW, RunLength) with small output bounds, ratio bounds and both
// LZW EarlyChange values.
//
// Input: [setup][filters: 2][max_output][split seed: 4] then the stream's data.
//   setup bits 0-2: filter count 0, 1, 2, 3, 4, 1, 2, or 5 (init() must refuse it)
//         bit 3:    LZW EarlyChange 0 (else 1)
//         bits 4-5: max_ratio 0 (none), 1, 4, 100
//   filters: 3 bits a filter (value % 5 in PdfFilter order), the first filter in the low bits
//   max_output: low 3 bits index 0, 1, 7, 100, 4096, 70000, 300000, 1 MiB
// Checks: never more than max_output appended; nothing appended and the status unchanged once
// it is final; not Active after finish(); Active or Done only within the output and ratio
// bounds; outputBytes() the bytes appended; the same output and status whole and split.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "dpi/transform/pdf/pdf_filter_chain.h"
#include "fuzz_input.h"

using namespace egressmon;
using dpi::PdfFilter;
using dpi::PdfFilterChain;
using dpi::PdfFilterStatus;

namespace {

constexpr size_t kCounts[] = {0, 1, 2, 3, 4, 1, 2, 5};
constexpr uint32_t kRatios[] = {0, 1, 4, 100};
constexpr uint64_t kMaxOutputs[] = {0, 1, 7, 100, 4096, 70000, 300000, 1 << 20};

struct Setup {
    std::vector<PdfFilter> filters;
    uint64_t max_output;
    uint32_t max_ratio;
    bool early_change;
};

struct Result {
    std::string out;
    PdfFilterStatus status;
};

// The most output the bounds allow after `raw` bytes (the ratio counts raw bytes in steps).
uint64_t allowed(const Setup& s, uint64_t raw) {
    if (s.max_ratio == 0) return s.max_output;
    const uint64_t steps = (raw + PdfFilterChain::kRatioStep - 1) / PdfFilterChain::kRatioStep;
    const uint64_t by_ratio = std::max<uint64_t>(PdfFilterChain::kRatioGrace,
                                                 steps * PdfFilterChain::kRatioStep * s.max_ratio);
    return std::min(s.max_output, by_ratio);
}

Result run(const Setup& s, std::span<const uint8_t> data, uint32_t seed) {
    PdfFilterChain chain;
    if (!chain.init(s.filters, s.max_output, s.max_ratio, s.early_change)) std::abort();
    std::string out;
    fuzz::feedInPieces(data, seed, 8192, [&](const uint8_t* piece, size_t n) {
        const PdfFilterStatus before = chain.status();
        const size_t size = out.size();
        chain.feed(piece, n, out);
        // Done and the errors are final: nothing more, no change.
        if (before != PdfFilterStatus::Active && (chain.status() != before || out.size() != size))
            std::abort();
        if (out.size() > s.max_output) std::abort();
    });
    chain.finish(out);
    if (chain.status() == PdfFilterStatus::Active) std::abort();
    if (out.size() > s.max_output || chain.outputBytes() != out.size()) std::abort();
    if (chain.rawBytes() > data.size()) std::abort();
    // Done: no bound was passed (TooLarge is the only way to leave bytes out).
    if (chain.status() == PdfFilterStatus::Done && out.size() > allowed(s, chain.rawBytes()))
        std::abort();
    return {std::move(out), chain.status()};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    const uint8_t setup = in.u8();
    const uint16_t filter_bits = in.u16();
    const uint8_t bound = in.u8();
    const uint32_t seed = in.u32() | 1; // 0 means "one piece" in feedInPieces
    const auto body = in.rest();

    Setup s;
    const size_t count = kCounts[setup & 7];
    for (size_t i = 0; i < count; ++i)
        s.filters.push_back(static_cast<PdfFilter>((filter_bits >> (3 * i) & 7) % 5));
    s.early_change = !(setup & 8);
    s.max_ratio = kRatios[(setup >> 4) & 3];
    s.max_output = kMaxOutputs[bound & 7];

    if (count > PdfFilterChain::kMaxFilters) {
        PdfFilterChain chain;
        if (chain.init(s.filters, s.max_output, s.max_ratio, s.early_change)) std::abort();
        std::string out;
        chain.feed(body.data(), body.size(), out);
        chain.finish(out);
        if (!out.empty() || chain.status() == PdfFilterStatus::Active ||
            chain.status() == PdfFilterStatus::Done)
            std::abort();
        return 0;
    }
    const Result whole = run(s, body, 0);
    const Result split = run(s, body, seed);
    if (whole.status != split.status || whole.out != split.out) std::abort();
    return 0;
}
