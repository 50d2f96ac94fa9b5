#include <gtest/gtest.h>

#include "dpi/http_message_parser.h"

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

using egressmon::dpi::startsHttpMessage;

TEST(HttpMessageParser, StartsHttpMessageNeedsARequestTarget) {
    EXPECT_TRUE(startsHttpMessage("GET / HTTP/1.1\r\n", true));
    EXPECT_TRUE(startsHttpMessage("POST http://x/ HTTP/1.1", true));
    EXPECT_TRUE(startsHttpMessage("OPTIONS * HTTP/1.1", true));
    EXPECT_TRUE(startsHttpMessage("CONNECT example.com:443 HTTP/1.1", true));
    EXPECT_FALSE(startsHttpMessage("EHLO ws.corp.example\r\n", true)); // SMTP greeting
    EXPECT_FALSE(startsHttpMessage("USER alice\r\n", true));           // FTP
    EXPECT_TRUE(startsHttpMessage("HTTP/1.1 200 OK\r\n", false));
    EXPECT_FALSE(startsHttpMessage("220 mx ESMTP\r\n", false));
}
