"""The two endpoints of one flow and the packets they put on a capture."""

import zlib
from typing import Optional, Tuple

from .ip import ip_packet, ip_version
from .pcap import Capture

Endpoint = Tuple[str, int]  # (IP address, port); the port is 0 for ICMP


def stable_number(*parts: object) -> int:
    """A 32-bit number derived from ``parts``: varied like real ISNs and IP ids, reproducible."""
    return zlib.crc32(repr(parts).encode())


class Conversation:
    """Addresses, framing, IPv4 identification counters and timing of one client/server pair.

    Flow builders (``TcpSession``, ``UdpFlow``, ``ping``) build transport payloads and hand
    them here to become framed, timed packets on the capture, so that logic exists once.

    Timing models a capture point next to the client: a packet in the same direction as the
    previous one follows after ``gap_us``; a server packet answering the client waits a round
    trip (``rtt_us``); the client answers the server after ``gap_us``.
    """

    def __init__(self, capture: Capture, framing, client: Endpoint, server: Endpoint, *,
                 rtt_us: int = 20_000, gap_us: int = 40):
        if framing.linktype != capture.linktype:
            raise ValueError(f"framing link type {framing.linktype} does not match the "
                             f"capture's {capture.linktype}")
        if ip_version(client[0]) != ip_version(server[0]):
            raise ValueError(f"mixed address families: {client[0]} -> {server[0]}")
        self._capture = capture
        self._framing = framing
        self._client = client
        self._server = server
        seed = stable_number(client, server)
        self._next_ident = {True: seed & 0xFFFF, False: seed >> 16}
        self._rtt_us = rtt_us
        self._gap_us = gap_us
        self._last_from_client: Optional[bool] = None

    def ends(self, from_client: bool) -> Tuple[Endpoint, Endpoint]:
        """(sender, receiver) for a packet in the given direction."""
        if from_client:
            return self._client, self._server
        return self._server, self._client

    def ip_packet(self, from_client: bool, proto: int, payload: bytes, df: bool) -> bytes:
        """An IP packet in the given direction; each side numbers its IPv4 ids upwards."""
        (src, _), (dst, _) = self.ends(from_client)
        ident = self._next_ident[from_client]
        self._next_ident[from_client] = (ident + 1) & 0xFFFF
        return ip_packet(src, dst, proto, payload, ident=ident, df=df)

    def emit(self, packet: bytes, from_client: bool) -> None:
        """Frame ``packet`` for the link and record it after this flow's previous packet."""
        self._capture.add(self._framing.wrap(packet, from_client), self._delay(from_client))

    def _delay(self, from_client: bool) -> int:
        """Microseconds since the previous packet of this flow (see the class docstring)."""
        previous, self._last_from_client = self._last_from_client, from_client
        if previous is None:
            return 0
        if previous and not from_client:
            return self._rtt_us
        return self._gap_us
