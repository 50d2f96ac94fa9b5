#pragma once
// EVE's `proto` field, shared by the flow and alert records.

#include <cstdint>
#include <string>

namespace egressmon::exporting {

// Suricata's spelling of an IP protocol ("TCP", "UDP", "IPv6-ICMP", ..., else the number).
std::string ipProtoName(uint8_t proto);

} // namespace egressmon::exporting
