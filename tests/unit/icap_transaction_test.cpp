// What an ICAP transaction hands the inspection session, who its alerts name, and the block
// page: the pieces of the ICAP service that do not need a socket.

#include <gtest/gtest.h>

#include "icap/icap_block_page.h"
#include "icap/icap_identity.h"
#include "icap/icap_transaction.h"

namespace egressmon::icap {
namespace {

TEST(IcapReframe, DropsFramingFieldsAndAddsChunkedForABody) {
    const std::string raw = "POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                            "transfer-encoding : chunked\r\nX-A: 1\r\n\r\n";
    EXPECT_EQ(reframeRequestHeader(raw, true),
              "POST /up HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nTransfer-Encoding: chunked\r\n\r\n");
}

TEST(IcapReframe, NoBodyIsContentLengthZero) {
    EXPECT_EQ(reframeRequestHeader("GET /x HTTP/1.1\nHost: a\n\n", false),
              "GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
}

TEST(IcapReframe, ContinuationLinesFollowTheirField) {
    const std::string raw = "POST / HTTP/1.1\r\nContent-Length: 5\r\n 6\r\nX-B: a\r\n b\r\n\r\n";
    EXPECT_EQ(reframeRequestHeader(raw, true),
              "POST / HTTP/1.1\r\nX-B: a\r\n b\r\nTransfer-Encoding: chunked\r\n\r\n");
}

IcapRequestHead headWith(std::vector<HeaderField> icap_fields, std::vector<HeaderField> http_fields,
                         std::string target = "https://files.example/up") {
    IcapRequestHead h;
    h.method = IcapMethod::Reqmod;
    h.fields = std::move(icap_fields);
    HttpRequestHead http;
    http.method = "PUT";
    http.target = std::move(target);
    http.version = "HTTP/1.1";
    http.fields = std::move(http_fields);
    h.http_request = std::move(http);
    return h;
}

TEST(IcapIdentity, ClientFromXClientIpElseTheProxy) {
    const auto proxy = *core::IpAddress::parse("127.0.0.1");
    auto id = transactionIdentity(headWith({{"X-Client-IP", " 10.0.0.7 "}}, {}), proxy);
    EXPECT_EQ(id.client.toString(), "10.0.0.7");
    EXPECT_FALSE(id.server);
    id = transactionIdentity(headWith({{"X-Client-IP", "not-an-ip"}}, {}), proxy);
    EXPECT_EQ(id.client.toString(), "127.0.0.1");
    id = transactionIdentity(headWith({{"X-Server-IP", "2001:db8::1"}}, {}), proxy);
    EXPECT_EQ(id.server->toString(), "2001:db8::1");
}

TEST(IcapIdentity, UserFromAuthenticatedUserDecodedOrClientUsername) {
    const auto proxy = *core::IpAddress::parse("127.0.0.1");
    // base64("Local://alice")
    auto id = transactionIdentity(
        headWith({{"X-Authenticated-User", "TG9jYWw6Ly9hbGljZQ=="}, {"X-Client-Username", "bob"}},
                 {}),
        proxy);
    EXPECT_EQ(id.user, "Local://alice");
    id = transactionIdentity(headWith({{"X-Client-Username", "bob"}}, {}), proxy);
    EXPECT_EQ(id.user, "bob");
    EXPECT_EQ(decodeAuthenticatedUser("carol"), "carol");       // not base64: as sent
    EXPECT_EQ(decodeAuthenticatedUser("AAECAw=="), "AAECAw=="); // base64 of binary: as sent
}

TEST(IcapIdentity, HostFromTheHostFieldElseTheUrl) {
    const auto proxy = *core::IpAddress::parse("127.0.0.1");
    auto id = transactionIdentity(headWith({}, {{"Host", "a.example"}}), proxy);
    EXPECT_EQ(id.host, "a.example");
    EXPECT_EQ(id.url, "https://files.example/up");
    EXPECT_EQ(id.method, "PUT");
    id = transactionIdentity(headWith({}, {}, "https://b.example:8443/x?y"), proxy);
    EXPECT_EQ(id.host, "b.example");
    id = transactionIdentity(headWith({}, {{"Host", "[2001:db8::2]:8080"}}), proxy);
    EXPECT_EQ(id.host, "2001:db8::2");
}

TEST(IcapBlockPage, PlaceholdersReplacedAndEscaped) {
    BlockDecision block{42, "Secrets <leaving>", "sensor1-00ab"};
    EXPECT_EQ(renderBlockPage("rule {sid}: {rule} ({alert_id}) {other}", block),
              "rule 42: Secrets &lt;leaving&gt; (sensor1-00ab) {other}");
    BlockDecision bound;
    bound.signature = "icap.max-body-bytes";
    EXPECT_EQ(renderBlockPage("{sid} {rule} {alert_id}", bound), "- icap.max-body-bytes -");
}

} // namespace
} // namespace egressmon::icap
