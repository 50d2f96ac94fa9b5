#pragma once
// Per-packet flow state: which side is the client, counters, TCP state machine, and the idle
// timeout class that follows from them. Pure functions over Flow and Packet, so they are
// unit-tested without a table or threads.

#include "flow.h"
#include "packet.h"

namespace egressmon::core {

// Sets up a flow's orientation from its first packet. `sender_is_lo` is from
// FlowKey::fromPacket. The first TCP packet decides: a SYN's sender is the client, a SYN-ACK's
// receiver is; anything else is a mid-stream pickup whose sender is taken as the client.
void initFlowFromFirstPacket(Flow& flow, const Packet& p, bool sender_is_lo);

// Accounts one packet to the flow and advances its state. Returns true when the packet travels
// client -> server.
bool updateFlowWithPacket(Flow& flow, const Packet& p, bool sender_is_lo);

// The timeout class the flow's current state calls for.
TimeoutClass timeoutClassOf(const Flow& flow);

const char* tcpStateName(TcpState s);

} // namespace egressmon::core
