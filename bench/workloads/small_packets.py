"""64-byte frames, one million distinct flows all live at once.

Each flow has three packets: even flows a TCP handshake (SYN, SYN/ACK, ACK: 54-byte frames
padded to 64 with zeros, as a NIC pads to the Ethernet minimum), odd flows three UDP datagrams of
22 random bytes to an unregistered port (exactly 64 bytes). The capture goes through all flows
three times, each pass in a fresh random order, so every flow is open from the first pass to the
last and nDPI holds state for all of them. Timestamps advance at 10 GbE line rate for 64-byte
frames (about 14 Mpps).
"""

import random
import struct

from fastpcap import ACK, SYN, bare_tcp_packet, ip_bytes, udp_packet

_REC = struct.Struct("<IIII")
FRAME = 64


def write(path, seed, flows=1_000_000, passes=3, start_us=0):
    rng = random.Random(f"egressmon-small-{seed}")
    servers = []
    while len(servers) < 4096:
        a = rng.choice((13, 20, 23, 34, 35, 52, 54, 104, 142, 151, 157, 185, 199, 216))
        servers.append(ip_bytes((a << 24) | rng.getrandbits(24) | 1))
    payload_pool = rng.randbytes(22 * flows)
    isn = [rng.getrandbits(32) for _ in range(2 * flows)]
    gw, router = bytes.fromhex("001b21a40001"), bytes.fromhex("3cfdfeb80002")
    eth_out = router + gw + b"\x08\x00"
    eth_in = gw + router + b"\x08\x00"
    pad = bytes(FRAME - 54)
    tcp_ports = (443, 443, 443, 80, 80, 8443, 22, 25, 993, 3389)
    packets = 0
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        ns = start_us * 1000
        for p in range(passes):
            order = list(range(flows))
            rng.shuffle(order)
            buf = []
            for i in order:
                client = ip_bytes((10 << 24) | ((64 + (i >> 16)) << 16) | (i & 0xFFFF))
                server = servers[(i * 2654435761) % 4096]
                cport = 1024 + (i * 7919) % 64000
                ident = (i * 40503 + p) & 0xFFFF
                if i % 2 == 0:
                    dport = tcp_ports[(i >> 1) % len(tcp_ports)]
                    c_isn, s_isn = isn[2 * i], isn[2 * i + 1]
                    if p == 0:
                        frame = bare_tcp_packet(eth_out, client, server, cport, dport, c_isn, 0,
                                                SYN, ident, 64, 64240) + pad
                    elif p == 1:
                        frame = bare_tcp_packet(eth_in, server, client, dport, cport, s_isn,
                                                c_isn + 1, SYN | ACK, ident, 52, 65160) + pad
                    else:
                        frame = bare_tcp_packet(eth_out, client, server, cport, dport,
                                                c_isn + 1, s_isn + 1, ACK, ident, 64, 502) + pad
                else:
                    dport = 20000 + (i * 31) % 40000
                    data = payload_pool[22 * i:22 * i + 22]
                    if p == 1:
                        frame = udp_packet(eth_in, server, client, dport, cport, data, ident, 52)
                    else:
                        frame = udp_packet(eth_out, client, server, cport, dport, data, ident, 64)
                ns += 70  # (64 + 24 bytes of FCS, preamble and gap) at 10 Gbit/s
                us = ns // 1000
                buf.append(_REC.pack(us // 1_000_000, us % 1_000_000, FRAME, FRAME))
                buf.append(frame)
                packets += 1
                if len(buf) >= 200_000:
                    f.write(b"".join(buf))
                    buf.clear()
            f.write(b"".join(buf))
    return {"packets": packets, "bytes": packets * FRAME, "mean_frame_bytes": FRAME,
            "flows": flows, "concurrent_flows_max": flows,
            "tcp_flows": (flows + 1) // 2, "udp_flows": flows // 2,
            "duration_s": round(packets * 70 / 1e9, 3)}
