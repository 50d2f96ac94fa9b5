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

#include "core/counter_table.h"
#include "core/flow.h"
#include "core/packet.h"
#include "dpi/classify/ndpi_handles.h"
#include "dpi/classify/new_flow_budget.h"

namespace egressmon::dpi {

struct ClassifierConfig {
    uint32_t max_tcp_packets = 80; // ndpiReader's -T default
    uint32_t max_udp_packets = 24; // ndpiReader's -U default
    bool guess_on_giveup = true;   // ndpiReader guesses unless -d
    // classifier.max-new-flows-per-second: new flows per second of capture time this worker
    // hands to nDPI; the rest are shed (new_flow_budget.h). 0: no budget.
    uint32_t max_new_flows_per_second = 50'000;
};

// One line per counter: X(field, unit, help, exports); see core/counter_table.h.
#define EGRESSMON_CLASSIFIER_COUNTERS(X)                                                           \
    X(packets_inspected, "packets", "Packets handed to nDPI", counter::statsOnly)                  \
    X(flows_detected, "flows", "Flows whose protocol nDPI found in the payload",                   \
      counter::series("detected"))                                                                 \
    X(flows_guessed, "flows", "Flows given up on, protocol guessed from ports and addresses",      \
      counter::series("guessed"))                                                                  \
    X(flows_unknown, "flows", "Flows given up on with nothing", counter::series("unknown"))        \
    X(flows_shed, "flows",                                                                         \
      "New flows over classifier.max-new-flows-per-second: not classified (protocol Unknown), "    \
      "still tracked, decoded and matched",                                                        \
      counter::series("shed").limit("classifier.max-new-flows-per-second"))                        \
    X(alloc_failures, "flows", "nDPI flow state that could not be allocated",                      \
      counter::in("egressmon_inspection_events_total", "classifier_alloc_failure"))                \
    /* one X(...) per counter, above this line */

struct ClassifierCounters {
    EGRESSMON_CLASSIFIER_COUNTERS(EGRESSMON_COUNTER_FIELD)
    EGRESSMON_COUNTER_TABLE(ClassifierCounters, EGRESSMON_CLASSIFIER_COUNTERS, "classifier",
                            "classifier", "egressmon_classifier_flows_total")
    EGRESSMON_COUNTER_SUM(ClassifierCounters)
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
    // nDPI's id for a category name as ndpi_category_get_name prints it ("RemoteAccess",
    // "Web"; case-insensitive), -1 when unknown.
    int categoryId(const std::string& name) const;
    // Suricata-style app_proto ("http", "tls", "dns", "smtp", ...) or "failed".
    std::string appProtoName(const core::FlowClassification& c) const;

    const ClassifierCounters& counters() const noexcept { return counters_; }
    // Flows currently holding nDPI state (memory gauge).
    uint64_t flowsInDetection() const noexcept { return flows_in_detection_; }

  private:
    void complete(core::Flow& flow, ndpi_protocol result, bool gave_up) noexcept;
    void copyMetadata(core::Flow& flow, const ndpi_flow_struct& nflow) noexcept;

    ClassifierConfig config_;
    NewFlowBudget new_flow_budget_;
    NdpiModule module_;
    ClassifierCounters counters_;
    uint64_t flows_in_detection_ = 0;
    uint64_t last_packet_ms_ = 0;
};

} // namespace egressmon::dpi
