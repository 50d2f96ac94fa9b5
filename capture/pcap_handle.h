#pragma once
// Opening libpcap handles for capture files and live interfaces. Start-up only: every function
// here throws std::runtime_error with the file or interface name and libpcap's own message.

#include <cstdint>
#include <string>

#include <pcap/pcap.h>

#include "core/c_handle.h"

namespace egressmon::capture {

using PcapHandle = core::CHandle<pcap_t, pcap_close>;

// Opens a pcap or pcapng file (libpcap tells them apart by content, not name), checks its link
// type is one PacketDecoder supports, and applies the BPF filter if given.
PcapHandle openCaptureFile(const std::string& path, const std::string& bpf_filter);

struct LiveCaptureOptions {
    std::string interface;
    std::string bpf_filter;
    int snaplen = 262144;
    int buffer_bytes = 64 << 20; // kernel ring per handle
    bool immediate = false;      // deliver packets at once instead of filling buffers
    int read_timeout_ms = 100;   // bounds how stale a partially filled buffer can get
    uint16_t fanout_group = 0;   // 0: no fanout; else PACKET_FANOUT_HASH group id
};

// Opens and activates a live handle; with fanout_group set, the handle's socket joins that
// PACKET_FANOUT group (hash mode, defragmenting), so N handles split the traffic by flow.
PcapHandle openLiveCapture(const LiveCaptureOptions& options);

} // namespace egressmon::capture
