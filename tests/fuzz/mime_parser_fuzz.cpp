// MimeParser (dpi/mime_parser.h) on one message: header sections (unfolded, bounded), nested
// multipart/* up to the depth bound, base64 / quoted-printable / identity leaves. Small limits
// so the line, header and depth bounds are reached.
//
// Input: [mode][split seed: 4] then the message. mode bit 0: the message is cut off (abort()).
// mode bit 1: each NUL byte of the message stands for a gap of 7 bytes (gap(), the NUL not fed).
// Checks: leaf data is never empty, no data after partEnd without new data, and any split (of
// the pieces between gaps) gives the same leaves (the parser's promise).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "dpi/decode/mime/mime_parser.h"
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
    void partGap(uint64_t missing) override {
        if (missing == 0) std::abort();
        out += "<gap>";
    }
    bool open = false;
    std::string out;
};

std::string run(std::span<const uint8_t> message, uint32_t seed, bool cut, bool gaps) {
    dpi::MimeLimits limits;
    limits.max_line_bytes = 128;
    limits.max_header_bytes = 1024;
    limits.max_depth = 3;
    dpi::MimeParser parser(limits);
    Leaves leaves;
    if (gaps) { // the pieces between NULs, each split alike, with a gap for each NUL
        size_t start = 0;
        for (size_t i = 0; i <= message.size(); ++i) {
            if (i < message.size() && message[i] != 0) continue;
            fuzz::feedInPieces(
                message.subspan(start, i - start), seed, 4096,
                [&](const uint8_t* piece, size_t n) { parser.feed(piece, n, leaves); });
            if (i < message.size()) parser.gap(7, leaves);
            start = i + 1;
        }
        if (cut)
            parser.abort(leaves);
        else
            parser.finish(leaves);
    } else {
        fuzz::parseInPieces(parser, leaves, message, seed, cut);
    }
    if (leaves.open) std::abort(); // an open leaf must end with the message
    return leaves.out + " overflows=" + std::to_string(parser.headerOverflows());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    const uint8_t mode = in.u8();
    const bool cut = mode & 1, gaps = mode & 2;
    const uint32_t seed = in.u32() | 1; // 0 means "one piece" in run()
    const auto message = in.rest();
    if (run(message, 0, cut, gaps) != run(message, seed, cut, gaps)) std::abort();
    return 0;
}
