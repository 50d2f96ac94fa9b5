// app::Worker driven as the file pipeline's worker loop drives it, without the threads: frames
// built with packet_builder.h and decoded, handed to processPacket in batches, then
// advanceClock / refreshRules between batches and flushAllFlows at the end. Records go to real
// file sinks (RecordSink's exporter thread is the only thread) and are read back as EVE lines.

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>

#include "app/worker.h"
#include "capture/packet_decoder.h"
#include "core/flow_key.h"
#include "core/home_net.h"
#include "export/record_sink.h"
#include "packet_builder.h"
#include "rules/rule_set.h"
#include "rules/rule_set_source.h"

namespace egressmon::app {
namespace {

using namespace egressmon::testing;

constexpr int kDltEthernet = 1;
constexpr uint8_t kSyn = 0x02, kFin = 0x01, kAck = 0x10, kPshAck = 0x18;
const Ipv4Addr kInside = v4(10, 0, 0, 5);
const Ipv4Addr kOutside = v4(203, 0, 113, 7);

rules::Rule keywordRule(uint32_t id, std::string keyword) {
    rules::Rule r;
    r.id = id;
    r.name = "marking " + std::to_string(id);
    r.keywords = {std::move(keyword)};
    r.encodings = {rules::Encoding::kUtf8};
    r.file = "worker_test.yaml";
    r.line = 1;
    return r;
}

std::shared_ptr<const rules::RuleSet> ruleSet(std::vector<rules::Rule> rules, std::string version) {
    return rules::RuleSet::compile(std::move(rules), std::move(version));
}

std::vector<std::string> readLines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

// The value of the first numeric field called `name` ("flow_id", "signature_id") in an EVE line.
std::string numberField(const std::string& line, const std::string& name) {
    std::smatch m;
    const std::regex re("\"" + name + "\":([0-9]+)");
    return std::regex_search(line, m, re) ? m[1].str() : "";
}

bool has(const std::string& line, const std::string& fragment) {
    return line.find(fragment) != std::string::npos;
}

// One worker with a flow sink and an alert sink writing temp files; rules from a
// RuleSetSource the test publishes to (none when constructed without rules).
class WorkerRun {
  public:
    explicit WorkerRun(std::shared_ptr<const rules::RuleSet> rules) {
        static int serial = 0;
        const std::string stem = ::testing::TempDir() + "/egressmon_worker_" +
                                 std::to_string(getpid()) + "_" + std::to_string(serial++);
        flows_path_ = stem + "_flows.json";
        alerts_path_ = stem + "_alerts.json";
        std::remove(flows_path_.c_str());
        std::remove(alerts_path_.c_str());
        exporting::SinkOptions so;
        so.producers = 1;
        so.lossless = true;
        flow_sink_ = exporting::RecordSink::open(flows_path_, so);
        alert_sink_ = exporting::RecordSink::open(alerts_path_, so);
        if (rules) source_ = std::make_shared<rules::RuleSetSource>(std::move(rules));
        WorkerConfig wc;
        wc.id = 0;
        wc.max_flows = 64;
        wc.sensor_name = "unit-sensor";
        wc.rules = source_;
        worker_ = std::make_unique<Worker>(
            wc, std::make_shared<const core::HomeNet>(core::HomeNet::parse("10.0.0.0/8")),
            flow_sink_.get(), alert_sink_.get());
    }

    ~WorkerRun() {
        if (!closed_) worker_->flushAllFlows(); // a test that stopped early: free flow state
        worker_.reset();
        closeSinks();
        std::remove(flows_path_.c_str());
        std::remove(alerts_path_.c_str());
    }
    WorkerRun(const WorkerRun&) = delete;
    WorkerRun& operator=(const WorkerRun&) = delete;

    // Frames with capture times 1 ms apart, then what the worker loop does after a batch.
    void batch(const std::vector<Bytes>& frames) {
        for (const Bytes& frame : frames) {
            core::Packet p;
            capture::FragmentInfo frag;
            capture::DecodeError error{};
            ts_us_ += 1000;
            ASSERT_EQ(capture::PacketDecoder(kDltEthernet)
                          .decode(frame.data(), static_cast<uint32_t>(frame.size()),
                                  static_cast<uint32_t>(frame.size()), ts_us_, p, frag, error),
                      capture::DecodeResult::kPacket);
            worker_->processPacket(p, core::hashFlowKey(core::FlowKey::fromPacket(p), 42));
            wire_bytes_ += frame.size();
            ++packets_;
        }
        worker_->advanceClock(ts_us_);
        worker_->refreshRules();
    }

    void publish(std::shared_ptr<const rules::RuleSet> rules) {
        source_->publish(std::move(rules));
    }

    // Ends every flow and closes the sinks; the records are then in flows() and alerts().
    void finish() {
        worker_->flushAllFlows();
        closeSinks();
    }
    void closeSinks() {
        closed_ = true;
        flow_sink_->close();
        alert_sink_->close();
    }

    std::vector<std::string> flows() const { return readLines(flows_path_); }
    std::vector<std::string> alerts() const { return readLines(alerts_path_); }
    Worker& worker() { return *worker_; }
    uint64_t now() const { return ts_us_; }
    uint64_t packetsSent() const { return packets_; }
    uint64_t wireBytesSent() const { return wire_bytes_; }

  private:
    std::string flows_path_, alerts_path_;
    std::unique_ptr<exporting::RecordSink> flow_sink_, alert_sink_; // outlive the worker
    std::shared_ptr<rules::RuleSetSource> source_;
    std::unique_ptr<Worker> worker_;
    uint64_t ts_us_ = 1'700'000'000'000'000;
    uint64_t packets_ = 0;
    uint64_t wire_bytes_ = 0;
    bool closed_ = false;
};

Bytes tcpFrame(uint16_t client_port, bool to_server, uint8_t flags, uint32_t seq, uint32_t ack,
               const std::string& payload = {}) {
    const TcpSpec spec{.src_port = to_server ? client_port : uint16_t{80},
                       .dst_port = to_server ? uint16_t{80} : client_port,
                       .seq = seq,
                       .ack = ack,
                       .flags = flags};
    return concat(ethernet(kEthIpv4), ipv4({.src = to_server ? kInside : kOutside,
                                            .dst = to_server ? kOutside : kInside,
                                            .proto = kProtoTcp},
                                           tcp(spec, bytes(payload))));
}

// A whole HTTP/1.1 POST of `body` from the inside host (port `client_port`) to the outside
// server: handshake, request, response, FIN both ways. 9 frames.
std::vector<Bytes> httpPost(uint16_t client_port, const std::string& body) {
    const std::string request = "POST /upload HTTP/1.1\r\nHost: paste.example\r\n"
                                "Content-Type: text/plain\r\nContent-Length: " +
                                std::to_string(body.size()) + "\r\n\r\n" + body;
    const std::string response = "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
    const uint32_t c = 1000, s = 5000; // ISNs
    const auto req = static_cast<uint32_t>(request.size());
    const auto resp = static_cast<uint32_t>(response.size());
    return {
        tcpFrame(client_port, true, kSyn, c, 0),
        tcpFrame(client_port, false, kSyn | kAck, s, c + 1),
        tcpFrame(client_port, true, kAck, c + 1, s + 1),
        tcpFrame(client_port, true, kPshAck, c + 1, s + 1, request),
        tcpFrame(client_port, false, kAck, s + 1, c + 1 + req),
        tcpFrame(client_port, false, kPshAck, s + 1, c + 1 + req, response),
        tcpFrame(client_port, true, kFin | kAck, c + 1 + req, s + 1 + resp),
        tcpFrame(client_port, false, kFin | kAck, s + 1 + resp, c + 2 + req),
        tcpFrame(client_port, true, kAck, c + 2 + req, s + 2 + resp),
    };
}

const std::string kSecretBody = "quarterly plan - TOP SECRET - do not forward";
const std::string kPlainBody = "lunch menu for friday: soup, bread";

} // namespace

TEST(Worker, EgressPostWithAKeywordGivesOneAlertAndOneFlowRecord) {
    WorkerRun run(ruleSet({keywordRule(9001, "TOP SECRET")}, "policy-v1"));
    run.batch(httpPost(41000, kSecretBody));
    // Classified by the response: the alert went out with the batch, not at the flow's end.
    EXPECT_EQ(run.worker().stats().alerts_by_rule.size(), 1u);
    run.finish();

    const auto alerts = run.alerts();
    ASSERT_EQ(alerts.size(), 1u);
    const std::string& a = alerts[0];
    EXPECT_TRUE(has(a, "\"event_type\":\"alert\"")) << a;
    EXPECT_TRUE(has(a, "\"signature_id\":9001")) << a;
    EXPECT_TRUE(has(a, "\"signature\":\"marking 9001\"")) << a;
    EXPECT_TRUE(has(a, "\"src_ip\":\"10.0.0.5\"")) << a; // the sender of the matching bytes
    EXPECT_TRUE(has(a, "\"dest_ip\":\"203.0.113.7\"")) << a;
    EXPECT_TRUE(has(a, "\"app_proto\":\"http\"")) << a;
    EXPECT_TRUE(has(a, "\"policy_version\":\"policy-v1\"")) << a;
    EXPECT_TRUE(has(a, "\"direction\":\"egress\"")) << a;
    EXPECT_TRUE(has(a, "\"match\":\"TOP SECRET\"")) << a;
    // Found in the decoded request body, at the keyword's offset in it.
    EXPECT_TRUE(has(a, "\"layer\":\"http.request.body\",\"offset\":17")) << a;
    EXPECT_TRUE(has(a, "\"host\":\"unit-sensor\"")) << a;

    const auto flows = run.flows();
    ASSERT_EQ(flows.size(), 1u);
    const std::string& f = flows[0];
    EXPECT_TRUE(has(f, "\"event_type\":\"flow\"")) << f;
    EXPECT_TRUE(has(f, "\"pkts_toserver\":5")) << f;
    EXPECT_TRUE(has(f, "\"pkts_toclient\":4")) << f;
    EXPECT_TRUE(has(f, "\"alerted\":true")) << f;
    EXPECT_TRUE(has(f, "\"reason\":\"shutdown\"")) << f;
    EXPECT_TRUE(has(f, "\"protocol\":\"HTTP\"")) << f;
    EXPECT_TRUE(has(f, "\"hostname\":\"paste.example\"")) << f;
    EXPECT_FALSE(numberField(f, "flow_id").empty());
    EXPECT_EQ(numberField(a, "flow_id"), numberField(f, "flow_id"));
}

TEST(Worker, CountersCountPacketsBytesFlowsAndAlerts) {
    WorkerRun run(ruleSet({keywordRule(9001, "TOP SECRET")}, "v1"));
    run.batch(httpPost(41000, kSecretBody));
    run.batch(httpPost(41001, kPlainBody));
    run.finish();
    const WorkerCounters c = run.worker().counters();
    EXPECT_EQ(c.packets, run.packetsSent());
    EXPECT_EQ(c.packets, 18u);
    EXPECT_EQ(c.bytes, run.wireBytesSent());
    EXPECT_EQ(c.flows.created, 2u);
    EXPECT_EQ(c.flows.flushed, 2u);
    EXPECT_EQ(c.classifier.flows_detected, 2u);
    EXPECT_EQ(c.inspection.alerts, 1u);
    EXPECT_GT(c.scan_calls, 0u);
    EXPECT_EQ(c.matcher_errors, 0u);
    EXPECT_EQ(c.alert_records_lost + c.flow_records_lost, 0u);

    const WorkerStats s = run.worker().stats();
    EXPECT_EQ(s.flows_active, 0u);
    EXPECT_EQ(s.flows_by_protocol.at("HTTP"), 2u);
    ASSERT_EQ(s.alerts_by_rule.size(), 1u);
    EXPECT_EQ(s.alerts_by_rule.begin()->first, (std::pair<uint32_t, uint8_t>{9001, 2}));
    EXPECT_EQ(s.alerts_by_rule.begin()->second, 1u);
}

TEST(Worker, FlowWithoutARuleMatchGivesAFlowRecordAndNoAlert) {
    WorkerRun run(ruleSet({keywordRule(9001, "TOP SECRET")}, "v1"));
    run.batch(httpPost(41000, kPlainBody));
    run.finish();
    EXPECT_TRUE(run.alerts().empty());
    const auto flows = run.flows();
    ASSERT_EQ(flows.size(), 1u);
    EXPECT_TRUE(has(flows[0], "\"alerted\":false")) << flows[0];
    EXPECT_EQ(run.worker().counters().inspection.alerts, 0u);
    EXPECT_GT(run.worker().counters().inspection.bytes_inspected, kPlainBody.size());
}

TEST(Worker, PublishedRulesAreAdoptedAtTheNextBatchBoundary) {
    // As in the worker loop, refreshRules runs after each batch: a batch already being handled
    // when rules are published finishes under the old ones, the batch after it uses the new.
    WorkerRun run(ruleSet({keywordRule(9001, "TOP SECRET")}, "v1"));
    const std::string body = kSecretBody + " EYES ONLY";
    run.batch(httpPost(41000, body));
    run.publish(ruleSet({keywordRule(9002, "EYES ONLY")}, "v2"));
    run.batch(httpPost(41001, body)); // handled, then the worker adopts v2
    run.batch(httpPost(41002, body));
    run.finish();

    // Each alert belongs to its flow by flow_id; the flow records name the client port.
    std::map<std::string, uint16_t> port_of_flow;
    for (const std::string& f : run.flows())
        for (const uint16_t port : {41000, 41001, 41002})
            if (has(f, "\"src_port\":" + std::to_string(port)))
                port_of_flow[numberField(f, "flow_id")] = port;
    ASSERT_EQ(port_of_flow.size(), 3u);
    std::map<uint16_t, std::string> alert_of_port;
    for (const std::string& a : run.alerts()) {
        const std::string sid = numberField(a, "signature_id");
        alert_of_port[port_of_flow.at(numberField(a, "flow_id"))] +=
            sid + (has(a, "\"policy_version\":\"v2\"") ? "@v2 " : "@v1 ");
    }
    EXPECT_EQ(alert_of_port[41000], "9001@v1 ");
    EXPECT_EQ(alert_of_port[41001], "9001@v1 ");
    EXPECT_EQ(alert_of_port[41002], "9002@v2 ");
    EXPECT_EQ(run.worker().counters().rule_switch_failures, 0u);
}

TEST(Worker, IdleFlowEndsWhenTheClockPassesItsTimeout) {
    WorkerRun run(ruleSet({keywordRule(9001, "TOP SECRET")}, "v1"));
    auto frames = httpPost(41000, kSecretBody);
    frames.resize(6); // no FIN: the flow stays established (600 s timeout)
    run.batch(frames);
    const uint64_t last = run.now();
    run.worker().advanceClock(last + 599'000'000);
    EXPECT_EQ(run.worker().stats().flows_active, 1u);
    run.worker().advanceClock(last + 601'000'000);
    EXPECT_EQ(run.worker().stats().flows_active, 0u);
    EXPECT_EQ(run.worker().counters().flows.expired, 1u);
    run.closeSinks(); // no flush: the timeout alone produced the records
    const auto flows = run.flows();
    ASSERT_EQ(flows.size(), 1u);
    EXPECT_TRUE(has(flows[0], "\"reason\":\"timeout\"")) << flows[0];
    const auto alerts = run.alerts();
    ASSERT_EQ(alerts.size(), 1u);
    EXPECT_TRUE(has(alerts[0], "\"signature_id\":9001")) << alerts[0];
}

TEST(Worker, WithoutRulesFlowsAreRecordedAndNothingIsScanned) {
    WorkerRun run(nullptr);
    run.batch(httpPost(41000, kSecretBody));
    run.finish();
    EXPECT_TRUE(run.alerts().empty());
    ASSERT_EQ(run.flows().size(), 1u);
    const WorkerCounters c = run.worker().counters();
    EXPECT_EQ(c.scan_calls, 0u);
    EXPECT_EQ(c.inspection.bytes_inspected, 0u);
    EXPECT_EQ(c.packets, 9u);
}

} // namespace egressmon::app
