#pragma once
// gzip / deflate content coding undone (Inflater, dpi/content/), into one layer named for the
// coding ("http.request.body.gzip"), which keeps the input's media kind so form and multipart
// content is routed on from the decompressed bytes.
//
// A bound (bomb) or corrupt data ends the output layer, flushed; the input layer goes on. A
// hole ends it too (the compressed stream cannot be resumed): counted in gap_cut_layers.
//
// Thread: the worker owning the decoder. Memory: zlib's state (~44 KiB) while active.

#include <memory>

#include "dpi/transform/transform.h"

namespace egressmon::dpi {

bool inflateApplies(const LayerInfo& layer, std::span<const uint8_t> first) noexcept;
std::unique_ptr<Transform> makeInflateTransform(TransformContext& ctx, const LayerInfo& layer,
                                                LayerId parent);

} // namespace egressmon::dpi
