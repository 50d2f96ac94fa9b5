#pragma once
// One flow's share in the volume rules' sums (core::Flow::volume): the inside host's handle in
// the ledger and, per volume rule the flow's classification held for, the window it last added
// to. Made when the flow is classified, freed when it ends or the rules are switched; owned by
// dpi::FlowInspector on the worker that owns the flow.

#include <cstdint>
#include <vector>

#include "dpi/policy/volume_ledger.h"

namespace egressmon::dpi {

struct FlowVolume {
    struct Column {
        uint32_t column = 0;         // into the ledger (RuleSet::volumeRules()[column])
        uint64_t counted_window = 0; // see VolumeLedger::add
    };
    VolumeLedger::Handle handle;
    bool inside_is_client = true; // whose payload counts: the client's on an egress flow
    uint64_t counted_payload = 0; // of the inside host's payload, what was added already
    std::vector<Column> columns;
};

} // namespace egressmon::dpi
