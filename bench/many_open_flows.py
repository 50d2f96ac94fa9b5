"""Writes a capture of N concurrently open TCP flows for the per-flow memory measurement.

    python3 bench/many_open_flows.py OUT.pcap 20000 [hole]

Each flow: handshake, then 2000 bytes to an outside host in two segments sent out of order; with
`hole`, the first segment is lost so every flow keeps 1000 bytes buffered out of order. No flow
is closed, so every flow's state is alive at once until the end of the capture.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "gen"))
from pcapgen.link import EthernetFraming  # noqa: E402
from pcapgen.pcap import Capture, utc_microseconds  # noqa: E402
from pcapgen.tcp_session import TcpSession  # noqa: E402

n = int(sys.argv[2])
cap = Capture(1, utc_microseconds("2026-11-24T12:00:00Z"))
framing = EthernetFraming("02:00:00:00:00:01", "02:00:00:00:00:02")
for i in range(n):
    tcp = TcpSession(cap, framing, (f"10.1.{i // 250}.{i % 250 + 1}", 40000 + i % 20000),
                     ("203.0.113.10", 7000), rtt_us=10)
    tcp.open()
    tcp.send(b"A" * 1000 + b"B" * 1000, split=[1000], order=[1, 0])
    if len(sys.argv) > 3:
        del cap.records[-2]  # lose segment 0: segment 1 stays buffered
cap.save(sys.argv[1])
