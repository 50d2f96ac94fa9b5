#pragma once
// The bounds and counters of content inspection, shared by the inspection engine, its sessions
// and the packet adapter in front of them (dpi/flow_inspector.h). Plain data.

#include <cstdint>

#include "core/tcp_reassembler.h"
#include "dpi/http_decoder.h"
#include "dpi/smtp_decoder.h"

namespace egressmon::dpi {

struct InspectionConfig {
    core::ReassemblyConfig reassembly;
    uint64_t reassembly_budget_bytes = 256ull << 20; // out-of-order bytes, whole worker
    uint64_t max_depth_bytes = 64ull << 20;          // inspected per flow direction
    uint32_t context_width = 0;                      // payload bytes allowed in a snippet
    uint32_t max_pending_alerts = 32;                // per flow, waiting for classification
    uint32_t max_open_layers = 4; // decoded layers open at once per direction (1..64)
    SmtpDecoderLimits smtp;       // line, header and MIME nesting bounds
    HttpDecoderLimits http;       // header and decompression bounds
};

struct InspectionCounters {
    uint64_t bytes_inspected = 0;
    uint64_t depth_exceeded = 0; // flow directions cut at max_depth_bytes
    uint64_t alerts = 0;
    uint64_t repeat_matches = 0;        // later matches of an already alerted (flow, rule)
    uint64_t validator_rejected = 0;    // matched text failed Luhn / GB 11643
    uint64_t validator_unavailable = 0; // matched text no longer in the history window
    uint64_t protocol_filtered = 0;     // rule's protocols did not include the flow's
    uint64_t pending_overflow = 0;      // matches dropped: too many waiting for classification
    uint64_t layers_refused = 0;        // decoded layers not opened: max_open_layers were open
    uint64_t layer_bytes_refused = 0;   // decoded bytes of refused layers, not scanned
    InspectionCounters& operator+=(const InspectionCounters& o) {
        bytes_inspected += o.bytes_inspected, depth_exceeded += o.depth_exceeded;
        alerts += o.alerts, repeat_matches += o.repeat_matches;
        validator_rejected += o.validator_rejected;
        validator_unavailable += o.validator_unavailable;
        protocol_filtered += o.protocol_filtered, pending_overflow += o.pending_overflow;
        layers_refused += o.layers_refused, layer_bytes_refused += o.layer_bytes_refused;
        return *this;
    }
};

} // namespace egressmon::dpi
