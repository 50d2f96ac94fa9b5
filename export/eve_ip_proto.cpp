#include "eve_ip_proto.h"

namespace egressmon::exporting {

std::string ipProtoName(uint8_t proto) {
    switch (proto) {
    case 1: return "ICMP";
    case 2: return "IGMP";
    case 6: return "TCP";
    case 17: return "UDP";
    case 47: return "GRE";
    case 50: return "ESP";
    case 51: return "AH";
    case 58: return "IPv6-ICMP";
    case 112: return "VRRP";
    case 132: return "SCTP";
    default: return std::to_string(proto);
    }
}

} // namespace egressmon::exporting
