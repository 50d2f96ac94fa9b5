#pragma once
// MIME entities split into their leaf parts, each decoded by its Content-Transfer-Encoding
// (MimeParser, dpi/decode/mime/): the one RFC 2045/2046 parser for SMTP messages (kind
// Message: the message's own header section first) and HTTP multipart/form-data bodies (kind
// Multipart: the boundary came from the HTTP headers). Each leaf part is a layer of its own,
// carrying the part's file name, and is routed on like any layer.
//
// Part layers are named for where they came from: "http.request.body.multipart" for HTTP,
// "smtp.mime.part" / ".base64" / ".qp" (by transfer encoding) for SMTP. After a hole the parser
// goes on as MimeParser::gap says; the open part hears the gap (also before its first byte).
//
// Thread: the worker owning the decoder. Memory: the parser's bounded line and header buffers.

#include <memory>

#include "dpi/transform/transform.h"

namespace egressmon::dpi {

bool mimeApplies(const LayerInfo& layer, std::span<const uint8_t> first) noexcept;
std::unique_ptr<Transform> makeMimeTransform(TransformContext& ctx, const LayerInfo& layer,
                                             LayerId parent);

} // namespace egressmon::dpi
