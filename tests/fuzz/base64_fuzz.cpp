// Base64Decoder (dpi/content_base64.h): whitespace and junk skipped, padding mid-stream,
// partial quanta carried between calls. Checks the output bound per call (3/4 of the input and
// of the sextets carried in) and that any split of the input gives the same output.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "dpi/content_base64.h"
#include "fuzz_input.h"

using egressmon::dpi::Base64Decoder;

namespace {

std::string run(const uint8_t* data, size_t size, uint32_t seed) {
    Base64Decoder decoder;
    std::string out;
    egressmon::fuzz::PieceSizes pieces(seed);
    for (size_t i = 0; i < size;) {
        const size_t n = seed == 0 ? size : std::min(pieces.next(256), size - i);
        const size_t before = out.size();
        decoder.decode(data + i, n, out);
        // Three bytes per four sextets, counting the up to three carried in from the last call.
        if (out.size() - before > (n + 3) * 3 / 4) std::abort();
        i += n;
    }
    const size_t before = out.size();
    decoder.finish(out);
    if (out.size() - before > 2) std::abort();
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const uint32_t seed = data[0] | 1u; // 0 means "one piece" in run()
    if (run(data + 1, size - 1, 0) != run(data + 1, size - 1, seed)) std::abort();
    return 0;
}
