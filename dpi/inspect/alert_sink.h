#pragma once
// Where the alerts of an inspection adapter go: the packet adapter (flow_inspector.h) today,
// the ICAP service later. Each alert comes with its subject (core/alert_subject.h), what the
// EVE record needs of the traffic, so a sink never sees a core::Flow or a core::Packet.
//
// The subject is a view valid only during the call. The packet adapter's subjects carry no
// application names (they are the classifier's): the worker's sink for a flow fills them in
// before it formats the record (app/worker.cpp).

#include "core/alert.h"
#include "core/alert_subject.h"
#include "core/file_record.h"

namespace egressmon::dpi {

class AlertSink {
  public:
    virtual ~AlertSink() = default;
    // On the thread of the adapter that raised the alert; must not throw.
    virtual void onAlert(const core::AlertSubject& subject, core::Alert&& alert) noexcept = 0;
    // A file ended (--files only): its subject's source sent the file's bytes.
    virtual void onFile(const core::AlertSubject& /*subject*/,
                        core::FileRecord&& /*record*/) noexcept {}
};

} // namespace egressmon::dpi
