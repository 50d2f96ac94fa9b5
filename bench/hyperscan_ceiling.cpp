// Ceiling 2 of the macro benchmark: Hyperscan's own stream-mode scan of a capture's payload with
// the very database egressmon builds from the same rule files, on one thread. egressmon does
// this scan and more (decode, flows, nDPI, reassembly, decoders), so its single-worker Gbit/s is
// compared with this one.
//
// Untimed: load the rules (rules::RuleSet::load), read the capture, decode every frame with
// capture::PacketDecoder and keep each IPv4/IPv6 TCP/UDP packet's payload (non-empty) in capture
// order with the id of its flow direction (5-tuple + direction; IP fragments are skipped).
// Timed: open one stream per flow direction at its first payload, hs_scan_stream every payload
// in capture order with a callback that only counts, then hs_close_stream every stream (so
// end-anchored matches count too). Prints one line of JSON:
//   {"packets","frame_bytes","payload_bytes","flow_directions","matches","seconds",
//    "gbps_of_frames","gbps_of_payload","patterns"}
// packets and frame_bytes (wire lengths) cover every frame of the file, as egressmon's --stats
// does; gbps_of_frames = frame_bytes * 8 / seconds is the figure egressmon is compared with.
// Figures are from the median of --repeat runs (default 3), each opening fresh streams.
//
//   egressmon_hyperscan_ceiling FILE --rules R.yaml [--rules ...] [--repeat N]

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <hs/hs.h>
#include <pcap/pcap.h>

#include "capture/packet_decoder.h"
#include "core/flow_key.h"
#include "rules/rule_set.h"

using namespace egressmon;

namespace {

[[noreturn]] void fail(const std::string& msg, int code = 1) {
    std::fprintf(stderr, "egressmon_hyperscan_ceiling: %s\n", msg.c_str());
    if (code == 2)
        std::fprintf(stderr, "usage: egressmon_hyperscan_ceiling FILE --rules R.yaml "
                             "[--rules ...] [--repeat N]\n");
    std::exit(code);
}

// One flow direction: the canonical flow key plus which endpoint sent the bytes.
struct DirectionKey {
    core::FlowKey key;
    bool sender_is_lo = false;
    friend bool operator==(const DirectionKey&, const DirectionKey&) = default;
};
struct DirectionHash {
    size_t operator()(const DirectionKey& d) const noexcept {
        return static_cast<size_t>(core::hashFlowKey(d.key, 0x9e3779b97f4a7c15ULL) ^
                                   (d.sender_is_lo ? 1u : 0u));
    }
};

struct Payload {
    uint64_t offset; // into Capture::bytes
    uint32_t len;
    uint32_t direction; // dense id
};

struct Capture {
    uint64_t packets = 0;
    uint64_t frame_bytes = 0;
    uint32_t directions = 0;
    std::vector<uint8_t> bytes; // every kept payload, back to back
    std::vector<Payload> payloads;
};

Capture readCapture(const std::string& path) {
    char err[PCAP_ERRBUF_SIZE] = {};
    pcap_t* handle = pcap_open_offline(path.c_str(), err);
    if (!handle) fail(path + ": " + err);
    const int dlt = pcap_datalink(handle);
    if (!capture::PacketDecoder::supportsLinkType(dlt)) {
        pcap_close(handle);
        fail(path + ": unsupported link type " + std::to_string(dlt));
    }
    const capture::PacketDecoder decoder(dlt);
    std::unordered_map<DirectionKey, uint32_t, DirectionHash> ids;
    Capture c;
    pcap_pkthdr* hdr = nullptr;
    const u_char* data = nullptr;
    int rc;
    while ((rc = pcap_next_ex(handle, &hdr, &data)) == 1) {
        ++c.packets;
        c.frame_bytes += hdr->len;
        core::Packet p;
        capture::FragmentInfo frag;
        capture::DecodeError error = capture::DecodeError::kNone;
        if (decoder.decode(data, hdr->caplen, hdr->len, 0, p, frag, error) !=
            capture::DecodeResult::kPacket)
            continue;
        if (p.ip_proto != core::ipproto::kTcp && p.ip_proto != core::ipproto::kUdp) continue;
        if (p.payload_len == 0) continue;
        DirectionKey d;
        d.key = core::FlowKey::fromPacket(p, &d.sender_is_lo);
        const auto [it, inserted] = ids.try_emplace(d, c.directions);
        if (inserted) ++c.directions;
        c.payloads.push_back({c.bytes.size(), p.payload_len, it->second});
        c.bytes.insert(c.bytes.end(), p.data + p.payload_offset,
                       p.data + p.payload_offset + p.payload_len);
    }
    if (rc == PCAP_ERROR)
        std::fprintf(stderr,
                     "egressmon_hyperscan_ceiling: warning: read error after %llu frames: %s\n",
                     static_cast<unsigned long long>(c.packets), pcap_geterr(handle));
    pcap_close(handle);
    return c;
}

int countMatch(unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) {
    ++*static_cast<uint64_t*>(ctx);
    return 0; // keep scanning
}

struct Run {
    double seconds = 0;
    uint64_t matches = 0;
};

Run scanOnce(const Capture& c, const hs_database_t* db, hs_scratch_t* scratch) {
    Run r;
    std::vector<hs_stream_t*> streams(c.directions, nullptr);
    const auto started = std::chrono::steady_clock::now();
    for (const Payload& p : c.payloads) {
        hs_stream_t*& s = streams[p.direction];
        if (!s && hs_open_stream(db, 0, &s) != HS_SUCCESS) fail("hs_open_stream failed");
        if (hs_scan_stream(s, reinterpret_cast<const char*>(c.bytes.data() + p.offset), p.len, 0,
                           scratch, countMatch, &r.matches) != HS_SUCCESS)
            fail("hs_scan_stream failed");
    }
    for (hs_stream_t* s : streams)
        if (s && hs_close_stream(s, scratch, countMatch, &r.matches) != HS_SUCCESS)
            fail("hs_close_stream failed");
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return r;
}

} // namespace

int main(int argc, char** argv) {
    std::string path;
    std::vector<std::string> rule_files;
    int repeat = 3;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--rules" || a == "--repeat") {
            if (++i >= argc) fail(a + " needs a value", 2);
            if (a == "--rules") {
                rule_files.push_back(argv[i]);
            } else {
                repeat = std::atoi(argv[i]);
                if (repeat < 1) fail("--repeat must be at least 1", 2);
            }
        } else if (a.size() > 1 && a[0] == '-') {
            fail("unknown option " + a, 2);
        } else if (path.empty()) {
            path = a;
        } else {
            fail("one capture file only", 2);
        }
    }
    if (path.empty()) fail("no capture file", 2);
    if (rule_files.empty()) fail("no --rules file", 2);

    std::shared_ptr<const rules::RuleSet> rule_set;
    try {
        rule_set = rules::RuleSet::load(rule_files);
    } catch (const std::exception& e) {
        fail(e.what());
    }
    if (!rule_set->database()) fail("the rule files hold no rules");
    hs_scratch_t* scratch = nullptr;
    if (hs_clone_scratch(rule_set->scratchPrototype(), &scratch) != HS_SUCCESS)
        fail("hs_clone_scratch failed");
    const rules::HsScratch scratch_owner(scratch);

    const Capture c = readCapture(path);
    uint64_t payload_bytes = 0;
    for (const Payload& p : c.payloads)
        payload_bytes += p.len;

    std::vector<Run> runs;
    for (int i = 0; i < repeat; ++i)
        runs.push_back(scanOnce(c, rule_set->database(), scratch));
    std::sort(runs.begin(), runs.end(),
              [](const Run& a, const Run& b) { return a.seconds < b.seconds; });
    const Run& m = runs[runs.size() / 2];
    const double secs = m.seconds > 0 ? m.seconds : 1e-9;
    std::printf("{\"packets\":%llu,\"frame_bytes\":%llu,\"payload_bytes\":%llu,"
                "\"flow_directions\":%u,\"matches\":%llu,\"seconds\":%.6f,"
                "\"gbps_of_frames\":%.4f,\"gbps_of_payload\":%.4f,\"patterns\":%zu}\n",
                static_cast<unsigned long long>(c.packets),
                static_cast<unsigned long long>(c.frame_bytes),
                static_cast<unsigned long long>(payload_bytes), c.directions,
                static_cast<unsigned long long>(m.matches), m.seconds,
                static_cast<double>(c.frame_bytes) * 8 / secs / 1e9,
                static_cast<double>(payload_bytes) * 8 / secs / 1e9, rule_set->patterns().size());
    return 0;
}
