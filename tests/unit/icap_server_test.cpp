// The ICAP service over real loopback sockets: what a proxy gets back for each kind of request,
// and every icap.* bound at its limit.

#include <gtest/gtest.h>

#include "icap_server_harness.h"

namespace egressmon::testing {
namespace {

bool startsWith(const std::string& s, std::string_view prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}

TEST(IcapServer, OptionsOffersReqmodAnd204) {
    IcapServerHarness h;
    auto fd = h.connect();
    ASSERT_TRUE(fd);
    ASSERT_TRUE(h.sendAll(fd.get(), "OPTIONS icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: x\r\n\r\n"));
    std::string carry;
    const std::string reply = h.readReply(fd.get(), carry);
    EXPECT_TRUE(startsWith(reply, "ICAP/1.0 200 OK\r\n")) << reply;
    EXPECT_NE(reply.find("Methods: REQMOD\r\n"), std::string::npos) << reply;
    EXPECT_NE(reply.find("Allow: 204\r\n"), std::string::npos) << reply;
    EXPECT_NE(reply.find("ISTag: \"egressmon-"), std::string::npos) << reply;
    EXPECT_NE(reply.find("Encapsulated: null-body=0"), std::string::npos) << reply;
    EXPECT_EQ(h.stoppedCounters().options, 1u);
}

TEST(IcapServer, OptionsOffersAPreviewOnlyWhenConfigured) {
    {
        IcapServerHarness h;
        auto fd = h.connect();
        ASSERT_TRUE(h.sendAll(fd.get(), "OPTIONS icap://x/reqmod ICAP/1.0\r\nHost: x\r\n\r\n"));
        std::string carry;
        const std::string reply = h.readReply(fd.get(), carry);
        EXPECT_EQ(reply.find("Preview:"), std::string::npos) << reply;
    }
    icap::IcapConfig c;
    c.preview_bytes = 4096;
    IcapServerHarness h(c);
    auto fd = h.connect();
    ASSERT_TRUE(h.sendAll(fd.get(), "OPTIONS icap://x/reqmod ICAP/1.0\r\nHost: x\r\n\r\n"));
    std::string carry;
    const std::string reply = h.readReply(fd.get(), carry);
    EXPECT_NE(reply.find("Preview: 4096\r\n"), std::string::npos) << reply;
    EXPECT_NE(reply.find("Transfer-Preview: *\r\n"), std::string::npos) << reply;
}

TEST(IcapServer, CleanRequestWith204AllowedGets204AndNoAlert) {
    IcapServerHarness h;
    auto fd = h.connect();
    const std::string body = "hello world, nothing to see";
    ASSERT_TRUE(h.sendAll(fd.get(), reqmod(postHead(body.size()), body)));
    std::string carry;
    const std::string reply = h.readReply(fd.get(), carry);
    EXPECT_TRUE(startsWith(reply, "ICAP/1.0 204 No Content\r\n")) << reply;
    EXPECT_TRUE(h.alerts().empty());
    EXPECT_EQ(h.stoppedCounters().allowed_204, 1u);
}

TEST(IcapServer, CleanRequestWithout204IsEchoedByteExact) {
    IcapServerHarness h;
    auto fd = h.connect();
    const std::string head = postHead(11);
    const std::string body = "hello world";
    ASSERT_TRUE(h.sendAll(fd.get(), reqmod(head, body, "Allow: trailers\r\n")));
    std::string carry;
    const std::string reply = h.readReply(fd.get(), carry);
    ASSERT_TRUE(startsWith(reply, "ICAP/1.0 200 OK\r\n")) << reply;
    const std::string expected_tail =
        "Encapsulated: req-hdr=0, req-body=" + std::to_string(head.size()) + "\r\n\r\n" + head +
        "b\r\nhello world\r\n0\r\n\r\n";
    ASSERT_GE(reply.size(), expected_tail.size());
    EXPECT_EQ(reply.substr(reply.size() - expected_tail.size()), expected_tail) << reply;
    EXPECT_EQ(h.stoppedCounters().allowed_echo, 1u);
}

TEST(IcapServer, KeywordAlertsWithTheProxysClientUserAndRequest) {
    IcapServerHarness h;
    auto fd = h.connect();
    const std::string body = "the plan is TOP SECRET";
    ASSERT_TRUE(h.sendAll(fd.get(), reqmod(postHead(body.size()), body,
                                           "Allow: 204, trailers\r\nX-Client-IP: 10.1.2.3\r\n"
                                           "X-Client-Username: alice\r\n")));
    std::string carry;
    const std::string reply = h.readReply(fd.get(), carry);
    EXPECT_TRUE(startsWith(reply, "ICAP/1.0 204 No Content\r\n")) << reply; // alert, not block
    const auto alerts = h.alerts();
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].signature_id, 100u);
    EXPECT_EQ(alerts[0].action, "allowed");
    EXPECT_EQ(alerts[0].client, "10.1.2.3");
    EXPECT_EQ(alerts[0].server, "");
    EXPECT_EQ(alerts[0].user, "alice");
    EXPECT_EQ(alerts[0].host, "files.example");
    EXPECT_EQ(alerts[0].url, "https://files.example/up");
    EXPECT_EQ(alerts[0].method, "POST");
}

TEST(IcapServer, BlockRuleAnswersWithThePageNamingRuleAndAlert) {
    IcapServerHarness h;
    auto fd = h.connect();
    const std::string body = "please BLOCKME now";
    ASSERT_TRUE(h.sendAll(fd.get(), reqmod(postHead(body.size()), body)));
    std::string carry;
    const std::string reply = h.readReply(fd.get(), carry);
    ASSERT_TRUE(startsWith(reply, "ICAP/1.0 200 OK\r\n")) << reply;
    EXPECT_NE(reply.find("Encapsulated: res-hdr=0, res-body="), std::string::npos) << reply;
    EXPECT_NE(reply.find("HTTP/1.1 403 Forbidden\r\n"), std::string::npos) << reply;
    EXPECT_NE(reply.find("rule 200 (rule 200)"), std::string::npos) << reply;
    const auto alerts = h.alerts();
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_EQ(alerts[0].action, "blocked");
    EXPECT_EQ(h.stoppedCounters().blocked, 1u);
    // The page carries the alert id of the record the SOC sees.
    EXPECT_NE(reply.find("sensor1-"), std::string::npos) << reply;
}

TEST(IcapServer, BlockStatusIsConfigurable) {
    icap::IcapConfig c;
    c.block_status = 451;
    IcapServerHarness h(c);
    auto fd = h.connect();
    ASSERT_TRUE(h.sendAll(fd.get(), reqmod(postHead(7), "BLOCKME")));
    std::string carry;
    const std::string reply = h.readReply(fd.get(), carry);
    EXPECT_NE(reply.find("HTTP/1.1 451 "), std::string::npos) << reply;
}

TEST(IcapServer, PipelinedRequestsAreAnsweredInOrder) {
    IcapServerHarness h;
    auto fd = h.connect();
    const std::string both = reqmod(postHead(5), "clean") + reqmod(postHead(7), "BLOCKME") +
                             "OPTIONS icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: x\r\n\r\n";
    ASSERT_TRUE(h.sendAll(fd.get(), both));
    std::string carry;
    EXPECT_TRUE(startsWith(h.readReply(fd.get(), carry), "ICAP/1.0 204 "));
    EXPECT_NE(h.readReply(fd.get(), carry).find("403 Forbidden"), std::string::npos);
    EXPECT_NE(h.readReply(fd.get(), carry).find("Methods: REQMOD"), std::string::npos);
}

TEST(IcapServer, PreviewGets100ContinueThenTheRestIsInspected) {
    IcapServerHarness h;
    auto fd = h.connect();
    const std::string head = postHead(20);
    std::string req = "REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: x\r\nAllow: 204\r\n"
                      "Preview: 4\r\nEncapsulated: req-hdr=0, req-body=" +
                      std::to_string(head.size()) + "\r\n\r\n" + head + "4\r\nTOP \r\n0\r\n\r\n";
    ASSERT_TRUE(h.sendAll(fd.get(), req));
    std::string carry;
    EXPECT_TRUE(startsWith(h.readReply(fd.get(), carry), "ICAP/1.0 100 Continue\r\n"));
    ASSERT_TRUE(h.sendAll(fd.get(), "6\r\nSECRET\r\n0\r\n\r\n"));
    EXPECT_TRUE(startsWith(h.readReply(fd.get(), carry), "ICAP/1.0 204 "));
    ASSERT_EQ(h.alerts().size(), 1u); // "TOP " in the preview, "SECRET" after it
    EXPECT_EQ(h.stoppedCounters().continues, 1u);
}

TEST(IcapServer, PreviewWithIeofIsAnsweredWithoutContinue) {
    IcapServerHarness h;
    auto fd = h.connect();
    const std::string head = postHead(5);
    std::string req = "REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: x\r\nAllow: 204\r\n"
                      "Preview: 10\r\nEncapsulated: req-hdr=0, req-body=" +
                      std::to_string(head.size()) + "\r\n\r\n" + head +
                      "5\r\nclean\r\n0; ieof\r\n\r\n";
    ASSERT_TRUE(h.sendAll(fd.get(), req));
    std::string carry;
    EXPECT_TRUE(startsWith(h.readReply(fd.get(), carry), "ICAP/1.0 204 "));
    EXPECT_EQ(h.stoppedCounters().continues, 0u);
}

TEST(IcapServer, BlockMatchedInThePreviewIsAnsweredAtOnce) {
    IcapServerHarness h;
    auto fd = h.connect();
    const std::string head = postHead(100);
    std::string req = "REQMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: x\r\nAllow: 204\r\n"
                      "Preview: 7\r\nEncapsulated: req-hdr=0, req-body=" +
                      std::to_string(head.size()) + "\r\n\r\n" + head + "7\r\nBLOCKME\r\n0\r\n\r\n";
    ASSERT_TRUE(h.sendAll(fd.get(), req));
    std::string carry;
    const std::string reply = h.readReply(fd.get(), carry);
    EXPECT_NE(reply.find("403 Forbidden"), std::string::npos) << reply;
    // The connection goes on: the next request is served.
    ASSERT_TRUE(h.sendAll(fd.get(), reqmod(postHead(5), "clean")));
    EXPECT_TRUE(startsWith(h.readReply(fd.get(), carry), "ICAP/1.0 204 "));
}

TEST(IcapServer, WrongServiceGets404AndTheConnectionStays) {
    IcapServerHarness h;
    auto fd = h.connect();
    ASSERT_TRUE(h.sendAll(fd.get(), reqmod(postHead(5), "clean", "Allow: 204\r\n", "/other")));
    std::string carry;
    EXPECT_TRUE(startsWith(h.readReply(fd.get(), carry), "ICAP/1.0 404 ")) << carry;
    ASSERT_TRUE(h.sendAll(fd.get(), reqmod(postHead(5), "clean")));
    EXPECT_TRUE(startsWith(h.readReply(fd.get(), carry), "ICAP/1.0 204 "));
    EXPECT_EQ(h.stoppedCounters().unknown_services, 1u);
}

TEST(IcapServer, RespmodWithout204Gets405) {
    IcapServerHarness h;
    auto fd = h.connect();
    const std::string res = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n";
    std::string req = "RESPMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: x\r\n"
                      "Encapsulated: res-hdr=0, res-body=" +
                      std::to_string(res.size()) + "\r\n\r\n" + res + "2\r\nok\r\n0\r\n\r\n";
    ASSERT_TRUE(h.sendAll(fd.get(), req));
    std::string carry;
    EXPECT_TRUE(startsWith(h.readReply(fd.get(), carry), "ICAP/1.0 405 ")) << carry;
}

TEST(IcapServer, RespmodPreviewIsAnsweredWithoutWaitingForTheRest) {
    IcapServerHarness h;
    auto fd = h.connect();
    const std::string res = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
    std::string req = "RESPMOD icap://127.0.0.1/reqmod ICAP/1.0\r\nHost: x\r\nAllow: 204\r\n"
                      "Preview: 2\r\nEncapsulated: res-hdr=0, res-body=" +
                      std::to_string(res.size()) + "\r\n\r\n" + res + "2\r\nok\r\n0\r\n\r\n";
    ASSERT_TRUE(h.sendAll(fd.get(), req));
    std::string carry;
    EXPECT_TRUE(startsWith(h.readReply(fd.get(), carry), "ICAP/1.0 204 ")) << carry;
    // The connection goes on with the next request.
    ASSERT_TRUE(h.sendAll(fd.get(), reqmod(postHead(5), "clean")));
    EXPECT_TRUE(startsWith(h.readReply(fd.get(), carry), "ICAP/1.0 204 "));
}

TEST(IcapServer, MalformedRequestGets400AndIsClosed) {
    IcapServerHarness h;
    auto fd = h.connect();
    ASSERT_TRUE(h.sendAll(fd.get(), "REQMOD icap://x/reqmod ICAP/1.0\r\nHost: x\r\n\r\n"));
    std::string carry;
    EXPECT_TRUE(startsWith(h.readReply(fd.get(), carry), "ICAP/1.0 400 ")) << carry;
    EXPECT_TRUE(h.closedByPeer(fd.get()));
    EXPECT_EQ(h.stoppedCounters().bad_requests, 1u);
}

TEST(IcapServer, LyingChunkSizeGets400AndOtherConnectionsGoOn) {
    IcapServerHarness h;
    auto bad = h.connect();
    auto good = h.connect();
    const std::string head = postHead(5);
    ASSERT_TRUE(h.sendAll(bad.get(), "REQMOD icap://x/reqmod ICAP/1.0\r\nHost: x\r\nEncapsulated: "
                                     "req-hdr=0, req-body=" +
                                         std::to_string(head.size()) + "\r\n\r\n" + head +
                                         "zz\r\nhello\r\n0\r\n\r\n"));
    std::string carry;
    EXPECT_TRUE(startsWith(h.readReply(bad.get(), carry), "ICAP/1.0 400 "));
    ASSERT_TRUE(h.sendAll(good.get(), reqmod(postHead(5), "clean")));
    std::string carry2;
    EXPECT_TRUE(startsWith(h.readReply(good.get(), carry2), "ICAP/1.0 204 "));
}

// The exact boundary (max-header-bytes passes, one more fails) is the parser's unit test.
TEST(IcapServer, HeaderOverMaxHeaderBytesGets400) {
    icap::IcapConfig c;
    c.max_header_bytes = 1024;
    IcapServerHarness h(c);
    auto fd = h.connect();
    const std::string big =
        "POST /up HTTP/1.1\r\nHost: a\r\nX-Pad: " + std::string(2000, 'a') + "\r\n\r\n";
    ASSERT_TRUE(h.sendAll(fd.get(), reqmod(big, "")));
    std::string carry;
    EXPECT_TRUE(startsWith(h.readReply(fd.get(), carry), "ICAP/1.0 400 ")) << carry;
    EXPECT_TRUE(h.closedByPeer(fd.get()));
    EXPECT_GE(h.stoppedCounters().header_too_large, 1u);
}

TEST(IcapServer, SlowHeaderIsClosedAfterHeaderTimeout) {
    icap::IcapConfig c;
    c.header_timeout_ms = 300;
    IcapServerHarness h(c);
    auto fd = h.connect();
    ASSERT_TRUE(h.sendAll(fd.get(), "REQMOD icap://x/reqmod ICAP/1.0\r\nHost: x\r\n"));
    EXPECT_TRUE(h.closedByPeer(fd.get()));
    EXPECT_EQ(h.stoppedCounters().header_timeouts, 1u);
}

TEST(IcapServer, IdleKeptAliveConnectionIsClosedAfterIdleTimeout) {
    icap::IcapConfig c;
    c.idle_timeout_ms = 300;
    IcapServerHarness h(c);
    auto fd = h.connect();
    EXPECT_TRUE(h.closedByPeer(fd.get()));
    EXPECT_EQ(h.stoppedCounters().idle_closed, 1u);
}

TEST(IcapServer, ClientThatNeverReadsItsRepliesIsClosedAfterIdleTimeout) {
    icap::IcapConfig c;
    c.idle_timeout_ms = 500;
    IcapServerHarness h(c);
    auto fd = h.connect();
    int small = 4096;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    // Echoed replies of 1 MiB each that nobody reads: the server's writes stall.
    const std::string body(1 << 20, 'z');
    const std::string req = reqmod(postHead(body.size()), body, "Allow: trailers\r\n");
    for (int i = 0; i < 4; ++i)
        if (!h.sendAll(fd.get(), req)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_EQ(h.stoppedCounters().idle_closed, 1u);
}

TEST(IcapServer, ConnectionsOverMaxConnectionsAreClosed) {
    icap::IcapConfig c;
    c.max_connections = 2;
    IcapServerHarness h(c);
    auto a = h.connect();
    auto b = h.connect();
    // Both served: the limit is reached, not passed.
    std::string carry;
    ASSERT_TRUE(h.sendAll(a.get(), reqmod(postHead(5), "clean")));
    EXPECT_TRUE(startsWith(h.readReply(a.get(), carry), "ICAP/1.0 204 "));
    ASSERT_TRUE(h.sendAll(b.get(), reqmod(postHead(5), "clean")));
    EXPECT_TRUE(startsWith(h.readReply(b.get(), carry), "ICAP/1.0 204 "));
    auto third = h.connect();
    EXPECT_TRUE(h.closedByPeer(third.get()));
    EXPECT_EQ(h.stoppedCounters().connections_over_limit, 1u);
}

TEST(IcapServer, PeerOutsideAllowListIsClosed) {
    icap::IcapConfig c;
    c.allow = {core::Cidr::parse("192.0.2.0/24")};
    IcapServerHarness h(c);
    auto fd = h.connect();
    EXPECT_TRUE(h.closedByPeer(fd.get()));
    EXPECT_EQ(h.stoppedCounters().peers_refused, 1u);
}

TEST(IcapServer, BodyOverMaxBodyBytesIsAllowedUninspectedByDefault) {
    icap::IcapConfig c;
    c.max_body_bytes = 1024;
    IcapServerHarness h(c);
    auto fd = h.connect();
    // The keyword lies past the bound: not seen. 1024 bytes exactly would be inspected whole.
    const std::string body = std::string(1030, 'x') + "TOP SECRET";
    const std::string head = postHead(body.size());
    ASSERT_TRUE(h.sendAll(fd.get(), reqmod(head, body, "Allow: trailers\r\n")));
    std::string carry;
    const std::string reply = h.readReply(fd.get(), carry);
    ASSERT_TRUE(startsWith(reply, "ICAP/1.0 200 OK\r\n")) << reply;
    // The whole request comes back: the part held, then the rest as it came.
    EXPECT_NE(reply.find(head), std::string::npos);
    EXPECT_NE(reply.find("TOP SECRET"), std::string::npos);
    EXPECT_TRUE(h.alerts().empty());
    EXPECT_EQ(h.stoppedCounters().body_over_limit, 1u);
    EXPECT_EQ(h.stoppedCounters().bound_allowed, 1u);
}

TEST(IcapServer, BodyAtMaxBodyBytesIsInspectedWhole) {
    icap::IcapConfig c;
    c.max_body_bytes = 1024;
    IcapServerHarness h(c);
    auto fd = h.connect();
    const std::string body = std::string(1024 - 10, 'x') + "TOP SECRET";
    ASSERT_TRUE(h.sendAll(fd.get(), reqmod(postHead(body.size()), body)));
    std::string carry;
    EXPECT_TRUE(startsWith(h.readReply(fd.get(), carry), "ICAP/1.0 204 "));
    EXPECT_EQ(h.alerts().size(), 1u);
    EXPECT_EQ(h.stoppedCounters().body_over_limit, 0u);
}

TEST(IcapServer, BodyOverMaxBodyBytesIsBlockedWhenOnBoundSaysBlock) {
    icap::IcapConfig c;
    c.max_body_bytes = 1024;
    c.on_bound = icap::OnBound::kBlock;
    IcapServerHarness h(c);
    auto fd = h.connect();
    const std::string body(4096, 'x');
    ASSERT_TRUE(h.sendAll(fd.get(), reqmod(postHead(body.size()), body)));
    std::string carry;
    const std::string reply = h.readReply(fd.get(), carry);
    EXPECT_NE(reply.find("403 Forbidden"), std::string::npos) << reply;
    EXPECT_NE(reply.find("icap.max-body-bytes"), std::string::npos) << reply;
    EXPECT_EQ(h.stoppedCounters().bound_blocked, 1u);
}

TEST(IcapServer, HoldBudgetPassedEchoesTheRestUninspected) {
    icap::IcapConfig c;
    c.max_buffered_bytes = 2048;
    IcapServerHarness h(c);
    auto fd = h.connect();
    const std::string body = std::string(4000, 'y') + "TOP SECRET";
    const std::string head = postHead(body.size());
    ASSERT_TRUE(h.sendAll(fd.get(), reqmod(head, body, "Allow: trailers\r\n")));
    std::string carry;
    const std::string reply = h.readReply(fd.get(), carry);
    ASSERT_TRUE(startsWith(reply, "ICAP/1.0 200 OK\r\n")) << reply.substr(0, 200);
    // De-chunk the echoed body: byte-exact.
    size_t pos = reply.find(head);
    ASSERT_NE(pos, std::string::npos);
    pos += head.size();
    std::string echoed;
    for (;;) {
        const size_t eol = reply.find("\r\n", pos);
        const size_t n = std::stoul(reply.substr(pos, eol - pos), nullptr, 16);
        if (n == 0) break;
        echoed += reply.substr(eol + 2, n);
        pos = eol + 2 + n + 2;
    }
    EXPECT_EQ(echoed, body);
    EXPECT_EQ(h.stoppedCounters().buffer_over_limit, 1u);
    EXPECT_EQ(h.stoppedHeldBytes(), 0u);
}

// icap.decision-timeout-ms bounds the inspection time a request costs; 0 (below what the
// configuration allows, so the bound is passed at once) makes the first piece pass it.
TEST(IcapServer, InspectionOverDecisionTimeoutAllowsTheRestUninspected) {
    icap::IcapConfig c;
    c.decision_timeout_ms = 0;
    IcapServerHarness h(c);
    auto fd = h.connect();
    const std::string body = "TOP SECRET";
    ASSERT_TRUE(h.sendAll(fd.get(), reqmod(postHead(body.size()), body)));
    std::string carry;
    EXPECT_TRUE(startsWith(h.readReply(fd.get(), carry), "ICAP/1.0 204 "));
    EXPECT_TRUE(h.alerts().empty());
    EXPECT_EQ(h.stoppedCounters().decision_timeouts, 1u);
    EXPECT_EQ(h.stoppedCounters().bound_allowed, 1u);
}

TEST(IcapServer, InspectionWithinDecisionTimeoutIsWhole) {
    icap::IcapConfig c;
    c.decision_timeout_ms = 10'000;
    IcapServerHarness h(c);
    auto fd = h.connect();
    const std::string body = "TOP SECRET";
    ASSERT_TRUE(h.sendAll(fd.get(), reqmod(postHead(body.size()), body)));
    std::string carry;
    EXPECT_TRUE(startsWith(h.readReply(fd.get(), carry), "ICAP/1.0 204 "));
    EXPECT_EQ(h.alerts().size(), 1u);
    EXPECT_EQ(h.stoppedCounters().decision_timeouts, 0u);
}

TEST(IcapServer, StalledBodyIsClosedAfterIdleTimeout) {
    icap::IcapConfig c;
    c.idle_timeout_ms = 300;
    IcapServerHarness h(c);
    auto fd = h.connect();
    const std::string head = postHead(20);
    ASSERT_TRUE(h.sendAll(fd.get(), "REQMOD icap://x/reqmod ICAP/1.0\r\nHost: x\r\nAllow: 204\r\n"
                                    "Encapsulated: req-hdr=0, req-body=" +
                                        std::to_string(head.size()) + "\r\n\r\n" + head +
                                        "4\r\nTOP \r\n"));
    EXPECT_TRUE(h.closedByPeer(fd.get()));
    EXPECT_EQ(h.stoppedCounters().idle_closed, 1u);
    EXPECT_EQ(h.stoppedCounters().client_aborts, 1u);
}

TEST(IcapServer, ClientClosingMidRequestIsCountedAndHarmless) {
    IcapServerHarness h;
    {
        auto fd = h.connect();
        const std::string head = postHead(100);
        ASSERT_TRUE(h.sendAll(fd.get(), "REQMOD icap://x/reqmod ICAP/1.0\r\nHost: x\r\n"
                                        "Encapsulated: req-hdr=0, req-body=" +
                                            std::to_string(head.size()) + "\r\n\r\n" + head +
                                            "4\r\nabcd\r\n"));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } // closed
    auto fd = h.connect();
    ASSERT_TRUE(h.sendAll(fd.get(), reqmod(postHead(5), "clean")));
    std::string carry;
    EXPECT_TRUE(startsWith(h.readReply(fd.get(), carry), "ICAP/1.0 204 "));
    EXPECT_EQ(h.stoppedCounters().client_aborts, 1u);
}

} // namespace
} // namespace egressmon::testing
