// MultipartParser (dpi/http_multipart.h): multipart/form-data bodies, delimiters matched across
// piece boundaries, part headers (bounded) and base64 / quoted-printable parts.
//
// Input: [boundary length][boundary][mode][split seed: 4] then the body.
//   mode bit 0: the body is cut off (abort()) instead of finished.
// Checks: parts never nest or overlap, no data outside a part, every part ends, and any split
// gives the same parts (the parser's promise).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dpi/decode/http/http_multipart.h"
#include "fuzz_input.h"

using namespace egressmon;

namespace {

class Parts final : public dpi::MultipartHandler {
  public:
    void partBegin() override {
        if (open) std::abort();
        open = true;
        out += '[';
    }
    void partData(const uint8_t* data, size_t len) override {
        if (!open || len == 0) std::abort();
        if (out.size() < 256 * 1024) out.append(reinterpret_cast<const char*>(data), len);
    }
    void partGap(uint64_t missing) override {
        if (!open || missing == 0) std::abort();
        out += "<gap>";
    }
    void partEnd() override {
        if (!open) std::abort();
        open = false;
        out += ']';
    }
    bool open = false;
    std::string out;
};

std::string run(std::string_view boundary, std::span<const uint8_t> body, uint32_t seed, bool cut) {
    dpi::MultipartParser parser(boundary);
    Parts parts;
    fuzz::parseInPieces(parser, parts, body, seed, cut);
    if (parts.open) std::abort();
    return parts.out + (parser.failed() ? "!failed" : "");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    const auto boundary_bytes = in.bytes(in.u8() % 201);
    const std::string_view boundary(reinterpret_cast<const char*>(boundary_bytes.data()),
                                    boundary_bytes.size());
    const uint8_t mode = in.u8();
    const uint32_t seed = in.u32() | 1;
    const auto body = in.rest();
    // What parseContentType can hand over: 1-200 bytes from one header line, no ';'.
    if (boundary.empty() || boundary.find_first_of(";\n") != std::string_view::npos) return 0;
    const bool cut = mode & 1;
    if (run(boundary, body, 0, cut) != run(boundary, body, seed, cut)) std::abort();
    return 0;
}
