#include "dpi/transform/transform_registry.h"

#include "dpi/transform/form_transform.h"
#include "dpi/transform/inflate_transform.h"
#include "dpi/transform/mime_transform.h"
#include "dpi/transform/pdf/pdf_transform.h"
#include "dpi/transform/rtf/rtf_transform.h"
#include "dpi/transform/sealed/sealed_transform.h"
#include "dpi/transform/tar/tar_transform.h"
#include "dpi/transform/xml/xml_text_transform.h"
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
    {"xml-text", xmlTextApplies, makeXmlTextTransform},          // office XML parts, by name
    {"gunzip", gzipFileApplies, makeGzipFileTransform, 3, true}, // 1f 8b 08
    // No magic in the first bytes: tried on text and binary files (a file layer's node holds
    // kFileSniffBytes for its own type, which tarApplies sniffs again; asking for 1 byte here
    // keeps other layers' nodes from holding more), kept if the first 512-byte block is a tar
    // header.
    {"tar", tarApplies, makeTarTransform, 1},
    {"rtf", rtfApplies, makeRtfTransform, 5, true},          // "{\rtf"
    {"pdf", pdfApplies, makePdfTransform, 5, true},          // "%PDF-"
    {"sealed", sealedApplies, makeSealedTransform, 8, true}, // RAR, 7z, OLE2 signatures
};

} // namespace

// The first kContentTransforms registrations undo the protocol's own encodings (content
// coding, forms, MIME); the rest read files.
constexpr size_t kContentTransforms = 3;

std::span<const TransformRegistration> builtinTransforms() noexcept {
    return kBuiltin;
}

std::span<const TransformRegistration> transformsFor(const FileDecoding& files) noexcept {
    return files.extract ? std::span<const TransformRegistration>(kBuiltin)
                         : std::span<const TransformRegistration>(kBuiltin, kContentTransforms);
}

} // namespace egressmon::dpi
