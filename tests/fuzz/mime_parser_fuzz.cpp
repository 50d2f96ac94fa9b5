// MimeParser (dpi/mime_parser.h) on one message: header sections (unfolded, bounded), nested
// multipart/* up to the depth bound, base64 / quoted-printable / identity leaves. Small limits
// so the line, header and depth bounds are reached.
//
// Input: [mode][split seed: 4] then the message. mode bit 0: the message is cut off (abort()).
// Checks: leaf data is never empty, no data after partEnd without new data, and any split gives
// the same leaves (the parser's promise).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "dpi/mime_parser.h"
#include "fuzz_input.h"

using namespace egressmon;

namespace {

class Leaves final : public dpi::MimeHandler {
  public:
    void partData(dpi::MimeEncoding encoding, const uint8_t* data, size_t len) override {
        if (len == 0 || data == nullptr) std::abort();
        if (!open) out += "[" + std::to_string(static_cast<int>(encoding)) + ":";
        open = true;
        if (out.size() < 256 * 1024) out.append(reinterpret_cast<const char*>(data), len);
    }
    void partEnd() override {
        out += open ? "]" : "[]";
        open = false;
    }
    bool open = false;
    std::string out;
};

std::string run(std::span<const uint8_t> message, uint32_t seed, bool cut) {
    dpi::MimeLimits limits;
    limits.max_line_bytes = 128;
    limits.max_header_bytes = 1024;
    limits.max_depth = 3;
    dpi::MimeParser parser(limits);
    Leaves leaves;
    fuzz::parseInPieces(parser, leaves, message, seed, cut);
    if (leaves.open) std::abort(); // an open leaf must end with the message
    return leaves.out + " overflows=" + std::to_string(parser.headerOverflows());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    const bool cut = in.u8() & 1;
    const uint32_t seed = in.u32() | 1; // 0 means "one piece" in run()
    const auto message = in.rest();
    if (run(message, 0, cut) != run(message, seed, cut)) std::abort();
    return 0;
}
