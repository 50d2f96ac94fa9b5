#pragma once
// gzip / deflate content coding undone (Inflater, dpi/content/), into one layer named for the
// coding ("http.request.body.gzip"), which keeps the input's media kind so form and multipart
// content is routed on from the decompressed bytes.
//
// A gzip *file* (a file layer whose first bytes are gzip's magic: an uploaded .gz, the .tar.gz
// inside a ZIP) is inflated the same way into a "gzip.content" layer, itself a file named after
// the gzip file less its ".gz" (".tgz" gives ".tar").
//
// A bound (bomb) or corrupt data ends the output layer, flushed; the input layer goes on. A
// hole ends it too (the compressed stream cannot be resumed): counted in gap_cut_layers. Each
// leaves the decompressed file uninspectable, with the reason told to the sink.
//
// Thread: the worker owning the decoder. Memory: zlib's state (~44 KiB) while active.

#include <memory>

#include "dpi/transform/transform.h"

namespace egressmon::dpi {

bool inflateApplies(const LayerInfo& layer, std::span<const uint8_t> first) noexcept;
std::unique_ptr<Transform> makeInflateTransform(TransformContext& ctx, const LayerInfo& layer,
                                                LayerId parent);
bool gzipFileApplies(const LayerInfo& layer, std::span<const uint8_t> first) noexcept;
std::unique_ptr<Transform> makeGzipFileTransform(TransformContext& ctx, const LayerInfo& layer,
                                                 LayerId parent);

} // namespace egressmon::dpi
