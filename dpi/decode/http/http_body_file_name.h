#pragma once
// The name of the file an HTTP body carries, as its sender named it, for the body's root layer
// (multipart parts get theirs from their own headers, dpi/decode/mime/):
//
//   - the message's own Content-Disposition filename (RFC 6266, decoded like a MIME part's:
//     RFC 5987 extended value, encoded words, raw UTF-8 or GB18030), requests and responses;
//   - else, for a request body that is neither a form nor multipart (a raw PUT or POST of the
//     file), the last segment of the URL path before '?', percent-decoded: clients upload to
//     ".../upload/report.docx". An empty last segment gives no name.
//
// Thread: any; no state. noexcept: the name is empty on std::bad_alloc.

#include <string>
#include <string_view>

#include "dpi/decode/http/http_message_parser.h"

namespace egressmon::dpi {

// Valid UTF-8, at most kMaxMimeFileName bytes; empty when the body names no file.
std::string httpBodyFileName(const HttpHead& head, bool request) noexcept;

// The last path segment of a request target (origin or absolute form), percent-decoded to
// UTF-8 (raw bytes that are not UTF-8 read as GB18030); empty for "/", "*", an authority, "."
// and "..". Exposed for tests; may throw std::bad_alloc.
std::string requestTargetFileName(std::string_view target);

} // namespace egressmon::dpi
