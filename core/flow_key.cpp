#include "flow_key.h"

#include <cstring>

#include "hash_mix.h"

namespace egressmon::core {

FlowKey FlowKey::fromPacket(const Packet& p, bool* sender_is_lo) {
    FlowKey k;
    k.vlan_id = p.vlan_id;
    k.ip_proto = p.ip_proto;
    const bool src_first =
        p.src_ip < p.dst_ip || (p.src_ip == p.dst_ip && p.src_port <= p.dst_port);
    if (src_first) {
        k.lo_ip = p.src_ip, k.lo_port = p.src_port;
        k.hi_ip = p.dst_ip, k.hi_port = p.dst_port;
    } else {
        k.lo_ip = p.dst_ip, k.lo_port = p.dst_port;
        k.hi_ip = p.src_ip, k.hi_port = p.src_port;
    }
    if (sender_is_lo) *sender_is_lo = src_first;
    return k;
}

uint64_t hashFlowKey(const FlowKey& key, uint64_t seed) {
    uint64_t h = mix64(seed ^ 0x9e3779b97f4a7c15ULL);
    const auto& a = key.lo_ip.bytes();
    const auto& b = key.hi_ip.bytes();
    h = mix64(h ^ load64(a.data()));
    h = mix64(h ^ load64(a.data() + 8));
    h = mix64(h ^ load64(b.data()));
    h = mix64(h ^ load64(b.data() + 8));
    const uint64_t rest = (uint64_t{key.lo_port} << 48) | (uint64_t{key.hi_port} << 32) |
                          (uint64_t{key.vlan_id} << 16) | (uint64_t{key.ip_proto} << 8) |
                          key.lo_ip.family();
    return mix64(h ^ rest);
}

} // namespace egressmon::core
