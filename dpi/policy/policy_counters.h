#pragma once
// Counters of egress policy judged on whole flows and hosts (volume rules; INTERFACE.md
// "Application, risk and volume rules"). Plain per-worker counters, summed for reports.

#include <cstdint>

#include "core/counter_table.h"

namespace egressmon::dpi {

// One line per counter: X(field, unit, help, exports); see core/counter_table.h.
#define EGRESSMON_POLICY_COUNTERS(X)                                                               \
    X(volume_flows, "flows", "Flows whose bytes volume rules count (a rule's conditions held)",    \
      counter::series("volume_flow"))                                                              \
    X(volume_alerts, "alerts", "Volume rule alerts (a host's window went past its bytes)",         \
      counter::series("volume_alert"))                                                             \
    X(volume_hosts_evicted, "hosts",                                                               \
      "Inside hosts whose volume windows were dropped to track another host",                      \
      counter::series("volume_host_evicted").limit("policy.max-tracked-hosts"))                    \
    X(volume_hosts_reacquired, "flows",                                                            \
      "Flows whose host was evicted while they ran and that started its windows again",            \
      counter::series("volume_host_reacquired"))                                                   \
    X(volume_flows_untracked, "flows",                                                             \
      "Flows volume rules could not count (policy.max-tracked-hosts is 0, or out of memory)",      \
      counter::series("volume_flow_untracked"))                                                    \
    X(volume_alerts_lost, "alerts", "Volume alerts that could not be built (out of memory)",       \
      counter::series("volume_alert_lost"))                                                        \
    X(alerts_suppressed, "alerts",                                                                 \
      "Application and risk alerts left out by their rule's suppress (same host, same window)",    \
      counter::series("alert_suppressed"))                                                         \
    /* one X(...) per counter, above this line */

struct PolicyCounters {
    EGRESSMON_POLICY_COUNTERS(EGRESSMON_COUNTER_FIELD)
    EGRESSMON_COUNTER_TABLE(PolicyCounters, EGRESSMON_POLICY_COUNTERS, "policy", "policy",
                            "egressmon_policy_events_total")
    EGRESSMON_COUNTER_SUM(PolicyCounters)
};

} // namespace egressmon::dpi
