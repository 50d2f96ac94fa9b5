// SealedProbe (dpi/transform/sealed/sealed_probe.h): RAR 5 headers and their vints, extra
// areas and data areas, RAR 4 blocks, OLE2 name search; the header and count bounds.
//
// Input: [format: 1][max headers: 1][split seed: 4] then the file (its signature included or
// not: the probe reads what it is given).
// Checks: the same verdict, header count and bound whole and split; a verdict other than
// Reading only once decided (never changes after).

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
    uint64_t headers;
    bool exceeded;
};

Result run(dpi::SealedFormat format, uint32_t max_headers, std::span<const uint8_t> file,
           uint32_t seed) {
    dpi::SealedProbe probe(format, max_headers);
    dpi::SealedVerdict decided = dpi::SealedVerdict::Reading;
    fuzz::feedInPieces(file, seed, 4096, [&](const uint8_t* piece, size_t n) {
        probe.feed(piece, n);
        if (decided != dpi::SealedVerdict::Reading && probe.verdict() != decided) std::abort();
        decided = probe.verdict();
    });
    if (probe.headersRead() > uint64_t{max_headers} + 1) std::abort();
    return {probe.verdict(), probe.headersRead(), probe.headersExceeded()};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    const auto format = static_cast<dpi::SealedFormat>(in.u8() % 3);
    const uint32_t max_headers = 1 + in.u8();
    const uint32_t seed = in.u32() | 1;
    const auto file = in.rest();
    const Result whole = run(format, max_headers, file, 0);
    const Result split = run(format, max_headers, file, seed);
    if (whole.verdict != split.verdict || whole.headers != split.headers ||
        whole.exceeded != split.exceeded)
        std::abort();
    return 0;
}
