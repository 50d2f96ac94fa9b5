#pragma once
// tar archives (in any file layer: a raw PUT body, a form-data part, a MIME attachment, the
// content of a .tar.gz, an entry of another archive) walked entry by entry (TarWalker), each
// regular file a "tar.entry" layer carrying the entry's path, routed on like any layer (a docx
// inside a tar is walked as a ZIP).
//
// tar has no magic in a file's first bytes (ustar's is at offset 257, v7 has none), so the
// transform is tentative: it reads file layers sniffed as text or binary whose first byte is not
// NUL, holds their first 512 bytes, and walks only when they are a tar header (isTarHeader):
// then the layer's type is refined to tar. Otherwise it stops silently, its buffer freed.
//
// Bounds: the `extraction:` keys (max-archive-entries, max-entry-bytes) as for ZIP. A corrupt
// header, a bound, a hole or a truncated entry makes the archive uninspectable with its reason.
//
// Thread: the worker owning the decoder. Memory: 512 bytes until the first block is judged; then
// the walker (~0.6 KiB plus its name buffers).

#include <memory>

#include "dpi/transform/transform.h"

namespace egressmon::dpi {

bool tarApplies(const LayerInfo& layer, std::span<const uint8_t> first) noexcept;
std::unique_ptr<Transform> makeTarTransform(TransformContext& ctx, const LayerInfo& layer,
                                            LayerId parent);

} // namespace egressmon::dpi
