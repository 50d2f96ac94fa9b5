// extractPdfContentText and PdfCMap (dpi/transform/pdf/): a ToUnicode CMap program parsed under
// a mapping bound, then a content stream read with it: operands, strings, arrays at a depth
// bound, text operators and separators, fonts (known, 2-byte, unknown), inline images.
//
// Input: [control][cmap length: 2][cmap program][content].
//   control bits 0-1: max_mappings 0, 1, 16, 4096
//           bits 2-3: max_operand_depth 0, 1, 4, 32
//           bits 4-5: F1's encoding (WinAnsi, MacRoman, Standard, PdfDoc)
//           bit 6:    F2 reads 1-byte codes (a simple font with ToUnicode), else 2-byte codes
// Fonts: /F1 simple, /F2 with the parsed CMap, any other name unknown.
// Checks: the CMap's memoryBytes() at most 32 bytes per program byte (+ 4 KiB); decode() of n
// bytes at most kMaxCodeUtf8 * n bytes of UTF-8; the text valid UTF-8 and at most
// (kMaxCodeUtf8 + 1) bytes per content byte (each byte of a string gives at most one code's
// text, and each token at most one separator); counts at most one per content byte; the same
// text and result twice, and when appended after other text.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "dpi/decode/mime/mime_charset.h"
#include "dpi/transform/pdf/pdf_cmap.h"
#include "dpi/transform/pdf/pdf_content_text.h"
#include "fuzz_input.h"

using namespace egressmon;
using dpi::PdfCMap;

namespace {

constexpr uint32_t kMaxMappings[] = {0, 1, 16, 4096};
constexpr uint32_t kMaxDepth[] = {0, 1, 4, 32};
constexpr dpi::PdfSimpleEncoding kEncodings[] = {
    dpi::PdfSimpleEncoding::WinAnsi, dpi::PdfSimpleEncoding::MacRoman,
    dpi::PdfSimpleEncoding::Standard, dpi::PdfSimpleEncoding::PdfDoc};

class Fonts final : public dpi::PdfFontResolver {
  public:
    Fonts(dpi::PdfFont f1, dpi::PdfFont f2) : f1_(f1), f2_(f2) {}
    const dpi::PdfFont* font(std::string_view name) const noexcept override {
        if (name == "F1") return &f1_;
        if (name == "F2") return &f2_;
        return nullptr;
    }

  private:
    dpi::PdfFont f1_;
    dpi::PdfFont f2_;
};

std::string_view view(std::span<const uint8_t> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

bool same(const dpi::PdfContentResult& a, const dpi::PdfContentResult& b) {
    return a.unknown_font == b.unknown_font && a.text_operators == b.text_operators &&
           a.inline_images == b.inline_images;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    const uint8_t control = in.u8();
    const std::string_view program = view(in.bytes(in.u16()));
    const std::string_view content = view(in.rest());

    const PdfCMap cmap = PdfCMap::parse(program, kMaxMappings[control & 3]);
    if (cmap.memoryBytes() > 32 * program.size() + 4096) std::abort();
    if (cmap.droppedMappings() > 0 && kMaxMappings[control & 3] == 4096 && program.size() < 8192)
        std::abort(); // 4096 mappings need more than 8 KiB of program
    std::string decoded;
    cmap.decode(content, decoded);
    if (!dpi::isValidUtf8(decoded) || decoded.size() > PdfCMap::kMaxCodeUtf8 * content.size())
        std::abort();

    const Fonts fonts({nullptr, false, kEncodings[(control >> 4) & 3]},
                      {&cmap, !(control & 0x40), dpi::PdfSimpleEncoding::WinAnsi});
    dpi::PdfContentLimits limits;
    limits.max_operand_depth = kMaxDepth[(control >> 2) & 3];

    std::string text;
    const dpi::PdfContentResult r = dpi::extractPdfContentText(content, fonts, text, limits);
    if (!dpi::isValidUtf8(text)) std::abort();
    if (text.size() > (PdfCMap::kMaxCodeUtf8 + 1) * content.size()) std::abort();
    if (r.text_operators + r.inline_images > content.size()) std::abort();

    std::string again = "prefix";
    const dpi::PdfContentResult r2 = dpi::extractPdfContentText(content, fonts, again, limits);
    if (again.compare(0, 6, "prefix") != 0 || again.substr(6) != text || !same(r, r2)) std::abort();
    return 0;
}
