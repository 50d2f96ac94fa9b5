// HttpBodyFramer (dpi/http_body_framer.h): Content-Length, chunked (sizes, extensions,
// trailers, bounded lines) and close-delimited bodies.
//
// Input: [mode][length: 4][split seed: 4] then the bytes after the header section.
// Checks: every step makes progress until the body is done or broken (the decoder loops on
// step()), consumed bytes and body views stay inside the input, and any split gives the same
// body bytes and verdict, and the same end point for a body that is done.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "dpi/decode/http/http_body_framer.h"
#include "fuzz_input.h"

using namespace egressmon;
using dpi::HttpBodyFramer;

namespace {

std::string run(HttpBodyFramer::Mode mode, uint64_t length, std::span<const uint8_t> input,
                uint32_t seed) {
    HttpBodyFramer framer;
    framer.start(mode, length);
    std::string body;
    fuzz::PieceSizes pieces(seed);
    size_t i = 0;
    while (i < input.size()) {
        const size_t n =
            seed == 0 ? input.size() - i : std::min(pieces.next(512), input.size() - i);
        const uint8_t* piece = input.data() + i;
        size_t used = 0;
        while (used < n) {
            const HttpBodyFramer::Step step = framer.step(piece + used, n - used);
            if (step.consumed > n - used) std::abort();
            if (step.body_len > 0 && (step.body < piece + used ||
                                      step.body + step.body_len > piece + used + step.consumed))
                std::abort();
            body.append(reinterpret_cast<const char*>(step.body), step.body_len);
            used += step.consumed;
            // Where an error is noticed is not reported (the decoder stops at once), so only the
            // verdict is compared.
            if (step.error) return body + "!error";
            if (step.done) return body + "!done@" + std::to_string(i + used);
            if (step.consumed == 0) std::abort(); // the decoder would spin on this input
        }
        i += n;
    }
    return body + "!open";
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    const uint8_t m = in.u8() % 3;
    const auto mode = m == 0   ? HttpBodyFramer::Mode::Chunked
                      : m == 1 ? HttpBodyFramer::Mode::Length
                               : HttpBodyFramer::Mode::UntilClose;
    const uint64_t length = in.u32();
    const uint32_t seed = in.u32() | 1; // 0 means "one piece" in run()
    const auto input = in.rest();
    if (run(mode, length, input, 0) != run(mode, length, input, seed)) std::abort();
    return 0;
}
