// Ceiling 1 of the macro benchmark: a bare libpcap read loop over a capture file, the speed
// nothing that reads the file through libpcap can beat. Opens the file, calls pcap_next_ex until
// the end, touches the first byte of every frame, closes. Prints one line of JSON:
//   {"packets","frame_bytes","seconds","gbps","mpps"}
// frame_bytes counts wire lengths, as egressmon's --stats "bytes" does. Every figure is from the
// median of --repeat runs (default 3); the first run also warms the page cache.
//
//   egressmon_pcap_ceiling FILE [--repeat N]

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <pcap/pcap.h>

namespace {

struct Run {
    uint64_t packets = 0;
    uint64_t frame_bytes = 0;
    double seconds = 0;
};

[[noreturn]] void usage(const char* msg) {
    std::fprintf(stderr,
                 "egressmon_pcap_ceiling: %s\nusage: egressmon_pcap_ceiling FILE "
                 "[--repeat N]\n",
                 msg);
    std::exit(2);
}

Run readOnce(const std::string& path, volatile uint8_t& sink) {
    Run r;
    char err[PCAP_ERRBUF_SIZE] = {};
    const auto started = std::chrono::steady_clock::now();
    pcap_t* handle = pcap_open_offline(path.c_str(), err);
    if (!handle) {
        std::fprintf(stderr, "egressmon_pcap_ceiling: %s: %s\n", path.c_str(), err);
        std::exit(1);
    }
    pcap_pkthdr* hdr = nullptr;
    const u_char* data = nullptr;
    uint8_t touched = 0;
    int rc;
    while ((rc = pcap_next_ex(handle, &hdr, &data)) == 1) {
        ++r.packets;
        r.frame_bytes += hdr->len;
        if (hdr->caplen > 0) touched ^= data[0];
    }
    if (rc == PCAP_ERROR)
        std::fprintf(stderr, "egressmon_pcap_ceiling: warning: read error after %llu frames: %s\n",
                     static_cast<unsigned long long>(r.packets), pcap_geterr(handle));
    pcap_close(handle);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    sink = sink ^ touched;
    return r;
}

} // namespace

int main(int argc, char** argv) {
    std::string path;
    int repeat = 3;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--repeat") {
            if (++i >= argc) usage("--repeat needs a value");
            repeat = std::atoi(argv[i]);
            if (repeat < 1) usage("--repeat must be at least 1");
        } else if (a.size() > 1 && a[0] == '-') {
            usage(("unknown option " + a).c_str());
        } else if (path.empty()) {
            path = a;
        } else {
            usage("one capture file only");
        }
    }
    if (path.empty()) usage("no capture file");

    volatile uint8_t sink = 0;
    std::vector<Run> runs;
    for (int i = 0; i < repeat; ++i)
        runs.push_back(readOnce(path, sink));
    std::sort(runs.begin(), runs.end(),
              [](const Run& a, const Run& b) { return a.seconds < b.seconds; });
    const Run& m = runs[runs.size() / 2];
    const double secs = m.seconds > 0 ? m.seconds : 1e-9;
    std::printf("{\"packets\":%llu,\"frame_bytes\":%llu,\"seconds\":%.6f,\"gbps\":%.4f,"
                "\"mpps\":%.4f}\n",
                static_cast<unsigned long long>(m.packets),
                static_cast<unsigned long long>(m.frame_bytes), m.seconds,
                static_cast<double>(m.frame_bytes) * 8 / secs / 1e9,
                static_cast<double>(m.packets) / secs / 1e6);
    return 0;
}
