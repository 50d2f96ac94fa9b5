#pragma once
// The ICAP server's replies (RFC 3507), appended to a std::string that the connection then
// writes out. Every reply carries the service's ISTag (given without quotes; this adds them; it
// must not contain '"', RFC 3507 4.7 allows at most 32 characters) and `Connection: close` when
// `close` is set. Header sections end with CRLF CRLF; bodies are chunked.
//
// Streaming an unmodified request back (200 OK): appendEchoHead(), then appendChunk() for each
// piece of the body as it is released, then appendLastChunk(). Nothing here buffers a body.
//
// Thread: any; plain functions of their arguments.

#include <cstdint>
#include <ctime>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "icap/icap_request_parser.h"

namespace egressmon::icap {

// The reason phrase RFC 3507 4.3.3 gives the status ("Bad Request" for 400), or "Unknown".
std::string_view icapReasonPhrase(uint16_t status) noexcept;

// What to answer after onError(error): the status, and whether the connection closes. Every
// error the parser reports leaves it dead, so those close; ServiceNotFound and MethodNotAllowed
// (the server's own decisions) may keep the connection once the request has been read.
struct ErrorReply {
    uint16_t status;
    bool close;
};
ErrorReply errorReplyFor(IcapError error) noexcept;

struct OptionsReply {
    std::string_view methods = "REQMOD"; // Methods:
    std::string_view service;            // Service: (omitted when empty)
    std::string_view istag;              // without quotes
    uint32_t max_connections = 0;        // Max-Connections: (omitted when 0)
    uint32_t options_ttl_s = 0;          // Options-TTL: (omitted when 0)
    bool allow_204 = true;               // Allow: 204
    std::optional<uint64_t> preview;     // Preview: N
    bool transfer_preview_all = true;    // Transfer-Preview: *
    std::string_view date;               // Date: (httpDate(); omitted when empty)
    bool close = false;
};
// `ICAP/1.0 200 OK` to OPTIONS, with `Encapsulated: null-body=0`.
void appendOptionsResponse(std::string& out, const OptionsReply& reply);

// `ICAP/1.0 100 Continue` after a preview: the client sends the rest of the body.
void appendContinue(std::string& out);

// `ICAP/1.0 204 No Content` (the client uses its own copy unmodified), with
// `Encapsulated: null-body=0` (RFC 3507 4.4.1: every ICAP message carries Encapsulated).
void appendNoContent(std::string& out, std::string_view istag, bool close);

// `ICAP/1.0 200 OK` echoing the request unmodified: `Encapsulated: req-hdr=0, req-body=N` (or
// `null-body=N` without a body; `req-body=0` / `null-body=0` when there is no req-hdr) and the
// req-hdr bytes as received (HttpRequestHead::raw). With a body, the chunks follow.
void appendEchoHead(std::string& out, std::string_view istag, std::string_view req_hdr_raw,
                    bool has_body, bool close);
// One body piece as a chunk (`hex-size CRLF data CRLF`); nothing for an empty piece, which
// would end the body.
void appendChunk(std::string& out, std::span<const uint8_t> piece);
void appendChunk(std::string& out, std::string_view piece);
// A chunk's size line alone (`hex-size CRLF`): the caller sends the data and its CRLF itself,
// so a large held body need not be copied behind it.
void appendChunkSize(std::string& out, uint64_t size);
// The zero chunk that ends a body: `0 CRLF CRLF`.
void appendLastChunk(std::string& out);

// `ICAP/1.0 200 OK` carrying an HTTP response instead of the request (the request is blocked):
// `Encapsulated: res-hdr=0, res-body=N`, an `HTTP/1.1 <http_status>` (403 Forbidden unless
// icap.block-status says otherwise) with `Content-Type: text/html; charset=utf-8`,
// `Content-Length`, `Connection: close` and `Cache-Control: no-store`, then `html` in one chunk
// (null-body when `html` is empty).
void appendBlockResponse(std::string& out, std::string_view istag, uint16_t http_status,
                         std::string_view html, bool close);

// An error status (400, 404, 405, 408, 500, 501, 503, 505) with `Encapsulated: null-body=0`.
void appendErrorResponse(std::string& out, uint16_t status, std::string_view istag, bool close);

// `text` with & < > " ' written as HTML character references (for a block page).
void appendHtmlEscaped(std::string& out, std::string_view text);

// RFC 7231 IMF-fixdate of `t` (UTC): "Sun, 06 Nov 1994 08:49:37 GMT".
std::string httpDate(std::time_t t);

} // namespace egressmon::icap
