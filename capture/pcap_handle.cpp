#include "pcap_handle.h"

#include <cerrno>
#include <cstring>
#include <linux/if_packet.h>
#include <stdexcept>
#include <sys/socket.h>

#include "packet_decoder.h"

namespace egressmon::capture {

namespace {
void applyFilter(pcap_t* p, const std::string& filter, const std::string& what) {
    if (filter.empty()) return;
    bpf_program prog;
    if (pcap_compile(p, &prog, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
        throw std::runtime_error(what + ": bad BPF filter '" + filter + "': " + pcap_geterr(p));
    const int rc = pcap_setfilter(p, &prog);
    pcap_freecode(&prog);
    if (rc != 0)
        throw std::runtime_error(what + ": cannot set BPF filter: " + std::string(pcap_geterr(p)));
}

void checkLinkType(pcap_t* p, const std::string& what) {
    const int dlt = pcap_datalink(p);
    if (!PacketDecoder::supportsLinkType(dlt)) {
        const char* name = pcap_datalink_val_to_name(dlt);
        throw std::runtime_error(what + ": unsupported link type " + std::to_string(dlt) + " (" +
                                 (name ? name : "unknown") + ")");
    }
}
} // namespace

PcapHandle openCaptureFile(const std::string& path, const std::string& bpf_filter) {
    char errbuf[PCAP_ERRBUF_SIZE] = {0};
    PcapHandle h(
        pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, errbuf));
    if (!h) throw std::runtime_error("cannot read capture '" + path + "': " + errbuf);
    const std::string what = "capture '" + path + "'";
    checkLinkType(h.get(), what);
    applyFilter(h.get(), bpf_filter, what);
    return h;
}

PcapHandle openLiveCapture(const LiveCaptureOptions& o) {
    char errbuf[PCAP_ERRBUF_SIZE] = {0};
    const std::string what = "interface '" + o.interface + "'";
    PcapHandle h(pcap_create(o.interface.c_str(), errbuf));
    if (!h) throw std::runtime_error(what + ": " + errbuf);
    pcap_set_snaplen(h.get(), o.snaplen);
    pcap_set_promisc(h.get(), 1);
    pcap_set_timeout(h.get(), o.read_timeout_ms);
    pcap_set_buffer_size(h.get(), o.buffer_bytes);
    pcap_set_immediate_mode(h.get(), o.immediate ? 1 : 0);
    pcap_set_tstamp_precision(h.get(), PCAP_TSTAMP_PRECISION_MICRO);
    const int rc = pcap_activate(h.get());
    if (rc < 0) throw std::runtime_error(what + ": " + pcap_geterr(h.get()));
    checkLinkType(h.get(), what);
    applyFilter(h.get(), o.bpf_filter, what);
    if (o.fanout_group != 0) {
        // Kernel-side load balancing: the fanout hash is symmetric, and DEFRAG makes it see
        // whole datagrams, so both directions and all fragments of a flow reach one handle.
        const int fd = pcap_fileno(h.get());
        const int arg = o.fanout_group | ((PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG) << 16);
        if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) != 0)
            throw std::runtime_error(what + ": cannot join PACKET_FANOUT group " +
                                     std::to_string(o.fanout_group) + ": " + std::strerror(errno));
    }
    // Non-blocking so a worker can notice shutdown without waiting on the read timeout.
    if (pcap_setnonblock(h.get(), 1, errbuf) != 0) throw std::runtime_error(what + ": " + errbuf);
    return h;
}

} // namespace egressmon::capture
