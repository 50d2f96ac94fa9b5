// MimeParser (dpi/decode/mime/mime_parser.h) on a multipart body whose boundary came from
// elsewhere, as HTTP multipart/form-data bodies are parsed: delimiters matched across piece
// boundaries, part headers (bounded), nested multiparts (bounded) and base64 /
// quoted-printable parts. (mime_parser_fuzz covers whole messages.)
//
// Input: [boundary length][boundary][mode][split seed: 4] then the body.
//   mode bit 0: the body is cut off (abort()) instead of finished.
// Checks: no data outside a part, every part ends, and any split gives the same parts (the
// parser's promise).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dpi/decode/mime/mime_parser.h"
#include "fuzz_input.h"

using namespace egressmon;

namespace {

class Parts final : public dpi::MimeHandler {
  public:
    void partData(dpi::MimeEncoding, const uint8_t* data, size_t len) override {
        if (len == 0) std::abort();
        if (!open) out += '[';
        open = true;
        if (out.size() < 256 * 1024) out.append(reinterpret_cast<const char*>(data), len);
    }
    void partEnd() override {
        if (open) out += ']';
        open = false;
    }
    bool open = false;
    std::string out;
};

std::string run(std::string_view boundary, std::span<const uint8_t> body, uint32_t seed, bool cut) {
    dpi::MimeParser parser(dpi::MimeLimits{1024, 4096, 4}, boundary);
    Parts parts;
    fuzz::parseInPieces(parser, parts, body, seed, cut);
    if (parts.open) std::abort();
    return parts.out + "!" + std::to_string(parser.headerOverflows()) + "/" +
           std::to_string(parser.depthOverflows());
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
