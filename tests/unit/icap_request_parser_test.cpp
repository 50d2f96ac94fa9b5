// IcapRequestParser on what real ICAP clients send: the examples of RFC 3507, Squid 5.7 and
// c-icap-client byte streams recorded off the wire (tests/unit/icap_vectors/), pipelining,
// previews with and without ieof, and "split everywhere". Errors and bounds:
// icap_request_parser_errors_test.cpp.

#include <gtest/gtest.h>

#include "icap_test_support.h"

namespace egressmon::icap {
namespace {

using test::expectSplitInvariant;
using test::readVector;
using test::Recorder;
using test::run;
using test::runWhole;

// RFC 3507 4.8.3, ICAP Request Modification Example 1 (no body).
const std::string kRfcReqmod1 = "REQMOD icap://icap-server.net/server?arg=87 ICAP/1.0\r\n"
                                "Host: icap-server.net\r\n"
                                "Encapsulated: req-hdr=0, null-body=170\r\n"
                                "\r\n"
                                "GET / HTTP/1.1\r\n"
                                "Host: www.origin-server.com\r\n"
                                "Accept: text/html, text/plain\r\n"
                                "Accept-Encoding: compress\r\n"
                                "Cookie: ff39fk3jur@4ii0e02i\r\n"
                                "If-None-Match: \"xyzzy\", \"r2d2xxxx\"\r\n"
                                "\r\n";

// RFC 3507 4.8.3, Example 2 (a POST body, chunked).
const std::string kRfcReqmod2Head = "REQMOD icap://icap-server.net/server?arg=87 ICAP/1.0\r\n"
                                    "Host: icap-server.net\r\n"
                                    "Encapsulated: req-hdr=0, req-body=147\r\n"
                                    "\r\n";
const std::string kRfcReqmod2ReqHdr = "POST /origin-resource/form.pl HTTP/1.1\r\n"
                                      "Host: www.origin-server.com\r\n"
                                      "Accept: text/html, text/plain\r\n"
                                      "Accept-Encoding: compress\r\n"
                                      "Pragma: no-cache\r\n"
                                      "\r\n";
const std::string kRfcReqmod2 = kRfcReqmod2Head + kRfcReqmod2ReqHdr +
                                "1e\r\n"
                                "I am posting this information.\r\n"
                                "0\r\n"
                                "\r\n";

// RFC 3507 4.9.3, ICAP Response Modification Example 1.
const std::string kRfcRespmod = "RESPMOD icap://icap.example.org/satisf ICAP/1.0\r\n"
                                "Host: icap.example.org\r\n"
                                "Encapsulated: req-hdr=0, res-hdr=137, res-body=296\r\n"
                                "\r\n"
                                "GET /origin-resource HTTP/1.1\r\n"
                                "Host: www.origin-server.com\r\n"
                                "Accept: text/html, text/plain, image/gif\r\n"
                                "Accept-Encoding: gzip, compress\r\n"
                                "\r\n"
                                "HTTP/1.1 200 OK\r\n"
                                "Date: Mon, 10 Jan 2000 09:52:22 GMT\r\n"
                                "Server: Apache/1.3.6 (Unix)\r\n"
                                "ETag: \"63840-1ab7-378d415b\"\r\n"
                                "Content-Type: text/html\r\n"
                                "Content-Length: 51\r\n"
                                "\r\n"
                                "33\r\n"
                                "This is data that was returned by an origin server.\r\n"
                                "0\r\n"
                                "\r\n";

// RFC 3507 4.10.2, the OPTIONS request (no Encapsulated header).
const std::string kRfcOptions = "OPTIONS icap://icap.server.net/sample-service ICAP/1.0\r\n"
                                "Host: icap.server.net\r\n"
                                "User-Agent: BazookaDotCom-ICAP-Client-Library/2.3\r\n"
                                "\r\n";

TEST(IcapRequestParser, Rfc3507ReqmodExample1WithoutBody) {
    Recorder rec;
    EXPECT_EQ(run(kRfcReqmod1, {}, "", {}, nullptr, &rec),
              "[head REQMOD /server req-hdr=0,null-body=170 http=GET / HTTP/1.1][end]");
    const IcapRequestHead& h = rec.heads.at(0);
    EXPECT_EQ(h.uri, "icap://icap-server.net/server?arg=87");
    EXPECT_FALSE(h.has_body);
    ASSERT_NE(h.field("host"), nullptr);
    EXPECT_EQ(*h.field("HOST"), "icap-server.net");
    const HttpRequestHead& http = *h.http_request;
    EXPECT_EQ(http.raw, kRfcReqmod1.substr(kRfcReqmod1.size() - 170));
    ASSERT_EQ(http.fields.size(), 5u);
    EXPECT_EQ(*http.field("if-none-match"), "\"xyzzy\", \"r2d2xxxx\"");
    EXPECT_EQ(*http.field("Cookie"), "ff39fk3jur@4ii0e02i");
    EXPECT_EQ(http.field("Content-Length"), nullptr);
}

TEST(IcapRequestParser, Rfc3507ReqmodExample2WithBody) {
    Recorder rec;
    EXPECT_EQ(run(kRfcReqmod2, {}, "", {}, nullptr, &rec),
              "[head REQMOD /server req-hdr=0,req-body=147 http=POST /origin-resource/form.pl "
              "HTTP/1.1][body 30:I am posting this information.][end]");
    EXPECT_TRUE(rec.heads.at(0).has_body);
    EXPECT_EQ(rec.heads.at(0).http_request->raw, kRfcReqmod2ReqHdr);
}

TEST(IcapRequestParser, Rfc3507RespmodExampleKeepsResHdrRaw) {
    Recorder rec;
    EXPECT_EQ(run(kRfcRespmod, {}, "", {}, nullptr, &rec),
              "[head RESPMOD /satisf req-hdr=0,res-hdr=137,res-body=296 http=GET "
              "/origin-resource HTTP/1.1 res-hdr=159][body 51:This is data that was returned "
              "by an origin server.][end]");
    EXPECT_EQ(rec.heads.at(0).res_hdr_raw.substr(0, 17), "HTTP/1.1 200 OK\r\n");
}

TEST(IcapRequestParser, Rfc3507OptionsWithoutEncapsulatedIsNullBody) {
    Recorder rec;
    EXPECT_EQ(run(kRfcOptions, {}, "", {}, nullptr, &rec),
              "[head OPTIONS /sample-service null-body=0][end]");
    EXPECT_EQ(*rec.heads.at(0).field("User-Agent"), "BazookaDotCom-ICAP-Client-Library/2.3");
}

TEST(IcapRequestParser, Squid57PlainHttpReqmods) {
    Recorder rec;
    EXPECT_EQ(run(readVector("squid57_http"), {}, "", {}, nullptr, &rec),
              "[head REQMOD /reqmod req-hdr=0,req-body=181 preview=4 204 trailers "
              "http=POST http://127.0.0.1:18080/upload?x=1 HTTP/1.1][body 4:secr][preview-end]"
              "[body 43:et=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA][end]"
              "[head REQMOD /reqmod req-hdr=0,req-body=175 preview=2 204 trailers "
              "http=POST http://127.0.0.1:18080/small HTTP/1.1][body 2:ab][preview-end ieof][end]"
              "[head REQMOD /reqmod req-hdr=0,null-body=104 preview=0 204 trailers "
              "http=GET http://127.0.0.1:18080/get HTTP/1.1][end]"
              "[head REQMOD /reqmod req-hdr=0,null-body=84 preview=0 204 trailers "
              "http=CONNECT 127.0.0.1:18443 HTTP/1.1][end]"
              "[head OPTIONS /reqmod null-body=0 trailers][end]"); // Squid's OPTIONS refresh
    EXPECT_EQ(*rec.heads.at(0).field("X-Client-IP"), "127.0.0.1");
    EXPECT_EQ(rec.heads.at(0).service_path, "/reqmod");
    EXPECT_EQ(rec.heads.at(0).uri, "icap://127.0.0.1:13442/reqmod");
}

TEST(IcapRequestParser, Squid57SslBumpHttpsUrlsUserAndLargeBody) {
    Recorder rec;
    const std::string in = readVector("squid57_sslbump_auth");
    const std::string events = run(in, {}, "", {}, nullptr, &rec);
    ASSERT_EQ(rec.heads.size(), 5u) << events;
    EXPECT_EQ(rec.error, IcapError::None);
    // Squid's own OPTIONS: no Encapsulated, Allow: 206, trailers.
    EXPECT_EQ(rec.heads[0].method, IcapMethod::Options);
    EXPECT_FALSE(rec.heads[0].allow_204);
    EXPECT_TRUE(rec.heads[0].allow_trailers);
    // The CONNECT itself, null-body, with Preview: 0 and the user.
    EXPECT_EQ(rec.heads[1].http_request->method, "CONNECT");
    EXPECT_EQ(rec.heads[1].http_request->target, "localhost:18443");
    EXPECT_EQ(*rec.heads[1].field("X-Client-Username"), "alice");
    EXPECT_FALSE(rec.heads[1].has_body);
    // The decrypted POST with its full https:// URL.
    EXPECT_EQ(rec.heads[2].http_request->target, "https://localhost:18443/api/upload?id=7");
    EXPECT_TRUE(rec.heads[2].allow_204);
    ASSERT_GE(rec.bodies.size(), 2u);
    EXPECT_EQ(rec.bodies[0] + rec.bodies[1], "user=bob&card=4111111111111111");
    // The large upload: only "Allow: trailers" (Squid will not take a 204 for it).
    EXPECT_FALSE(rec.heads[4].allow_204);
    EXPECT_TRUE(rec.heads[4].allow_trailers);
    ASSERT_EQ(rec.bodies.size(), 4u);
    EXPECT_EQ(rec.bodies[2].size() + rec.bodies[3].size(), 66869u);
    EXPECT_EQ(*rec.heads[4].http_request->field("content-length"), "66869");
    // One byte at a time, and in 1000-byte pieces, the same events.
    std::vector<size_t> every, thousands;
    for (size_t i = 1; i < in.size(); ++i) {
        every.push_back(i);
        if (i % 1000 == 0) thousands.push_back(i);
    }
    EXPECT_EQ(run(in, every), events);
    EXPECT_EQ(run(in, thousands), events);
}

TEST(IcapRequestParser, CIcapClientRequests) {
    EXPECT_EQ(runWhole(readVector("cicap_options")), "[head OPTIONS /reqmod null-body=0][end]");
    Recorder rec;
    EXPECT_EQ(run(readVector("cicap_reqmod_preview_continue"), {}, "", {}, nullptr, &rec),
              "[head OPTIONS /reqmod null-body=0][end]"
              "[head REQMOD /reqmod req-hdr=0,req-body=159 preview=8 204 http=POST "
              "https://example.com/upload HTTP/1.0][body 8:xxxxxxxx][preview-end]"
              "[body 93:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...][end]");
    EXPECT_EQ(*rec.heads.at(1).field("X-Client-IP"), "10.1.2.3");
    EXPECT_EQ(rec.bodies.at(1).back(), '\n');
    EXPECT_EQ(runWhole(readVector("cicap_reqmod_small_ieof")),
              "[head OPTIONS /reqmod null-body=0][end]"
              "[head REQMOD /reqmod req-hdr=0,req-body=149 preview=5 204 http=PUT "
              "https://example.com/u HTTP/1.0][body 5:hello][preview-end ieof][end]");
    EXPECT_EQ(runWhole(readVector("cicap_reqmod_nopreview")),
              "[head OPTIONS /reqmod null-body=0][end]"
              "[head REQMOD /reqmod req-hdr=0,req-body=156 204 http=POST "
              "http://example.com/form HTTP/1.0][body 101:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...]"
              "[end]");
    EXPECT_EQ(runWhole(readVector("cicap_respmod")),
              "[head OPTIONS /respmod null-body=0][end]"
              "[head RESPMOD /respmod req-hdr=0,res-hdr=108,res-body=221 preview=8 204 "
              "http=GET http://example.com/file.txt HTTP/1.0 res-hdr=113][body 8:xxxxxxxx]"
              "[preview-end][body 93:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...][end]");
}

TEST(IcapRequestParser, SplitEverywhereOnEveryExample) {
    for (const std::string& in : {kRfcReqmod1, kRfcReqmod2, kRfcRespmod, kRfcOptions})
        expectSplitInvariant(in);
    for (const char* name : {"squid57_http", "cicap_options", "cicap_reqmod_preview_continue",
                             "cicap_reqmod_small_ieof", "cicap_reqmod_nopreview", "cicap_respmod"})
        expectSplitInvariant(readVector(name));
}

TEST(IcapRequestParser, PipelinedRequestsInOneFeed) {
    const std::string in = kRfcReqmod2 + kRfcReqmod1 + kRfcOptions;
    size_t consumed = 0;
    EXPECT_EQ(run(in, {}, "", {}, &consumed),
              "[head REQMOD /server req-hdr=0,req-body=147 http=POST /origin-resource/form.pl "
              "HTTP/1.1][body 30:I am posting this information.][end]"
              "[head REQMOD /server req-hdr=0,null-body=170 http=GET / HTTP/1.1][end]"
              "[head OPTIONS /sample-service null-body=0][end]");
    EXPECT_EQ(consumed, in.size());
    expectSplitInvariant(in);
}

// Example 2 with a preview of `preview` bytes of its 30-byte body: `first` in the preview.
std::string withPreview(uint64_t preview, std::string_view chunks) {
    std::string in = kRfcReqmod2Head;
    in.insert(in.size() - 2, "Preview: " + std::to_string(preview) + "\r\n");
    return in + kRfcReqmod2ReqHdr + std::string(chunks);
}

TEST(IcapRequestParser, PreviewWithIeofEndsTheRequest) {
    const std::string in =
        withPreview(64, "1e\r\nI am posting this information.\r\n0; ieof\r\n\r\n");
    EXPECT_EQ(expectSplitInvariant(in),
              "[head REQMOD /server req-hdr=0,req-body=147 preview=64 http=POST "
              "/origin-resource/form.pl HTTP/1.1][body 30:I am posting this information.]"
              "[preview-end ieof][end]");
    // Preview: 0 of an empty body.
    EXPECT_EQ(runWhole(withPreview(0, "0; ieof\r\n\r\n")),
              "[head REQMOD /server req-hdr=0,req-body=147 preview=0 http=POST "
              "/origin-resource/form.pl HTTP/1.1][preview-end ieof][end]");
}

TEST(IcapRequestParser, PreviewContinueReadsTheRest) {
    const std::string in =
        withPreview(4, "4\r\nI am\r\n0\r\n\r\n1a\r\n posting this information.\r\n0\r\n\r\n");
    const std::string expected = "[head REQMOD /server req-hdr=0,req-body=147 preview=4 "
                                 "http=POST /origin-resource/form.pl HTTP/1.1][body 4:I am]"
                                 "[preview-end][body 26: posting this information.][end]";
    EXPECT_EQ(expectSplitInvariant(in, "c"), expected);
    EXPECT_EQ(expectSplitInvariant(in, "C"), expected); // decided inside onPreviewEnd
}

TEST(IcapRequestParser, PreviewWaitsForTheDecisionWithoutConsuming) {
    Recorder rec;
    IcapRequestParser parser(rec, {});
    rec.parser = &parser;
    const std::string preview = withPreview(4, "4\r\nI am\r\n0\r\n\r\n");
    const std::string rest = "1a\r\n posting this information.\r\n0\r\n\r\n";
    const std::string in = preview + rest;
    const auto bytes = [](std::string_view s) {
        return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size());
    };
    EXPECT_EQ(parser.feed(bytes(in)), preview.size());
    EXPECT_TRUE(parser.awaitingPreviewDecision());
    EXPECT_FALSE(parser.idle());
    EXPECT_EQ(parser.feed(bytes(rest)), 0u); // still waiting
    parser.continueAfterPreview();
    EXPECT_FALSE(parser.awaitingPreviewDecision());
    parser.continueAfterPreview(); // not awaited: ignored
    parser.abandonAfterPreview();  // likewise
    EXPECT_EQ(parser.feed(bytes(rest)), rest.size());
    EXPECT_TRUE(parser.idle());
    EXPECT_EQ(rec.finish(), "[head REQMOD /server req-hdr=0,req-body=147 preview=4 http=POST "
                            "/origin-resource/form.pl HTTP/1.1][body 4:I am][preview-end]"
                            "[body 26: posting this information.][end]");
}

TEST(IcapRequestParser, PreviewAbandonedThenNextRequestFollows) {
    // After a final answer to the preview the client sends nothing more of that body.
    const std::string in = withPreview(4, "4\r\nI am\r\n0\r\n\r\n") + kRfcReqmod1;
    const std::string expected =
        "[head REQMOD /server req-hdr=0,req-body=147 preview=4 http=POST "
        "/origin-resource/form.pl HTTP/1.1][body 4:I am][preview-end]"
        "[head REQMOD /server req-hdr=0,null-body=170 http=GET / HTTP/1.1][end]";
    EXPECT_EQ(expectSplitInvariant(in, "a"), expected);
    EXPECT_EQ(expectSplitInvariant(in, "A"), expected);
}

TEST(IcapRequestParser, PreviewHeaderWithNullBodyHasNoPreviewEnd) {
    // Squid sends "Preview: 0" on a CONNECT's null-body request: nothing to preview.
    std::string in = kRfcReqmod1;
    in.insert(in.find("\r\n\r\n") + 2, "Preview: 0\r\n");
    EXPECT_EQ(runWhole(in),
              "[head REQMOD /server req-hdr=0,null-body=170 preview=0 http=GET / HTTP/1.1][end]");
}

TEST(IcapRequestParser, ChunkExtensionsTrailersAndIeofSpellings) {
    const std::string head = withPreview(30, "");
    const std::string expected = "[head REQMOD /server req-hdr=0,req-body=147 preview=30 "
                                 "http=POST /origin-resource/form.pl HTTP/1.1][body 3:abc]"
                                 "[preview-end ieof][end]";
    for (const char* tail : {"3;x=\"y\"\r\nabc\r\n0;ieof\r\n\r\n", "3\r\nabc\r\n0 ; IEOF\r\n\r\n",
                             "3\r\nabc\r\n0; a=1; ieof\r\n\r\n",
                             "3\r\nabc\r\n0; ieof\r\nX-Trailer: 1\r\nY: 2\r\n\r\n"})
        EXPECT_EQ(expectSplitInvariant(head + tail), expected) << tail;
    // Trailers after the last chunk of a body without preview; ieof there means nothing.
    EXPECT_EQ(runWhole(kRfcReqmod2Head + kRfcReqmod2ReqHdr + "3\r\nabc\r\n0; ieof\r\nT: v\r\n\r\n"),
              "[head REQMOD /server req-hdr=0,req-body=147 http=POST /origin-resource/form.pl "
              "HTTP/1.1][body 3:abc][end]");
}

TEST(IcapRequestParser, BareLineFeedsAccepted) {
    // c-icap's server takes lines ended by LF alone; so does this parser, everywhere.
    const std::string req_hdr = "POST /f HTTP/1.1\nHost: h\n\n";
    const std::string in = "REQMOD icap://h/reqmod ICAP/1.0\nHost: h\nEncapsulated: req-hdr=0, "
                           "req-body=" +
                           std::to_string(req_hdr.size()) + "\n\n" + req_hdr + "3\nabc\n0\n\n";
    EXPECT_EQ(expectSplitInvariant(in),
              "[head REQMOD /reqmod req-hdr=0,req-body=26 http=POST /f HTTP/1.1][body 3:abc][end]");
}

TEST(IcapRequestParser, FoldedHeaderLinesAndLeadingEmptyLines) {
    Recorder rec;
    const std::string in =
        "\r\n\r\nOPTIONS /svc?x ICAP/1.0\r\nX-Long: one\r\n  two\r\n\tthree\r\n\r\n";
    EXPECT_EQ(run(in, {}, "", {}, nullptr, &rec), "[head OPTIONS /svc null-body=0][end]");
    EXPECT_EQ(*rec.heads.at(0).field("x-long"), "one two three");
    EXPECT_EQ(rec.heads.at(0).uri, "/svc?x");
}

TEST(IcapRequestParser, BodyIsHandedOutNotBuffered) {
    // A 1 MiB body in 4 KiB chunks, fed 64 KiB at a time: pieces never exceed what was fed.
    std::string in = kRfcReqmod2Head + kRfcReqmod2ReqHdr;
    const std::string chunk(4096, 'z');
    for (int i = 0; i < 256; ++i)
        in += "1000\r\n" + chunk + "\r\n";
    in += "0\r\n\r\n";
    std::vector<size_t> cuts;
    for (size_t i = 65536; i < in.size(); i += 65536)
        cuts.push_back(i);
    Recorder rec;
    run(in, cuts, "", {}, nullptr, &rec);
    ASSERT_EQ(rec.bodies.size(), 1u);
    EXPECT_EQ(rec.bodies[0].size(), 1u << 20);
    EXPECT_LE(rec.max_piece, 4096u);
}

TEST(IcapRequestParser, IdleAndHeaderBytesSoFar) {
    Recorder rec;
    IcapRequestParser parser(rec, {});
    rec.parser = &parser;
    EXPECT_TRUE(parser.idle());
    EXPECT_EQ(parser.headerBytesSoFar(), 0u);
    const auto feed = [&](std::string_view s) {
        return parser.feed({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
    };
    feed(std::string_view(kRfcReqmod2).substr(0, 10));
    EXPECT_FALSE(parser.idle());
    EXPECT_EQ(parser.headerBytesSoFar(), 10u);
    feed(std::string_view(kRfcReqmod2).substr(10, kRfcReqmod2Head.size() + 147 - 10));
    EXPECT_EQ(parser.headerBytesSoFar(), kRfcReqmod2Head.size() + 147);
    feed(std::string_view(kRfcReqmod2).substr(kRfcReqmod2Head.size() + 147));
    EXPECT_TRUE(parser.idle());
    EXPECT_EQ(parser.headerBytesSoFar(), 0u);
    EXPECT_FALSE(parser.failed());
}

} // namespace
} // namespace egressmon::icap
