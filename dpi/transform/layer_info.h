#pragma once
// What is known about one decoded layer instance when it begins: the metadata of a node of the
// layer tree (its type, the file name it was sent under, its parent) and what routes it into
// further transforms (its content coding and media kind).
//
// Thread: any; plain data.

#include <cstdint>
#include <string_view>

namespace egressmon::dpi {

using LayerId = uint32_t;
inline constexpr LayerId kNoLayer = 0;

// A content coding still to undo (HTTP Content-Encoding).
enum class ContentCoding : uint8_t { Identity, Gzip, Deflate, Unsupported };
// What the layer's bytes are, as far as routing cares.
enum class ContentKind : uint8_t {
    Other,
    Form,      // application/x-www-form-urlencoded
    Multipart, // a multipart body whose boundary is known (boundary below)
    Message,   // an RFC 5322 message: header section, then a body (SMTP DATA)
};
// The protocol side a layer came from: it chooses the names of the layers decoded from it.
enum class LayerFamily : uint8_t { HttpRequest, HttpResponse, Smtp };

struct LayerInfo {
    const char* type = ""; // alert.context.dlp.layer, e.g. "http.request.body.gzip": a literal
    LayerFamily family = LayerFamily::HttpRequest;
    ContentCoding coding = ContentCoding::Identity;
    ContentKind kind = ContentKind::Other;
    std::string_view boundary;  // kind == Multipart
    std::string_view file_name; // the name the file was sent under; empty when none
    uint32_t depth = 0;         // 0: a decoder's root; a transform's outputs: its input's + 1
    // Views are valid only while the layer is being begun: whoever keeps them copies them.
};

} // namespace egressmon::dpi
