// Capacity of egressmon's Kafka alert sink on its own: pre-built EVE alert records pushed through
// a RecordSink (the exporter thread, the idempotent producer, delivery reports) to a broker, as
// fast as the sink takes them. Separates the sink's alerts/s from how fast a capture can raise
// alerts. One line of JSON.
//
//   egressmon_kafka_sink_capacity BROKERS TOPIC [--alerts N] [--producers P] [--spool DIR]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "core/wall_clock.h"
#include "export/record_sink.h"

using namespace egressmon;

namespace {

// An alert record of the usual size (~900 bytes), distinct per index.
std::string alertJson(uint64_t i) {
    std::string id = std::to_string(i);
    return "{\"timestamp\":\"2026-11-24T10:00:00.600400+0000\",\"flow_id\":" + id +
           ",\"event_type\":\"alert\",\"host\":\"bench\",\"src_ip\":\"10.1.0.11\",\"src_port\":"
           "51001,\"dest_ip\":\"203.0.113.20\",\"dest_port\":80,\"proto\":\"TCP\",\"app_proto\":"
           "\"http\",\"direction\":\"to_server\",\"alert\":{\"action\":\"allowed\",\"gid\":1,"
           "\"signature_id\":1000,\"rev\":1,\"signature\":\"Classification marking: TOP SECRET\","
           "\"category\":\"classified\",\"severity\":1,\"context\":{\"alert_id\":\"bench-" +
           id +
           "\",\"policy_version\":\"ab98ba0bc2b7\",\"dlp\":{\"direction\":\"egress\",\"match\":"
           "\"TOP SECRET\",\"encoding\":\"utf-8\",\"layer\":\"http.request.body\",\"offset\":17,"
           "\"snippet\":\"" +
           std::string(480, 'x') + "\"}}},\"ndpi\":{\"protocol\":\"HTTP\",\"category\":\"Web\"}}\n";
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s BROKERS TOPIC [--alerts N] [--producers P] [--spool DIR]\n",
                     argv[0]);
        return 2;
    }
    const std::string brokers = argv[1], topic = argv[2];
    uint64_t alerts = 200000;
    unsigned producers = 1;
    std::string spool = "/tmp/egressmon-kafka-capacity-spool";
    for (int i = 3; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--alerts") alerts = std::strtoull(argv[i + 1], nullptr, 10);
        if (flag == "--producers") producers = unsigned(std::strtoul(argv[i + 1], nullptr, 10));
        if (flag == "--spool") spool = argv[i + 1];
    }
    std::vector<std::string> records;
    records.reserve(alerts);
    for (uint64_t i = 0; i < alerts; ++i)
        records.push_back(alertJson(i));

    exporting::SinkOptions options;
    options.producers = producers;
    options.lossless = true;
    options.kafka.use_spool = true;
    options.kafka.spool.dir = spool;
    options.kafka.sensor_name = "bench";
    options.kafka.event_type = "alert";
    options.kafka.shutdown_grace_ms = 120'000;
    std::unique_ptr<exporting::RecordSink> sink;
    try {
        sink = exporting::RecordSink::open("kafka://" + brokers + "/" + topic, options);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (unsigned p = 0; p < producers; ++p)
        threads.emplace_back([&, p] {
            for (uint64_t i = p; i < alerts; i += producers)
                sink->publish(p,
                              exporting::SinkRecord{std::move(records[i]), i, core::wallClockUs()});
        });
    for (auto& t : threads)
        t.join();
    sink->close(); // returns once everything is acknowledged (or spooled after the grace)
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const auto c = sink->counters();
    const auto lat = sink->latency()->snapshot();
    std::printf("{\"alerts\":%llu,\"acknowledged\":%llu,\"spooled\":%llu,\"seconds\":%.3f,"
                "\"alerts_per_second\":%.0f,\"latency_p50_le\":%g,\"latency_p99_le\":%g}\n",
                (unsigned long long)alerts, (unsigned long long)c.written,
                (unsigned long long)c.spooled, secs, double(c.written) / secs,
                lat.quantileUpperBound(0.5), lat.quantileUpperBound(0.99));
    return c.written == alerts ? 0 : 1;
}
