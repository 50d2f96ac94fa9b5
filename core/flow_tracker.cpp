#include "flow_tracker.h"

namespace egressmon::core {

void initFlowFromFirstPacket(Flow& flow, const Packet& p, bool sender_is_lo) {
    bool sender_is_client = true;
    if (p.ip_proto == ipproto::kTcp) {
        const bool syn = p.tcp_flags & tcpflag::kSyn;
        const bool ack = p.tcp_flags & tcpflag::kAck;
        if (syn && ack) sender_is_client = false; // first seen is the server's SYN-ACK
        flow.midstream = !syn;
        flow.tcp_state =
            syn ? (ack ? TcpState::kSynReceived : TcpState::kSynSent) : TcpState::kEstablished;
    }
    flow.client_is_lo = (sender_is_lo == sender_is_client);
    // Stable across runs and worker counts: the unseeded key hash mixed with the start time,
    // kept within 2^53 so JSON consumers that parse numbers as doubles keep it exact.
    flow.flow_id = (hashFlowKey(flow.key, 0) ^ (flow.first_ts_us * 0x9e3779b97f4a7c15ULL)) &
                   ((1ULL << 53) - 1);
}

namespace {
void advanceTcpState(Flow& flow, uint8_t flags, bool to_server) {
    if (flags & tcpflag::kRst) {
        flow.tcp_state = TcpState::kClosed;
        return;
    }
    const bool syn = flags & tcpflag::kSyn;
    const bool ack = flags & tcpflag::kAck;
    switch (flow.tcp_state) {
    case TcpState::kSynSent:
        if (!to_server && syn && ack)
            flow.tcp_state = TcpState::kSynReceived;
        else if (to_server && ack && !syn)
            flow.tcp_state = TcpState::kEstablished; // SYN-ACK missed
        break;
    case TcpState::kSynReceived:
        if (to_server && ack && !syn) flow.tcp_state = TcpState::kEstablished;
        break;
    default: break;
    }
    if (flags & tcpflag::kFin) {
        // A FIN from each side closes; the per-direction flag sets remember who sent one.
        const uint8_t other = to_server ? flow.tcp_flags_toclient : flow.tcp_flags_toserver;
        flow.tcp_state = (other & tcpflag::kFin) ? TcpState::kClosed : TcpState::kClosing;
    }
}
} // namespace

bool updateFlowWithPacket(Flow& flow, const Packet& p, bool sender_is_lo) {
    const bool to_server = (sender_is_lo == flow.client_is_lo);
    if (to_server) {
        ++flow.pkts_toserver;
        flow.bytes_toserver += p.wire_len;
        flow.payload_toserver += p.payload_len;
    } else {
        ++flow.pkts_toclient;
        flow.bytes_toclient += p.wire_len;
        flow.payload_toclient += p.payload_len;
    }
    if (p.ip_proto == ipproto::kTcp) {
        advanceTcpState(flow, p.tcp_flags, to_server);
        (to_server ? flow.tcp_flags_toserver : flow.tcp_flags_toclient) |= p.tcp_flags;
    }
    return to_server;
}

TimeoutClass timeoutClassOf(const Flow& flow) {
    const bool both_ways = flow.pkts_toserver > 0 && flow.pkts_toclient > 0;
    switch (flow.key.ip_proto) {
    case ipproto::kTcp:
        switch (flow.tcp_state) {
        case TcpState::kClosed: return TimeoutClass::kTcpClosed;
        case TcpState::kEstablished:
        case TcpState::kClosing: return TimeoutClass::kTcpEstablished;
        default: return TimeoutClass::kTcpNew;
        }
    case ipproto::kUdp: return both_ways ? TimeoutClass::kUdpEstablished : TimeoutClass::kUdpNew;
    case ipproto::kIcmp:
    case ipproto::kIcmpV6:
        return both_ways ? TimeoutClass::kIcmpEstablished : TimeoutClass::kIcmpNew;
    default: return both_ways ? TimeoutClass::kOtherEstablished : TimeoutClass::kOtherNew;
    }
}

const char* tcpStateName(TcpState s) {
    switch (s) {
    case TcpState::kNone: return "none";
    case TcpState::kSynSent: return "syn_sent";
    case TcpState::kSynReceived: return "syn_recv";
    case TcpState::kEstablished: return "established";
    case TcpState::kClosing: return "closing";
    case TcpState::kClosed: return "closed";
    }
    return "none";
}

} // namespace egressmon::core
