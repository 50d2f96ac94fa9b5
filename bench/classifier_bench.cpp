// nDPI per-packet cost: dpi::FlowClassifier::process over the packets of a prepared flow, as the
// worker calls it, from a fresh core::Flow to the end of detection (plus finish(), which the
// worker calls when the flow ends and which frees nDPI's state if detection was still going).
// The flows are cut to exactly the packets nDPI asks for (found in a dry run), so every timed
// call inspects a packet. Bytes are the IP datagrams handed to nDPI.
//   BM_NdpiHttpFlow:  TCP handshake, a GET with the usual headers, the 200 response.
//   BM_NdpiTlsFlow:   TCP handshake, a TLS 1.3 ClientHello with SNI, ServerHello and
//                     ChangeCipherSpec, then application data both ways until nDPI is done.

#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>
#include <pcap/dlt.h>

#include "capture/packet_decoder.h"
#include "core/flow.h"
#include "core/flow_key.h"
#include "core/flow_tracker.h"
#include "dpi/classify/flow_classifier.h"
#include "tests/unit/packet_builder.h"

using namespace egressmon;
namespace tb = egressmon::testing;

namespace {

constexpr uint8_t kSyn = core::tcpflag::kSyn, kAck = core::tcpflag::kAck,
                  kPsh = core::tcpflag::kPsh;

// TLS messages are built as std::string (GCC 12 misreads small std::vector inserts under -O3
// as out-of-bounds) and turned into bytes at the end.
void p8(std::string& b, unsigned v) {
    b.push_back(static_cast<char>(v & 0xff));
}
void p16(std::string& b, size_t v) {
    p8(b, static_cast<unsigned>(v >> 8)), p8(b, static_cast<unsigned>(v));
}
void p24(std::string& b, size_t v) {
    p8(b, static_cast<unsigned>(v >> 16)), p16(b, v & 0xffff);
}
std::string seq(size_t n, unsigned mul, unsigned add) {
    std::string b;
    for (size_t i = 0; i < n; ++i)
        p8(b, static_cast<unsigned>(i * mul + add));
    return b;
}

// A TLS record of `type` around `body`.
std::string tlsRecord(unsigned type, const std::string& body, unsigned version = 0x0303) {
    std::string r;
    p8(r, type), p16(r, version), p16(r, body.size());
    return r + body;
}

std::string handshake(unsigned type, const std::string& body) {
    std::string h;
    p8(h, type), p24(h, body.size());
    return h + body;
}

void extension(std::string& ext, unsigned type, const std::string& data) {
    p16(ext, type), p16(ext, data.size());
    ext += data;
}

std::string raw(std::initializer_list<unsigned> bytes) {
    std::string b;
    for (unsigned v : bytes)
        p8(b, v);
    return b;
}

// A browser-like TLS 1.3 ClientHello offering SNI `sni`.
tb::Bytes clientHello(std::string_view sni) {
    std::string b;
    p16(b, 0x0303);
    b += seq(32, 37, 11); // random
    p8(b, 32);
    b += seq(32, 1, 0xa0); // legacy session id
    const unsigned ciphers[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
                                0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
    p16(b, 2 * std::size(ciphers));
    for (unsigned c : ciphers)
        p16(b, c);
    p8(b, 1), p8(b, 0); // compression: null

    std::string ext, d;
    p16(d, sni.size() + 3), p8(d, 0), p16(d, sni.size());
    d += sni;
    extension(ext, 0x0000, d);        // server_name
    extension(ext, 0x0017, "");       // extended_master_secret
    extension(ext, 0xff01, raw({0})); // renegotiation_info
    extension(ext, 0x000a, raw({0, 6, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18})); // supported_groups
    extension(ext, 0x000b, raw({1, 0}));                                     // ec_point_formats
    extension(ext, 0x0023, "");                                              // session_ticket
    extension(ext, 0x0010, raw({0, 12, 2}) + "h2" + raw({8}) + "http/1.1");  // ALPN
    extension(ext, 0x0005, raw({1, 0, 0, 0, 0}));                            // status_request
    extension(ext, 0x000d, raw({0, 16, 4, 3, 8, 4, 4, 1, 5, 3, 8, 5, 5, 1, 8, 6, 6, 1}));
    extension(ext, 0x002b, raw({4, 3, 4, 3, 3})); // supported_versions: 1.3, 1.2
    extension(ext, 0x002d, raw({1, 1}));          // psk_key_exchange_modes
    extension(ext, 0x0033, raw({0, 36, 0x00, 0x1d, 0, 32}) + seq(32, 13, 7)); // key_share
    p16(b, ext.size());
    b += ext;
    return tb::bytes(tlsRecord(0x16, handshake(1, b), 0x0301));
}

tb::Bytes serverHello() {
    std::string b;
    p16(b, 0x0303);
    b += seq(32, 29, 3);
    p8(b, 32);
    b += seq(32, 1, 0xa0);
    p16(b, 0x1301);
    p8(b, 0);
    std::string ext;
    extension(ext, 0x002b, raw({3, 4}));
    extension(ext, 0x0033, raw({0x00, 0x1d, 0, 32}) + seq(32, 17, 5));
    p16(b, ext.size());
    b += ext;
    return tb::bytes(tlsRecord(0x16, handshake(2, b)) + tlsRecord(0x14, raw({1})));
}

tb::Bytes appData(size_t n, unsigned seed) {
    return tb::bytes(tlsRecord(0x17, seq(n, 131, seed)));
}

// Builds a TCP conversation between a client and a server, tracking sequence numbers.
class Conversation {
  public:
    Conversation(tb::Ipv4Addr client, tb::Ipv4Addr server, uint16_t server_port)
        : client_(client), server_(server), server_port_(server_port) {
        add(true, kSyn, {});
        add(false, kSyn | kAck, {});
        add(true, kAck, {});
    }
    void send(bool from_client, const tb::Bytes& data) {
        for (size_t off = 0; off < data.size(); off += 1448) {
            const size_t n = std::min<size_t>(1448, data.size() - off);
            add(from_client, kPsh | kAck, tb::Bytes(data.begin() + off, data.begin() + off + n));
        }
        add(!from_client, kAck, {});
    }
    std::vector<tb::Bytes> frames;

  private:
    void add(bool from_client, uint8_t flags, const tb::Bytes& payload) {
        tb::TcpSpec t;
        t.src_port = from_client ? 40000 : server_port_;
        t.dst_port = from_client ? server_port_ : 40000;
        t.seq = from_client ? client_seq_ : server_seq_;
        t.ack = (flags & kAck) ? (from_client ? server_seq_ : client_seq_) : 0;
        t.flags = flags;
        t.options_len = 12; // timestamps, as most stacks send
        tb::Ipv4Spec ip;
        ip.src = from_client ? client_ : server_;
        ip.dst = from_client ? server_ : client_;
        ip.dont_fragment = true;
        frames.push_back(tb::concat(tb::ethernet(tb::kEthIpv4), tb::ipv4(ip, tb::tcp(t, payload))));
        uint32_t& seq = from_client ? client_seq_ : server_seq_;
        seq += static_cast<uint32_t>(payload.size()) + ((flags & kSyn) ? 1 : 0);
    }
    tb::Ipv4Addr client_, server_;
    uint16_t server_port_;
    uint32_t client_seq_ = 0x1000, server_seq_ = 0x80000;
};

struct PreparedFlow {
    std::vector<tb::Bytes> frames; // owns the bytes the packets point at
    std::vector<core::Packet> packets;
    core::FlowKey key;
    uint64_t l3_bytes = 0;
};

PreparedFlow prepare(std::vector<tb::Bytes> frames) {
    PreparedFlow f;
    f.frames = std::move(frames);
    const capture::PacketDecoder decoder(DLT_EN10MB);
    uint64_t ts = 1'700'000'000'000'000;
    for (const auto& fr : f.frames) {
        core::Packet p;
        capture::FragmentInfo frag;
        capture::DecodeError err;
        decoder.decode(fr.data(), static_cast<uint32_t>(fr.size()),
                       static_cast<uint32_t>(fr.size()), ts += 1000, p, frag, err);
        f.packets.push_back(p);
    }
    f.key = core::FlowKey::fromPacket(f.packets.front());
    return f;
}

PreparedFlow httpFlow() {
    Conversation c({10, 0, 0, 1}, {93, 184, 216, 34}, 80);
    c.send(true,
           tb::bytes("GET /products/list?page=2&sort=price HTTP/1.1\r\n"
                     "Host: www.example.com\r\n"
                     "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 "
                     "Firefox/120.0\r\n"
                     "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
                     "Accept-Language: en-US,en;q=0.5\r\n"
                     "Accept-Encoding: gzip, deflate\r\n"
                     "Connection: keep-alive\r\n"
                     "Cookie: session=3f2a9c1b7e; theme=light\r\n\r\n"));
    std::string body(3000, 'x');
    c.send(false, tb::bytes("HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\n"
                            "Date: Mon, 04 Dec 2023 10:00:00 GMT\r\n"
                            "Content-Type: text/html; charset=utf-8\r\n"
                            "Content-Length: 3000\r\nConnection: keep-alive\r\n\r\n" +
                            body));
    return prepare(std::move(c.frames));
}

PreparedFlow tlsFlow() {
    Conversation c({10, 0, 0, 1}, {142, 250, 185, 68}, 443);
    c.send(true, clientHello("www.google.com"));
    c.send(false, serverHello());
    c.send(false, appData(2800, 1)); // encrypted extensions, certificate, ...
    for (int i = 0; i < 20; ++i) {
        c.send(true, appData(400, static_cast<unsigned>(i)));
        c.send(false, appData(1400, static_cast<unsigned>(i)));
    }
    return prepare(std::move(c.frames));
}

// Keeps only the packets nDPI inspects before it is done (a dry run with a fresh classifier).
void cutToInspected(PreparedFlow& f, dpi::FlowClassifier& classifier, std::string& label) {
    const uint64_t before = classifier.counters().packets_inspected;
    core::Flow flow;
    flow.key = f.key;
    size_t n = 0;
    while (n < f.packets.size() && !flow.classification.done)
        classifier.process(flow, f.packets[n++]);
    classifier.finish(flow);
    const uint64_t inspected = classifier.counters().packets_inspected - before;
    f.packets.resize(n);
    f.l3_bytes = 0;
    for (const auto& p : f.packets)
        f.l3_bytes += p.l3_len;
    label = classifier.protocolName(flow.classification) + ", " + std::to_string(inspected) +
            " pkts/flow";
}

void runFlow(benchmark::State& state, PreparedFlow f) {
    dpi::FlowClassifier classifier;
    std::string label;
    cutToInspected(f, classifier, label);
    uint64_t flows = 0;
    for (auto _ : state) {
        core::Flow flow;
        flow.key = f.key;
        for (const core::Packet& p : f.packets)
            classifier.process(flow, p);
        classifier.finish(flow);
        benchmark::DoNotOptimize(flow.classification);
        ++flows;
    }
    state.SetLabel(label);
    state.SetItemsProcessed(static_cast<int64_t>(flows * f.packets.size()));
    state.SetBytesProcessed(static_cast<int64_t>(flows * f.l3_bytes));
}

void BM_NdpiHttpFlow(benchmark::State& state) {
    runFlow(state, httpFlow());
}
BENCHMARK(BM_NdpiHttpFlow);

void BM_NdpiTlsFlow(benchmark::State& state) {
    runFlow(state, tlsFlow());
}
BENCHMARK(BM_NdpiTlsFlow);

} // namespace
