#pragma once
// Per-worker protocol classification with one nDPI 4.2 detection module.
//
// Each flow is fed to nDPI packet by packet until nDPI is done, with the same rule as Debian's
// ndpiReader so results agree with it: stop once a protocol is detected and nDPI wants no more
// packets for metadata, or once the flow has more than 80 (TCP) / 24 (UDP) packets, then give
// up with port/IP guessing. nDPI's per-flow memory is freed the moment detection ends; the
// result and metadata are copied onto core::Flow first.
//
// Thread: one instance per worker, used only by that worker (nDPI modules are not
// thread-safe). Construction throws std::runtime_error; everything else is noexcept.

#include <cstdint>
#include <string>

#include "core/flow.h"
#include "core/packet.h"
#include "ndpi_handles.h"

namespace egressmon::dpi {

struct ClassifierConfig {
    uint32_t max_tcp_packets = 80; // ndpiReader's -T default
    uint32_t max_udp_packets = 24; // ndpiReader's -U default
    bool guess_on_giveup = true;   // ndpiReader guesses unless -d
};

struct ClassifierCounters {
    uint64_t packets_inspected = 0; // packets handed to nDPI
    uint64_t flows_detected = 0;    // nDPI found the protocol in the payload
    uint64_t flows_guessed = 0;     // given up, protocol guessed from ports/IPs
    uint64_t flows_unknown = 0;     // given up with nothing
    uint64_t alloc_failures = 0;    // nDPI flow state could not be allocated
    ClassifierCounters& operator+=(const ClassifierCounters& o);
};

class FlowClassifier {
  public:
    explicit FlowClassifier(ClassifierConfig config = {});
    ~FlowClassifier();
    FlowClassifier(const FlowClassifier&) = delete;
    FlowClassifier& operator=(const FlowClassifier&) = delete;

    // Feeds one packet of `flow` (already counted on the flow) if detection is still running.
    void process(core::Flow& flow, const core::Packet& packet) noexcept;

    // Ends detection for a flow that is ending while nDPI still had it: give up (with guessing),
    // record the result, free the state. No-op when detection already finished.
    void finish(core::Flow& flow) noexcept;

    // "TLS.Google", "DNS", "Unknown": spelled as ndpiReader prints it.
    std::string protocolName(const core::FlowClassification& c) const;
    // "Web", "Network", "Unspecified".
    std::string categoryName(const core::FlowClassification& c) const;
    // nDPI's id for a protocol name ("HTTP", "SMTP"; case-insensitive), -1 when unknown.
    int protocolId(const std::string& name) const;
    // Suricata-style app_proto ("http", "tls", "dns", "smtp", ...) or "failed".
    std::string appProtoName(const core::FlowClassification& c) const;

    const ClassifierCounters& counters() const noexcept { return counters_; }
    // Flows currently holding nDPI state (memory gauge).
    uint64_t flowsInDetection() const noexcept { return flows_in_detection_; }

  private:
    void complete(core::Flow& flow, ndpi_protocol result, bool gave_up) noexcept;
    void copyMetadata(core::Flow& flow, const ndpi_flow_struct& nflow) noexcept;

    ClassifierConfig config_;
    NdpiModule module_;
    ClassifierCounters counters_;
    uint64_t flows_in_detection_ = 0;
    uint64_t last_packet_ms_ = 0;
};

} // namespace egressmon::dpi
