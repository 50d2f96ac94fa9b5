#pragma once
// ZIP archives (by their magic bytes "PK\3\4", in any layer: a raw PUT body, a form-data part, a
// MIME attachment, an entry of another archive) walked entry by entry (ZipWalker), each entry a
// "zip.entry" layer carrying the entry's name, routed on like any layer (a ZIP inside a ZIP is
// walked in turn, as deep as the tree allows). OOXML and OpenDocument files are ZIPs: their XML
// parts become entries too, and the text parts among them are read by the "xml-text" transform
// (dpi/transform/xml/) into "document.text" layers without their markup.
//
// Encrypted entries and unsupported methods give no layer (counted); a bomb or corrupt data ends
// the entry with what was decoded. A hole ends the open entry; the walk goes on after it where
// the entry's size is known (ZipWalker::gap).
//
// Thread: the worker owning the decoder. Memory: the walker's name buffer, and zlib's state
// (~44 KiB) while a deflate entry is open.

#include <memory>

#include "dpi/transform/transform.h"

namespace egressmon::dpi {

bool zipApplies(const LayerInfo& layer, std::span<const uint8_t> first) noexcept;
std::unique_ptr<Transform> makeZipTransform(TransformContext& ctx, const LayerInfo& layer,
                                            LayerId parent);

} // namespace egressmon::dpi
