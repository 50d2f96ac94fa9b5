#pragma once
// Bidirectional flow identity: (VLAN, IP protocol, unordered pair of endpoints).
// Both directions of a flow produce the same FlowKey and therefore the same hash, which is what
// lets the reader send both directions to one worker without any shared state.

#include <cstdint>

#include "ip_address.h"
#include "packet.h"

namespace egressmon::core {

struct FlowKey {
    // Endpoints in canonical order: (lo_ip, lo_port) <= (hi_ip, hi_port).
    IpAddress lo_ip;
    IpAddress hi_ip;
    uint16_t lo_port = 0;
    uint16_t hi_port = 0;
    uint16_t vlan_id = 0;
    uint8_t ip_proto = 0;

    friend bool operator==(const FlowKey&, const FlowKey&) = default;

    // Canonical key of a decoded packet; `sender_is_lo` tells which endpoint sent it.
    static FlowKey fromPacket(const Packet& p, bool* sender_is_lo = nullptr);
};

// Seeded hash of the canonical key, identical for both directions. The seed keeps an attacker
// who knows the algorithm from aiming many flows at one bucket or one worker.
uint64_t hashFlowKey(const FlowKey& key, uint64_t seed);

// Maps a 64-bit hash onto [0, n) without a division (Lemire's multiply-shift).
inline uint32_t reduceHash(uint64_t hash, uint32_t n) {
    return static_cast<uint32_t>(((hash >> 32) * static_cast<uint64_t>(n)) >> 32);
}

} // namespace egressmon::core
