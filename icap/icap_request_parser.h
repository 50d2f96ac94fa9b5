#pragma once
// ICAP/1.0 requests (RFC 3507) read from one connection's client byte stream: an incremental
// push parser. Requests follow one another on the connection (pipelined bytes of the next
// request may come in the same feed()). The parser owns no socket: the connection that owns it
// hands it what it read and acts on the events.
//
// Call flow, per request:
//   onRequestHead            the ICAP head and the encapsulated HTTP headers are complete
//   onBodyData*              the de-chunked encapsulated body (when the request has one)
//   [onPreviewEnd(ieof)]     the zero chunk that ends a Preview; without ieof the parser stops
//                            until continueAfterPreview() (more onBodyData follow) or
//                            abandonAfterPreview() (the request is over, no onRequestEnd)
//   onRequestEnd             the whole request, trailers included, is consumed
// or onError at any point, after which the parser consumes nothing more.
//
// What it accepts (RFC 3507 sections 4.3-4.5, with the tolerance of c-icap's server):
// - lines end with LF; a CR just before it is dropped (bare LF accepted, as c-icap does); a CR
//   anywhere else in a head line is refused;
// - empty lines before a request line are skipped (RFC 2616 4.1), and counted as header bytes;
// - header fields as HTTP: "name: value", the value trimmed; a line starting with SP or HT
//   continues the previous field's value (obsolete folding, joined with one space);
// - request line `METHOD SP icap-URI SP ICAP/1.0`: OPTIONS, REQMOD, RESPMOD (case-sensitive);
//   another token is NotImplemented, another ICAP/x.y VersionNotSupported, anything else
//   BadRequest. The URI is icap:// or icaps:// with an authority, or a bare absolute path;
// - `Encapsulated` (exactly one; optional on OPTIONS, which then has a null-body) lists
//   `name=offset` entries: offsets relative to the start of the encapsulated section, the first
//   0, strictly increasing, header entities (req-hdr before res-hdr) then exactly one body
//   entity last, and only those RFC 3507 4.4.1 allows for the method (REQMOD: [req-hdr]
//   req-body|null-body; RESPMOD: [req-hdr] [res-hdr] res-body|null-body; OPTIONS:
//   opt-body|null-body). Each header section is read exactly as long as its offsets say and
//   must end with an empty line (and hold no other). An OPTIONS opt-body is read as a body;
// - the body is chunked: `hex-size [; ext]* CRLF data CRLF`, ended by a zero chunk, then
//   trailer fields up to an empty line (read and dropped whether or not trailers were
//   allowed: real clients only send them when the server said so). `ieof` is honoured on the
//   zero chunk that ends a Preview; on a last chunk outside a preview it is tolerated;
// - `Preview: N` with a body: at most N body bytes before the preview's zero chunk (more is
//   BadChunk); with null-body the Preview header has no effect (Squid sends both).
// Bounds (IcapParserLimits, each tested at its limit): the ICAP head plus encapsulated headers
// against max_header_bytes (HeaderTooLarge as soon as it is exceeded, or at once when the
// Encapsulated offsets promise more), a chunk size against max_chunk_size, a chunk-size line
// against max_chunk_line_bytes, trailer lines against max_trailer_bytes. The head is buffered
// (bounded); a body never is.
//
// Thread: the thread that owns the connection. Not thread-safe; callbacks run inside feed(),
// and may call continueAfterPreview()/abandonAfterPreview() but not feed(). noexcept after
// construction; an allocation failure inside it terminates, as everywhere on the packet path.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace egressmon::icap {

enum class IcapMethod : uint8_t { Options, Reqmod, Respmod };

enum class IcapError : uint8_t {
    None,
    BadRequest,      // 400
    ServiceNotFound, // 404 (decided by the server, not the parser)
    // 405: RESPMOD etc. on a service that does not offer it - decided by the server, not parser
    MethodNotAllowed,
    HeaderTooLarge,      // 400 + close
    NotImplemented,      // 501: unknown method
    VersionNotSupported, // 505
    // 400 + close: non-hex size, size over limit, missing CRLF, body longer than its chunk says
    BadChunk,
};

struct HeaderField {
    std::string name;  // as sent
    std::string value; // as sent, trimmed of SP and HT
};

struct EncapsulatedOffsets {
    std::optional<uint32_t> req_hdr, res_hdr, req_body, res_body, null_body, opt_body;
};

// The encapsulated HTTP request header (req-hdr).
struct HttpRequestHead {
    std::string method, target, version; // "POST", "https://host/path" or "/path", "HTTP/1.1"
    std::vector<HeaderField> fields;
    std::string raw; // the req-hdr bytes exactly as received (for echoing)
    // The first field of that name (case-insensitive), or nullptr.
    const std::string* field(std::string_view name) const noexcept;
};

struct IcapRequestHead {
    IcapMethod method = IcapMethod::Options;
    std::string uri;                 // "icap://127.0.0.1:1344/reqmod"
    std::string service_path;        // "/reqmod" (path part of uri, without query)
    std::vector<HeaderField> fields; // ICAP headers
    EncapsulatedOffsets encapsulated;
    std::optional<uint64_t> preview;                // Preview: N
    bool allow_204 = false, allow_trailers = false; // from "Allow: 204, trailers"
    bool has_body = false; // req-body, res-body (or an OPTIONS opt-body) present: not null-body
    std::optional<HttpRequestHead> http_request; // REQMOD (and RESPMOD's req-hdr if sent)
    std::string res_hdr_raw;                     // RESPMOD's res-hdr bytes, framed but not parsed
    // The first ICAP header of that name (case-insensitive), or nullptr.
    const std::string* field(std::string_view name) const noexcept;
};

// The server implements this; every call happens inside IcapRequestParser::feed().
class IcapParserEvents {
  public:
    virtual ~IcapParserEvents() = default;
    // ICAP + encapsulated headers complete. `head` stays valid until the request's
    // onRequestEnd/onError returns or abandonAfterPreview() is called.
    virtual void onRequestHead(const IcapRequestHead& head) noexcept = 0;
    // De-chunked encapsulated body, in pieces of any size (views of the fed bytes).
    virtual void onBodyData(std::span<const uint8_t> bytes) noexcept = 0;
    // The zero-length chunk that ends a Preview. ieof: the body is complete (no more chunks, and
    // onRequestEnd follows at once). Without ieof the parser stops consuming input until
    // continueAfterPreview() (the server answered 100 Continue) or abandonAfterPreview() (the
    // server answered finally: 204/200/403 - RFC 3507 4.5: the client then sends nothing more of
    // this body; the next request follows).
    virtual void onPreviewEnd(bool ieof) noexcept = 0;
    virtual void onRequestEnd() noexcept = 0; // the whole request (incl. trailers) consumed
    virtual void onError(IcapError error, std::string_view reason) noexcept = 0; // parser dead
};

struct IcapParserLimits {
    uint32_t max_header_bytes = 65536; // ICAP head + encapsulated headers
    uint64_t max_chunk_size = 1ull << 32;
    uint32_t max_trailer_bytes = 8192;    // trailer field lines after a zero chunk
    uint32_t max_chunk_line_bytes = 1024; // one chunk-size line with its extensions
};

class IcapRequestParser {
  public:
    IcapRequestParser(IcapParserEvents& events, const IcapParserLimits& limits);

    // Consumes what it can; returns bytes consumed (< size when waiting after a preview or dead).
    size_t feed(std::span<const uint8_t> bytes) noexcept;
    // The server's decision on a preview without ieof; ignored unless one is awaited.
    void continueAfterPreview() noexcept;
    // No onRequestEnd follows: the server has ended the transaction itself.
    void abandonAfterPreview() noexcept;

    bool idle() const noexcept; // between requests (nothing of a request buffered/consumed)
    bool awaitingPreviewDecision() const noexcept;
    bool failed() const noexcept;
    // ICAP head + encapsulated header bytes of the current request consumed so far (0 when
    // idle): for the server's header timeout / slowloris decisions.
    uint64_t headerBytesSoFar() const noexcept;

  private:
    enum class State : uint8_t {
        IcapHead,            // request line and ICAP header fields, up to the empty line
        EncapsulatedHeaders, // exactly as many bytes as the body entity's offset
        ChunkLine,           // hex size and extensions, up to LF
        ChunkData,
        ChunkDataEnd, // the CRLF after chunk data
        Trailer,      // trailer lines after the zero chunk, up to an empty line
        AwaitingPreviewDecision,
        Failed,
    };

    size_t consumeIcapHead(const uint8_t* data, size_t size) noexcept;
    size_t consumeEncapsulated(const uint8_t* data, size_t size) noexcept;
    size_t consumeChunkLine(const uint8_t* data, size_t size) noexcept;
    size_t consumeChunkData(const uint8_t* data, size_t size) noexcept;
    size_t consumeChunkDataEnd(const uint8_t* data, size_t size) noexcept;
    size_t consumeTrailer(const uint8_t* data, size_t size) noexcept;

    bool startRequestLine(std::string_view line) noexcept;
    void finishIcapHead() noexcept;
    void finishEncapsulated() noexcept;
    void startBodyOrEnd() noexcept;
    void finishChunkLine() noexcept;
    void finishLastChunk() noexcept;
    void endRequest(bool notify) noexcept;
    void fail(IcapError error, std::string_view reason) noexcept;

    IcapParserEvents& events_;
    IcapParserLimits limits_;
    State state_ = State::IcapHead;
    IcapRequestHead head_;
    std::string buf_; // ICAP head, then the encapsulated headers, then a chunk-size line
    size_t line_start_ = 0;
    uint64_t header_bytes_ = 0;
    uint64_t encapsulated_size_ = 0; // the body entity's offset
    uint64_t chunk_left_ = 0;
    uint64_t preview_bytes_ = 0;
    uint32_t trailer_bytes_ = 0;
    uint32_t trailer_line_ = 0;    // bytes of the current trailer line before its LF
    bool trailer_line_cr_ = false; // ... and the last of them is a CR
    bool started_ = false;         // a byte of the current request consumed
    bool request_line_ = false;    // the request line has been read
    bool in_preview_ = false;      // reading the preview part of the body
    bool last_chunk_ieof_ = false;
    bool chunk_end_cr_ = false;
};

} // namespace egressmon::icap
