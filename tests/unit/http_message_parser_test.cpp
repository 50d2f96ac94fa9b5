#include <gtest/gtest.h>

#include "dpi/decode/http/http_message_parser.h"

namespace egressmon::dpi {
namespace {

TEST(HttpMessageParser, RequestLineAndFields) {
    const auto h = parseHttpHead("POST /up?a=1 HTTP/1.1\r\nHost: x\r\ncontent-LENGTH:  12 \r\n"
                                 "Content-Encoding: x-gzip\r\n\r\n",
                                 true);
    ASSERT_TRUE(h.ok);
    EXPECT_EQ(h.method, "POST");
    EXPECT_EQ(h.target, "/up?a=1");
    EXPECT_TRUE(h.has_content_length);
    EXPECT_EQ(h.content_length, 12u);
    EXPECT_EQ(h.coding, ContentCoding::Gzip);
}

TEST(HttpMessageParser, StatusLine) {
    const auto h = parseHttpHead("HTTP/1.0 204 No Content\nServer: y\n\n", false);
    ASSERT_TRUE(h.ok);
    EXPECT_EQ(h.status, 204);
    EXPECT_TRUE(parseHttpHead("HTTP/1.1 200\r\n\r\n", false).ok);
    EXPECT_FALSE(parseHttpHead("HTTP/2.0 200 OK\r\n\r\n", false).ok);
    EXPECT_FALSE(parseHttpHead("HTTP/1.1 20x OK\r\n\r\n", false).ok);
}

TEST(HttpMessageParser, BadRequestLines) {
    EXPECT_FALSE(parseHttpHead("GET /\r\n\r\n", true).ok);
    EXPECT_FALSE(parseHttpHead("GET / HTTP/1.1 x\r\n\r\n", true).ok);
    EXPECT_FALSE(parseHttpHead("G(T / HTTP/1.1\r\n\r\n", true).ok);
    EXPECT_FALSE(parseHttpHead("GET / HTTP/1.1\r\nNoColon\r\n\r\n", true).ok);
    EXPECT_FALSE(parseHttpHead("GET / HTTP/1.1\r\nName : v\r\n\r\n", true).ok);
}

TEST(HttpMessageParser, ContentLengthRules) {
    EXPECT_TRUE(
        parseHttpHead("GET / HTTP/1.1\r\nContent-Length: 5, 5\r\nContent-Length: 5\r\n\r\n", true)
            .ok);
    EXPECT_FALSE(
        parseHttpHead("GET / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", true).ok);
    EXPECT_FALSE(parseHttpHead("GET / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n", true).ok);
    EXPECT_FALSE(parseHttpHead("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", true).ok);
    EXPECT_FALSE(parseHttpHead("GET / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n", true).ok);
    EXPECT_FALSE(
        parseHttpHead("GET / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", true).ok);
}

TEST(HttpMessageParser, TransferEncoding) {
    const auto h = parseHttpHead(
        "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, Chunked\r\nContent-Length: 3\r\n\r\n", true);
    ASSERT_TRUE(h.ok);
    EXPECT_TRUE(h.chunked);
    EXPECT_FALSE(h.other_transfer);
    const auto o =
        parseHttpHead("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", false);
    EXPECT_FALSE(o.chunked);
    EXPECT_TRUE(o.other_transfer);
}

TEST(HttpMessageParser, ContentType) {
    std::string_view b;
    EXPECT_EQ(parseContentType("application/x-www-form-urlencoded; charset=UTF-8", b),
              ContentKind::Form);
    EXPECT_EQ(parseContentType("Multipart/Form-Data; boundary=----WebKitX123", b),
              ContentKind::Multipart);
    EXPECT_EQ(b, "----WebKitX123");
    EXPECT_EQ(parseContentType("multipart/form-data; charset=x; BOUNDARY=\"a b:c\"", b),
              ContentKind::Multipart);
    EXPECT_EQ(b, "a b:c");
    EXPECT_EQ(parseContentType("multipart/form-data", b), ContentKind::Other);
    EXPECT_EQ(parseContentType("text/plain", b), ContentKind::Other);
}

TEST(HttpMessageParser, PlausibleStart) {
    EXPECT_TRUE(plausibleStartLine("GE", true));
    EXPECT_TRUE(plausibleStartLine("GET /", true));
    EXPECT_FALSE(plausibleStartLine(" GET", true));
    EXPECT_FALSE(plausibleStartLine("\x16\x03\x01", true));
    EXPECT_TRUE(plausibleStartLine("HTT", false));
    EXPECT_FALSE(plausibleStartLine("HTTX", false));
}

} // namespace
} // namespace egressmon::dpi

using egressmon::dpi::kHttpSniffBytes;
using egressmon::dpi::plausibleResyncLine;
using egressmon::dpi::sniffHttpMessage;
using egressmon::dpi::SniffResult;

TEST(HttpMessageParser, SniffNeedsARequestTarget) {
    EXPECT_EQ(sniffHttpMessage("GET / HTTP/1.1\r\n", true), SniffResult::kYes);
    EXPECT_EQ(sniffHttpMessage("POST http://x/ HTTP/1.1", true), SniffResult::kYes);
    EXPECT_EQ(sniffHttpMessage("OPTIONS * HTTP/1.1", true), SniffResult::kYes);
    EXPECT_EQ(sniffHttpMessage("CONNECT example.com:443 HTTP/1.1", true), SniffResult::kYes);
    EXPECT_EQ(sniffHttpMessage("EHLO ws.corp.example\r\n", true), SniffResult::kNo); // SMTP
    EXPECT_EQ(sniffHttpMessage("USER alice\r\n", true), SniffResult::kNo);           // FTP
    EXPECT_EQ(sniffHttpMessage("POST hxxp://x/", true), SniffResult::kNo);
    EXPECT_EQ(sniffHttpMessage("HTTP/1.1 200 OK\r\n", false), SniffResult::kYes);
    EXPECT_EQ(sniffHttpMessage("220 mx ESMTP\r\n", false), SniffResult::kNo);
    EXPECT_EQ(sniffHttpMessage("HTTP/2 200\r\n", false), SniffResult::kNo);
}

// Every proper prefix of a request's start (up to its target's first byte) needs more; from
// there on the answer is yes. A client sending "P" then "OST /..." still gets a decoder.
TEST(HttpMessageParser, SniffEverySplitOfARequestStart) {
    const std::string line = "POST /upload HTTP/1.1\r\n";
    const size_t decided = 6; // "POST /"
    for (size_t n = 0; n <= line.size(); ++n)
        EXPECT_EQ(sniffHttpMessage(std::string_view(line).substr(0, n), true),
                  n < decided ? SniffResult::kNeedMore : SniffResult::kYes)
            << n;
    const std::string absolute = "PROPPATCH http://h/ HTTP/1.1";
    for (size_t n = 0; n <= absolute.size(); ++n)
        EXPECT_EQ(sniffHttpMessage(std::string_view(absolute).substr(0, n), true),
                  n < 14 ? SniffResult::kNeedMore : SniffResult::kYes)
            << n;
    const std::string connect = "CONNECT h:443 HTTP/1.1";
    for (size_t n = 0; n <= connect.size(); ++n)
        EXPECT_EQ(sniffHttpMessage(std::string_view(connect).substr(0, n), true),
                  n < 9 ? SniffResult::kNeedMore : SniffResult::kYes)
            << n;
}

TEST(HttpMessageParser, SniffEverySplitOfAStatusLine) {
    const std::string line = "HTTP/1.1 200 OK\r\n";
    const size_t decided = 12; // "HTTP/1.1 200"
    for (size_t n = 0; n <= line.size(); ++n)
        EXPECT_EQ(sniffHttpMessage(std::string_view(line).substr(0, n), false),
                  n < decided ? SniffResult::kNeedMore : SniffResult::kYes)
            << n;
}

// Binary or other protocols: no at the first byte that cannot start a message.
TEST(HttpMessageParser, SniffSaysNoAtOnceToBinary) {
    EXPECT_EQ(sniffHttpMessage(std::string_view("\x16", 1), true), SniffResult::kNo);
    EXPECT_EQ(sniffHttpMessage(std::string_view("\0", 1), true), SniffResult::kNo);
    EXPECT_EQ(sniffHttpMessage(std::string_view("\x16", 1), false), SniffResult::kNo);
    EXPECT_EQ(sniffHttpMessage("g", true), SniffResult::kNo); // methods are upper case
    EXPECT_EQ(sniffHttpMessage("SSH-2.0", false), SniffResult::kNo);
    EXPECT_EQ(sniffHttpMessage("HTTP/1.x", false), SniffResult::kNo);
    EXPECT_EQ(sniffHttpMessage("GE ", true), SniffResult::kNo);   // method too short
    EXPECT_EQ(sniffHttpMessage("GET  ", true), SniffResult::kNo); // no target
    EXPECT_EQ(sniffHttpMessage("EHL", true), SniffResult::kNeedMore);
    EXPECT_EQ(sniffHttpMessage("EHLO x", true), SniffResult::kNo);
}

// Bounded: a prefix of kHttpSniffBytes is always decided, and nothing past it is read.
TEST(HttpMessageParser, SniffDecidesWithinItsBound) {
    const std::string inputs[] = {std::string(40, 'A'),
                                  "ABCDEFGHIJKLMNOP http://x/ HTTP/1.1",
                                  "ABCDEFGHIJKLMNOP hxxp",
                                  "ABCDEFGHIJKLMNOPQ /",
                                  "CONNECT ",
                                  std::string(40, ' '),
                                  "HTTP/1.1 200 OK"};
    for (const auto& in : inputs) {
        for (bool request : {true, false}) {
            const std::string padded = in + std::string(kHttpSniffBytes, '\x7f');
            EXPECT_NE(
                sniffHttpMessage(std::string_view(padded).substr(0, kHttpSniffBytes), request),
                SniffResult::kNeedMore)
                << in;
            EXPECT_EQ(
                sniffHttpMessage(padded, request),
                sniffHttpMessage(std::string_view(padded).substr(0, kHttpSniffBytes), request))
                << in;
        }
    }
    EXPECT_EQ(sniffHttpMessage("ABCDEFGHIJKLMNOP http://x/", true), SniffResult::kYes);
    EXPECT_EQ(sniffHttpMessage("ABCDEFGHIJKLMNOPQ /", true), SniffResult::kNo);
}

// What a decoder resumes at after a gap: a whole start line of its direction, a known method.
TEST(HttpMessageParser, PlausibleResyncLine) {
    EXPECT_TRUE(plausibleResyncLine("GET /x?y HTTP/1.1", true));
    EXPECT_TRUE(plausibleResyncLine("POST http://a/b HTTP/1.0\r", true));
    EXPECT_TRUE(plausibleResyncLine("PROPFIND /dav HTTP/1.1", true));
    EXPECT_FALSE(plausibleResyncLine("FOO /x HTTP/1.1", true)); // not a known method
    EXPECT_FALSE(plausibleResyncLine("GET /x HTTP/2", true));
    EXPECT_FALSE(plausibleResyncLine("GET /x", true));
    EXPECT_FALSE(plausibleResyncLine("GET / x HTTP/1.1", true));
    EXPECT_FALSE(plausibleResyncLine("data GET / HTTP/1.1", true));
    EXPECT_FALSE(plausibleResyncLine("HTTP/1.1 200 OK", true));
    EXPECT_TRUE(plausibleResyncLine("HTTP/1.1 200 OK", false));
    EXPECT_TRUE(plausibleResyncLine("HTTP/1.0 404", false));
    EXPECT_FALSE(plausibleResyncLine("HTTP/1.1 20", false));
    EXPECT_FALSE(plausibleResyncLine("HTTP/1.1 200OK", false));
    EXPECT_FALSE(plausibleResyncLine("GET / HTTP/1.1", false));
}
