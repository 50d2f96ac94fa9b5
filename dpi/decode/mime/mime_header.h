#pragma once
// Side-effect-free helpers for MIME header fields (RFC 2045/2046): what one unfolded header
// field says about its entity (multipart and its boundary, Content-Transfer-Encoding, the file
// name, decoded by mime_param.h).
//
// Thread: any; no state.

#include <cstdint>
#include <string>
#include <string_view>

namespace egressmon::dpi {

enum class MimeEncoding : uint8_t { Identity, Base64, QuotedPrintable };

struct MimeEntityInfo {
    bool multipart = false; // multipart/* with a usable boundary
    std::string boundary;
    MimeEncoding encoding = MimeEncoding::Identity;
    // Content-Disposition's filename, else Content-Type's name, decoded to valid UTF-8
    // (RFC 2231/5987 extended values and continuations, RFC 2047 encoded words, raw UTF-8 or
    // GB18030 bytes: mime_param.h), at most kMaxMimeFileName bytes cut on a character
    // boundary; empty when the part names no file.
    std::string file_name;
};

inline constexpr size_t kMaxMimeFileName = 255;

// RFC 2046 allows 70 characters; longer boundaries are not trusted (entity treated as a leaf).
inline constexpr size_t kMaxMimeBoundary = 200;

bool mimeEqualsNoCase(std::string_view a, std::string_view b) noexcept;
std::string_view mimeTrim(std::string_view s) noexcept;
// The value of parameter `name` in a header value ("type/sub; a=1; name=\"v\""), unquoted;
// empty when absent.
std::string_view mimeParam(std::string_view value, std::string_view name) noexcept;
// Applies one unfolded header field ("Name: value", no line terminator) to `info`.
void applyMimeHeaderField(std::string_view field, MimeEntityInfo& info);

} // namespace egressmon::dpi
