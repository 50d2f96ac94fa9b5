// HttpDecoder after a hole in the stream (onGap): a body of known length goes on with its layers
// taking the gap; anywhere else the decoder resynchronises at the next plausible start line,
// within http.max-resync-bytes. And the pairing-only request decoder.

#include <gtest/gtest.h>

#include "dpi/decode/http/http_decoder.h"
#include "http_test_support.h"

namespace egressmon::dpi {
namespace {

using test::Layers;

Layers L(std::initializer_list<std::pair<std::string, std::string>> l) {
    return Layers(l);
}

// A stream fed as: piece, hole, piece, hole, ... (a hole of 0 between two pieces: none).
struct Piece {
    std::string bytes;
    uint64_t gap_after = 0;
};

struct Run {
    Layers layers;
    HttpDecoderCounters counters;
    bool stopped = false; // before onEnd
};

Run decodeWithGaps(const std::vector<Piece>& pieces, bool requests = true,
                   HttpDecoderLimits limits = {}) {
    Run r;
    HttpDecoder d(requests, limits, r.counters, nullptr);
    test::RecordingSink sink;
    for (const auto& p : pieces) {
        d.onData(test::u8(p.bytes), static_cast<uint32_t>(p.bytes.size()), sink);
        if (p.gap_after > 0) d.onGap(p.gap_after, sink);
    }
    r.stopped = d.stopped(); // before the end, which stops every decoder
    d.onEnd(sink);
    EXPECT_EQ(sink.openCount(), 0u);
    r.layers = sink.layers;
    return r;
}

const std::string kNext = "GET /%41 HTTP/1.1\r\nHost: x\r\n\r\n"; // decoded target "/A"
const std::pair<std::string, std::string> kNextLayer{"http.request.uri.decoded", "/A"};

TEST(HttpDecoderGap, ContentLengthUploadGoesOnAfterAHole) {
    const auto r = decodeWithGaps(
        {{"POST /u HTTP/1.1\r\nContent-Length: 20\r\n\r\n01234", 10}, {"56789" + kNext}});
    EXPECT_EQ(r.layers, L({{"http.request.body", "01234<gap 10>56789"}, kNextLayer}));
    EXPECT_EQ(r.counters.gaps, 1u);
    EXPECT_EQ(r.counters.resyncs, 1u);
    EXPECT_EQ(r.counters.parse_errors, 0u);
    EXPECT_EQ(r.counters.messages, 2u);
    EXPECT_FALSE(r.stopped);
}

TEST(HttpDecoderGap, HoleBeforeTheBodysFirstByteCountsInItsOffsets) {
    const auto r =
        decodeWithGaps({{"POST /u HTTP/1.1\r\nContent-Length: 10\r\n\r\n", 4}, {"456789" + kNext}});
    EXPECT_EQ(r.layers, L({{"http.request.body", "<gap 4>456789"}, kNextLayer}));
}

TEST(HttpDecoderGap, HoleEndingWithTheBodyKeepsTheFraming) {
    const auto r =
        decodeWithGaps({{"POST /u HTTP/1.1\r\nContent-Length: 10\r\n\r\n01234", 5}, {kNext}});
    EXPECT_EQ(r.layers, L({{"http.request.body", "01234<gap 5>"}, kNextLayer}));
    EXPECT_EQ(r.counters.resyncs, 1u);
}

// The hole runs past the body's end: the body ends, the rest of the hole is before the next
// message, found by its start line.
TEST(HttpDecoderGap, HolePastTheBodyResyncsAtTheNextRequestLine) {
    const auto r = decodeWithGaps({{"POST /u HTTP/1.1\r\nContent-Length: 10\r\n\r\n01234", 20},
                                   {"ders\r\nX: y\r\n\r\nbody bytes\r\n" + kNext}});
    EXPECT_EQ(r.layers, L({{"http.request.body", "01234<gap 5>"}, kNextLayer}));
    EXPECT_EQ(r.counters.resyncs, 1u);
    EXPECT_EQ(r.counters.parse_errors, 0u);
    EXPECT_EQ(r.counters.messages, 2u);
}

TEST(HttpDecoderGap, GzipLayerEndsAtAHoleAndTheNextRequestIsDecoded) {
    std::string plain;
    for (int i = 0; i < 2000; ++i)
        plain += std::to_string(i * 7919 % 10007) + ",";
    const std::string z = test::gzip(plain);
    ASSERT_GT(z.size(), 1000u);
    const size_t half = z.size() / 2;
    const auto r =
        decodeWithGaps({{"POST /u HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: " +
                             std::to_string(z.size()) + "\r\n\r\n" + z.substr(0, half),
                         10},
                        {z.substr(half + 10) + kNext}});
    ASSERT_EQ(r.layers.size(), 3u);
    EXPECT_EQ(r.layers[0], std::make_pair(std::string("http.request.body"),
                                          z.substr(0, half) + "<gap 10>" + z.substr(half + 10)));
    EXPECT_EQ(r.layers[1].first, "http.request.body.gzip");
    EXPECT_FALSE(r.layers[1].second.empty());
    EXPECT_LT(r.layers[1].second.size(), plain.size());
    EXPECT_EQ(plain.substr(0, r.layers[1].second.size()), r.layers[1].second);
    EXPECT_EQ(r.layers[2], kNextLayer);
    EXPECT_EQ(r.counters.gap_cut_layers, 1u);
    EXPECT_EQ(r.counters.decompression_errors, 0u);
    EXPECT_EQ(r.counters.resyncs, 1u);
    EXPECT_EQ(r.counters.messages, 2u);
}

TEST(HttpDecoderGap, HoleInTheHeadersResyncsAtTheNextRequest) {
    const auto r = decodeWithGaps(
        {{"GET /first HTTP/1.1\r\nHo", 20},
         {"st: x\r\n\r\nPOST /%41 HTTP/1.1\r\nContent-Length: 6\r\n\r\nSecret" + kNext}});
    EXPECT_EQ(r.layers, L({kNextLayer, {"http.request.body", "Secret"}, kNextLayer}));
    EXPECT_EQ(r.counters.messages, 2u); // the first request's head was cut
    EXPECT_EQ(r.counters.resyncs, 1u);
    EXPECT_EQ(r.counters.parse_errors, 0u);
}

// The next start line may follow the hole at once (the hole ended between messages).
TEST(HttpDecoderGap, HoleBetweenMessagesResyncsAtOnce) {
    const auto r = decodeWithGaps({{"GET /a HTTP/1.1\r\n\r\n", 100}, {kNext}});
    EXPECT_EQ(r.layers, L({kNextLayer}));
    EXPECT_EQ(r.counters.resyncs, 1u);
}

TEST(HttpDecoderGap, HoleInsideAChunkGoesOn) {
    const auto r =
        decodeWithGaps({{"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\na\r\n01234", 3},
                        {"89\r\n3\r\nabc\r\n0\r\n\r\n" + kNext}});
    EXPECT_EQ(r.layers, L({{"http.request.body", "01234<gap 3>89abc"}, kNextLayer}));
    EXPECT_EQ(r.counters.resyncs, 1u);
    EXPECT_EQ(r.counters.parse_errors, 0u);
}

// A hole that takes chunk framing (a size line) loses the body: resynchronise at the next
// request; the chunks after the hole are skipped.
TEST(HttpDecoderGap, HoleAcrossChunkFramingResyncsAtTheNextRequest) {
    const auto r =
        decodeWithGaps({{"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\na\r\n01234", 20},
                        {"\r\n3\r\nabc\r\n0\r\n\r\n" + kNext}});
    EXPECT_EQ(r.layers, L({{"http.request.body", "01234<gap 5>"}, kNextLayer}));
    EXPECT_EQ(r.counters.resyncs, 1u);
    EXPECT_EQ(r.counters.parse_errors, 0u);
    // ... and in the size line itself.
    const auto inSize =
        decodeWithGaps({{"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n1", 2},
                        {"\r\n" + std::string(16, 'x') + "\r\n0\r\n\r\n" + kNext}});
    EXPECT_EQ(inSize.layers, L({{"http.request.body", "abc"}, kNextLayer}));
}

const std::string kMultipartHead =
    "POST /up HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: ";

TEST(HttpDecoderGap, MultipartHoleInPartOneThenPartTwoDecoded) {
    const std::string before = "--B\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nfirst ";
    const std::string lost = "LOSTLOST";
    const std::string after = "rest\r\n--B\r\n\r\nsecond\r\n--B--\r\n";
    const auto r = decodeWithGaps(
        {{kMultipartHead + std::to_string(before.size() + lost.size() + after.size()) + "\r\n\r\n" +
              before,
          lost.size()},
         {after + kNext}});
    EXPECT_EQ(r.layers, L({{"http.request.body", before + "<gap 8>" + after},
                           {"http.request.body.multipart", "first <gap 8>rest"},
                           {"http.request.body.multipart", "second"},
                           kNextLayer}));
    EXPECT_EQ(r.counters.multipart_parts, 2u);
}

// A base64 part goes on after a hole at the next line (the cut line's quanta are lost).
TEST(HttpDecoderGap, MultipartBase64PartGoesOnAfterAHoleThenPartTwoDecoded) {
    const std::string before = "--B\r\nContent-Transfer-Encoding: base64\r\n\r\nU2VjcmV0";
    const std::string lost = "U2Vj";
    const std::string after = "cmV0\r\n--B\r\n\r\nsecond\r\n--B--\r\n";
    const auto r = decodeWithGaps(
        {{kMultipartHead + std::to_string(before.size() + lost.size() + after.size()) + "\r\n\r\n" +
              before,
          lost.size()},
         {after}});
    EXPECT_EQ(r.layers, L({{"http.request.body", before + "<gap 4>" + after},
                           {"http.request.body.multipart", "Secret<gap 4>"},
                           {"http.request.body.multipart", "second"}}));
    EXPECT_EQ(r.counters.gap_cut_layers, 0u);
}

// A hole right after a part's headers, before its first byte: the part's layer begins with it,
// so its offsets count the lost bytes.
TEST(HttpDecoderGap, HoleBeforeAPartsFirstByteIsToldToThePart) {
    const std::string before = "--B\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n";
    const std::string after = "rest\r\n--B--\r\n";
    const auto r = decodeWithGaps(
        {{kMultipartHead + std::to_string(before.size() + 4 + after.size()) + "\r\n\r\n" + before,
          4},
         {after}});
    EXPECT_EQ(r.layers, L({{"http.request.body", before + "<gap 4>" + after},
                           {"http.request.body.multipart", "<gap 4>rest"}}));
}

TEST(HttpDecoderGap, ResponseHoleResyncsAtTheNextStatusLine) {
    const auto r = decodeWithGaps({{"HTTP/1.1 200 OK\r\nContent-Le", 40},
                                   {"xt\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"}},
                                  false);
    EXPECT_EQ(r.layers, L({{"http.response.body", "ok"}}));
    EXPECT_EQ(r.counters.resyncs, 1u);
    // A close-delimited body takes the hole and goes on to the end.
    const auto close = decodeWithGaps({{"HTTP/1.0 200 OK\r\n\r\nabc", 9}, {"def"}}, false);
    EXPECT_EQ(close.layers, L({{"http.response.body", "abc<gap 9>def"}}));
}

// A start line found in skipped bytes may be a look-alike: when its message does not parse, the
// search goes on instead of stopping.
TEST(HttpDecoderGap, LookAlikeStartLineDoesNotStopTheSearch) {
    const auto r = decodeWithGaps(
        {{"POST / HTTP/1.1\r\nX", 50}, {"GET /x HTTP/1.1\r\nno colon\r\n\r\n" + kNext}});
    EXPECT_EQ(r.layers, L({kNextLayer}));
    EXPECT_EQ(r.counters.parse_errors, 0u);
    EXPECT_EQ(r.counters.resyncs, 1u);
    EXPECT_EQ(r.counters.messages, 1u);
}

// http.max-resync-bytes: up to the bound of skipped stream the next request is found; past it
// the decoder stops (counted). Lines longer than a header section are skipped, not held.
TEST(HttpDecoderGap, ResyncBoundIsCountedAndStops) {
    HttpDecoderLimits limits;
    limits.max_resync_bytes = 100;
    const auto run = [&](size_t junk) {
        std::string skipped(junk - 2, 'j');
        skipped += "\r\n";
        return decodeWithGaps({{"GET /a HTTP/1.1\r\nHo", 5}, {skipped + kNext}}, true, limits);
    };
    const auto at = run(100), above = run(101);
    EXPECT_EQ(at.layers, L({kNextLayer}));
    EXPECT_EQ(at.counters.resync_failures, 0u);
    EXPECT_FALSE(at.stopped);
    EXPECT_TRUE(above.layers.empty());
    EXPECT_EQ(above.counters.resync_failures, 1u);
    EXPECT_EQ(above.counters.resyncs, 0u);
    EXPECT_TRUE(above.stopped);

    limits = {};
    limits.max_header_bytes = 1024;
    const auto longLine = decodeWithGaps(
        {{"GET /a HTTP/1.1\r\nHo", 5}, {std::string(5000, 'l') + "\r\n" + kNext}}, true, limits);
    EXPECT_EQ(longLine.layers, L({kNextLayer}));
}

// A second hole while searching starts the line over but does not renew the bound.
TEST(HttpDecoderGap, HoleWhileResyncingKeepsSearching) {
    const auto r =
        decodeWithGaps({{"GET /a HTTP/1.1\r\nHo", 5}, {"GET /cut HTTP/1.1", 7}, {"\r\n" + kNext}});
    EXPECT_EQ(r.layers, L({kNextLayer}));
    EXPECT_EQ(r.counters.gaps, 2u);
    EXPECT_EQ(r.counters.resyncs, 1u);
}

// An inside web server answers HEAD with a Content-Length and no body. With no rule on the
// requests, the request direction is decoded for pairing only: no layers, but the response
// decoder knows the HEAD and frames the next response right.
TEST(HttpDecoderPairingOnly, HeadResponseIsPairedAndNextBodyDecoded) {
    HttpPairing pairing;
    HttpDecoderCounters rc;
    HttpDecoder req(true, {}, rc, &pairing, HttpDecoderMode::PairingOnly);
    test::RecordingSink reqSink;
    const std::string z = test::gzip("a=%41");
    const std::string reqs = "HEAD /a%20b HTTP/1.1\r\n\r\n"
                             "POST /f%41 HTTP/1.1\r\nContent-Type: application/x-www-form-"
                             "urlencoded\r\nContent-Encoding: gzip\r\nContent-Length: " +
                             std::to_string(z.size()) + "\r\n\r\n" + z +
                             "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" +
                             test::chunked("chunked body", 5) + "GET /d HTTP/1.1\r\n\r\n";
    req.onData(test::u8(reqs), static_cast<uint32_t>(reqs.size()), reqSink);
    EXPECT_TRUE(reqSink.layers.empty());
    EXPECT_EQ(pairing.pending, 4u);
    EXPECT_EQ(rc.bodies + rc.decompressed_bodies + rc.chunked_bodies, 0u);
    EXPECT_EQ(rc.parse_errors, 0u);
    EXPECT_FALSE(req.stopped());

    HttpDecoderCounters sc;
    HttpDecoder resp(false, {}, sc, &pairing);
    test::RecordingSink sink;
    const std::string resps = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
                              "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
                              "HTTP/1.1 204 No Content\r\n\r\n"
                              "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    resp.onData(test::u8(resps), static_cast<uint32_t>(resps.size()), sink);
    resp.onEnd(sink);
    EXPECT_EQ(sink.layers, L({{"http.response.body", "hello"}, {"http.response.body", "ok"}}));
    EXPECT_EQ(sc.messages, 4u);
    EXPECT_EQ(sc.parse_errors, 0u);
    EXPECT_EQ(pairing.pending, 0u);
}

// Pairing-only framing survives a hole like decoding does.
TEST(HttpDecoderPairingOnly, ResyncsAfterAHoleWithoutLayers) {
    HttpPairing pairing;
    HttpDecoderCounters rc;
    HttpDecoder req(true, {}, rc, &pairing, HttpDecoderMode::PairingOnly);
    test::RecordingSink sink;
    const std::string a = "POST /u HTTP/1.1\r\nContent-Length: 10\r\n\r\n01234";
    const std::string b = "789HEAD /%41 HTTP/1.1\r\n\r\n";
    req.onData(test::u8(a), static_cast<uint32_t>(a.size()), sink);
    req.onGap(2, sink);
    req.onData(test::u8(b), static_cast<uint32_t>(b.size()), sink);
    EXPECT_TRUE(sink.layers.empty());
    EXPECT_EQ(pairing.pending, 2u);
    EXPECT_EQ(rc.messages, 2u);
    EXPECT_EQ(rc.resyncs, 1u);
}

} // namespace
} // namespace egressmon::dpi
