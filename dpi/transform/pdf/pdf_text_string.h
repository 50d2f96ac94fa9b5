#pragma once
// A PDF "text string" (ISO 32000-2 §7.9.2.2), the strings people type into a document rather
// than the ones a page shows: document information (/Title, /Author, /Subject, /Keywords), form
// field values and tooltips (/V, /TU), annotation contents. Encoded as UTF-16BE behind a
// FE FF mark, UTF-8 behind EF BB BF (PDF 2.0), or else PDFDocEncoding; written literal
// `( )` or hex `< >`.
//
// Thread: any. May throw std::bad_alloc (the caller catches).

#include <string>

#include "dpi/transform/pdf/pdf_dictionary.h"

namespace egressmon::dpi {

// Appends the text of `value` as UTF-8 to `out` and returns true, when it is a string; control
// characters but tab and line feed are dropped. Other kinds append nothing.
bool appendPdfTextString(const PdfValue& value, std::string& out);

} // namespace egressmon::dpi
