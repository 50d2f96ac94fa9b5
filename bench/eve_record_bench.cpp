// JSON encoding of the EVE records a worker builds: a `flow` record when a flow ends and an
// `alert` record when a rule matches. Items/s = records, bytes/s = JSON produced.
//   BM_EveFlowRecord:  an ended TLS flow with SNI and JA3 metadata, the worker's record + '\n'.
//   BM_EveAlertRecord: an alert on an HTTP upload, with layer, offset and a masked snippet.
// Each record includes what Worker::namesOf does for it (nDPI's protocol, category and app_proto
// names from the flow's classification), as the worker builds those per record too; the alert
// record also includes the flow's alert subject (core/flow_alert_subject.h), as the inspector
// builds one per alert.

#include <cstdint>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>

#include "core/alert.h"
#include "core/alert_subject.h"
#include "core/flow.h"
#include "core/flow_alert_subject.h"
#include "core/flow_tracker.h"
#include "dpi/classify/flow_classifier.h"
#include "export/eve_alert_record.h"
#include "export/eve_flow_record.h"

using namespace egressmon;

namespace {

core::Packet tcpPacket(bool from_client, uint8_t flags, uint16_t server_port, uint64_t ts_us,
                       uint32_t wire_len) {
    core::Packet p;
    p.ip_version = 4;
    p.ip_proto = core::ipproto::kTcp;
    p.src_ip = *core::IpAddress::parse(from_client ? "10.1.20.37" : "142.250.185.68");
    p.dst_ip = *core::IpAddress::parse(from_client ? "142.250.185.68" : "10.1.20.37");
    p.src_port = from_client ? 51544 : server_port;
    p.dst_port = from_client ? server_port : 51544;
    p.tcp_flags = flags;
    p.ts_us = ts_us;
    p.wire_len = wire_len;
    return p;
}

// A flow as the worker leaves it: handshake, data both ways, FIN both ways; classified.
core::Flow endedFlow(uint16_t server_port) {
    using namespace core::tcpflag;
    core::Flow f;
    uint64_t ts = 1'701'684'000'123'456;
    const std::initializer_list<std::pair<bool, uint8_t>> script = {
        {true, kSyn},         {false, kSyn | kAck}, {true, kAck},
        {true, kPsh | kAck},  {false, kPsh | kAck}, {true, kAck},
        {false, kFin | kAck}, {true, kFin | kAck},  {false, kAck}};
    bool first = true;
    for (const auto& [from_client, flags] : script) {
        const core::Packet p =
            tcpPacket(from_client, flags, server_port, ts += 2345, (flags & kPsh) ? 1514 : 66);
        bool lo = false;
        f.key = core::FlowKey::fromPacket(p, &lo);
        if (first) core::initFlowFromFirstPacket(f, p, lo), first = false;
        core::updateFlowWithPacket(f, p, lo);
    }
    f.hash = core::hashFlowKey(f.key, 12345);
    f.flow_id = 1234567890123456ULL;
    f.relation = core::NetRelation::kEgress;
    return f;
}

const std::string kSensor = "sensor-eu-west-1a";

// Worker::namesOf.
exporting::FlowNames namesOf(const dpi::FlowClassifier& c, const core::Flow& flow) {
    return {c.protocolName(flow.classification), c.categoryName(flow.classification),
            c.appProtoName(flow.classification)};
}

void BM_EveFlowRecord(benchmark::State& state) {
    core::Flow flow = endedFlow(443);
    flow.classification = {NDPI_PROTOCOL_TLS, NDPI_PROTOCOL_GOOGLE, NDPI_PROTOCOL_CATEGORY_WEB,
                           true, false};
    flow.metadata = std::make_unique<core::FlowMetadata>();
    flow.metadata->tls_sni = "www.google.com";
    flow.metadata->tls_ja3_client = "cd08e31494f9531f560d64c695473da9";
    const dpi::FlowClassifier classifier;
    uint64_t bytes = 0;
    for (auto _ : state) {
        // As Worker::endFlow: names, build, append the newline.
        std::string json = exporting::buildEveFlowRecord(flow, core::FlowEndReason::kTimeout,
                                                         namesOf(classifier, flow), kSensor);
        json.push_back('\n');
        bytes += json.size();
        benchmark::DoNotOptimize(json.data());
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_EveFlowRecord);

void BM_EveAlertRecord(benchmark::State& state) {
    core::Flow flow = endedFlow(80);
    flow.classification = {NDPI_PROTOCOL_HTTP, NDPI_PROTOCOL_HTTP, NDPI_PROTOCOL_CATEGORY_WEB, true,
                           false};
    flow.metadata = std::make_unique<core::FlowMetadata>();
    flow.metadata->http_host = "files.example.com";
    flow.metadata->http_url = "/api/v2/documents/upload";
    const dpi::FlowClassifier classifier;
    core::Alert alert;
    alert.ts_us = 1'701'684'000'130'000;
    alert.to_server = true;
    alert.signature_id = 1040;
    alert.signature = "Payment card number (Luhn-valid)";
    alert.category = "pci";
    alert.severity = 1;
    alert.policy_version = "3f2a9c1b7e4d";
    alert.direction = "egress";
    alert.match = "\\b(?:4\\d{3}|5[1-5]\\d{2})(?:[ -]?\\d{4}){3}\\b";
    alert.encoding = "utf-8";
    alert.layer = "http.request.body.gzip";
    alert.offset = 18231;
    alert.snippet = "card on file: ****-****-****-1111, exp 04/27, name \"J. Doe\"\tref";
    uint64_t bytes = 0;
    for (auto _ : state) {
        // As FlowInspector::deliver and Worker::publishAlert: subject, names, build (the record
        // ends with its newline).
        core::AlertSubject subject = core::alertSubjectOf(flow, alert.to_server);
        const exporting::FlowNames names = namesOf(classifier, flow);
        subject.app_proto = names.app_proto;
        subject.ndpi_protocol = names.ndpi_protocol;
        subject.ndpi_category = names.ndpi_category;
        std::string json = exporting::buildEveAlertRecord(subject, alert, kSensor);
        bytes += json.size();
        benchmark::DoNotOptimize(json.data());
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_EveAlertRecord);

} // namespace
