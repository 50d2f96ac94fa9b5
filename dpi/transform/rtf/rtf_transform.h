#pragma once
// RTF files (by their magic bytes "{\rtf", in any file layer: a raw PUT body, a form-data part,
// a MIME attachment, an archive entry) read into their text (RtfTextExtractor): one "rtf.text"
// layer of UTF-8, which is scanned like any layer and is not a file itself (the RTF file is; an
// alert on the text names it).
//
// The file is noted uninspectable (to the sink, about the RTF layer) when the group depth bound
// ends the text ("max-rtf-depth"), when a hole does ("gap": RTF cannot be resynchronised), or
// when memory runs out ("no-memory", counted in transforms_refused).
//
// Thread: the worker owning the decoder. Memory: the extractor (a 256-byte run and 2 bytes per
// open group) and an output buffer about three times the largest piece fed.

#include <memory>

#include "dpi/transform/transform.h"

namespace egressmon::dpi {

bool rtfApplies(const LayerInfo& layer, std::span<const uint8_t> first) noexcept;
std::unique_ptr<Transform> makeRtfTransform(TransformContext& ctx, const LayerInfo& layer,
                                            LayerId parent);

} // namespace egressmon::dpi
