// An inspection session driven directly with bytes, gaps and ends, without packets or flows:
// what an ICAP transaction or any other non-packet input relies on.

#include <gtest/gtest.h>

#include "dpi/inspect/inspection_engine.h"
#include "dpi/inspect/inspection_session.h"
#include "http_test_support.h"
#include "inspector_harness.h"

namespace egressmon::testing {
namespace {

using dpi::Direction;
using dpi::SessionOutput;

// Records what the session offers; answers with a verdict the test chooses.
class RecordingOutput final : public SessionOutput {
  public:
    Verdict offer(uint32_t rule_index, core::Alert&& alert) noexcept override {
        offered.push_back({rule_index, std::move(alert)});
        return verdict;
    }
    std::vector<std::pair<uint32_t, core::Alert>> offered;
    Verdict verdict = Verdict::kDelivered;
};

struct SessionFixture : ::testing::Test {
    explicit SessionFixture(std::vector<rules::Rule> rules = {keywordRule(1, {"TOP SECRET"})})
        : engine(dpi::InspectionConfig{}, ruleSet(std::move(rules), "v1"),
                 [](const std::string&) { return -1; }) {}
    dpi::SessionScope egressFromClient() {
        dpi::SessionScope scope;
        scope.bytes_relation[0] = core::NetRelation::kEgress;
        scope.bytes_relation[1] = core::NetRelation::kIngress;
        scope.raw_layer = "icap.request";
        return scope;
    }
    // A keyword reports once per stream: datagrams, each a stream of its own, let a test match
    // the same rule again.
    void datagram(dpi::InspectionSession& s, std::string_view bytes) {
        s.datagram(Direction::kToServer, reinterpret_cast<const uint8_t*>(bytes.data()),
                   static_cast<uint32_t>(bytes.size()), ++clock, out);
    }
    void send(dpi::InspectionSession& s, Direction d, std::string_view bytes) {
        s.data(d, reinterpret_cast<const uint8_t*>(bytes.data()),
               static_cast<uint32_t>(bytes.size()), ++clock, out);
    }
    // From MAIL FROM to the end of DATA, each command answered: the marking only in a base64
    // part.
    void sendMailWithBase64Marking(dpi::InspectionSession& s) {
        for (const char* step : {"MAIL FROM:<a@b>\r\n", "250 ok\r\n", "RCPT TO:<c@d>\r\n",
                                 "250 ok\r\n", "DATA\r\n", "354 go\r\n"})
            send(s, step[0] >= '0' && step[0] <= '9' ? Direction::kToClient : Direction::kToServer,
                 step);
        send(s, Direction::kToServer,
             "Content-Transfer-Encoding: base64\r\n\r\nVE9QIFNFQ1JFVCByZXBvcnQ=\r\n.\r\n");
    }
    dpi::InspectionEngine engine;
    RecordingOutput out;
    uint64_t clock = 0;
};

TEST_F(SessionFixture, KeywordSplitAcrossDeliveriesAlertsOnceWithItsLayerAndOffset) {
    dpi::InspectionSession s(engine, egressFromClient());
    send(s, Direction::kToServer, "report: TOP ");
    send(s, Direction::kToServer, "SECRET, and TOP SECRET again");
    s.end(clock, out);
    ASSERT_EQ(out.offered.size(), 1u);
    EXPECT_EQ(out.offered[0].first, 0u); // rule index
    const core::Alert& a = out.offered[0].second;
    EXPECT_EQ(a.signature_id, 1u);
    EXPECT_EQ(a.layer, "icap.request");
    EXPECT_EQ(a.offset, 8u);
    EXPECT_EQ(a.direction, "egress");
    EXPECT_TRUE(a.to_server);
}

TEST_F(SessionFixture, NothingMatchesAcrossAGap) {
    dpi::InspectionSession s(engine, egressFromClient());
    send(s, Direction::kToServer, "report: TOP ");
    s.gap(Direction::kToServer, 100, clock, out);
    send(s, Direction::kToServer, "SECRET");
    s.end(clock, out);
    EXPECT_TRUE(out.offered.empty());
}

TEST_F(SessionFixture, BytesOfTheWrongDirectionAreNotInspected) {
    dpi::InspectionSession s(engine, egressFromClient());
    EXPECT_TRUE(s.wants(Direction::kToServer));
    // Ingress: no egress rule applies. Its first bytes are still wanted, in case the other
    // direction's decoder needs them (HTTP requests' methods, SMTP replies)...
    EXPECT_TRUE(s.wants(Direction::kToClient));
    send(s, Direction::kToClient, "TOP SECRET");
    // ... and no longer once they are neither.
    EXPECT_FALSE(s.wants(Direction::kToClient));
    s.end(clock, out);
    EXPECT_TRUE(out.offered.empty());
    EXPECT_EQ(engine.counters().bytes_inspected, 0u);
}

TEST_F(SessionFixture, DecodedHttpBodyIsMatchedInItsLayer) {
    dpi::InspectionSession s(engine, egressFromClient());
    send(s, Direction::kToServer,
         "POST /f HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
         "Content-Length: 17\r\n\r\nnote=TOP%20SECRET");
    s.end(clock, out);
    ASSERT_EQ(out.offered.size(), 1u);
    EXPECT_EQ(out.offered[0].second.layer, "http.request.body.form");
    EXPECT_EQ(out.offered[0].second.offset, 5u);
}

TEST_F(SessionFixture, RefusedAlertLetsALaterMatchBeOffered) {
    dpi::InspectionSession s(engine, egressFromClient());
    out.verdict = SessionOutput::Verdict::kRefused;
    datagram(s, "TOP SECRET");
    out.verdict = SessionOutput::Verdict::kDelivered;
    datagram(s, "TOP SECRET");
    datagram(s, "TOP SECRET");
    EXPECT_EQ(out.offered.size(), 2u); // refused, then delivered; the third is a repeat
    EXPECT_EQ(engine.counters().repeat_matches, 1u);
    EXPECT_TRUE(s.hasAlerted());
}

TEST_F(SessionFixture, HeldAlertReleasedLetsTheRuleMatchAgain) {
    dpi::InspectionSession s(engine, egressFromClient());
    out.verdict = SessionOutput::Verdict::kHeld;
    datagram(s, "TOP SECRET");
    datagram(s, "TOP SECRET");
    EXPECT_EQ(out.offered.size(), 1u); // held counts as alerted until released
    s.releaseRule(0);
    EXPECT_FALSE(s.hasAlerted());
    datagram(s, "TOP SECRET");
    EXPECT_EQ(out.offered.size(), 2u);
}

TEST_F(SessionFixture, EachDatagramIsItsOwnLayerInstance) {
    dpi::InspectionSession s(engine, egressFromClient());
    const std::string first = "xxTOP ", second = "SECRET";
    s.datagram(Direction::kToServer, reinterpret_cast<const uint8_t*>(first.data()), 6, 1, out);
    s.datagram(Direction::kToServer, reinterpret_cast<const uint8_t*>(second.data()), 6, 2, out);
    EXPECT_TRUE(out.offered.empty()); // nothing spans two datagrams
    const std::string whole = "xxTOP SECRET";
    s.datagram(Direction::kToServer, reinterpret_cast<const uint8_t*>(whole.data()), 12, 3, out);
    ASSERT_EQ(out.offered.size(), 1u);
    EXPECT_EQ(out.offered[0].second.offset, 2u); // offsets restart with each datagram
}

TEST_F(SessionFixture, RebaseKeepsAlertedRulesBySignatureIdAndDropsRemovedOnes) {
    engine.adopt(ruleSet({keywordRule(1, {"TOP SECRET"}), keywordRule(2, {"CONFIDENTIAL"})}, "v2"));
    dpi::InspectionSession s(engine, egressFromClient());
    send(s, Direction::kToServer, "TOP SECRET CONFIDENTIAL ");
    ASSERT_EQ(out.offered.size(), 2u);
    // v3 drops rule 1 and puts rule 2 first.
    s.rebase(
        engine.adopt(ruleSet({keywordRule(2, {"CONFIDENTIAL"}), keywordRule(3, {"x"})}, "v3")));
    send(s, Direction::kToServer, "CONFIDENTIAL ");
    EXPECT_EQ(out.offered.size(), 2u); // rule 2 stays alerted across the switch
    EXPECT_EQ(engine.counters().repeat_matches, 1u);
    s.end(clock, out);
}

TEST_F(SessionFixture, DepthBoundsWhatIsInspectedAndIsCountedOnce) {
    dpi::InspectionConfig config;
    config.max_depth_bytes = 16;
    dpi::InspectionEngine shallow(config, ruleSet({keywordRule(1, {"TOP SECRET"})}, "v1"),
                                  [](const std::string&) { return -1; });
    dpi::InspectionSession s(shallow, egressFromClient());
    const std::string bytes = "0123456789 TOP SECRET";
    s.data(Direction::kToServer, reinterpret_cast<const uint8_t*>(bytes.data()),
           static_cast<uint32_t>(bytes.size()), 1, out);
    s.data(Direction::kToServer, reinterpret_cast<const uint8_t*>(bytes.data()), 4, 2, out);
    s.end(3, out);
    EXPECT_TRUE(out.offered.empty());
    EXPECT_FALSE(s.wants(Direction::kToServer));
    EXPECT_EQ(shallow.counters().depth_exceeded, 1u);
    EXPECT_EQ(shallow.counters().bytes_inspected, 16u);
}

// extraction.max-flow-decoded-bytes: one flow direction's decoded bytes, all its bodies
// together. The second body's marking is only visible inflated.
std::string gzipPost(const std::string& text) {
    const std::string packed = dpi::test::gzip(text);
    return "POST /u HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: " +
           std::to_string(packed.size()) + "\r\n\r\n" + packed;
}

TEST_F(SessionFixture, FlowDecodedBytesBoundStopsDecodingTheDirection) {
    for (const uint64_t bound : {uint64_t{4096}, uint64_t{1024}}) {
        dpi::InspectionConfig config;
        config.max_flow_decoded_bytes = bound;
        dpi::InspectionEngine bounded(config, ruleSet({keywordRule(1, {"TOP SECRET"})}, "v1"),
                                      [](const std::string&) { return -1; });
        RecordingOutput output;
        dpi::InspectionSession s(bounded, egressFromClient());
        const std::string first = gzipPost(std::string(1500, 'a'));
        const std::string second = gzipPost("the plan is TOP SECRET");
        s.data(Direction::kToServer, reinterpret_cast<const uint8_t*>(first.data()),
               static_cast<uint32_t>(first.size()), 1, output);
        s.data(Direction::kToServer, reinterpret_cast<const uint8_t*>(second.data()),
               static_cast<uint32_t>(second.size()), 2, output);
        s.end(3, output);
        if (bound == 4096) { // both bodies fit: the marking is seen inflated
            ASSERT_EQ(output.offered.size(), 1u);
            EXPECT_EQ(output.offered[0].second.layer, "http.request.body.gzip");
            EXPECT_EQ(bounded.counters().flow_decoded_exceeded, 0u);
        } else { // the first body passes the bound: nothing after it is decoded
            EXPECT_TRUE(output.offered.empty());
            EXPECT_EQ(bounded.counters().flow_decoded_exceeded, 1u);
        }
    }
}

// --- Evasions: decoders chosen from a client's first byte, pairing with a silent side ---

std::string gzipUpload() {
    const std::string packed = dpi::test::gzip("quarterly plan - TOP SECRET - do not forward");
    return "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: " +
           std::to_string(packed.size()) + "\r\n\r\n" + packed;
}

TEST_F(SessionFixture, HttpDecoderIsChosenWhenTheFirstSegmentIsOneByte) {
    dpi::InspectionSession s(engine, egressFromClient());
    const std::string upload = gzipUpload();
    send(s, Direction::kToServer, upload.substr(0, 1)); // "P"
    send(s, Direction::kToServer, upload.substr(1, 2)); // "OS"
    send(s, Direction::kToServer, upload.substr(3));
    s.end(clock, out);
    ASSERT_EQ(out.offered.size(), 1u);
    EXPECT_EQ(out.offered[0].second.layer, "http.request.body.gzip");
}

TEST_F(SessionFixture, SmtpDecoderIsChosenWhenTheGreetingComesInPieces) {
    dpi::InspectionSession s(engine, egressFromClient());
    send(s, Direction::kToClient, "220 mx ESMTP\r\n");
    send(s, Direction::kToServer, "EHL");
    send(s, Direction::kToServer, "O ws\r\n");
    send(s, Direction::kToClient, "250 mx\r\n");
    sendMailWithBase64Marking(s);
    s.end(clock, out);
    ASSERT_EQ(out.offered.size(), 1u);
    EXPECT_EQ(out.offered[0].second.layer, "smtp.mime.base64");
}

TEST_F(SessionFixture, StarttlsRefusedByTheServerKeepsTheMailDecoded) {
    dpi::InspectionSession s(engine, egressFromClient());
    send(s, Direction::kToClient, "220 mx ESMTP\r\n");
    send(s, Direction::kToServer, "EHLO ws\r\n");
    send(s, Direction::kToClient, "250-mx\r\n250 STARTTLS\r\n");
    send(s, Direction::kToServer, "STARTTLS\r\n");
    send(s, Direction::kToClient, "454 4.7.0 TLS not available\r\n");
    sendMailWithBase64Marking(s);
    s.end(clock, out);
    ASSERT_EQ(out.offered.size(), 1u);
    EXPECT_EQ(out.offered[0].second.layer, "smtp.mime.base64");
    EXPECT_EQ(engine.smtp().starttls_refused, 1u);
    EXPECT_EQ(engine.counters().bytes_inspected, // the server's replies were read, not scanned
              std::string("EHLO ws\r\nSTARTTLS\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"
                          "Content-Transfer-Encoding: base64\r\n\r\nVE9QIFNFQ1JFVCByZXBvcnQ=\r\n"
                          ".\r\n")
                      .size() +
                  std::string("TOP SECRET report").size());
}

// An inside web server answering an outside client: responses are egress, requests ingress.
dpi::SessionScope insideServer() {
    dpi::SessionScope scope;
    scope.bytes_relation[0] = core::NetRelation::kIngress;
    scope.bytes_relation[1] = core::NetRelation::kEgress;
    return scope;
}

TEST_F(SessionFixture, ResponseToHeadIsKnownEvenThoughNoRuleReadsTheRequests) {
    dpi::InspectionSession s(engine, insideServer());
    const std::string packed = dpi::test::gzip("quarterly plan - TOP SECRET - do not forward");
    send(s, Direction::kToServer, "HEAD /report HTTP/1.1\r\nHost: x\r\n\r\n");
    send(s, Direction::kToClient, "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n");
    send(s, Direction::kToServer, "GET /report HTTP/1.1\r\nHost: x\r\n\r\n");
    send(s, Direction::kToClient,
         "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " +
             std::to_string(packed.size()) + "\r\n\r\n" + packed);
    s.end(clock, out);
    ASSERT_EQ(out.offered.size(), 1u);
    EXPECT_EQ(out.offered[0].second.layer, "http.response.body.gzip");
    EXPECT_FALSE(out.offered[0].second.to_server);
}

TEST_F(SessionFixture, LongKeepAliveWithUninspectedResponsesHitsNoPairingBound) {
    dpi::InspectionSession s(engine, egressFromClient());
    for (int i = 0; i < 200; ++i) {
        send(s, Direction::kToServer, "GET /item HTTP/1.1\r\nHost: x\r\n\r\n");
        send(s, Direction::kToClient, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    }
    s.end(clock, out);
    EXPECT_EQ(engine.http().messages, 200u); // requests decoded, responses not needed
    EXPECT_EQ(engine.http().pending_requests_exceeded, 0u);
}

// --- Companion directions across losses, other protocols and reloads ---

rules::Rule anyDirection(rules::Rule r) {
    r.direction = rules::RuleDirection::kAny;
    return r;
}

TEST_F(SessionFixture, ReloadThatCoversTheRequestsDecodesTheNextOne) {
    dpi::InspectionSession s(engine, insideServer()); // requests: ingress, not inspected
    send(s, Direction::kToServer, "HEAD /a HTTP/1.1\r\nHost: x\r\n\r\n");
    send(s, Direction::kToClient, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n");
    s.rebase(engine.adopt(ruleSet({anyDirection(keywordRule(1, {"TOP SECRET"}))}, "v2")));
    const std::string upload = gzipUpload();
    send(s, Direction::kToServer, upload);
    s.end(clock, out);
    ASSERT_EQ(out.offered.size(), 1u);
    EXPECT_EQ(out.offered[0].second.layer, "http.request.body.gzip");
    EXPECT_TRUE(out.offered[0].second.to_server);
}

TEST_F(SessionFixture, LostFirstResponseLeavesNoRequestsToRemember) {
    dpi::InspectionSession s(engine, egressFromClient());
    s.rebase(engine.adopt(ruleSet({anyDirection(keywordRule(1, {"TOP SECRET"}))}, "v2")));
    send(s, Direction::kToServer, "GET /0 HTTP/1.1\r\nHost: x\r\n\r\n");
    s.gap(Direction::kToClient, 500, clock, out); // the response's start never captured
    for (int i = 1; i < 200; ++i) {
        send(s, Direction::kToServer, "GET /item HTTP/1.1\r\nHost: x\r\n\r\n");
        send(s, Direction::kToClient, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    }
    s.end(clock, out);
    EXPECT_EQ(engine.http().messages, 200u);
    EXPECT_EQ(engine.http().pending_requests_exceeded, 0u);
}

TEST_F(SessionFixture, RepliesToAnFtpClientAreNotReadAsSmtp) {
    dpi::InspectionSession s(engine, egressFromClient());
    send(s, Direction::kToClient, "220 ftp.example.org FTP server ready\r\n");
    send(s, Direction::kToServer, "USER alice\r\n");
    send(s, Direction::kToClient, "331 Password required\r\n");
    send(s, Direction::kToServer, "AUTH TLS\r\n");
    send(s, Direction::kToClient, std::string("\x16\x03\x01\x02\x00\x01", 6));
    s.end(clock, out);
    EXPECT_EQ(engine.smtp().reply_errors, 0u);
    EXPECT_FALSE(s.wants(Direction::kToClient));
}

TEST_F(SessionFixture, ServerRepliesAreNotParsedWithoutAClientDecoderToReadThem) {
    // Ingress rules only: the server's bytes are inspected, the client's are not decoded.
    dpi::InspectionEngine ingress(dpi::InspectionConfig{},
                                  ruleSet({[] {
                                              rules::Rule r = keywordRule(1, {"TOP SECRET"});
                                              r.direction = rules::RuleDirection::kIngress;
                                              return r;
                                          }()},
                                          "v1"),
                                  [](const std::string&) { return -1; });
    dpi::InspectionSession s(ingress, egressFromClient());
    s.data(Direction::kToClient, reinterpret_cast<const uint8_t*>("220 mx ESMTP\r\n"), 14, 1, out);
    const std::string tls("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
    s.data(Direction::kToClient, reinterpret_cast<const uint8_t*>(tls.data()),
           static_cast<uint32_t>(tls.size()), 2, out);
    s.end(3, out);
    EXPECT_EQ(ingress.smtp().reply_errors, 0u);
}

TEST_F(SessionFixture, CompanionPastTheDepthIsNotCountedAsCutInspection) {
    dpi::InspectionConfig config;
    config.max_depth_bytes = 64;
    dpi::InspectionEngine shallow(config, ruleSet({keywordRule(1, {"TOP SECRET"})}, "v1"),
                                  [](const std::string&) { return -1; });
    dpi::InspectionSession s(shallow, insideServer());
    const std::string upload =
        "POST /in HTTP/1.1\r\nContent-Length: 200\r\n\r\n" + std::string(200, 'u');
    s.data(Direction::kToServer, reinterpret_cast<const uint8_t*>(upload.data()),
           static_cast<uint32_t>(upload.size()), 1, out);
    EXPECT_FALSE(s.wants(Direction::kToServer)); // parsed up to the depth, then left alone
    s.end(2, out);
    EXPECT_EQ(shallow.counters().depth_exceeded, 0u);
}

TEST_F(SessionFixture, GapWhileSniffingLeavesNoDecoderAndOffsetsCountTheHole) {
    dpi::InspectionSession s(engine, egressFromClient());
    send(s, Direction::kToServer, "P");
    s.gap(Direction::kToServer, 10, clock, out);
    send(s, Direction::kToServer, "ost: TOP SECRET");
    s.end(clock, out);
    ASSERT_EQ(out.offered.size(), 1u);
    EXPECT_EQ(out.offered[0].second.layer, "icap.request"); // the raw layer: no decoder
    EXPECT_EQ(out.offered[0].second.offset, 1u + 10 + 5);
}

// ---- TLS: handshake records read, application data skipped (inspection-tls-application-data) --

std::string tlsRecord(uint8_t type, const std::string& body) {
    return std::string{static_cast<char>(type), 3, 3, static_cast<char>(body.size() >> 8),
                       static_cast<char>(body.size() & 0xff)} +
           body;
}

struct TlsSessionFixture : SessionFixture {
    TlsSessionFixture()
        : SessionFixture({keywordRule(1, {"secret.example"}), keywordRule(2, {"TOP SECRET"})}) {}
    dpi::SessionScope tcpEgress() {
        dpi::SessionScope scope = egressFromClient();
        scope.raw_layer = "tcp.stream";
        return scope;
    }
    std::vector<uint32_t> alertedIds() const {
        std::vector<uint32_t> ids;
        for (const auto& [index, alert] : out.offered)
            ids.push_back(alert.signature_id);
        return ids;
    }
    const std::string hello = tlsRecord(22, "\x01 hello, server name secret.example.com");
    const std::string app_data = tlsRecord(23, "random-looking TOP SECRET ciphertext");
};

TEST_F(TlsSessionFixture, HelloIsMatchedApplicationDataIsNot) {
    dpi::InspectionSession s(engine, tcpEgress());
    send(s, Direction::kToServer, hello + tlsRecord(20, "\x01") + app_data + app_data);
    s.end(clock, out);
    EXPECT_EQ(alertedIds(), std::vector<uint32_t>{1});
    EXPECT_EQ(out.offered[0].second.offset, 5u + 21); // its offset in the TCP stream
    EXPECT_EQ(engine.counters().tls_ciphertext_bytes, 2 * (app_data.size() - 5));
    EXPECT_EQ(engine.counters().tls_framing_lost, 0u);
}

TEST_F(TlsSessionFixture, ApplicationDataIsMatchedWhenConfiguredTo) {
    dpi::InspectionConfig config;
    config.tls_application_data = true;
    dpi::InspectionEngine reading(config, engine.matcher().ruleSetPtr(),
                                  [](const std::string&) { return -1; });
    dpi::InspectionSession s(reading, tcpEgress());
    send(s, Direction::kToServer, hello + app_data);
    s.end(clock, out);
    EXPECT_EQ(alertedIds(), (std::vector<uint32_t>{1, 2}));
    EXPECT_EQ(reading.counters().tls_ciphertext_bytes, 0u);
}

TEST_F(TlsSessionFixture, PlaintextAfterAHelloIsMatchedEvenAByteAtATime) {
    // A hello first hides nothing: bytes that are no record header lose the framing, and they
    // are scanned from their first byte, whatever the segmenting.
    dpi::InspectionSession s(engine, tcpEgress());
    send(s, Direction::kToServer, hello);
    for (char c : std::string("TOP SECRET"))
        send(s, Direction::kToServer, std::string(1, c));
    s.end(clock, out);
    EXPECT_EQ(alertedIds(), (std::vector<uint32_t>{1, 2}));
    EXPECT_EQ(out.offered[1].second.offset, hello.size());
    EXPECT_EQ(engine.counters().tls_framing_lost, 1u);
}

TEST_F(TlsSessionFixture, HelloSplitInTheSniffedBytesIsStillFollowed) {
    dpi::InspectionSession s(engine, tcpEgress());
    send(s, Direction::kToServer, hello.substr(0, 2)); // held while the sniffers decide
    send(s, Direction::kToServer, hello.substr(2) + app_data);
    s.end(clock, out);
    EXPECT_EQ(alertedIds(), std::vector<uint32_t>{1});
    EXPECT_EQ(out.offered[0].second.offset, 5u + 21);
    EXPECT_EQ(engine.counters().tls_ciphertext_bytes, app_data.size() - 5);
    // The two held bytes were scanned while the sniffers decided, and only then: no byte twice.
    EXPECT_EQ(engine.counters().bytes_inspected, 2 + (hello.size() - 5));
}

TEST_F(TlsSessionFixture, PlaintextInAnAlertRecordIsMatched) {
    dpi::InspectionSession s(engine, tcpEgress());
    send(s, Direction::kToServer, hello + tlsRecord(21, "not an alert: TOP SECRET") + app_data);
    s.end(clock, out);
    EXPECT_EQ(alertedIds(), (std::vector<uint32_t>{1, 2}));
    EXPECT_EQ(engine.counters().tls_framing_lost, 0u);
}

TEST_F(TlsSessionFixture, AHoleAcrossRecordsLosesTheFramingAndWhatFollowsIsScanned) {
    dpi::InspectionSession s(engine, tcpEgress());
    send(s, Direction::kToServer, hello + app_data.substr(0, 10));
    s.gap(Direction::kToServer, 1000, clock, out); // past the record's end: framing unknown
    send(s, Direction::kToServer, "TOP SECRET");
    s.end(clock, out);
    EXPECT_EQ(alertedIds(), (std::vector<uint32_t>{1, 2}));
    EXPECT_EQ(engine.counters().tls_framing_lost, 1u);
}

TEST_F(SessionFixture, RawStreamIsReleasedBetweenHttpMessages) {
    dpi::InspectionSession s(engine, egressFromClient());
    const std::string get = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
    send(s, Direction::kToServer, get);
    const uint64_t opened = engine.matcher().streamsOpened();
    send(s, Direction::kToServer, "GET /b HTTP/1.1\r\nHost: TOP SECRET\r\n\r\n");
    s.end(clock, out);
    // The first request's stream was closed when it ended; the second opened its own.
    EXPECT_EQ(engine.matcher().streamsOpened(), opened + 1);
    ASSERT_EQ(out.offered.size(), 1u);
    EXPECT_EQ(out.offered[0].second.offset, get.size() + 23);
}

} // namespace
} // namespace egressmon::testing
