#pragma once
// application/x-www-form-urlencoded request bodies percent-decoded ('+' is a space) into
// "http.request.body.form". After a hole an escape cut by it is dropped and decoding goes on.
//
// Thread: the worker owning the decoder. Memory: a scratch string of at most a piece's size.

#include <memory>

#include "dpi/transform/transform.h"

namespace egressmon::dpi {

bool formApplies(const LayerInfo& layer, std::span<const uint8_t> first) noexcept;
std::unique_ptr<Transform> makeFormTransform(TransformContext& ctx, const LayerInfo& layer,
                                             LayerId parent);

} // namespace egressmon::dpi
