// IcapRequestParser on broken input: each IcapError it reports, the parser dead afterwards, and
// every bound at its limit and one past it.

#include <gtest/gtest.h>

#include "icap_test_support.h"

namespace egressmon::icap {
namespace {

using test::expectSplitInvariant;
using test::run;
using test::runWhole;

// A REQMOD with the given ICAP header lines (each ending CRLF), req-hdr and chunked tail.
std::string reqmod(std::string_view icap_fields, std::string_view req_hdr, std::string_view tail,
                   std::string_view request_line = "REQMOD icap://h/reqmod ICAP/1.0") {
    return std::string(request_line) + "\r\n" + std::string(icap_fields) + "\r\n" +
           std::string(req_hdr) + std::string(tail);
}

const std::string kReqHdr = "POST /f HTTP/1.1\r\nHost: h\r\n\r\n"; // 29 bytes
const std::string kBody = "3\r\nabc\r\n0\r\n\r\n";
const std::string kEnc = "Encapsulated: req-hdr=0, req-body=29\r\n";

// The error's number and reason, as the recorder writes it, when `input` ends in that error;
// also checks that any split gives the same events and that the parser stays dead.
std::string errorOf(const std::string& input, const IcapParserLimits& limits = {}) {
    const std::string events = expectSplitInvariant(input, "", limits);
    test::Recorder rec;
    IcapRequestParser parser(rec, limits);
    rec.parser = &parser;
    const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(input.data()),
                                         input.size());
    const size_t used = parser.feed(bytes);
    if (parser.failed()) {
        EXPECT_LT(used, input.size() + 1);
        EXPECT_EQ(parser.feed(bytes), 0u); // dead: consumes nothing more
        EXPECT_FALSE(parser.idle());
    }
    const size_t at = events.find("[error ");
    return at == std::string::npos ? "no error: " + events : events.substr(at);
}

std::string code(IcapError e) {
    return "[error " + std::to_string(static_cast<int>(e)) + " ";
}

TEST(IcapRequestParserErrors, RequestLine) {
    EXPECT_EQ(errorOf("FOO icap://h/x ICAP/1.0\r\n\r\n"),
              code(IcapError::NotImplemented) + "unknown ICAP method]");
    EXPECT_EQ(errorOf("reqmod icap://h/x ICAP/1.0\r\n\r\n"),
              code(IcapError::NotImplemented) + "unknown ICAP method]");
    EXPECT_EQ(errorOf("REQMOD icap://h/x ICAP/1.1\r\n\r\n"),
              code(IcapError::VersionNotSupported) + "ICAP version not 1.0]");
    EXPECT_EQ(errorOf("OPTIONS icap://h/x ICAP/2.0\r\n"),
              code(IcapError::VersionNotSupported) + "ICAP version not 1.0]");
    EXPECT_EQ(errorOf("OPTIONS icap://h/x HTTP/1.1\r\n"),
              code(IcapError::BadRequest) + "not an ICAP version]");
    EXPECT_EQ(errorOf("OPTIONS icap://h/x ICAP/1\r\n"),
              code(IcapError::BadRequest) + "malformed ICAP version]");
    EXPECT_EQ(errorOf("OPTIONS icap://h/x\r\n"),
              code(IcapError::BadRequest) + "request line is not METHOD SP URI SP VERSION]");
    EXPECT_EQ(errorOf("OPTIONS  icap://h/x ICAP/1.0\r\n"),
              code(IcapError::BadRequest) + "request line is not METHOD SP URI SP VERSION]");
    EXPECT_EQ(errorOf("OPTIONS http://h/x ICAP/1.0\r\n"),
              code(IcapError::BadRequest) + "ICAP URI is neither icap:// nor an absolute path]");
    EXPECT_EQ(errorOf("OPTIONS icap:///x ICAP/1.0\r\n"),
              code(IcapError::BadRequest) + "ICAP URI without a host]");
    EXPECT_EQ(errorOf("OPTIONS icap://h/x\r ICAP/1.0\r\n"),
              code(IcapError::BadRequest) + "CR inside the request line]");
}

TEST(IcapRequestParserErrors, IcapHeaderFields) {
    EXPECT_EQ(errorOf(reqmod("Host h\r\n" + kEnc, kReqHdr, kBody)),
              code(IcapError::BadRequest) + "header line without a colon]");
    EXPECT_EQ(errorOf(reqmod("Bad Name: v\r\n" + kEnc, kReqHdr, kBody)),
              code(IcapError::BadRequest) + "malformed header field name]");
    EXPECT_EQ(errorOf(reqmod("X: a\rb\r\n" + kEnc, kReqHdr, kBody)),
              code(IcapError::BadRequest) + "CR inside a header line]");
    EXPECT_EQ(errorOf(reqmod("Host: h\r\n", kReqHdr, kBody)),
              code(IcapError::BadRequest) + "no Encapsulated header]");
    EXPECT_EQ(errorOf(reqmod(kEnc + kEnc, kReqHdr, kBody)),
              code(IcapError::BadRequest) + "more than one Encapsulated header]");
    EXPECT_EQ(errorOf(reqmod("Preview: 1x\r\n" + kEnc, kReqHdr, kBody)),
              code(IcapError::BadRequest) + "Preview is not a number]");
    EXPECT_EQ(errorOf(reqmod("Preview: 1\r\nPreview: 1\r\n" + kEnc, kReqHdr, kBody)),
              code(IcapError::BadRequest) + "more than one Preview header]");
}

TEST(IcapRequestParserErrors, EncapsulatedOffsets) {
    const auto enc = [&](std::string_view value,
                         std::string_view line = "REQMOD icap://h/reqmod ICAP/1.0") {
        return errorOf(
            reqmod("Encapsulated: " + std::string(value) + "\r\n", kReqHdr, kBody, line));
    };
    const std::string bad = code(IcapError::BadRequest);
    EXPECT_EQ(enc("req-hdr=0"), bad + "Encapsulated does not end with a body entity]");
    EXPECT_EQ(enc("req-hdr=5, req-body=30"), bad + "Encapsulated offsets not increasing from 0]");
    EXPECT_EQ(enc("req-hdr=0, req-body=0"), bad + "Encapsulated offsets not increasing from 0]");
    EXPECT_EQ(enc("req-body=0, req-hdr=10"), bad + "Encapsulated entry after the body entity]");
    EXPECT_EQ(enc("req-hdr=0, req-hdr=10, req-body=29"),
              bad + "Encapsulated entities out of order]");
    EXPECT_EQ(enc("req-hdr=0, res-body=29"), bad + "Encapsulated entity not allowed for method]");
    EXPECT_EQ(enc("res-hdr=0, req-hdr=10, res-body=29", "RESPMOD icap://h/x ICAP/1.0"),
              bad + "Encapsulated entities out of order]");
    EXPECT_EQ(enc("req-hdr=0, null-body=30", "OPTIONS icap://h/x ICAP/1.0"),
              bad + "Encapsulated entity not allowed for method]");
    EXPECT_EQ(enc("req-hdr=0, req-body=-30"), bad + "Encapsulated offset is not a number]");
    EXPECT_EQ(enc("req-hdr=0, req-body=4294967296"), bad + "Encapsulated offset is not a number]");
    EXPECT_EQ(enc("req-hdr=0; req-body=30"), bad + "Encapsulated offset is not a number]");
    EXPECT_EQ(enc("req-hdr=0, foo=30"), bad + "unknown Encapsulated entity]");
    EXPECT_EQ(enc(""), bad + "Encapsulated entry without '=']");
    // Offsets that do not fall on the req-hdr's end: one short, one long.
    EXPECT_EQ(enc("req-hdr=0, req-body=28"), bad + "header line without a line end]");
    EXPECT_EQ(errorOf(reqmod(kEnc.substr(0, kEnc.size() - 4) + "30\r\n", kReqHdr, "3\r\nabc\r\n")),
              bad + "bytes after the end of a header section]");
}

TEST(IcapRequestParserErrors, EncapsulatedHttpHead) {
    const std::string bad = code(IcapError::BadRequest);
    const auto with = [&](const std::string& req_hdr) {
        return errorOf(
            reqmod("Encapsulated: req-hdr=0, null-body=" + std::to_string(req_hdr.size()) + "\r\n",
                   req_hdr, ""));
    };
    EXPECT_EQ(with("POST /f\r\nHost: h\r\n\r\n"),
              bad + "req-hdr request line is not METHOD SP TARGET SP VERSION]");
    EXPECT_EQ(with("POST /f FTP/1.0\r\n\r\n"), bad + "malformed req-hdr request line]");
    EXPECT_EQ(with("POST /f HTTP/1.1\r\nHost h\r\n\r\n"), bad + "header line without a colon]");
    EXPECT_EQ(with("POST /f HTTP/1.1\r\nHost: h\r\n\r\nX"),
              bad + "bytes after the end of a header section]");
    EXPECT_EQ(with("POST /f HTTP/1.1\r\nHost: h\r\n"),
              bad + "header section without its empty line]");
}

TEST(IcapRequestParserErrors, Chunks) {
    const std::string head = reqmod(kEnc, kReqHdr, "");
    const std::string chunk = code(IcapError::BadChunk);
    EXPECT_EQ(errorOf(head + "xyz\r\n"), chunk + "chunk size is not hexadecimal]");
    EXPECT_EQ(errorOf(head + "\r\n"), chunk + "chunk size is not hexadecimal]");
    EXPECT_EQ(errorOf(head + "3 x\r\n"), chunk + "junk after the chunk size]");
    EXPECT_EQ(errorOf(head + "-3\r\n"), chunk + "chunk size is not hexadecimal]");
    EXPECT_EQ(errorOf(head + "3\r\nabcd\r\n"),
              chunk + "chunk data longer than its size (no CRLF after it)]");
    EXPECT_EQ(errorOf(head + "3\r\nabc\r\r\n"),
              chunk + "chunk data longer than its size (no CRLF after it)]");
    EXPECT_EQ(errorOf(head + "3\rx\r\n"), chunk + "CR or NUL inside a chunk-size line]");
    EXPECT_EQ(errorOf(head + "ffffffffffffffffffff\r\n"),
              chunk + "chunk size over max_chunk_size]");
    // A preview longer than announced.
    EXPECT_EQ(errorOf(reqmod("Preview: 2\r\n" + kEnc, kReqHdr, "3\r\nabc\r\n0\r\n\r\n")),
              chunk + "preview longer than its Preview header]");
    EXPECT_EQ(errorOf(reqmod("Preview: 4\r\n" + kEnc, kReqHdr, "3\r\nabc\r\n2\r\nde\r\n")),
              chunk + "preview longer than its Preview header]");
}

TEST(IcapRequestParserErrors, ErrorAfterAGoodRequestKeepsItsEvents) {
    const std::string good = reqmod(kEnc, kReqHdr, kBody);
    const std::string events = runWhole(good + "BREW icap://h/x ICAP/1.0\r\n\r\n");
    EXPECT_EQ(events, "[head REQMOD /reqmod req-hdr=0,req-body=29 http=POST /f HTTP/1.1]"
                      "[body 3:abc][end]" +
                          code(IcapError::NotImplemented) + "unknown ICAP method]");
}

TEST(IcapRequestParserErrors, HeaderBytesAtTheLimit) {
    const std::string in = reqmod(kEnc, kReqHdr, kBody);
    const uint32_t head_bytes = static_cast<uint32_t>(in.size() - kBody.size());
    IcapParserLimits limits;
    limits.max_header_bytes = head_bytes; // ICAP head + req-hdr exactly
    EXPECT_EQ(runWhole(in, "", limits),
              "[head REQMOD /reqmod req-hdr=0,req-body=29 http=POST /f HTTP/1.1][body 3:abc][end]");
    limits.max_header_bytes = head_bytes - 1;
    // Refused as soon as the Encapsulated offsets promise one byte too many.
    size_t consumed = 0;
    EXPECT_EQ(run(in, {}, "", limits, &consumed),
              code(IcapError::HeaderTooLarge) + "encapsulated headers over max_header_bytes]");
    EXPECT_EQ(consumed, in.size() - kBody.size() - kReqHdr.size());
    // In the ICAP head itself: refused once the byte past the bound arrives, unbuffered.
    limits.max_header_bytes = 20;
    EXPECT_EQ(run(in, {}, "", limits, &consumed),
              code(IcapError::HeaderTooLarge) + "ICAP head over max_header_bytes]");
    EXPECT_EQ(consumed, 0u); // the first line (33 bytes) crosses the bound in one piece
    std::vector<size_t> every;
    for (size_t i = 1; i < in.size(); ++i)
        every.push_back(i);
    EXPECT_EQ(run(in, every, "", limits, &consumed),
              code(IcapError::HeaderTooLarge) + "ICAP head over max_header_bytes]");
    EXPECT_EQ(consumed, 20u);
    // An OPTIONS head of exactly the bound, and one byte more.
    const std::string options = "OPTIONS icap://h/x ICAP/1.0\r\n\r\n";
    limits.max_header_bytes = static_cast<uint32_t>(options.size());
    EXPECT_EQ(runWhole(options, "", limits), "[head OPTIONS /x null-body=0][end]");
    limits.max_header_bytes -= 1;
    EXPECT_EQ(runWhole(options, "", limits),
              code(IcapError::HeaderTooLarge) + "ICAP head over max_header_bytes]");
}

TEST(IcapRequestParserErrors, ChunkSizeAtTheLimit) {
    IcapParserLimits limits;
    limits.max_chunk_size = 3;
    const std::string head = reqmod(kEnc, kReqHdr, "");
    EXPECT_EQ(runWhole(head + kBody, "", limits),
              "[head REQMOD /reqmod req-hdr=0,req-body=29 http=POST /f HTTP/1.1][body 3:abc][end]");
    EXPECT_EQ(errorOf(head + "4\r\nabcd\r\n0\r\n\r\n", limits),
              code(IcapError::BadChunk) + "chunk size over max_chunk_size]");
    // The default bound, 4 GiB: 0x100000000 passes, 0x100000001 does not.
    EXPECT_EQ(runWhole(head + "100000000\r\nab").find("[error"), std::string::npos);
    EXPECT_EQ(errorOf(head + "100000001\r\n"),
              code(IcapError::BadChunk) + "chunk size over max_chunk_size]");
    // Leading zeros do not count against the bound.
    EXPECT_EQ(runWhole(head + "0000000000000000000003\r\nabc\r\n0\r\n\r\n").find("[error"),
              std::string::npos);
}

TEST(IcapRequestParserErrors, ChunkLineAtTheLimit) {
    IcapParserLimits limits;
    const std::string head = reqmod(kEnc, kReqHdr, "");
    const std::string line = "3;" + std::string(1024 - 4, 'e') + "\r\n"; // 1024 bytes
    EXPECT_EQ(runWhole(head + line + "abc\r\n0\r\n\r\n", "", limits).find("[error"),
              std::string::npos);
    EXPECT_EQ(errorOf(head + "3;e" + line.substr(2) + "abc\r\n0\r\n\r\n", limits),
              code(IcapError::BadChunk) + "chunk-size line over max_chunk_line_bytes]");
}

TEST(IcapRequestParserErrors, TrailersAtTheLimit) {
    IcapParserLimits limits;
    limits.max_trailer_bytes = 20;
    const std::string head = reqmod(kEnc, kReqHdr, "3\r\nabc\r\n0\r\n");
    const std::string ok = "[head REQMOD /reqmod req-hdr=0,req-body=29 http=POST /f HTTP/1.1]"
                           "[body 3:abc][end]";
    // Two trailer lines of 10 bytes each (line ends included): exactly 20.
    EXPECT_EQ(expectSplitInvariant(head + "T: 12345\r\nU: 123456\n\r\n", "", limits), ok);
    EXPECT_EQ(errorOf(head + "T: 12345\r\nU: 1234567\n\r\n", limits),
              code(IcapError::BadChunk) + "trailers over max_trailer_bytes]");
    EXPECT_EQ(errorOf(head + "T: 12345678901234567890", limits),
              code(IcapError::BadChunk) + "trailers over max_trailer_bytes]");
}

} // namespace
} // namespace egressmon::icap
