// The side-effect-free pieces of ICAP head parsing (icap/icap_head_syntax.h).

#include <gtest/gtest.h>

#include "icap/icap_head_syntax.h"
#include "icap_test_support.h"

namespace egressmon::icap {
namespace {

TEST(IcapHeadSyntax, RequestLineUriForms) {
    IcapRequestHead h;
    ASSERT_TRUE(parseIcapRequestLine("REQMOD icap://127.0.0.1:1344/reqmod ICAP/1.0", h));
    EXPECT_EQ(h.method, IcapMethod::Reqmod);
    EXPECT_EQ(h.service_path, "/reqmod");
    ASSERT_TRUE(parseIcapRequestLine("RESPMOD ICAPS://h/a/b?x=1#f ICAP/1.0", h));
    EXPECT_EQ(h.method, IcapMethod::Respmod);
    EXPECT_EQ(h.service_path, "/a/b");
    EXPECT_EQ(h.uri, "ICAPS://h/a/b?x=1#f");
    ASSERT_TRUE(parseIcapRequestLine("OPTIONS icap://h ICAP/1.0", h));
    EXPECT_EQ(h.service_path, "/");
    ASSERT_TRUE(parseIcapRequestLine("OPTIONS icap://h?x ICAP/1.0", h));
    EXPECT_EQ(h.service_path, "/");
    ASSERT_TRUE(parseIcapRequestLine("OPTIONS /svc ICAP/1.0", h));
    EXPECT_EQ(h.service_path, "/svc");
    EXPECT_EQ(parseIcapRequestLine("OPTIONS icap://h/\x01 ICAP/1.0", h).error,
              IcapError::BadRequest);
    EXPECT_EQ(parseIcapRequestLine("LOG icap://h/x ICAP/1.0", h).error, IcapError::NotImplemented);
    EXPECT_EQ(parseIcapRequestLine("OPTIONS icap://h/x ICAP/01.00", h).error, IcapError::None);
    EXPECT_EQ(parseIcapRequestLine("OPTIONS icap://h/x ICAP/1.01", h).error,
              IcapError::VersionNotSupported);
}

TEST(IcapHeadSyntax, Encapsulated) {
    EncapsulatedOffsets o;
    ASSERT_TRUE(parseEncapsulated("req-hdr=0, req-body=412", IcapMethod::Reqmod, o));
    EXPECT_EQ(o.req_hdr, 0u);
    EXPECT_EQ(o.req_body, 412u);
    EXPECT_EQ(encapsulatedBodyOffset(o), 412u);
    ASSERT_TRUE(parseEncapsulated(" req-hdr = 0 ,res-hdr=1,  res-body=2 ", IcapMethod::Respmod, o));
    EXPECT_EQ(test::entities(o), "req-hdr=0,res-hdr=1,res-body=2");
    ASSERT_TRUE(parseEncapsulated("null-body=0", IcapMethod::Reqmod, o));
    ASSERT_TRUE(parseEncapsulated("req-body=0", IcapMethod::Reqmod, o));
    ASSERT_TRUE(parseEncapsulated("opt-body=0", IcapMethod::Options, o));
    EXPECT_EQ(encapsulatedBodyOffset(o), 0u);
    ASSERT_TRUE(parseEncapsulated("req-hdr=0, null-body=4294967295", IcapMethod::Respmod, o));
    EXPECT_FALSE(parseEncapsulated("req-hdr=0, null-body=170,", IcapMethod::Reqmod, o));
    EXPECT_FALSE(parseEncapsulated("Req-Hdr=0, null-body=170", IcapMethod::Reqmod, o));
    EXPECT_FALSE(parseEncapsulated("res-body=0", IcapMethod::Reqmod, o));
    EXPECT_FALSE(parseEncapsulated("req-body=0", IcapMethod::Options, o));
    EXPECT_FALSE(parseEncapsulated("req-hdr=0, null-body=1, null-body=2", IcapMethod::Reqmod, o));
}

TEST(IcapHeadSyntax, FieldBlock) {
    std::vector<HeaderField> f;
    ASSERT_TRUE(parseFieldBlock("A: 1\r\nB:\t two \r\n  more\r\nC:\r\n\r\n", f));
    ASSERT_EQ(f.size(), 3u);
    EXPECT_EQ(f[1].value, "two more");
    EXPECT_EQ(f[2].value, "");
    f.clear();
    EXPECT_TRUE(parseFieldBlock("\r\n", f));
    EXPECT_TRUE(parseFieldBlock("\n", f));
    EXPECT_EQ(parseFieldBlock(" x\r\n\r\n", f).reason, "continuation line before any field");
    EXPECT_EQ(parseFieldBlock(": v\r\n\r\n", f).reason, "malformed header field name");
    EXPECT_EQ(parseFieldBlock(std::string_view("A: \0\r\n\r\n", 8), f).reason,
              "NUL inside a header line");
}

TEST(IcapHeadSyntax, DecimalsTokensAndFields) {
    uint64_t n = 0;
    EXPECT_TRUE(parseDecimal("18446744073709551615", UINT64_MAX, n));
    EXPECT_EQ(n, UINT64_MAX);
    EXPECT_FALSE(parseDecimal("18446744073709551616", UINT64_MAX, n));
    EXPECT_FALSE(parseDecimal("11", 10, n));
    EXPECT_TRUE(parseDecimal("10", 10, n));
    EXPECT_FALSE(parseDecimal("", 10, n));
    EXPECT_FALSE(parseDecimal("+1", 10, n));
    EXPECT_TRUE(isToken("X-Client-IP"));
    EXPECT_FALSE(isToken("X Client"));
    EXPECT_FALSE(isToken(""));

    IcapRequestHead h;
    h.method = IcapMethod::Reqmod;
    h.fields = {
        {"allow", "trailers , 204"}, {"ENCAPSULATED", "req-hdr=0, req-body=10"}, {"preview", "0"}};
    ASSERT_TRUE(interpretIcapFields(h));
    EXPECT_TRUE(h.allow_204);
    EXPECT_TRUE(h.allow_trailers);
    EXPECT_EQ(h.preview, 0u);
    EXPECT_TRUE(h.has_body);
    IcapRequestHead options;
    options.method = IcapMethod::Options;
    ASSERT_TRUE(interpretIcapFields(options));
    EXPECT_EQ(options.encapsulated.null_body, 0u);
    EXPECT_FALSE(options.has_body);
}

TEST(IcapHeadSyntax, ResHdrFraming) {
    EXPECT_TRUE(checkHeaderSectionFraming("HTTP/1.1 200 OK\r\nA: b\r\n\r\n"));
    EXPECT_TRUE(checkHeaderSectionFraming("HTTP/1.1 200 OK\n\n"));
    EXPECT_FALSE(checkHeaderSectionFraming("\r\nHTTP/1.1 200 OK\r\n\r\n"));
    EXPECT_FALSE(checkHeaderSectionFraming("HTTP/1.1 200 OK\r\n\r\nX"));
    EXPECT_FALSE(checkHeaderSectionFraming("HTTP/1.1 200 OK\r\nA: b\r\n"));
}

} // namespace
} // namespace egressmon::icap
