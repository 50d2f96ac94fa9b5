#pragma once
// The load generator's reader of one connection's ICAP replies (bench/icap_load.cpp): the status
// line and headers, then for a 200 the encapsulated HTTP header and the chunked body. A reply
// that echoes the request is compared with what was sent: byte for byte, or by length only.
// The generator sends one request at a time per connection, as Squid does, so a reply is
// either the 100 Continue after a preview or the request's final answer.
//
// Thread: the generator's one thread. Not a general ICAP client: only what a REQMOD service
// answers (100, 204, 200 echoing the request or carrying an HTTP response, error statuses).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace egressmon::bench {

class IcapReplyReader {
  public:
    enum class Kind : uint8_t {
        kContinue,  // ICAP/1.0 100 Continue
        kNoContent, // 204
        kEcho,      // 200 with req-hdr: the request back (compared with what was sent)
        kResponse,  // 200 with res-hdr: an HTTP response in place of the request (a block page)
        kStatus,    // any other status (an ICAP error)
    };

    // What the current request sent, for comparing an echo. The views must outlive the reply.
    void expect(std::string_view http_head, std::string_view body, bool exact) noexcept;

    // Consumes bytes up to the end of one reply and returns how many. Then ready() says that a
    // reply is complete, failed() that the stream is not a valid reply or the echo differs.
    size_t feed(const char* data, size_t size);
    bool ready() const noexcept { return state_ == State::kDone; }
    bool failed() const noexcept { return state_ == State::kFailed; }
    // After ready(): the reply's kind and status; next() starts on the following reply.
    Kind kind() const noexcept { return kind_; }
    uint16_t status() const noexcept { return status_; }
    void next() noexcept;
    const std::string& error() const noexcept { return error_; }
    // Encapsulated body bytes of the current reply (de-chunked).
    uint64_t bodyBytes() const noexcept { return body_bytes_; }

  private:
    enum class State : uint8_t {
        kHead,      // ICAP status line and headers
        kEncapHead, // the encapsulated HTTP header: as many bytes as the body entity's offset
        kChunkLine,
        kChunkData,
        kChunkEnd, // the CRLF after chunk data
        kTrailer,  // lines after the zero chunk, up to an empty one
        kDone,
        kFailed,
    };

    size_t fail(std::string message);
    size_t consumeHead(const char* data, size_t size);
    bool finishHead();
    size_t consumeEncapHead(const char* data, size_t size);
    size_t consumeLine(const char* data, size_t size, size_t limit);
    bool finishChunkLine();
    void finishBody();

    std::string_view expect_head_, expect_body_;
    bool exact_ = true;
    State state_ = State::kHead;
    Kind kind_ = Kind::kStatus;
    uint16_t status_ = 0;
    std::string buf_; // the head, then the encapsulated header, then a chunk or trailer line
    uint64_t encap_left_ = 0;
    bool has_body_ = false;
    uint64_t chunk_left_ = 0;
    uint64_t body_bytes_ = 0;
    std::string error_;
};

} // namespace egressmon::bench
