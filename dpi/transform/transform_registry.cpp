#include "dpi/transform/transform_registry.h"

#include "dpi/transform/form_transform.h"
#include "dpi/transform/inflate_transform.h"
#include "dpi/transform/mime_transform.h"
#include "dpi/transform/rtf/rtf_transform.h"
#include "dpi/transform/zip/zip_transform.h"

namespace egressmon::dpi {

namespace {

// Inflate first: form and MIME content is read from the decompressed layer it opens (whose
// coding is identity), never from the compressed bytes.
constexpr TransformRegistration kBuiltin[] = {
    {"inflate", inflateApplies, makeInflateTransform, 0, /*needs_start=*/true},
    {"form", formApplies, makeFormTransform},
    {"mime", mimeApplies, makeMimeTransform},
    {"zip", zipApplies, makeZipTransform, 4},                    // "PK\3\4"
    {"gunzip", gzipFileApplies, makeGzipFileTransform, 3, true}, // 1f 8b 08
    {"rtf", rtfApplies, makeRtfTransform, 5, true},              // "{\rtf"
};

} // namespace

std::span<const TransformRegistration> builtinTransforms() noexcept {
    return kBuiltin;
}

} // namespace egressmon::dpi
