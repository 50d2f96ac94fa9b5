#include <gtest/gtest.h>

#include "dpi/decode/http/http_decoder.h"
#include "http_test_support.h"

namespace egressmon::dpi {
namespace {

using test::Layers;

struct Run {
    Layers layers;
    HttpDecoderCounters counters;
    bool stopped = false;
};

Run decode(const std::vector<std::string_view>& pieces, bool requests, bool end = true,
           HttpDecoderLimits limits = {}, HttpPairing* pairing = nullptr) {
    Run r;
    HttpDecoder d(requests, limits, r.counters, pairing);
    test::RecordingSink sink;
    for (auto p : pieces)
        d.onData(test::u8(p), static_cast<uint32_t>(p.size()), sink);
    if (end) d.onEnd(sink);
    r.stopped = d.stopped();
    EXPECT_EQ(sink.openCount(), end ? 0u : sink.openCount());
    r.layers = sink.layers;
    return r;
}

Run request(std::string_view in, HttpDecoderLimits limits = {}) {
    return decode({in}, true, true, limits);
}

Layers L(std::initializer_list<std::pair<std::string, std::string>> l) {
    return Layers(l);
}

TEST(HttpDecoder, GetWithoutEscapesEmitsNothing) {
    const auto r = request("GET /index.html?a=b HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_TRUE(r.layers.empty());
    EXPECT_EQ(r.counters.messages, 1u);
    EXPECT_EQ(r.counters.parse_errors, 0u);
}

TEST(HttpDecoder, DecodedUriPerRequest) {
    const auto r = request("GET /a%20b+c?q=x+y%21 HTTP/1.1\r\n\r\n"
                           "GET /plain HTTP/1.1\r\n\r\n"
                           "GET /%41 HTTP/1.0\r\n\r\n");
    EXPECT_EQ(r.layers, L({{"http.request.uri.decoded", "/a b+c?q=x y!"},
                           {"http.request.uri.decoded", "/A"}}));
    EXPECT_EQ(r.counters.messages, 3u);
}

TEST(HttpDecoder, ContentLengthBodyIsAlwaysALayer) {
    const auto r =
        request("POST /u HTTP/1.1\r\nContent-Length: 6\r\n\r\nSecretGET / HTTP/1.1\r\n\r\n");
    EXPECT_EQ(r.layers, L({{"http.request.body", "Secret"}}));
    EXPECT_EQ(r.counters.messages, 2u);
    EXPECT_EQ(r.counters.bodies, 1u);
}

TEST(HttpDecoder, ChunkedBody) {
    const auto r =
        request("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 99\r\n\r\n" +
                test::chunked("Top Secret data", 4));
    EXPECT_EQ(r.layers, L({{"http.request.body", "Top Secret data"}}));
    EXPECT_EQ(r.counters.chunked_bodies, 1u);
    EXPECT_EQ(r.counters.parse_errors, 0u);
    EXPECT_FALSE(r.counters.gaps);
}

TEST(HttpDecoder, ChunkedGzipBody) {
    const std::string z = test::gzip("CONFIDENTIAL payload");
    const auto r = request("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                           "Content-Encoding: gzip\r\n\r\n" +
                           test::chunked(z, 5));
    EXPECT_EQ(r.layers,
              L({{"http.request.body", z}, {"http.request.body.gzip", "CONFIDENTIAL payload"}}));
    EXPECT_EQ(r.counters.decompressed_bodies, 1u);
}

TEST(HttpDecoder, DeflateRawAndWrapped) {
    for (int bits : {15, -15}) {
        const std::string z = test::compress("secret", bits);
        const auto r = decode({"HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: " +
                               std::to_string(z.size()) + "\r\n\r\n" + z},
                              false);
        EXPECT_EQ(r.layers,
                  L({{"http.response.body", z}, {"http.response.body.deflate", "secret"}}));
    }
}

TEST(HttpDecoder, FormBody) {
    const std::string body = "user=bob&card=4111+1111%201111+1111&x=%";
    const auto r = request("POST /f HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded; "
                           "charset=utf-8\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n" + body);
    EXPECT_EQ(r.layers, L({{"http.request.body", body},
                           {"http.request.body.form", "user=bob&card=4111 1111 1111 1111&x=%"}}));
}

TEST(HttpDecoder, GzippedFormBody) {
    const std::string z = test::gzip("a=%41+b");
    const auto r = request("POST /f HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                           "Content-Encoding: gzip\r\nContent-Length: " +
                           std::to_string(z.size()) + "\r\n\r\n" + z);
    EXPECT_EQ(r.layers, L({{"http.request.body", z},
                           {"http.request.body.gzip", "a=%41+b"},
                           {"http.request.body.form", "a=A b"}}));
}

TEST(HttpDecoder, MultipartParts) {
    const std::string body =
        "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nfield\r\n"
        "--B\r\nContent-Transfer-Encoding: base64\r\n\r\nU2VjcmV0\r\n"
        "--B\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nA=3DB=\r\nC\r\n"
        "--B--\r\n";
    const auto r =
        request("POST /up HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=\"B\"\r\n"
                "Content-Length: " +
                std::to_string(body.size()) + "\r\n\r\n" + body);
    EXPECT_EQ(r.layers, L({{"http.request.body", body},
                           {"http.request.body.multipart", "field"},
                           {"http.request.body.multipart", "Secret"},
                           {"http.request.body.multipart", "A=BC"}}));
    EXPECT_EQ(r.counters.multipart_parts, 3u);
}

TEST(HttpDecoder, HeadResponseHasNoBody) {
    HttpPairing pairing;
    HttpDecoderCounters rc;
    HttpDecoder req(true, {}, rc, &pairing);
    test::RecordingSink sink;
    const std::string reqs = "HEAD /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
    req.onData(test::u8(reqs), static_cast<uint32_t>(reqs.size()), sink);
    EXPECT_EQ(pairing.pending, 2u);
    const auto r = decode({"HTTP/1.1 100 Continue\r\n\r\n"
                           "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
                           "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"},
                          false, true, {}, &pairing);
    EXPECT_EQ(r.layers, L({{"http.response.body", "hello"}}));
    EXPECT_EQ(r.counters.messages, 3u);
    EXPECT_EQ(r.counters.parse_errors, 0u);
    EXPECT_EQ(pairing.pending, 0u);
}

TEST(HttpDecoder, NoBodyStatuses) {
    const auto r =
        decode({"HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\n"
                "Content-Length: 10\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
               false);
    EXPECT_EQ(r.layers, L({{"http.response.body", "ok"}}));
    EXPECT_EQ(r.counters.messages, 3u);
}

TEST(HttpDecoder, CloseDelimitedResponse) {
    const auto r = decode({"HTTP/1.0 200 OK\r\n\r\nall ", "of it HTTP/1.1 200"}, false);
    EXPECT_EQ(r.layers, L({{"http.response.body", "all of it HTTP/1.1 200"}}));
    EXPECT_TRUE(r.stopped);
}

TEST(HttpDecoder, TruncatedBodyEndsAtEnd) {
    const auto r = request("POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\nshort");
    EXPECT_EQ(r.layers, L({{"http.request.body", "short"}}));
}

TEST(HttpDecoder, DecompressionBombIsCutAndFramingContinues) {
    const std::string z = test::gzip(std::string(10 << 20, '\0'));
    HttpDecoderLimits limits;
    limits.max_decompressed_bytes = 1 << 20;
    limits.max_compression_ratio = 100000; // the size bound, not the ratio, is hit
    const auto r = request(
        "POST / HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: " + std::to_string(z.size()) +
            "\r\n\r\n" + z + "GET /after%20bomb HTTP/1.1\r\n\r\n",
        limits);
    ASSERT_EQ(r.layers.size(), 3u);
    EXPECT_EQ(r.layers[1].first, "http.request.body.gzip");
    EXPECT_EQ(r.layers[1].second.size(), 1u << 20);
    EXPECT_EQ(r.layers[2],
              std::make_pair(std::string("http.request.uri.decoded"), std::string("/after bomb")));
    EXPECT_EQ(r.counters.decompression_bombs, 1u);
    EXPECT_EQ(r.counters.ratio_exceeded, 0u); // the size bound, not the ratio
    EXPECT_EQ(r.counters.parse_errors, 0u);

    limits = {};
    limits.max_compression_ratio = 100;
    const auto byRatio = request("POST / HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: " +
                                     std::to_string(z.size()) + "\r\n\r\n" + z,
                                 limits);
    EXPECT_EQ(byRatio.counters.decompression_bombs, 1u);
    EXPECT_EQ(byRatio.counters.ratio_exceeded, 1u); // told apart: each bound is its own key
    ASSERT_EQ(byRatio.layers.size(), 2u);
    EXPECT_LT(byRatio.layers[1].second.size(), 10u << 20);
}

TEST(HttpDecoder, CorruptGzipIsCountedAndFramingContinues) {
    std::string z = test::gzip(std::string(5000, 'x') + "tail");
    z[12] = static_cast<char>(z[12] ^ 0xff);
    z[13] = static_cast<char>(z[13] ^ 0xff);
    const auto r = request("POST / HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: " +
                           std::to_string(z.size()) + "\r\n\r\n" + z + "GET /%41 HTTP/1.1\r\n\r\n");
    EXPECT_EQ(r.counters.decompression_errors, 1u);
    EXPECT_EQ(r.counters.parse_errors, 0u);
    EXPECT_EQ(r.layers.back(),
              std::make_pair(std::string("http.request.uri.decoded"), std::string("/A")));
}

TEST(HttpDecoder, HeaderTooLarge) {
    HttpDecoderLimits limits;
    limits.max_header_bytes = 64;
    const auto r =
        request("GET / HTTP/1.1\r\nX-Long: " + std::string(100, 'a') + "\r\n\r\n", limits);
    EXPECT_EQ(r.counters.header_too_large, 1u);
    EXPECT_TRUE(r.stopped);
    const auto ok = request("GET / HTTP/1.1\r\nX: " + std::string(30, 'a') + "\r\n\r\n", limits);
    EXPECT_EQ(ok.counters.header_too_large, 0u);
    EXPECT_EQ(ok.counters.messages, 1u);
}

// http.max-multipart-depth: a multipart nested in a form-data part is split when the bound
// allows two levels; at 1 it is decoded as one part, boundaries and all, and counted.
TEST(HttpDecoder, MultipartDepthBoundIsCounted) {
    const std::string body = "--A\r\nContent-Type: multipart/mixed; boundary=I\r\n\r\n"
                             "--I\r\n\r\ninner\r\n--I--\r\n--A--\r\n";
    const auto run = [&](uint32_t depth) {
        HttpDecoderLimits limits;
        limits.max_multipart_depth = depth;
        return request("POST /up HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=A\r\n"
                       "Content-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n" + body,
                       limits);
    };
    const auto split = run(2), flat = run(1);
    EXPECT_EQ(split.counters.multipart_too_deep, 0u);
    EXPECT_EQ(split.layers.back(),
              std::make_pair(std::string("http.request.body.multipart"), std::string("inner")));
    EXPECT_EQ(flat.counters.multipart_too_deep, 1u);
    EXPECT_EQ(flat.layers.back(), std::make_pair(std::string("http.request.body.multipart"),
                                                 std::string("--I\r\n\r\ninner\r\n--I--")));
}

// http.max-part-header-bytes bounds a part's header fields (the blank line after them not
// counted): past it the fields are ignored and counted, and the part is still decoded.
TEST(HttpDecoder, PartHeaderBoundIsCounted) {
    HttpDecoderLimits limits;
    limits.max_part_header_bytes = 1024;
    const auto run = [&](size_t fields) {
        const std::string body =
            "--B\r\nX: " + std::string(fields - 5, 'h') + "\r\n\r\nSecret\r\n--B--\r\n";
        return request("POST /up HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=B\r\n"
                       "Content-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n" + body +
                           "GET /%41 HTTP/1.1\r\n\r\n",
                       limits);
    };
    const auto at = run(1024), above = run(1025);
    EXPECT_EQ(at.counters.part_header_too_large, 0u);
    EXPECT_EQ(at.counters.multipart_parts, 1u);
    EXPECT_EQ(above.counters.part_header_too_large, 1u);
    EXPECT_EQ(above.counters.multipart_parts, 1u);
    // Framing is not affected: the next request is decoded.
    EXPECT_EQ(above.counters.messages, 2u);
    EXPECT_EQ(above.counters.parse_errors, 0u);
}

TEST(HttpDecoder, TrailerBoundIsCountedAndStops) {
    HttpDecoderLimits limits;
    limits.max_trailer_bytes = 1024;
    const auto run = [&](size_t section) {
        return request("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "3\r\nabc\r\n0\r\nX: " +
                           std::string(section - 7, 't') + "\r\n\r\nGET /%41 HTTP/1.1\r\n\r\n",
                       limits);
    };
    const auto at = run(1024), above = run(1025);
    EXPECT_EQ(at.counters.trailer_too_large, 0u);
    EXPECT_EQ(at.counters.messages, 2u);
    EXPECT_FALSE(at.stopped && at.counters.parse_errors > 0);
    EXPECT_EQ(above.counters.trailer_too_large, 1u);
    EXPECT_EQ(above.counters.parse_errors, 0u);
    EXPECT_EQ(above.counters.messages, 1u);
    EXPECT_TRUE(above.stopped);
}

// http.max-pending-requests: with the bound's worth of requests outstanding every response is
// paired with its request; one more forgets the oldest (counted), so pairing slips by one.
TEST(HttpDecoder, PendingRequestBoundIsCounted) {
    const auto run = [](uint32_t bound, int requests) {
        HttpDecoderLimits limits;
        limits.max_pending_requests = bound;
        HttpPairing pairing;
        HttpDecoderCounters rc;
        HttpDecoder req(true, limits, rc, &pairing);
        test::RecordingSink sink;
        std::string reqs = "HEAD /0 HTTP/1.1\r\n\r\n"; // the oldest: its response has no body
        for (int i = 1; i < requests; ++i)
            reqs += "GET /" + std::to_string(i) + " HTTP/1.1\r\n\r\n";
        req.onData(test::u8(reqs), static_cast<uint32_t>(reqs.size()), sink);
        // The HEAD's response announces a body but (rightly) sends none.
        std::string resps = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n";
        for (int i = 1; i < requests; ++i)
            resps += "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n" + std::to_string(i % 10);
        const auto r = decode({resps}, false, true, limits, &pairing);
        std::string bodies;
        for (const auto& [name, bytes] : r.layers)
            bodies += bytes;
        return std::make_pair(rc.pending_requests_exceeded, bodies);
    };
    // At the bound (64, one ring word; 100, more): the HEAD is remembered, its response has
    // no body and every later one is framed.
    std::string framed; // every response but the HEAD's, in order
    for (int i = 1; i < 63; ++i)
        framed += std::to_string(i % 10);
    EXPECT_EQ(run(64, 63), std::make_pair(uint64_t{0}, framed));
    const auto at64 = run(64, 64);
    EXPECT_EQ(at64.first, 0u);
    EXPECT_EQ(at64.second.substr(0, 3), "123");
    EXPECT_EQ(at64.second.size(), 63u);
    const auto at100 = run(100, 100);
    EXPECT_EQ(at100.first, 0u);
    EXPECT_EQ(at100.second.size(), 99u);
    // Above: the HEAD is forgotten, its response is taken to carry a body: the next response's
    // first byte, and framing is lost.
    const auto above64 = run(64, 65);
    EXPECT_EQ(above64.first, 1u);
    EXPECT_EQ(above64.second, "H");
    const auto above100 = run(100, 101);
    EXPECT_EQ(above100.first, 1u);
    EXPECT_EQ(above100.second, "H");
}

TEST(HttpDecoder, NonHttpInputStops) {
    const auto tls = request("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03");
    EXPECT_EQ(tls.counters.parse_errors, 1u);
    EXPECT_TRUE(tls.layers.empty());
    const auto resp = decode({"SSH-2.0-OpenSSH_9.2\r\n"}, false);
    EXPECT_EQ(resp.counters.parse_errors, 1u);
    const auto noVersion = request("GET /\r\n\r\n");
    EXPECT_EQ(noVersion.counters.parse_errors, 1u);
}

TEST(HttpDecoder, GarbageAfterMessageStops) {
    const auto r = request("GET /%41 HTTP/1.1\r\n\r\n\x01\x02garbage");
    EXPECT_EQ(r.counters.messages, 1u);
    EXPECT_EQ(r.counters.parse_errors, 1u);
    EXPECT_TRUE(r.stopped);
}

TEST(HttpDecoder, ConflictingContentLengthIsAParseError) {
    const auto r = request("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab");
    EXPECT_EQ(r.counters.parse_errors, 1u);
    EXPECT_TRUE(r.layers.empty());
}

TEST(HttpDecoder, BadChunkIsAParseError) {
    const auto r = request("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXY");
    EXPECT_EQ(r.counters.parse_errors, 1u);
    EXPECT_EQ(r.layers, L({{"http.request.body", "abc"}}));
}

} // namespace
} // namespace egressmon::dpi
