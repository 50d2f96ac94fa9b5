#include "dpi/transform/pdf/pdf_text_string.h"

#include "dpi/decode/mime/mime_charset.h"
#include "dpi/transform/pdf/pdf_content_lexer.h"
#include "dpi/transform/pdf/pdf_content_text.h"

namespace egressmon::dpi {

namespace {
// The raw text between a string's delimiters; an unterminated one (cut by the object bound)
// runs to the end.
std::string_view inside(std::string_view text, char close) {
    if (text.empty()) return text;
    text.remove_prefix(1);
    if (!text.empty() && text.back() == close) text.remove_suffix(1);
    return text;
}

} // namespace

bool appendPdfTextString(const PdfValue& value, std::string& out) {
    std::string bytes;
    if (value.kind == PdfValueKind::String)
        pdf_content::appendLiteralBytes(inside(value.text, ')'), bytes);
    else if (value.kind == PdfValueKind::HexString)
        pdf_content::appendHexBytes(inside(value.text, '>'), bytes);
    else
        return false;
    const std::string_view b(bytes);
    if (b.starts_with("\xFE\xFF")) {
        const std::string_view units = b.substr(2);
        pdf_content::appendUtf16Units(
            units.size() / 2,
            [&](size_t i) {
                return (uint32_t{static_cast<uint8_t>(units[2 * i])} << 8) |
                       static_cast<uint8_t>(units[2 * i + 1]);
            },
            out);
    } else if (b.starts_with("\xEF\xBB\xBF")) {
        // UTF-8 by its mark, which a hostile file need not honour: what is not is U+FFFD, so
        // the text layer stays valid UTF-8.
        std::string utf8;
        appendCharsetAsUtf8("utf-8", b.substr(3), utf8);
        for (const char c : utf8)
            if (static_cast<uint8_t>(c) >= 0x20 || c == '\t' || c == '\n') out.push_back(c);
    } else {
        for (const char c : b)
            if (const uint32_t cp =
                    pdfSimpleEncodingCodePoint(PdfSimpleEncoding::PdfDoc, static_cast<uint8_t>(c)))
                pdf_content::appendTextCodePoint(cp, out);
    }
    return true;
}

} // namespace egressmon::dpi
