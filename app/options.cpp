#include "options.h"

#include <charconv>
#include <map>
#include <thread>
#include <unistd.h>

#include <yaml-cpp/yaml.h>

#include "core/home_net.h"
#include "core/path_trust.h"
#include "export/metrics_endpoint.h"
#include "fleet/kafka_client_conf.h"

namespace egressmon::app {

namespace {

// A setting as given: canonical key, value text, and where it came from (for messages).
struct Setting {
    std::string key;
    std::vector<std::string> values; // lists (read, rules) keep every item
    std::string origin;              // "--workers" or "config.yaml:12"
};

const std::map<std::string, std::string>& flagToKey() {
    static const std::map<std::string, std::string> m = {
        {"-r", "read"},
        {"-i", "interface"},
        {"--rules", "rules"},
        {"--home-net", "home-net"},
        {"--workers", "workers"},
        {"--alerts", "alerts"},
        {"--flows", "flows"},
        {"--files", "files"},
        {"--metrics", "metrics"},
        {"-f", "filter"},
        {"--sensor-name", "sensor-name"},
        {"--max-flows", "max-flows"},
        {"--snaplen", "snaplen"},
        {"--buffer-size", "buffer-size"},
        {"--hash-seed", "hash-seed"},
        {"--user", "user"},
        {"--icap", "icap"},
    };
    return m;
}

bool isListKey(const std::string& key) {
    return key == "read" || key == "rules" || key == "icap.allow" || key == "policy.public-key";
}

template <class T> T parseNumber(const std::string& text, const std::string& origin, T min, T max) {
    T v{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || v < min || v > max)
        throw UsageError(origin + ": expected a number between " + std::to_string(min) + " and " +
                         std::to_string(max) + ", got '" + text + "'");
    return v;
}

// A decimal number from `min` to `max` (entropy in bits per character, a share).
double parseFraction(const std::string& text, const std::string& origin, double min, double max) {
    double v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || !(v >= min && v <= max))
        throw UsageError(origin + ": expected a decimal number from " + std::to_string(min) +
                         " to " + std::to_string(max) + ", got '" + text + "'");
    return v;
}

bool parseBool(const std::string& text, const std::string& origin) {
    if (text == "true" || text == "yes" || text == "on" || text == "1") return true;
    if (text == "false" || text == "no" || text == "off" || text == "0") return false;
    throw UsageError(origin + ": expected true or false, got '" + text + "'");
}

// --icap / icap.listen: "[ADDR:]PORT", "[V6ADDR]:PORT"; a bare port listens on loopback.
void parseIcapListen(const std::string& text, const std::string& origin, icap::IcapConfig& c) {
    std::string address = "127.0.0.1", port = text;
    if (const size_t colon = text.rfind(':'); colon != std::string::npos) {
        address = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (address.size() >= 2 && address.front() == '[' && address.back() == ']')
            address = address.substr(1, address.size() - 2);
        if (!core::IpAddress::parse(address))
            throw UsageError(origin + ": '" + address + "' is not an IP address (expected " +
                             "[ADDR:]PORT)");
    }
    c.address = address;
    c.port = parseNumber<uint16_t>(port, origin, 1, 65535);
    c.enabled = true;
}

icap::OnBound parseOnBound(const std::string& text, const std::string& origin) {
    if (text == "allow") return icap::OnBound::kAllow;
    if (text == "block") return icap::OnBound::kBlock;
    throw UsageError(origin + ": expected allow or block, got '" + text + "'");
}

// icap.* keys (the section is given: the service is on, at its default address unless
// icap.listen says otherwise). false: not an icap key.
bool applyIcap(icap::IcapConfig& c, const Setting& s) {
    const std::string& v = s.values.empty() ? std::string() : s.values.back();
    const std::string& k = s.key;
    if (k == "icap") {
        parseIcapListen(v, s.origin, c);
        return true;
    }
    if (k.rfind("icap.", 0) != 0) return false;
    c.enabled = true;
    if (k == "icap.listen")
        parseIcapListen(v, s.origin, c);
    else if (k == "icap.threads")
        c.threads = parseNumber<unsigned>(v, s.origin, 1, 256);
    else if (k == "icap.max-connections")
        c.max_connections = parseNumber<uint32_t>(v, s.origin, 1, 1u << 20);
    else if (k == "icap.max-body-bytes")
        c.max_body_bytes = parseNumber<uint64_t>(v, s.origin, 1024, 1ull << 40);
    else if (k == "icap.max-header-bytes") // Squid's own headers alone take about 1 KiB
        c.max_header_bytes = parseNumber<uint32_t>(v, s.origin, 1024, 1u << 24);
    else if (k == "icap.header-timeout-ms")
        c.header_timeout_ms = parseNumber<uint32_t>(v, s.origin, 100, 3'600'000);
    else if (k == "icap.decision-timeout-ms")
        c.decision_timeout_ms = parseNumber<uint32_t>(v, s.origin, 10, 3'600'000);
    else if (k == "icap.idle-timeout-ms")
        c.idle_timeout_ms = parseNumber<uint32_t>(v, s.origin, 100, 86'400'000);
    else if (k == "icap.max-buffered-bytes")
        c.max_buffered_bytes = parseNumber<uint64_t>(v, s.origin, 0, 1ull << 40);
    else if (k == "icap.on-bound")
        c.on_bound = parseOnBound(v, s.origin);
    else if (k == "icap.allow") {
        c.allow.clear();
        for (const std::string& cidr : s.values) {
            try {
                c.allow.push_back(core::Cidr::parse(cidr));
            } catch (const std::invalid_argument& e) {
                throw UsageError(s.origin + ": icap.allow: " + e.what());
            }
        }
    } else if (k == "icap.block-status")
        c.block_status = parseNumber<uint16_t>(v, s.origin, 400, 599);
    else if (k == "icap.block-page")
        c.block_page = v;
    else if (k == "icap.istag") { // RFC 3507 4.7: at most 32 characters, in quotes on the wire
        if (v.empty() || v.size() > 32 || v.find_first_of("\"\r\n") != std::string::npos)
            throw UsageError(s.origin + ": icap.istag must be 1 to 32 characters, no quotes");
        c.istag = v;
    } else if (k == "icap.options-ttl")
        c.options_ttl_s = parseNumber<uint32_t>(v, s.origin, 1, 86'400 * 7);
    else
        throw UsageError(s.origin + ": unknown setting '" + k + "'");
    return true;
}

exporting::SpoolFsync parseFsyncPolicy(const std::string& text, const std::string& origin) {
    if (text == "always") return exporting::SpoolFsync::kEveryRecord;
    if (text == "interval") return exporting::SpoolFsync::kInterval;
    if (text == "never") return exporting::SpoolFsync::kNever;
    throw UsageError(origin + ": expected always, interval or never, got '" + text + "'");
}

struct TimeoutKey {
    const char* name;
    core::TimeoutClass cls;
};
constexpr TimeoutKey kTimeoutKeys[] = {
    {"tcp-new", core::TimeoutClass::kTcpNew},
    {"tcp-established", core::TimeoutClass::kTcpEstablished},
    {"tcp-closed", core::TimeoutClass::kTcpClosed},
    {"udp-new", core::TimeoutClass::kUdpNew},
    {"udp-established", core::TimeoutClass::kUdpEstablished},
    {"icmp-new", core::TimeoutClass::kIcmpNew},
    {"icmp-established", core::TimeoutClass::kIcmpEstablished},
    {"other-new", core::TimeoutClass::kOtherNew},
    {"other-established", core::TimeoutClass::kOtherEstablished},
};

void apply(Options& o, const Setting& s) {
    const std::string& v = s.values.empty() ? std::string() : s.values.back();
    const std::string& k = s.key;
    if (applyIcap(o.icap, s)) return;
    if (k == "read")
        o.read_files = s.values;
    else if (k == "rules")
        o.rule_files = s.values;
    else if (k == "interface")
        o.interface = v;
    else if (k == "home-net")
        o.home_net = v;
    else if (k == "workers")
        o.workers = parseNumber<unsigned>(v, s.origin, 1, 256);
    else if (k == "alerts")
        o.alerts = v;
    else if (k == "flows")
        o.flows = v;
    else if (k == "files")
        o.files = v;
    else if (k == "metrics")
        o.metrics = v;
    else if (k == "stats")
        o.stats = parseBool(v, s.origin);
    else if (k == "filter")
        o.bpf_filter = v;
    else if (k == "sensor-name")
        o.sensor_name = v;
    else if (k == "max-flows")
        o.max_flows = parseNumber<uint32_t>(v, s.origin, 1, 1u << 30);
    else if (k == "snaplen")
        o.snaplen = parseNumber<int>(v, s.origin, 64, 262144);
    else if (k == "buffer-size")
        o.buffer_mib = parseNumber<int>(v, s.origin, 1, 4096);
    else if (k == "immediate")
        o.immediate = parseBool(v, s.origin);
    else if (k == "user")
        o.user = v;
    else if (k == "hash-seed")
        o.hash_seed = parseNumber<uint64_t>(v, s.origin, 0, UINT64_MAX);
    else if (k == "defrag.max-datagrams")
        o.defrag.max_datagrams = parseNumber<uint32_t>(v, s.origin, 1, 1u << 24);
    else if (k == "defrag.max-fragments") // 8192 x 8 bytes already spans the 64 KiB IP limit
        o.defrag.max_fragments_per_datagram = parseNumber<uint32_t>(v, s.origin, 1, 8192);
    else if (k == "defrag.max-bytes")
        o.defrag.max_bytes = parseNumber<uint64_t>(v, s.origin, 65536, 1ull << 40);
    else if (k == "defrag.timeout")
        o.defrag.timeout_us = parseNumber<uint64_t>(v, s.origin, 1, 3600) * 1'000'000;
    else if (k == "alert-context-width")
        o.inspection.context_width = parseNumber<uint32_t>(v, s.origin, 0, 4096);
    else if (k == "inspection-depth")
        o.inspection.max_depth_bytes = parseNumber<uint64_t>(v, s.origin, 1, 1ull << 40);
    else if (k == "inspection-tls-application-data")
        o.inspection.tls_application_data = parseBool(v, s.origin);
    else if (k == "inspection-max-layers")
        o.inspection.max_open_layers = parseNumber<uint32_t>(v, s.origin, 1, 64);
    else if (k == "http.max-header-bytes")
        o.inspection.http.max_header_bytes = parseNumber<uint32_t>(v, s.origin, 1024, 1u << 24);
    else if (k == "http.max-decompressed-bytes")
        o.inspection.http.max_decompressed_bytes =
            parseNumber<uint64_t>(v, s.origin, 1024, 1ull << 40);
    else if (k == "http.max-compression-ratio")
        o.inspection.http.max_compression_ratio = parseNumber<uint32_t>(v, s.origin, 0, 1u << 30);
    else if (k == "http.max-part-header-bytes")
        o.inspection.http.max_part_header_bytes =
            parseNumber<uint32_t>(v, s.origin, 1024, 1u << 24);
    else if (k == "http.max-trailer-bytes")
        o.inspection.http.max_trailer_bytes = parseNumber<uint32_t>(v, s.origin, 1024, 1u << 24);
    else if (k == "http.max-pending-requests") // one bit each per HTTP flow: at most 128 bytes
        o.inspection.http.max_pending_requests = parseNumber<uint32_t>(v, s.origin, 1, 1024);
    else if (k == "http.max-resync-bytes") // 0: stop at a hole that loses the framing
        o.inspection.http.max_resync_bytes = parseNumber<uint64_t>(v, s.origin, 0, 1ull << 40);
    else if (k == "smtp.max-line-bytes") // RFC 5321 lines are 1000 bytes at most
        o.inspection.smtp.max_line_bytes = parseNumber<uint32_t>(v, s.origin, 512, 1u << 20);
    else if (k == "smtp.max-header-bytes")
        o.inspection.smtp.max_header_bytes = parseNumber<uint32_t>(v, s.origin, 1024, 1u << 24);
    else if (k == "http.max-multipart-depth")
        o.inspection.http.max_multipart_depth = parseNumber<uint32_t>(v, s.origin, 1, 64);
    else if (k == "extraction.max-depth")
        o.inspection.max_file_depth = parseNumber<uint32_t>(v, s.origin, 1, 64);
    else if (k == "extraction.max-flow-decoded-bytes")
        o.inspection.max_flow_decoded_bytes = parseNumber<uint64_t>(v, s.origin, 1024, 1ull << 50);
    else if (k == "extraction.max-archive-entries")
        o.inspection.files.zip.max_entries = parseNumber<uint32_t>(v, s.origin, 1, 1u << 20);
    else if (k == "extraction.max-entry-bytes")
        o.inspection.files.zip.max_entry_bytes =
            parseNumber<uint64_t>(v, s.origin, 1024, 1ull << 40);
    else if (k == "extraction.max-compression-ratio")
        o.inspection.files.zip.max_compression_ratio =
            parseNumber<uint32_t>(v, s.origin, 0, 1u << 30);
    else if (k == "extraction.max-xml-depth")
        o.inspection.files.xml.max_depth = parseNumber<uint32_t>(v, s.origin, 1, 1u << 16);
    else if (k == "extraction.max-xml-amplification") // expat's factor: 1 is no expansion at all
        o.inspection.files.xml.max_amplification = parseNumber<uint32_t>(v, s.origin, 1, 1u << 20);
    else if (k == "extraction.max-rtf-depth") // 2 bytes of state per open group
        o.inspection.files.rtf.max_depth = parseNumber<uint32_t>(v, s.origin, 1, 1u << 16);
    else if (k == "extraction.max-pdf-stream-bytes")
        o.inspection.files.pdf.max_stream_bytes =
            parseNumber<uint64_t>(v, s.origin, 1024, 1ull << 40);
    else if (k == "extraction.max-pdf-buffered-bytes") // 0: never hold a stream for its fonts
        o.inspection.files.pdf.max_buffered_bytes =
            parseNumber<uint64_t>(v, s.origin, 0, 1ull << 40);
    else if (k == "extraction.max-pdf-objects")
        o.inspection.files.pdf.max_objects = parseNumber<uint32_t>(v, s.origin, 1, 1u << 30);
    else if (k == "extraction.max-file-time-ms")
        o.inspection.files.pdf.max_file_ms = parseNumber<uint32_t>(v, s.origin, 1, 3600000);
    else if (k == "extraction.max-7z-header-bytes") // a 7z's tail held, and its decoded header
        o.inspection.files.sealed.max_7z_header_bytes =
            parseNumber<uint64_t>(v, s.origin, 1024, 1ull << 30);
    else if (k == "extraction.enabled") // false: files identified, not read (benchmarks, triage)
        o.inspection.files.enabled = parseBool(v, s.origin);
    else if (k == "extraction.max-worker-memory")
        o.inspection.files.max_worker_memory =
            parseNumber<uint64_t>(v, s.origin, 1u << 20, 1ull << 40);
    else if (k == "smtp.max-mime-depth")
        o.inspection.smtp.max_mime_depth = parseNumber<uint32_t>(v, s.origin, 1, 64);
    else if (k == "smtp.max-resync-bytes") // skipped after a gap looking for a command line
        o.inspection.smtp.max_resync_bytes = parseNumber<uint32_t>(v, s.origin, 0, 1u << 30);
    else if (k == "reassembly.max-buffered-bytes")
        o.inspection.reassembly.max_buffered_bytes =
            parseNumber<uint32_t>(v, s.origin, 1024, 1u << 30);
    else if (k == "reassembly.max-segments")
        o.inspection.reassembly.max_segments = parseNumber<uint32_t>(v, s.origin, 1, 1u << 20);
    else if (k == "reassembly.max-ahead-bytes") // 1 GiB: the largest TCP window
        o.inspection.reassembly.max_ahead_bytes =
            parseNumber<uint32_t>(v, s.origin, 65536, 1u << 30);
    else if (k == "classifier.max-new-flows-per-second") // per worker; 0: no budget
        o.classifier.max_new_flows_per_second = parseNumber<uint32_t>(v, s.origin, 0, 1u << 30);
    else if (k == "policy.brokers")
        o.fleet.brokers = v;
    else if (k == "policy.topic")
        o.fleet.topic = v;
    else if (k == "policy.group")
        o.fleet.group = v;
    else if (k == "policy.public-key")
        o.fleet.public_keys = s.values;
    else if (k == "policy.cache-dir")
        o.fleet.cache_dir = v;
    else if (k == "policy.status-topic")
        o.fleet.status_topic = v;
    else if (k == "policy.max-bundle-bytes")
        o.fleet.limits.max_bundle_bytes = parseNumber<size_t>(v, s.origin, 1024, 1ull << 30);
    else if (k == "policy.max-bundle-files")
        o.fleet.limits.max_files = parseNumber<size_t>(v, s.origin, 1, 4096);
    else if (k == "policy.heartbeat-interval")
        o.fleet.heartbeat_interval_s = parseNumber<uint32_t>(v, s.origin, 1, 3600);
    else if (k == "policy.max-tracked-hosts") // 0: volume rules count nothing (counted)
        o.max_tracked_hosts = parseNumber<uint32_t>(v, s.origin, 0, 1u << 24);
    else if (k == "policy.dns-tunnel-window")
        o.dns_tunnel.window_seconds = parseNumber<uint32_t>(v, s.origin, 1, 86400);
    else if (k == "policy.dns-tunnel-min-names")
        o.dns_tunnel.min_distinct_names = parseNumber<uint32_t>(v, s.origin, 1, 1u << 20);
    else if (k == "policy.dns-tunnel-min-name-bytes")
        o.dns_tunnel.min_name_bytes = parseNumber<uint32_t>(v, s.origin, 1, 1u << 30);
    else if (k == "policy.dns-tunnel-min-entropy") // bits per character: 8 is the most
        o.dns_tunnel.min_mean_entropy = parseFraction(v, s.origin, 0, 8);
    else if (k == "policy.dns-tunnel-min-odd-share")
        o.dns_tunnel.min_odd_name_share = parseFraction(v, s.origin, 0, 1);
    else if (k == "policy.dns-tunnel-max-pairs")
        o.dns_tunnel.max_tracked_pairs = parseNumber<uint32_t>(v, s.origin, 1, 1u << 24);
    else if (k == "policy.dns-tunnel-max-names") // >= dns-tunnel-min-names
        o.dns_tunnel.max_names_per_pair = parseNumber<uint32_t>(v, s.origin, 1, 1u << 20);
    else if (k == "reassembly.memcap")
        o.inspection.reassembly_budget_bytes =
            parseNumber<uint64_t>(v, s.origin, 65536, 1ull << 40);
    else if (k.rfind("kafka.properties.", 0) == 0)
        o.kafka.properties.emplace_back(k.substr(17), v);
    else if (k == "kafka.spool-dir")
        o.kafka.spool.dir = v;
    else if (k == "kafka.spool-max-bytes")
        o.kafka.spool.max_bytes = parseNumber<uint64_t>(v, s.origin, 65536, 1ull << 50);
    else if (k == "kafka.spool-segment-bytes")
        o.kafka.spool.segment_bytes = parseNumber<uint64_t>(v, s.origin, 4096, 1ull << 40);
    else if (k == "kafka.spool-fsync")
        o.kafka.spool.fsync = parseFsyncPolicy(v, s.origin);
    else if (k == "kafka.spool-fsync-interval-ms")
        o.kafka.spool.fsync_interval_ms = parseNumber<uint32_t>(v, s.origin, 1, 3'600'000);
    else if (k == "kafka.shutdown-grace")
        o.kafka.shutdown_grace_ms = parseNumber<uint32_t>(v, s.origin, 0, 3600) * 1000;
    else if (k == "kafka.replay-retry-ms")
        o.kafka.replay_retry_ms = parseNumber<uint32_t>(v, s.origin, 10, 600'000);
    else if (k.rfind("flow-timeouts.", 0) == 0) {
        const std::string name = k.substr(14);
        for (const auto& t : kTimeoutKeys)
            if (name == t.name) {
                o.flow_timeouts.seconds[static_cast<size_t>(t.cls)] =
                    parseNumber<uint32_t>(v, s.origin, 1, 86400);
                return;
            }
        throw UsageError(s.origin + ": unknown flow timeout '" + name + "'");
    } else
        throw UsageError(s.origin + ": unknown setting '" + k + "'");
}

std::string scalarText(const YAML::Node& n, const std::string& origin) {
    if (!n.IsScalar()) throw UsageError(origin + ": expected a single value");
    return n.Scalar();
}

// Flattens the YAML mapping into settings ("defrag: {timeout: 5}" -> "defrag.timeout").
void collectYaml(const YAML::Node& map, const std::string& prefix, const std::string& file,
                 std::vector<Setting>& out) {
    for (const auto& item : map) {
        const std::string origin = file + ":" + std::to_string(item.first.Mark().line + 1);
        // yaml-cpp would only say "bad conversion" for a key that is a list or a mapping.
        if (!item.first.IsScalar())
            throw UsageError(origin + ": a setting's name must be a plain word, not a list or "
                                      "a mapping");
        const std::string key = prefix + item.first.as<std::string>();
        const YAML::Node& val = item.second;
        if (key == "kafka.properties") {
            // librdkafka property names contain dots themselves: keep each one whole.
            if (!val.IsMap()) throw UsageError(origin + ": 'kafka.properties' must be a mapping");
            for (const auto& prop : val) {
                const std::string prop_origin =
                    file + ":" + std::to_string(prop.first.Mark().line + 1);
                out.push_back({key + "." + prop.first.as<std::string>(),
                               {scalarText(prop.second, prop_origin)},
                               prop_origin});
            }
            continue;
        }
        if (key == "icap" && val.IsMap() && val.size() == 0) {
            out.push_back({"icap.listen", {"127.0.0.1:1344"}, origin}); // `icap: {}`
            continue;
        }
        if (key == "defrag" || key == "flow-timeouts" || key == "reassembly" || key == "http" ||
            key == "smtp" || key == "kafka" || key == "extraction" || key == "policy" ||
            key == "classifier" || (key == "icap" && val.IsMap())) {
            if (!val.IsMap()) throw UsageError(origin + ": '" + key + "' must be a mapping");
            collectYaml(val, key + ".", file, out);
            continue;
        }
        Setting s{key, {}, origin};
        if (isListKey(key) && val.IsSequence()) {
            for (const auto& e : val)
                s.values.push_back(scalarText(e, origin));
        } else {
            s.values.push_back(scalarText(val, origin));
        }
        out.push_back(std::move(s));
    }
}

// The configuration decides what is inspected and where alerts go, so like the rule files it
// must not be writable by other users.
std::string readConfigFile(const std::string& path) {
    return core::readTrustedFileOrThrow<UsageError>(path, "config file");
}

std::vector<Setting> loadConfigFile(const std::string& path) {
    const std::string text = readConfigFile(path);
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        throw UsageError(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
    std::vector<Setting> out;
    if (root.IsNull()) return out;
    if (!root.IsMap()) throw UsageError(path + ": the configuration must be a YAML mapping");
    try {
        collectYaml(root, "", path, out);
    } catch (const YAML::Exception& e) { // e.g. a key that is itself a list or mapping
        throw UsageError(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
    // YAML parsers disagree on repeated keys (yaml-cpp silently keeps both): a bound given twice
    // is an operator's mistake whichever value was meant, so refuse it rather than guess.
    std::map<std::string, const Setting*> first;
    for (const Setting& s : out)
        if (const auto [it, fresh] = first.emplace(s.key, &s); !fresh)
            throw UsageError(s.origin + ": '" + s.key + "' is set twice (first at " +
                             it->second->origin + ")");
    return out;
}

std::string defaultSensorName() {
    char buf[256] = {0};
    if (gethostname(buf, sizeof buf - 1) == 0 && buf[0]) return buf;
    return "egressmon";
}

void validateFleet(const fleet::FleetConfig& f) {
    const bool any = !f.brokers.empty() || f.takesBundles() || f.sendsHeartbeats();
    if (!any) return;
    if (f.brokers.empty())
        throw UsageError("policy: 'policy.topic' and 'policy.status-topic' need 'policy.brokers'");
    if (!f.enabled())
        throw UsageError("policy: 'policy.brokers' without 'policy.topic' or "
                         "'policy.status-topic' does nothing");
    try {
        fleet::checkBrokerList(f.brokers);
        if (f.takesBundles()) fleet::checkTopicName(f.topic, "policy.topic");
        if (f.sendsHeartbeats()) fleet::checkTopicName(f.status_topic, "policy.status-topic");
        if (f.takesBundles()) fleet::checkGroupName(f.group, "policy.group");
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("policy: ") + e.what());
    }
    if (f.takesBundles()) {
        if (f.public_keys.empty())
            throw UsageError("policy: 'policy.topic' needs 'policy.public-key' (the keys whose "
                             "signatures this sensor trusts)");
        if (f.cache_dir.empty()) throw UsageError("policy: 'policy.cache-dir' must not be empty");
    }
}

// `testing_config`: -T checks a configuration that need not say what to read (a service's
// -c file usually does, but a fleet's shared one may not).
void validate(Options& o, bool testing_config) {
    if (!testing_config && o.read_files.empty() && o.interface.empty() && !o.icap.enabled)
        throw UsageError("nothing to read: give -r FILE, -i IFACE or --icap PORT (see --help)");
    if (!o.read_files.empty() && !o.interface.empty())
        throw UsageError("-r and -i cannot be combined");
    // A capture file ends; an ICAP service serves until it is stopped.
    if (!o.read_files.empty() && o.icap.enabled)
        throw UsageError("--icap cannot be combined with -r (use it alone or with -i)");
    validateFleet(o.fleet);
    // Rules come from --rules files, or from signed bundles (policy.topic), or both.
    const bool has_rules = !o.rule_files.empty() || o.fleet.takesBundles();
    if (o.icap.enabled && !has_rules)
        throw UsageError("--icap needs --rules: requests are judged by the rules");
    if (!o.metrics.empty()) {
        try {
            exporting::parseListenAddress(o.metrics);
        } catch (const std::invalid_argument& e) {
            throw UsageError(std::string("--metrics: ") + e.what());
        }
    }
    if (!o.files.empty() && !has_rules)
        throw UsageError("--files needs --rules: files are found by the inspection engine");
    o.inspection.file_records = !o.files.empty();
    for (const std::string* sink : {&o.alerts, &o.flows, &o.files}) {
        if (sink->rfind("kafka://", 0) != 0) continue;
        try {
            exporting::parseKafkaSpec(*sink);
        } catch (const std::invalid_argument& e) {
            throw UsageError(e.what());
        }
    }
    try {
        core::HomeNet::parse(o.home_net);
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--home-net: ") + e.what());
    }
    try {
        o.dns_tunnel.validate(); // e.g. dns-tunnel-max-names below dns-tunnel-min-names
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("policy: ") + e.what());
    }
    if (o.workers == 0) o.workers = std::max(1u, std::thread::hardware_concurrency());
    if (o.sensor_name.empty()) o.sensor_name = defaultSensorName();
}

} // namespace

std::string usageText() {
    return R"(usage: egressmon (-r FILE [-r FILE ...] | -i IFACE | --icap [ADDR:]PORT) [options]

  -r FILE             read a capture file (pcap or pcapng); repeat to read several in order
  -i IFACE            live capture; with --workers N, N handles share one PACKET_FANOUT group
  --icap [ADDR:]PORT  serve ICAP/1.0 REQMOD at icap://ADDR:PORT/reqmod for a TLS-intercepting
                      proxy (default address 127.0.0.1; alone or with -i; limits and the
                      block page: the 'icap:' section of the -c file, see README)
  -c FILE             YAML configuration; flags given here override it
  --rules FILE        YAML rule file (repeatable)
  --home-net LIST     comma-separated CIDRs of the monitored organisation
                      (default 10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7)
  --workers N         worker threads (default: number of cores)
  --alerts SINK       '-' (stdout, default), a file path (JSON lines, appended),
                      or kafka://HOST:PORT[,HOST:PORT]/TOPIC (TLS/SASL and the alert spool:
                      the 'kafka:' section of the -c file, see README)
  --flows SINK        where EVE flow records go (same syntax); default: none
  --files SINK        where EVE fileinfo records go, one per file seen in either direction
                      (nested files included; same syntax; needs --rules); default: none
  --metrics [ADDR:PORT]
                      Prometheus endpoint (default off; 127.0.0.1:9187 when given alone;
                      a bare PORT binds 127.0.0.1)
  --stats             print a JSON summary to stderr at exit
  -f EXPR             BPF filter
  --sensor-name NAME  EVE "host" field (default: the host name)
  --max-flows N       flow table size, all workers together (default 1000000)
  --snaplen N         live capture snap length (default 262144)
  --buffer-size MIB   live capture kernel buffer per handle (default 64)
  --immediate         live capture: deliver packets without buffering
  --user NAME         when started as root, switch to this user once capture handles,
                      outputs and the spool are open (default nobody; 'root' keeps root)
  -T, --test-config   check -c and every rule file (names, regexes, compilation), then
                      exit 0, or 2 with the error; opens no capture, output or port
  --version           egressmon's version and those of the libraries it runs on
  --help

Fleet (signed policy bundles over Kafka, heartbeats: the 'policy:' section of the -c file):
  egressmon policy sign|verify|publish ...   (egressmon policy --help)
  egressmon fleet status ...                 (egressmon fleet --help)
)";
}

ParsedCommandLine parseCommandLine(int argc, char** argv) {
    ParsedCommandLine result;
    std::vector<Setting> cli;
    std::string config_file;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            result.action = Action::kHelp;
            return result;
        }
        if (arg == "--version") {
            result.action = Action::kVersion;
            return result;
        }
        if (arg == "-T" || arg == "--test-config") {
            result.action = Action::kTestConfig;
            continue;
        }
        if (arg == "--stats") {
            cli.push_back({"stats", {"true"}, arg});
            continue;
        }
        if (arg == "--immediate") {
            cli.push_back({"immediate", {"true"}, arg});
            continue;
        }
        // --flag=value and --flag value are both accepted.
        std::string flag = arg, value;
        bool inline_value = false;
        if (const auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
            flag = arg.substr(0, eq), value = arg.substr(eq + 1), inline_value = true;
        }
        if (flag == "--icap" && !inline_value && (i + 1 >= argc || argv[i + 1][0] == '-')) {
            cli.push_back({"icap", {"127.0.0.1:1344"}, flag});
            continue;
        }
        if (flag == "--metrics" && !inline_value && (i + 1 >= argc || argv[i + 1][0] == '-')) {
            cli.push_back({"metrics", {"127.0.0.1:9187"}, flag});
            continue;
        }
        const bool is_config = (flag == "-c");
        const auto it = flagToKey().find(flag);
        if (!is_config && it == flagToKey().end())
            throw UsageError("unknown option '" + arg + "' (see --help)");
        if (!inline_value) {
            if (i + 1 >= argc) throw UsageError("option '" + flag + "' needs a value");
            value = argv[++i];
        }
        if (is_config) {
            config_file = value;
            continue;
        }
        const std::string& key = it->second;
        // Repeated list flags accumulate; the combined list replaces the config file's.
        auto existing =
            std::find_if(cli.begin(), cli.end(), [&](const Setting& s) { return s.key == key; });
        if (isListKey(key) && existing != cli.end())
            existing->values.push_back(value);
        else
            cli.push_back({key, {value}, flag});
    }

    Options& o = result.options;
    o.home_net = std::string(core::HomeNet::kDefault);
    if (!config_file.empty())
        for (const Setting& s : loadConfigFile(config_file))
            apply(o, s);
    for (const Setting& s : cli)
        apply(o, s);
    validate(o, result.action == Action::kTestConfig);
    return result;
}

} // namespace egressmon::app
