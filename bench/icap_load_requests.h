#pragma once
// The REQMODs the ICAP load generator sends (bench/icap_load.cpp), built once before the run,
// shaped like Squid 5.7's with ssl_bump (tests/e2e/data/icap/, tests/unit/icap_vectors/):
//
//   REQMOD icap://HOST:PORT/reqmod ICAP/1.0
//   Host, Date, Encapsulated: req-hdr=0, req-body=N, [Preview: P], Allow: 204, trailers (or
//   Allow: trailers), X-Client-IP, X-Client-Username
//   then the decrypted request with its full https:// URL, and the body chunked as Squid
//   forwards it (4096, 12287, then 1 and 16383 in turn: the sizes of its reads, as recorded)
//
// Squid offers 204 only for bodies it can keep a copy of (64 KiB); larger bodies must be echoed.
// With a preview the body is cut as Squid cuts it: a body that fits goes whole with
// `Preview: <its length>` and `0; ieof`; a longer one sends P bytes and `0`, waits for 100
// Continue, then the rest.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace egressmon::bench {

enum class Allow204 : uint8_t { kSquid, kAlways, kNever };
enum class BodyShape : uint8_t { kMultipart, kPut, kMix };
enum class Chunking : uint8_t { kSquid, kWhole };

struct RequestOptions {
    std::string icap_authority = "127.0.0.1:1344"; // in the request line and Host
    Allow204 allow_204 = Allow204::kSquid;
    std::optional<uint64_t> preview;
    Chunking chunking = Chunking::kSquid;
    BodyShape shape = BodyShape::kMix;
};

// Squid sends Allow: 204 only when it holds a copy of the body: up to 64 KiB.
inline constexpr uint64_t kSquidAllow204MaxBody = 64 * 1024;

struct PreparedRequest {
    std::string name;      // the body file's name, or "small"
    std::string http_head; // the encapsulated request header, as sent (an echo is compared)
    std::string body;      // the HTTP body, as sent
    std::string first;     // bytes sent at once: ICAP head, HTTP head, body (or its preview)
    std::string rest;      // bytes sent after 100 Continue (empty without a preview to continue)
    bool allow_204 = false;
};

// A multipart/form-data POST or a WebDAV-style PUT of `file` (named `name`; the Content-Type
// follows its extension); `index` picks the shape under BodyShape::kMix (3 in 5 multipart, as
// bench/workloads/document_mix.py) and varies the URL.
PreparedRequest documentRequest(const RequestOptions& options, const std::string& name,
                                const std::string& file, size_t index);

// A form POST (application/x-www-form-urlencoded) whose body is `body_bytes` long.
PreparedRequest smallFormRequest(const RequestOptions& options, size_t body_bytes, size_t index);

} // namespace egressmon::bench
