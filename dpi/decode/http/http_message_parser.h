#pragma once
// Side-effect-free parsing of one HTTP/1.x header section (start line + fields), already
// delimited by the caller (bounded by HttpDecoderLimits::max_header_bytes). Only what framing
// and content decoding need is extracted. Views point into the caller's buffer.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dpi/decode/sniff_result.h"
#include "dpi/transform/layer_info.h"

namespace egressmon::dpi {

struct HttpHead {
    bool ok = false;
    std::string_view method; // requests
    std::string_view target; // requests
    int status = 0;          // responses
    bool has_content_length = false;
    uint64_t content_length = 0;
    bool chunked = false;        // Transfer-Encoding ends with "chunked"
    bool other_transfer = false; // Transfer-Encoding present but not ending with "chunked"
    ContentCoding coding = ContentCoding::Identity;
    ContentKind kind = ContentKind::Other;
    std::string_view boundary;    // multipart/form-data
    std::string_view disposition; // Content-Disposition value: names the file a body carries
};

// `head`: the start line and fields, lines ending in LF or CRLF, the empty line optional.
HttpHead parseHttpHead(std::string_view head, bool request);

// Early rejection of non-HTTP: false when `prefix` (the first bytes of a message, possibly cut
// anywhere) cannot start a request line (method token then SP) or status line ("HTTP/").
bool plausibleStartLine(std::string_view prefix, bool request);

// Whether a direction whose first bytes are `prefix` carries HTTP, so a decoder should follow it.
// Yes once the prefix starts a message: for responses "HTTP/1.x NNN" (x, N digits); for requests
// METHOD SP request-target, the method 3 to 16 upper-case letters, the target origin ("/..."),
// "*", absolute ("http...", any case) or, for CONNECT, an authority, so "EHLO host" or
// "USER name" are not taken for HTTP. NeedMore while the prefix is a proper prefix of such a start
// ("P", "PO", "HTTP/1."), No as soon as it cannot be one (binary input: at its first byte). Reads
// at most kHttpSniffBytes bytes and never says NeedMore for a prefix that long, so a caller holds
// at most that many bytes before deciding.
inline constexpr size_t kHttpSniffBytes = 24;
SniffResult sniffHttpMessage(std::string_view prefix, bool request);

// Whether a whole line (without its LF; a CR before it allowed) is a start line this direction
// plausibly resumes at after a gap: a request line with a known method ("GET", "POST", WebDAV
// methods...), SP, a target without spaces or controls, SP, "HTTP/1.x" at the end; or a status
// line "HTTP/1.x NNN" (then SP and a reason, or the end).
bool plausibleResyncLine(std::string_view line, bool request);

// Pure helpers, exposed for tests.
bool equalsNoCase(std::string_view a, std::string_view b);
std::string_view trimWhitespace(std::string_view s);
// Parses a Content-Type value: kind and (for multipart) the boundary, unquoted.
ContentKind parseContentType(std::string_view value, std::string_view& boundary);

} // namespace egressmon::dpi
