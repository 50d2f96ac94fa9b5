#pragma once
// PDF files (by their magic bytes "%PDF-", in any file layer: a raw PUT body, a form-data part,
// a MIME attachment, an archive entry) read into their text (PdfDocument): one "pdf.text" layer
// of UTF-8, which is scanned like any layer and is not a file itself (the PDF file is; an alert
// on the text names it).
//
// When the file ends, the sink hears about the PDF layer: encrypted (an /Encrypt dictionary:
// its streams are ciphertext), or uninspectable with the first reason that applies
// (PdfDocument::uninspectable: a bound, a hole, a stream that did not decode, a filter not
// supported).
//
// Thread: the worker owning the decoder. Memory: the document's state (its fonts, CMaps, the
// stream being decoded, held content streams: bounded by extraction.max-pdf-stream-bytes,
// extraction.max-pdf-buffered-bytes and the worker's extraction.max-worker-memory).

#include <memory>

#include "dpi/transform/transform.h"

namespace egressmon::dpi {

bool pdfApplies(const LayerInfo& layer, std::span<const uint8_t> first) noexcept;
std::unique_ptr<Transform> makePdfTransform(TransformContext& ctx, const LayerInfo& layer,
                                            LayerId parent);

} // namespace egressmon::dpi
