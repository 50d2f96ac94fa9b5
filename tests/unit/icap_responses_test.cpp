// The ICAP server's replies (icap/icap_responses.h), byte for byte, and their framing read back.

#include <gtest/gtest.h>

#include "icap/icap_responses.h"

namespace egressmon::icap {
namespace {

TEST(IcapResponses, Options) {
    std::string out;
    OptionsReply r;
    r.service = "egressmon/0.1.0";
    r.istag = "em-1";
    r.max_connections = 100;
    r.options_ttl_s = 3600;
    r.preview = 1024;
    r.date = "Mon, 10 Jan 2000 09:55:21 GMT";
    appendOptionsResponse(out, r);
    EXPECT_EQ(out, "ICAP/1.0 200 OK\r\n"
                   "Methods: REQMOD\r\n"
                   "Service: egressmon/0.1.0\r\n"
                   "ISTag: \"em-1\"\r\n"
                   "Encapsulated: null-body=0\r\n"
                   "Max-Connections: 100\r\n"
                   "Options-TTL: 3600\r\n"
                   "Allow: 204\r\n"
                   "Preview: 1024\r\n"
                   "Transfer-Preview: *\r\n"
                   "Date: Mon, 10 Jan 2000 09:55:21 GMT\r\n"
                   "\r\n");
    out.clear();
    OptionsReply minimal;
    minimal.istag = "t";
    minimal.allow_204 = false;
    minimal.transfer_preview_all = false;
    minimal.close = true;
    appendOptionsResponse(out, minimal);
    EXPECT_EQ(out, "ICAP/1.0 200 OK\r\nMethods: REQMOD\r\nISTag: \"t\"\r\n"
                   "Encapsulated: null-body=0\r\nConnection: close\r\n\r\n");
}

TEST(IcapResponses, ContinueAndNoContent) {
    std::string out;
    appendContinue(out);
    EXPECT_EQ(out, "ICAP/1.0 100 Continue\r\n\r\n");
    out.clear();
    appendNoContent(out, "em-1", false);
    EXPECT_EQ(out,
              "ICAP/1.0 204 No Content\r\nISTag: \"em-1\"\r\nEncapsulated: null-body=0\r\n\r\n");
    out.clear();
    appendNoContent(out, "em-1", true);
    EXPECT_EQ(out, "ICAP/1.0 204 No Content\r\nISTag: \"em-1\"\r\nEncapsulated: null-body=0\r\n"
                   "Connection: close\r\n\r\n");
}

TEST(IcapResponses, EchoStreamsTheRequestBack) {
    const std::string req_hdr = "POST /f HTTP/1.1\r\nHost: h\r\n\r\n";
    std::string out;
    appendEchoHead(out, "em-1", req_hdr, true, false);
    appendChunk(out, std::string_view("hello world, "));
    appendChunk(out, std::string_view());
    const uint8_t tail[] = {'b', 'y', 'e'};
    appendChunk(out, std::span<const uint8_t>(tail));
    appendLastChunk(out);
    EXPECT_EQ(out, "ICAP/1.0 200 OK\r\nISTag: \"em-1\"\r\nEncapsulated: req-hdr=0, req-body=29\r\n"
                   "\r\n" +
                       req_hdr + "d\r\nhello world, \r\n3\r\nbye\r\n0\r\n\r\n");
    out.clear();
    appendEchoHead(out, "em-1", req_hdr, false, true);
    EXPECT_EQ(out, "ICAP/1.0 200 OK\r\nISTag: \"em-1\"\r\nEncapsulated: req-hdr=0, null-body=29\r\n"
                   "Connection: close\r\n\r\n" +
                       req_hdr);
    out.clear();
    appendEchoHead(out, "em-1", "", true, false);
    EXPECT_EQ(out, "ICAP/1.0 200 OK\r\nISTag: \"em-1\"\r\nEncapsulated: req-body=0\r\n\r\n");
}

TEST(IcapResponses, BlockPageFramesAnHttp403) {
    const std::string page = "<html><body>Blocked by rule 7 (alert 42)</body></html>";
    std::string out;
    appendBlockResponse(out, "em-1", 403, page, false);
    const size_t icap_end = out.find("\r\n\r\n") + 4;
    const std::string icap_head = out.substr(0, icap_end);
    const std::string http_head =
        "HTTP/1.1 403 Forbidden\r\nContent-Type: text/html; charset=utf-8\r\n"
        "Content-Length: " +
        std::to_string(page.size()) + "\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n";
    EXPECT_EQ(icap_head,
              "ICAP/1.0 200 OK\r\nISTag: \"em-1\"\r\nEncapsulated: res-hdr=0, res-body=" +
                  std::to_string(http_head.size()) + "\r\n\r\n");
    char size_hex[16];
    snprintf(size_hex, sizeof size_hex, "%zx", page.size());
    EXPECT_EQ(out.substr(icap_end), http_head + size_hex + "\r\n" + page + "\r\n0\r\n\r\n");
    out.clear();
    appendBlockResponse(out, "em-1", 403, "", true);
    EXPECT_NE(out.find("Encapsulated: res-hdr=0, null-body="), std::string::npos);
    EXPECT_NE(out.find("Content-Length: 0\r\n"), std::string::npos);
    EXPECT_NE(out.find("\r\nConnection: close\r\n\r\nHTTP/1.1 403"), std::string::npos);
    EXPECT_EQ(out.substr(out.size() - 4), "\r\n\r\n");
}

TEST(IcapResponses, ErrorStatuses) {
    const std::pair<uint16_t, const char*> cases[] = {
        {400, "Bad Request"},
        {404, "ICAP Service Not Found"},
        {405, "Method Not Allowed For Service"},
        {500, "Server Error"},
        {501, "Method Not Implemented"},
        {505, "ICAP Version Not Supported by Server"}};
    for (const auto& [status, reason] : cases) {
        std::string out;
        appendErrorResponse(out, status, "em-1", true);
        EXPECT_EQ(out, "ICAP/1.0 " + std::to_string(status) + " " + reason +
                           "\r\nISTag: \"em-1\"\r\nEncapsulated: null-body=0\r\n"
                           "Connection: close\r\n\r\n");
    }
    EXPECT_EQ(errorReplyFor(IcapError::BadRequest).status, 400);
    EXPECT_TRUE(errorReplyFor(IcapError::BadChunk).close);
    EXPECT_TRUE(errorReplyFor(IcapError::HeaderTooLarge).close);
    EXPECT_EQ(errorReplyFor(IcapError::NotImplemented).status, 501);
    EXPECT_EQ(errorReplyFor(IcapError::VersionNotSupported).status, 505);
    EXPECT_EQ(errorReplyFor(IcapError::ServiceNotFound).status, 404);
    EXPECT_FALSE(errorReplyFor(IcapError::MethodNotAllowed).close);
    EXPECT_EQ(icapReasonPhrase(299), "Unknown");
}

TEST(IcapResponses, HtmlEscapeAndHttpDate) {
    std::string out;
    appendHtmlEscaped(out, "<a href=\"x\">Tom & Jerry's</a>");
    EXPECT_EQ(out, "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
    EXPECT_EQ(httpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    EXPECT_EQ(httpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
}

} // namespace
} // namespace egressmon::icap
