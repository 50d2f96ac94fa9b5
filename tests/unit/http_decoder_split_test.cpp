// "Split everywhere" for whole HTTP streams: fed whole, split at every offset into two pieces,
// and one byte at a time, the decoder must record identical layers and counters.

#include <gtest/gtest.h>

#include "dpi/decode/http/http_decoder.h"
#include "http_test_support.h"

namespace egressmon::dpi {
namespace {

std::string render(const test::Layers& layers, const HttpDecoderCounters& c) {
    std::string s;
    for (const auto& [name, bytes] : layers)
        s += "<" + name + ">" + bytes + "\n";
    s += "messages=" + std::to_string(c.messages) + " bodies=" + std::to_string(c.bodies) +
         " chunked=" + std::to_string(c.chunked_bodies) +
         " parts=" + std::to_string(c.multipart_parts) +
         " errors=" + std::to_string(c.parse_errors + c.decompression_errors);
    return s;
}

test::Feeder feeder(bool requests) {
    return [requests](const std::vector<std::string_view>& pieces) {
        HttpDecoderCounters c;
        HttpDecoder d(requests, {}, c, nullptr);
        test::RecordingSink sink;
        for (auto p : pieces)
            d.onData(test::u8(p), static_cast<uint32_t>(p.size()), sink);
        d.onEnd(sink);
        EXPECT_EQ(sink.openCount(), 0u);
        return render(sink.layers, c);
    };
}

TEST(HttpDecoderSplit, PipelinedChunkedGzipRequests) {
    const std::string plain = "card=4111111111111111&note=TOP SECRET";
    const std::string z = test::gzip(plain);
    const std::string form = "a=%E4%B8%AD+b&c=%";
    const std::string in =
        "POST /up?x=%2F+y HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
        "Content-Encoding: gzip\r\n\r\n" +
        test::chunked(z, 7) +
        "\r\nPOST /form HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        "Content-Length: " +
        std::to_string(form.size()) + "\r\n\r\n" + form + "GET /last HTTP/1.1\r\n\r\n";
    const std::string out = test::expectSplitInvariant(in, feeder(true));
    EXPECT_EQ(out, "<http.request.uri.decoded>/up?x=/ y\n"
                   "<http.request.body>" +
                       z +
                       "\n"
                       "<http.request.body.gzip>" +
                       plain +
                       "\n"
                       "<http.request.body>" +
                       form +
                       "\n"
                       "<http.request.body.form>a=\xE4\xB8\xAD b&c=%\n"
                       "messages=3 bodies=2 chunked=1 parts=0 errors=0");
}

TEST(HttpDecoderSplit, MultipartWithBase64AndQpParts) {
    const std::string body = "------WebKitFormBoundary7MA4\r\n"
                             "Content-Disposition: form-data; name=\"f\"; filename=\"k.pem\"\r\n"
                             "Content-Transfer-Encoding: base64\r\n\r\n"
                             "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQ==\r\n"
                             "------WebKitFormBoundary7MA4\r\n"
                             "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                             "CONFI=\r\nDENTIAL=3D1\r\n"
                             "------WebKitFormBoundary7MA4--\r\n";
    const std::string in = "POST /upload HTTP/1.1\r\nContent-Type: multipart/form-data; "
                           "boundary=----WebKitFormBoundary7MA4\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n" + body;
    const std::string out = test::expectSplitInvariant(in, feeder(true));
    EXPECT_EQ(out, "<http.request.body>" + body +
                       "\n"
                       "<http.request.body.multipart>-----BEGIN RSA PRIVATE KEY-----\n"
                       "<http.request.body.multipart>CONFIDENTIAL=1\n"
                       "messages=1 bodies=1 chunked=0 parts=2 errors=0");
}

TEST(HttpDecoderSplit, GzipResponseAtEveryOffset) {
    std::string plain;
    for (int i = 0; i < 50; ++i)
        plain += "row " + std::to_string(i * 37 % 101) + " secret\n";
    const std::string z = test::gzip(plain);
    const std::string in =
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + std::to_string(z.size()) +
        "\r\n\r\n" + z + "HTTP/1.1 200 OK\r\nContent-Encoding: x-gzip\r\n\r\n" + z;
    const std::string out = test::expectSplitInvariant(in, feeder(false));
    EXPECT_EQ(out, "<http.response.body>" + z + "\n<http.response.body.gzip>" + plain + "\n" +
                       "<http.response.body>" + z + "\n<http.response.body.gzip>" + plain + "\n" +
                       "messages=2 bodies=2 chunked=0 parts=0 errors=0");
}

} // namespace
} // namespace egressmon::dpi
