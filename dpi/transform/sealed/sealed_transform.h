#pragma once
// RAR and 7z archives and OLE2 compound files (by their magic bytes, in any file layer) probed
// for encryption from their headers (SealedProbe). No output layer: nothing inside is read. When
// the file ends, an encrypted one is noted to the sink (encrypted, uninspectable "encrypted"),
// which makes every file containing it encrypted too; one whose headers could not be read is
// noted uninspectable with the reason ("corrupt", "gap", "max-7z-header-bytes",
// "unsupported-method", "max-worker-memory", "no-memory"), a RAR with more headers than the
// entries bound ("max-archive-entries"). A RAR that is not encrypted is left as it is: its stored
// bytes were scanned raw, its compressed ones cannot be read (RAR's compression is proprietary).
//
// Thread: the worker owning the decoder. Memory: the probe (one RAR header at most 64 KiB, an
// OLE2 sector, a 7z's tail at most extraction.max-7z-header-bytes).

#include <memory>

#include "dpi/transform/transform.h"

namespace egressmon::dpi {

bool sealedApplies(const LayerInfo& layer, std::span<const uint8_t> first) noexcept;
std::unique_ptr<Transform> makeSealedTransform(TransformContext& ctx, const LayerInfo& layer,
                                               LayerId parent);

} // namespace egressmon::dpi
