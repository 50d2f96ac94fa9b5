#pragma once
// What is known about one decoded layer instance when it begins: the metadata of a node of the
// layer tree (its type, the file name it was sent under, its parent) and what routes it into
// further transforms (its content coding and media kind).
//
// Thread: any; plain data.

#include <cstdint>
#include <string_view>

#include "dpi/file/file_sniff.h"

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
    // The layer carries a file (a body, a part, an archive entry...) once its content coding
    // is undone: a layer with a coding other than identity is not the file itself, the
    // decompressed layer beneath it (which copies this flag) is. Form, multipart and message
    // bodies are containers, not files.
    bool file = false;
    // Set by LayerNode when a file layer begins: what its first bytes say.
    FileType file_type = FileType::Binary;
    // Views are valid only while the layer is being begun: whoever keeps them copies them.
};

// What a transform learned about the file it reads (told to the sink about that file's layer):
// its type from its contents, that it is password-protected, or that it was not fully
// inspected and why. The sink passes encrypted and uninspectable on to the files that contain
// it: an archive holding an encrypted entry is an encrypted archive.
struct FileNote {
    bool refine_type = false;
    FileType type = FileType::Binary; // when refine_type
    bool encrypted = false;
    // A literal ("encrypted", "corrupt", "max-entry-bytes"...); null: nothing to say.
    const char* uninspectable = nullptr;
};

} // namespace egressmon::dpi
