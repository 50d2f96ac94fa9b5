#pragma once
// The text a PDF content stream shows (ISO 32000-1 §7.8, §9.4), from the complete decoded
// stream the caller buffered: operands are tokenized (pdf_content_lexer.h) onto a bounded
// stack and the text operators read them.
//
//   - `Tf` selects the font its name operand names, through the caller's PdfFontResolver.
//   - `Tj`, `'`, `"` show a string; `TJ` an array of strings and kerning numbers: pieces join,
//     except across a number <= -200 (thousandths of text space: a gap of a fifth of an em or
//     more reads as a word space), so [(TOP S) -60 (ECRET)] reads "TOP SECRET".
//   - Separators: `'`, `"`, `T*`, `Tm`, `ET` and `Td`/`TD` with ty != 0 end a line; `Td`/`TD`
//     with ty == 0 and tx != 0 is one space. Separators collapse (never two in a row, a newline
//     replacing a space) and none opens the text this call appends.
//   - A string reads through the font's ToUnicode CMap when it has one; else a Type0 font with
//     2-byte codes gives nothing (glyph ids are not text) and a simple font reads its bytes in
//     its encoding: WinAnsi (cp1252), MacRoman, Standard (Adobe StandardEncoding: quotes,
//     ligatures and accents at its own places) or PDFDocEncoding; below 0x80 all four read as
//     ASCII. Control characters other than tab and line feed are not text.
//   - `BI ... ID <data> EI` inline images are skipped: the data ends at /L or /Length when the
//     image dictionary gives it and "EI" follows, else at the first whitespace + "EI" +
//     whitespace (or end).
//   - Arrays and dictionaries nest at most max_operand_depth deep (a deeper operand is
//     dropped); a keyword inside one ends it unclosed, so a stray '[' cannot swallow the stream.
//     At most kPdfMaxOperands operands wait for an operator: past that the oldest go.
//
// Time linear in the stream (each byte is lexed at most three times); output at most
// PdfCMap::kMaxCodeUtf8 + 1 bytes per input byte, always valid UTF-8.
// Thread: the worker that owns the flow. Memory: the operand stack (fixed, ~2 KiB on the stack)
// and one scratch string as long as the longest string shown. noexcept; an allocation failure
// ends the text there.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace egressmon::dpi {

class PdfCMap;

enum class PdfSimpleEncoding : uint8_t { WinAnsi, MacRoman, Standard, PdfDoc };

// How the strings shown in a font read.
struct PdfFont {
    const PdfCMap* to_unicode = nullptr; // owned by the caller; used when set and not empty
    // Without ToUnicode: a Type0 font with Identity-H/V shows 2-byte glyph ids, whose text
    // cannot be known (appends nothing for them); a simple font reads its bytes in `encoding`.
    bool two_byte_codes = false;
    PdfSimpleEncoding encoding = PdfSimpleEncoding::WinAnsi;
};

class PdfFontResolver {
  public:
    // The font a content stream's resource name (without '/': "F1") selects with Tf; nullptr
    // when not known (yet).
    virtual const PdfFont* font(std::string_view resource_name) const noexcept = 0;

  protected:
    ~PdfFontResolver() = default;
};

struct PdfContentLimits {
    uint32_t max_operand_depth = 32; // nested arrays/dicts in operands; deeper: skipped
};

struct PdfContentResult {
    bool unknown_font = false;   // some Tf named a font the resolver did not know: its strings
                                 // were read as WinAnsi bytes (the caller may retry later)
    uint64_t text_operators = 0; // Tj, TJ, ', " seen
    uint64_t inline_images = 0;  // BI ... ID ... EI skipped
};

// Operands kept waiting for an operator (the text operators use at most 3).
inline constexpr size_t kPdfMaxOperands = 64;

// Appends the text a content stream shows, as UTF-8, to `out`.
PdfContentResult extractPdfContentText(std::string_view content, const PdfFontResolver& fonts,
                                       std::string& out,
                                       const PdfContentLimits& limits = {}) noexcept;

// One byte of a simple font's encoding as a code point; 0 for none (unmapped, or a control
// character that is not text).
uint32_t pdfSimpleEncodingCodePoint(PdfSimpleEncoding encoding, uint8_t byte) noexcept;

} // namespace egressmon::dpi
