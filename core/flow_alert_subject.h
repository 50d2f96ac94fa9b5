#pragma once
// The subject (core/alert_subject.h) of an alert on a captured flow's bytes: the flow's id,
// VLAN and IP protocol, and its endpoints turned into the sender and the receiver of the bytes
// that matched. Called by the packet adapter (dpi/inspect/flow_inspector), which knows the flow
// and which way the bytes went. The application names are left empty: they are nDPI's, spelled
// by the classifier the worker owns, and the worker fills them in (app/worker.cpp).

#include "alert_subject.h"
#include "flow.h"

namespace egressmon::core {

// `to_server`: the matching bytes went from the flow's client to its server.
AlertSubject alertSubjectOf(const Flow& flow, bool to_server) noexcept;

} // namespace egressmon::core
