"""Deterministic capture generator for egressmon's tests (Python standard library only).

Layers, bottom up, one module each:

- ``pcap``: the classic pcap file format and the capture's clock.
- ``link``: Ethernet (with 802.1Q tags), Linux cooked (SLL), raw-IP and Cisco HDLC (in a
  PPP-link capture) framing.
- ``ip``: IPv4 (with fragmentation) and IPv6 packets.
- ``transport``: TCP, UDP and ICMP echo with checksums over the pseudo-header.
- ``conversation``: the two endpoints of a flow, shared by the flow builders below.
- ``tcp_session`` and ``datagrams``: whole flows written onto a ``Capture``.
- ``dns``, ``http_messages``, ``tls``, ``smtp``: application payloads.

Nothing reads the wall clock or unseeded randomness, so a script built on this package writes
the same bytes on every run.
"""
