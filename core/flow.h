#pragma once
// One bidirectional flow as a worker tracks it. Owned by the worker's FlowTable for its whole
// life; never touched by another thread. The classification results are copied here from nDPI
// so nDPI's own per-flow state can be freed as soon as detection ends.

#include <cstdint>
#include <memory>
#include <string>

#include "alert.h"
#include "flow_key.h"

namespace egressmon::dpi {
struct FlowDpiState;   // nDPI per-flow state, owned and freed by dpi::FlowClassifier
struct FlowInspection; // reassembly + matcher state, owned and freed by dpi::FlowInspector
struct FlowVolume;     // the flow's share in volume rules' sums, owned by dpi::FlowInspector
} // namespace egressmon::dpi

namespace egressmon::core {

// Idle-timeout classes: each class has one timeout, so each has its own LRU list and expiry is
// a walk from the list head that stops at the first flow still young.
enum class TimeoutClass : uint8_t {
    kTcpNew, // handshake not completed
    kTcpEstablished,
    kTcpClosed, // FIN both ways or RST: kept briefly to absorb retransmissions
    kUdpNew,    // one direction seen so far
    kUdpEstablished,
    kIcmpNew,
    kIcmpEstablished,
    kOtherNew,
    kOtherEstablished,
    kCount
};

enum class TcpState : uint8_t {
    kNone,        // not TCP
    kSynSent,     // client SYN seen
    kSynReceived, // server SYN-ACK seen
    kEstablished, // handshake done, or picked up mid-stream
    kClosing,     // FIN from one side
    kClosed,      // FIN from both sides, or RST
};

enum class FlowEndReason : uint8_t { kTimeout, kEvicted, kShutdown };

// Where the flow's client and server sit relative to --home-net.
enum class NetRelation : uint8_t {
    kEgress,   // client inside, server outside
    kIngress,  // client outside, server inside
    kInternal, // both inside
    kExternal, // both outside
};

// Classification outcome, in nDPI's numbering but free of nDPI types.
struct FlowClassification {
    uint16_t master_protocol = 0;
    uint16_t app_protocol = 0;
    uint16_t category = 0;
    bool done = false;    // detection finished (detected, or given up)
    bool guessed = false; // result came from port/IP guessing at give-up
    // nDPI's confidence is "Match by port": the L4 port (or IP protocol) alone named it, as
    // for a port scan's SYNs. Without payload both ways not a detection: application and
    // risk rules ignore it then (dpi/inspect/classification_rules.h).
    bool port_match = false;
    uint64_t risks = 0; // nDPI's flow risks, bit n = risk n (core/ndpi_risk_names.h)
};

// Application metadata nDPI extracted; allocated only for flows that have some.
struct FlowMetadata {
    std::string tls_sni;
    std::string tls_ja3_client;
    std::string http_host;
    std::string http_url;
    std::string dns_query;
};

struct Flow {
    FlowKey key;
    uint64_t hash = 0;    // seeded hash of key (table and worker placement)
    uint64_t flow_id = 0; // stable id for EVE records: derived from key and start time

    // Client side: the host that opened the flow (sent the SYN) or, picked up mid-stream, the
    // sender of the first packet seen. client_is_lo says which end of `key` it is.
    bool client_is_lo = true;
    bool midstream = false;
    TcpState tcp_state = TcpState::kNone;
    uint8_t tcp_flags_toserver = 0; // OR of all flags seen, per direction
    uint8_t tcp_flags_toclient = 0;
    NetRelation relation = NetRelation::kExternal;
    TimeoutClass timeout_class = TimeoutClass::kOtherNew;

    uint64_t first_ts_us = 0;
    uint64_t last_ts_us = 0;
    uint64_t pkts_toserver = 0;
    uint64_t pkts_toclient = 0;
    uint64_t bytes_toserver = 0;
    uint64_t bytes_toclient = 0;
    uint64_t payload_toserver = 0; // transport payload bytes captured (volume rules)
    uint64_t payload_toclient = 0;

    FlowClassification classification;
    std::unique_ptr<FlowMetadata> metadata;
    dpi::FlowDpiState* dpi_state = nullptr;    // non-null only while nDPI is still looking
    dpi::FlowInspection* inspection = nullptr; // non-null while content is being inspected
    dpi::FlowVolume* volume = nullptr;         // non-null while volume rules count its bytes
    // The DNS tunnel detector flagged this flow before nDPI had classified it: the figures
    // wait here for the risk alert that classification raises.
    std::unique_ptr<AlertDnsTunnel> dns_tunnel;
    uint32_t alerts = 0;              // alerts raised on this flow
    bool inspection_declined = false; // no rule applies to this flow's bytes

    // FlowTable bookkeeping: intrusive LRU links (flow indices, kNoFlow = none).
    static constexpr uint32_t kNoFlow = 0xffffffffu;
    uint32_t lru_prev = kNoFlow;
    uint32_t lru_next = kNoFlow;
    uint32_t table_index = kNoFlow; // own index in the table's pool
    bool in_use = false;

    const IpAddress& clientIp() const { return client_is_lo ? key.lo_ip : key.hi_ip; }
    const IpAddress& serverIp() const { return client_is_lo ? key.hi_ip : key.lo_ip; }
    uint16_t clientPort() const { return client_is_lo ? key.lo_port : key.hi_port; }
    uint16_t serverPort() const { return client_is_lo ? key.hi_port : key.lo_port; }
};

} // namespace egressmon::core
