// PercentDecoder (dpi/content_percent_decoder.h) in its three '+' modes: escapes cut at any
// point. Checks the promised bound (at most input + 2 bytes per call) and that any split gives
// the same output.

#include <cstddef>
#include <cstdint>
#include <span>

#include "dpi/content/content_percent_decoder.h"
#include "fuzz_input.h"

using egressmon::dpi::PercentDecoder;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const auto plus = static_cast<PercentDecoder::Plus>(data[0] % 3);
    const uint32_t seed = (data[0] >> 2) | 1u; // 0 would mean "one piece"
    egressmon::fuzz::checkContentDecoder([plus] { return PercentDecoder(plus); },
                                         std::span(data + 1, size - 1), seed,
                                         [](size_t n) { return n + 2; }, 2);
    return 0;
}
