#pragma once
// The transforms a layer may be routed to, in the order they are tried. Adding a format (a ZIP
// walker, a PDF text extractor) is one folder's transform and one line in
// transform_registry.cpp.
//
// Thread: any; the table is constant.

#include <span>

#include "dpi/transform/transform.h"

namespace egressmon::dpi {

std::span<const TransformRegistration> builtinTransforms() noexcept;
// What a decoder routes its layers to: every transform, or without the file readers when
// extraction is off (extraction.enabled: false).
std::span<const TransformRegistration> transformsFor(const FileDecoding& files) noexcept;

} // namespace egressmon::dpi
