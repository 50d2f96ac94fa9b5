#pragma once
// What a worker's FlowInspector needs for egress policy beyond its rules: the volume ledgers
// every worker shares, the Public Suffix List every worker's DNS tunnel detector reads, and the
// detector's configuration (`policy:` in the -c file). Built once at start-up by app/.

#include <memory>

#include "dpi/policy/dns_tunnel_detector.h"
#include "dpi/policy/registered_domain.h"
#include "dpi/policy/volume_ledgers.h"

namespace egressmon::dpi {

struct PolicyContext {
    std::shared_ptr<VolumeLedgers> volume_ledgers; // null: the inspector makes its own
    // null: loaded by the inspector when a rule names DNS_TUNNEL (start-up or reload)
    std::shared_ptr<const RegisteredDomains> registered_domains;
    DnsTunnelConfig dns_tunnel;
};

} // namespace egressmon::dpi
