// QuotedPrintableDecoder (dpi/content_quoted_printable.h): escapes and soft line breaks cut at
// any point. Checks the promised bound (at most input + 2 bytes per call) and that any split
// gives the same output.

#include <cstddef>
#include <cstdint>
#include <span>

#include "dpi/content/content_quoted_printable.h"
#include "fuzz_input.h"

using egressmon::dpi::QuotedPrintableDecoder;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const uint32_t seed = data[0] | 1u; // 0 would mean "one piece"
    egressmon::fuzz::checkContentDecoder([] { return QuotedPrintableDecoder(); },
                                         std::span(data + 1, size - 1), seed,
                                         [](size_t n) { return n + 2; }, 2);
    return 0;
}
