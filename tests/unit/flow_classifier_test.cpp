// dpi::FlowClassifier: nDPI 4.2 fed flow by flow as a worker does (frames built with
// packet_builder.h, decoded by capture::PacketDecoder, counted on the flow by flow_tracker).
// Pins when detection ends (detected and done, or the packet bound), the names as ndpiReader
// prints them, the metadata copied onto the flow, and what finish() gives up with. The expected
// names, hosts and JA3 are what Debian's ndpiReader 4.2 printed for these same frames written
// to a capture file (HTTP/Web, DNS/Network, TLS/Web, HTTP "Match by port").

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "capture/packet_decoder.h"
#include "core/flow.h"
#include "core/flow_key.h"
#include "core/flow_tracker.h"
#include "dpi/classify/flow_classifier.h"
#include "packet_builder.h"

namespace egressmon::dpi {
namespace {

using namespace egressmon::testing;

constexpr int kDltEthernet = 1;
const Ipv4Addr kClient = v4(10, 0, 0, 1);
const Ipv4Addr kServer = v4(192, 0, 2, 10);

// One flow as a worker keeps it: every frame decoded, counted on the flow, shown to nDPI.
// The destructor ends detection (as the worker does when a flow ends), so no nDPI state leaks.
class FedFlow {
  public:
    explicit FedFlow(FlowClassifier& classifier) : classifier_(classifier) {}
    ~FedFlow() { classifier_.finish(flow_); }
    FedFlow(const FedFlow&) = delete;
    FedFlow& operator=(const FedFlow&) = delete;

    // Decodes `frame` and feeds it; `caplen` below the frame's size cuts it as a snaplen would.
    void feed(const Bytes& frame, uint32_t caplen = 0) {
        if (caplen == 0) caplen = static_cast<uint32_t>(frame.size());
        core::Packet p;
        capture::FragmentInfo frag;
        capture::DecodeError error{};
        ts_us_ += 1000;
        ASSERT_EQ(capture::PacketDecoder(kDltEthernet)
                      .decode(frame.data(), caplen, static_cast<uint32_t>(frame.size()), ts_us_, p,
                              frag, error),
                  capture::DecodeResult::kPacket);
        bool sender_is_lo = false;
        const core::FlowKey key = core::FlowKey::fromPacket(p, &sender_is_lo);
        if (packets_++ == 0) {
            flow_.key = key;
            flow_.first_ts_us = p.ts_us;
            core::initFlowFromFirstPacket(flow_, p, sender_is_lo);
        }
        ASSERT_EQ(key, flow_.key);
        core::updateFlowWithPacket(flow_, p, sender_is_lo);
        classifier_.process(flow_, p);
    }

    core::Flow& flow() { return flow_; }
    const core::FlowClassification& result() const { return flow_.classification; }
    const core::FlowMetadata* metadata() const { return flow_.metadata.get(); }

  private:
    FlowClassifier& classifier_;
    core::Flow flow_;
    uint64_t ts_us_ = 1'700'000'000'000'000;
    int packets_ = 0;
};

// TCP between kClient:cport and kServer:sport; `to_server` picks the direction.
Bytes tcpFrame(bool to_server, uint8_t flags, uint32_t seq, uint32_t ack,
               const std::string& payload = {}, uint16_t cport = 40000, uint16_t sport = 80) {
    const TcpSpec spec{.src_port = to_server ? cport : sport,
                       .dst_port = to_server ? sport : cport,
                       .seq = seq,
                       .ack = ack,
                       .flags = flags};
    return concat(ethernet(kEthIpv4), ipv4({.src = to_server ? kClient : kServer,
                                            .dst = to_server ? kServer : kClient,
                                            .proto = kProtoTcp},
                                           tcp(spec, bytes(payload))));
}

Bytes udpFrame(bool to_server, const Bytes& payload, uint16_t cport = 53000, uint16_t sport = 53) {
    return concat(ethernet(kEthIpv4),
                  ipv4({.src = to_server ? kClient : kServer,
                        .dst = to_server ? kServer : kClient,
                        .proto = kProtoUdp},
                       udp(to_server ? cport : sport, to_server ? sport : cport, payload)));
}

constexpr uint8_t kSyn = 0x02, kAck = 0x10, kPshAck = 0x18;
constexpr uint32_t kClientIsn = 1000, kServerIsn = 5000;

// SYN, SYN-ACK, ACK on ports cport -> sport.
void handshake(FedFlow& f, uint16_t cport = 40000, uint16_t sport = 80) {
    f.feed(tcpFrame(true, kSyn, kClientIsn, 0, {}, cport, sport));
    f.feed(tcpFrame(false, kSyn | kAck, kServerIsn, kClientIsn + 1, {}, cport, sport));
    f.feed(tcpFrame(true, kAck, kClientIsn + 1, kServerIsn + 1, {}, cport, sport));
}

const std::string kHttpRequest = "GET /docs/index.html?q=1 HTTP/1.1\r\n"
                                 "Host: intranet-mirror.example\r\n"
                                 "User-Agent: curl/7.88.1\r\n"
                                 "Accept: */*\r\n\r\n";
const std::string kHttpResponse = "HTTP/1.1 200 OK\r\n"
                                  "Content-Type: text/html\r\n"
                                  "Content-Length: 5\r\n\r\nhello";

// Request then response of one HTTP exchange after the handshake.
void httpExchange(FedFlow& f) {
    f.feed(tcpFrame(true, kPshAck, kClientIsn + 1, kServerIsn + 1, kHttpRequest));
    f.feed(tcpFrame(false, kPshAck, kServerIsn + 1,
                    kClientIsn + 1 + static_cast<uint32_t>(kHttpRequest.size()), kHttpResponse));
}

// A DNS message for www.example.org, type A; with an answer when `response`.
Bytes dnsMessage(bool response) {
    Bytes m;
    put16(m, 0x4a2f);                     // id
    put16(m, response ? 0x8180 : 0x0100); // flags: RD (+ QR, RA)
    put16(m, 1);                          // questions
    put16(m, response ? 1 : 0);           // answers
    put16(m, 0), put16(m, 0);             // authority, additional
    append(m, bytes("\x03www\x07"         // split: "\x07e" would read as one hex escape
                    "example\x03org"));
    put8(m, 0);
    put16(m, 1), put16(m, 1); // A, IN
    if (response) {
        put16(m, 0xc00c); // name: pointer to the question
        put16(m, 1), put16(m, 1);
        put32(m, 300);
        put16(m, 4);
        append(m, Bytes{93, 184, 215, 14});
    }
    return m;
}

// A TLS 1.2 record holding a ClientHello with SNI `host`, as a browser would start.
std::string tlsClientHello(const std::string& host) {
    Bytes ext;
    // server_name
    Bytes sni;
    put16(sni, static_cast<uint16_t>(host.size() + 3)); // server name list
    put8(sni, 0);                                       // host_name
    put16(sni, static_cast<uint16_t>(host.size()));
    append(sni, bytes(host));
    put16(ext, 0x0000), put16(ext, static_cast<uint16_t>(sni.size())), append(ext, sni);
    // supported_groups: x25519, secp256r1
    put16(ext, 0x000a), put16(ext, 6), put16(ext, 4), put16(ext, 0x001d), put16(ext, 0x0017);
    // ec_point_formats: uncompressed
    put16(ext, 0x000b), put16(ext, 2), put8(ext, 1), put8(ext, 0);
    // signature_algorithms: ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256
    put16(ext, 0x000d), put16(ext, 6), put16(ext, 4), put16(ext, 0x0403), put16(ext, 0x0804);

    Bytes hello;
    put16(hello, 0x0303); // client_version TLS 1.2
    for (int i = 0; i < 32; ++i)
        put8(hello, static_cast<uint8_t>(i * 7)); // random
    put8(hello, 0);                               // no session id
    put16(hello, 6);                              // cipher suites
    put16(hello, 0xc02b), put16(hello, 0xc02f), put16(hello, 0x009c);
    put8(hello, 1), put8(hello, 0); // compression: null
    put16(hello, static_cast<uint16_t>(ext.size()));
    append(hello, ext);

    Bytes handshake{0x01}; // ClientHello
    put8(handshake, 0);
    put16(handshake, static_cast<uint16_t>(hello.size()));
    append(handshake, hello);

    Bytes record{0x16, 0x03, 0x01};
    put16(record, static_cast<uint16_t>(handshake.size()));
    append(record, handshake);
    return std::string(record.begin(), record.end());
}

// Bytes no nDPI dissector claims.
const std::string kOpaque = std::string("\x9c\x01\xf7\x3e\x00\x42\xd1\x88\x17\x65\xaa\x0f", 12);

} // namespace

TEST(FlowClassifier, HttpExchangeIsDetectedAsHttpOnceTheResponseIsSeen) {
    FlowClassifier c;
    FedFlow f(c);
    handshake(f);
    f.feed(tcpFrame(true, kPshAck, kClientIsn + 1, kServerIsn + 1, kHttpRequest));
    // HTTP is found in the request, but nDPI still wants the response (status code): running.
    EXPECT_FALSE(f.result().done);
    EXPECT_NE(f.flow().dpi_state, nullptr);
    EXPECT_EQ(c.flowsInDetection(), 1u);
    f.feed(tcpFrame(false, kPshAck, kServerIsn + 1,
                    kClientIsn + 1 + static_cast<uint32_t>(kHttpRequest.size()), kHttpResponse));
    EXPECT_TRUE(f.result().done);
    EXPECT_FALSE(f.result().guessed);
    EXPECT_EQ(f.flow().dpi_state, nullptr); // nDPI's state is freed the moment detection ends
    EXPECT_EQ(c.flowsInDetection(), 0u);
    EXPECT_EQ(f.result().app_protocol, NDPI_PROTOCOL_HTTP);
    EXPECT_EQ(c.protocolName(f.result()), "HTTP");
    EXPECT_EQ(c.categoryName(f.result()), "Web");
    EXPECT_EQ(c.appProtoName(f.result()), "http");
    EXPECT_EQ(c.counters().flows_detected, 1u);
    EXPECT_EQ(c.counters().packets_inspected, 5u);
}

TEST(FlowClassifier, HttpHostAndRequestTargetAreCopiedOntoTheFlow) {
    FlowClassifier c;
    FedFlow f(c);
    handshake(f);
    httpExchange(f);
    ASSERT_TRUE(f.result().done);
    ASSERT_NE(f.metadata(), nullptr);
    EXPECT_EQ(f.metadata()->http_host, "intranet-mirror.example");
    EXPECT_EQ(f.metadata()->http_url, "/docs/index.html?q=1"); // the Host prefix taken off
    EXPECT_TRUE(f.metadata()->dns_query.empty());
    EXPECT_TRUE(f.metadata()->tls_sni.empty());
}

TEST(FlowClassifier, PacketsAfterDetectionEndedAreNotInspected) {
    FlowClassifier c;
    FedFlow f(c);
    handshake(f);
    httpExchange(f);
    ASSERT_TRUE(f.result().done);
    const uint64_t inspected = c.counters().packets_inspected;
    f.feed(tcpFrame(true, kAck, kClientIsn + 1 + static_cast<uint32_t>(kHttpRequest.size()),
                    kServerIsn + 1 + static_cast<uint32_t>(kHttpResponse.size())));
    EXPECT_EQ(c.counters().packets_inspected, inspected);
    EXPECT_EQ(f.flow().dpi_state, nullptr);
    c.finish(f.flow()); // already finished: nothing changes, nothing is counted twice
    EXPECT_EQ(c.counters().flows_detected, 1u);
    EXPECT_EQ(c.counters().flows_guessed + c.counters().flows_unknown, 0u);
    EXPECT_EQ(c.protocolName(f.result()), "HTTP");
}

TEST(FlowClassifier, TcpFlowGivesUpAfterMoreThanTheConfiguredPackets) {
    FlowClassifier c(ClassifierConfig{.max_tcp_packets = 5});
    FedFlow f(c);
    handshake(f, 40000, 5555);
    uint32_t seq = kClientIsn + 1;
    for (int i = 0; i < 2; ++i) { // packets 4 and 5: still within the bound
        f.feed(tcpFrame(true, kPshAck, seq, kServerIsn + 1, kOpaque, 40000, 5555));
        seq += static_cast<uint32_t>(kOpaque.size());
    }
    EXPECT_FALSE(f.result().done);
    f.feed(tcpFrame(true, kPshAck, seq, kServerIsn + 1, kOpaque, 40000, 5555)); // the 6th
    EXPECT_TRUE(f.result().done);
    EXPECT_EQ(f.flow().dpi_state, nullptr);
    EXPECT_EQ(c.counters().packets_inspected, 6u);
    EXPECT_EQ(c.counters().flows_detected, 0u);
    EXPECT_EQ(c.counters().flows_guessed + c.counters().flows_unknown, 1u);
}

TEST(FlowClassifier, UdpFlowGivesUpAfterMoreThanTheConfiguredPackets) {
    FlowClassifier c(ClassifierConfig{.max_tcp_packets = 80, .max_udp_packets = 2});
    FedFlow f(c);
    f.feed(udpFrame(true, bytes(kOpaque), 41000, 6001));
    f.feed(udpFrame(false, bytes(kOpaque), 41000, 6001));
    EXPECT_FALSE(f.result().done);
    f.feed(udpFrame(true, bytes(kOpaque), 41000, 6001));
    EXPECT_TRUE(f.result().done);
    EXPECT_EQ(c.counters().packets_inspected, 3u);
}

TEST(FlowClassifier, SnaplenCutPacketsAreNotInspectedNorCountedTowardsTheBound) {
    FlowClassifier c(ClassifierConfig{.max_tcp_packets = 80, .max_udp_packets = 1});
    FedFlow f(c);
    const Bytes frame = udpFrame(true, bytes(kOpaque + kOpaque), 41000, 6001);
    f.feed(frame, static_cast<uint32_t>(frame.size() - 8));
    f.feed(frame, static_cast<uint32_t>(frame.size() - 8));
    // As ndpiReader: cut datagrams count on the flow, but nDPI never sees them.
    EXPECT_EQ(f.flow().pkts_toserver, 2u);
    EXPECT_EQ(c.counters().packets_inspected, 0u);
    EXPECT_FALSE(f.result().done);
    EXPECT_EQ(c.flowsInDetection(), 1u); // its state exists from the first packet on
    f.feed(frame);
    EXPECT_FALSE(f.result().done); // one inspected packet: within the bound of 1
    f.feed(frame);
    EXPECT_TRUE(f.result().done);
    EXPECT_EQ(c.counters().packets_inspected, 2u);
    EXPECT_EQ(c.flowsInDetection(), 0u);
}

TEST(FlowClassifier, DnsQueryAndAnswerGiveDnsAndTheQueryName) {
    FlowClassifier c;
    FedFlow f(c);
    f.feed(udpFrame(true, dnsMessage(false)));
    f.feed(udpFrame(false, dnsMessage(true)));
    ASSERT_TRUE(f.result().done);
    EXPECT_FALSE(f.result().guessed);
    EXPECT_EQ(c.protocolName(f.result()), "DNS");
    EXPECT_EQ(c.categoryName(f.result()), "Network");
    EXPECT_EQ(c.appProtoName(f.result()), "dns");
    ASSERT_NE(f.metadata(), nullptr);
    EXPECT_EQ(f.metadata()->dns_query, "www.example.org");
    EXPECT_TRUE(f.metadata()->http_host.empty());
}

TEST(FlowClassifier, TlsClientHelloGivesTlsWithSniAndJa3WhenTheFlowEnds) {
    FlowClassifier c;
    FedFlow f(c);
    handshake(f, 40000, 443);
    f.feed(tcpFrame(true, kPshAck, kClientIsn + 1, kServerIsn + 1,
                    tlsClientHello("files.example.net"), 40000, 443));
    // TLS is known, but nDPI would wait for the server's certificate: still running.
    EXPECT_FALSE(f.result().done);
    c.finish(f.flow()); // the flow ends: what was found so far is kept
    ASSERT_TRUE(f.result().done);
    EXPECT_FALSE(f.result().guessed);
    EXPECT_EQ(c.protocolName(f.result()), "TLS");
    EXPECT_EQ(c.categoryName(f.result()), "Web");
    EXPECT_EQ(c.appProtoName(f.result()), "tls");
    ASSERT_NE(f.metadata(), nullptr);
    EXPECT_EQ(f.metadata()->tls_sni, "files.example.net");
    // ndpiReader 4.2 prints the same for this hello written to a capture ("JA3C: ...").
    EXPECT_EQ(f.metadata()->tls_ja3_client, "859dfb682f743eeb53df3d93f055d2e4");
    EXPECT_EQ(c.counters().flows_detected, 1u);
}

TEST(FlowClassifier, FinishGuessesAnUnclassifiedFlowFromItsPort) {
    FlowClassifier c;
    FedFlow f(c);
    handshake(f, 40000, 80);
    f.feed(tcpFrame(true, kPshAck, kClientIsn + 1, kServerIsn + 1, kOpaque));
    EXPECT_FALSE(f.result().done);
    c.finish(f.flow());
    ASSERT_TRUE(f.result().done);
    EXPECT_TRUE(f.result().guessed);
    EXPECT_EQ(c.protocolName(f.result()), "HTTP");
    EXPECT_EQ(c.counters().flows_guessed, 1u);
    EXPECT_EQ(c.flowsInDetection(), 0u);
    EXPECT_EQ(f.metadata(), nullptr);
}

TEST(FlowClassifier, FinishWithoutGuessingLeavesAnUnclassifiedFlowUnknown) {
    FlowClassifier c(ClassifierConfig{.guess_on_giveup = false});
    FedFlow f(c);
    handshake(f, 40000, 80);
    f.feed(tcpFrame(true, kPshAck, kClientIsn + 1, kServerIsn + 1, kOpaque));
    c.finish(f.flow());
    ASSERT_TRUE(f.result().done);
    EXPECT_FALSE(f.result().guessed);
    EXPECT_EQ(c.protocolName(f.result()), "Unknown");
    EXPECT_EQ(c.categoryName(f.result()), "Unspecified");
    EXPECT_EQ(c.appProtoName(f.result()), "failed");
    EXPECT_EQ(c.counters().flows_unknown, 1u);
}

TEST(FlowClassifier, ProtocolIdsResolveNamesCaseInsensitively) {
    FlowClassifier c;
    EXPECT_EQ(c.protocolId("HTTP"), NDPI_PROTOCOL_HTTP);
    EXPECT_EQ(c.protocolId("http"), NDPI_PROTOCOL_HTTP);
    EXPECT_EQ(c.protocolId("SMTP"), NDPI_PROTOCOL_MAIL_SMTP);
    EXPECT_EQ(c.protocolId("TLS"), NDPI_PROTOCOL_TLS);
    EXPECT_EQ(c.protocolId("no-such-protocol"), -1);
}

TEST(FlowClassifier, NamesOfAClassificationWithAMasterJoinMasterAndApp) {
    FlowClassifier c;
    core::FlowClassification tls_google;
    tls_google.master_protocol = NDPI_PROTOCOL_TLS;
    tls_google.app_protocol = NDPI_PROTOCOL_GOOGLE;
    tls_google.category = NDPI_PROTOCOL_CATEGORY_WEB;
    EXPECT_EQ(c.protocolName(tls_google), "TLS.Google");
    EXPECT_EQ(c.appProtoName(tls_google), "tls"); // the master names the app_proto
    EXPECT_EQ(c.categoryName(tls_google), "Web");
    EXPECT_EQ(c.protocolName(core::FlowClassification{}), "Unknown");
    EXPECT_EQ(c.appProtoName(core::FlowClassification{}), "failed");
    EXPECT_EQ(c.categoryName(core::FlowClassification{}), "Unspecified");
}

} // namespace egressmon::dpi
