// Base64Decoder (dpi/content_base64.h): whitespace and junk skipped, padding mid-stream,
// partial quanta carried between calls. Checks the output bound per call (3/4 of the input and
// of the sextets carried in) and that any split of the input gives the same output.

#include <cstddef>
#include <cstdint>
#include <span>

#include "dpi/content/content_base64.h"
#include "fuzz_input.h"

using egressmon::dpi::Base64Decoder;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const uint32_t seed = data[0] | 1u; // 0 would mean "one piece"
    // Three bytes per four sextets, counting the up to three carried in from the last call.
    egressmon::fuzz::checkContentDecoder([] { return Base64Decoder(); },
                                         std::span(data + 1, size - 1), seed,
                                         [](size_t n) { return (n + 3) * 3 / 4; }, 2);
    return 0;
}
