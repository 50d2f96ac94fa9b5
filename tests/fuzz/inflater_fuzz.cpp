// Inflater (dpi/content_inflater.h): gzip, zlib and raw deflate chosen as HTTP bodies choose
// them, with small size and ratio bounds so the bomb paths are reached.
//
// Input: [format][split seed: 4] then the compressed body.
// Checks: pieces never exceed kOutChunk, never more than max_out in all, a final status stays
// final, and (unless a bound cut the output) any split gives the same bytes and status.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "dpi/content/content_inflater.h"
#include "fuzz_input.h"

using namespace egressmon;
using dpi::Inflater;

namespace {

constexpr uint64_t kMaxOut = 512 * 1024;
constexpr uint32_t kMaxRatio = 20;

class Collect final : public dpi::InflateOutput {
  public:
    void inflated(const uint8_t* data, size_t len) override {
        if (len == 0 || len > Inflater::kOutChunk) std::abort();
        total += len;
        if (total > kMaxOut) std::abort();
        if (bytes.size() < 64 * 1024)
            bytes.append(reinterpret_cast<const char*>(data),
                         std::min<size_t>(len, 64 * 1024 - bytes.size()));
    }
    std::string bytes;
    uint64_t total = 0;
};

struct Result {
    Inflater::Status status;
    std::string bytes;
    uint64_t total;
};

Result run(Inflater::Format format, std::span<const uint8_t> body, uint32_t seed) {
    Inflater inflater(format, kMaxOut, kMaxRatio);
    Collect out;
    fuzz::PieceSizes pieces(seed);
    for (size_t i = 0; i < body.size();) {
        const size_t n = seed == 0 ? body.size() : std::min(pieces.next(8192), body.size() - i);
        const Inflater::Status before = inflater.status();
        const Inflater::Status now = inflater.feed(body.data() + i, n, out);
        if (before != Inflater::Status::Active && now != before) std::abort(); // final stays
        if (now != inflater.status()) std::abort();
        i += n;
    }
    if (inflater.totalOut() != out.total) std::abort();
    return {inflater.status(), std::move(out.bytes), out.total};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    const auto format = (in.u8() & 1) ? Inflater::Format::Deflate : Inflater::Format::Gzip;
    const uint32_t seed = in.u32() | 1; // 0 means "one piece" in run()
    const auto body = in.rest();
    const Result whole = run(format, body, 0);
    const Result split = run(format, body, seed);
    if (whole.status != Inflater::Status::Bomb && split.status != Inflater::Status::Bomb &&
        (whole.status != split.status || whole.bytes != split.bytes || whole.total != split.total))
        std::abort();
    return 0;
}
