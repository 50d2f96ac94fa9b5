// SealedProbe (dpi/transform/sealed/sealed_probe.h): RAR 5 headers and their vints, extra
// areas and data areas, RAR 4 blocks, OLE2 name search and the legacy Office probe (directory
// entries, FIB, BIFF records), 7z start headers, header parsing and LZMA header decoding; the
// header, count and 7z tail bounds, and the extraction budget.
//
// Input: [format: 1][max headers: 1][split seed: 4] then the file (its signature included or
// not: the probe reads what it is given). The 7z tail bound is 64 << (max headers % 8) bytes
// (64 B to 8 KiB, so the bound is hit), the budget 16 KiB.
// Checks: the same verdict, problem, header count and bound whole and split; a verdict other
// than Reading only once decided (never changes after); the budget given back in full.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "dpi/transform/sealed/sealed_probe.h"
#include "fuzz_input.h"

using namespace egressmon;

namespace {

struct Result {
    dpi::SealedVerdict verdict;
    dpi::SealedProblem problem;
    uint64_t headers;
    bool exceeded;
    uint32_t decoded;
};

Result run(dpi::SealedFormat format, uint32_t max_headers, std::span<const uint8_t> file,
           uint32_t seed) {
    dpi::ExtractionBudget budget;
    budget.limit = 16 << 10;
    Result r{};
    {
        dpi::SealedProbe probe(format, max_headers,
                               dpi::SealedLimits{.max_7z_header_bytes = 64u << (max_headers % 8)},
                               &budget);
        dpi::SealedVerdict decided = dpi::SealedVerdict::Reading;
        fuzz::feedInPieces(file, seed, 4096, [&](const uint8_t* piece, size_t n) {
            probe.feed(piece, n);
            if (decided != dpi::SealedVerdict::Reading && probe.verdict() != decided) std::abort();
            decided = probe.verdict();
        });
        probe.finish();
        if (decided != dpi::SealedVerdict::Reading && probe.verdict() != decided) std::abort();
        if (probe.headersRead() > uint64_t{max_headers} + 1) std::abort();
        if ((probe.verdict() == dpi::SealedVerdict::Unreadable) !=
            (probe.problem() != dpi::SealedProblem::None))
            std::abort();
        r = {probe.verdict(), probe.problem(), probe.headersRead(), probe.headersExceeded(),
             probe.headersDecoded()};
    }
    if (budget.in_use != 0) std::abort(); // every reservation given back
    return r;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    const auto format = static_cast<dpi::SealedFormat>(in.u8() % 4);
    const uint32_t max_headers = 1 + in.u8();
    const uint32_t seed = in.u32() | 1;
    const auto file = in.rest();
    const Result whole = run(format, max_headers, file, 0);
    const Result split = run(format, max_headers, file, seed);
    if (whole.verdict != split.verdict || whole.problem != split.problem ||
        whole.headers != split.headers || whole.exceeded != split.exceeded ||
        whole.decoded != split.decoded)
        std::abort();
    return 0;
}
