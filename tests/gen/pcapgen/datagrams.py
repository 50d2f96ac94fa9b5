"""Connectionless flows: UDP exchanges (optionally IPv4-fragmented) and ICMP echo."""

from typing import Optional

from .conversation import Conversation, Endpoint
from .ip import PROTO_UDP, fragment_ipv4, ip_version
from .pcap import Capture
from .transport import icmp_echo, icmp_protocol, udp_datagram


class UdpFlow:
    """UDP datagrams between one client and one server endpoint; one instance per flow."""

    def __init__(self, capture: Capture, framing, client: Endpoint, server: Endpoint, *,
                 rtt_us: int = 20_000):
        self._conv = Conversation(capture, framing, client, server, rtt_us=rtt_us)

    def send(self, payload: bytes, from_client: bool = True, *, mtu: Optional[int] = None) -> None:
        """One datagram; with ``mtu`` an IPv4 datagram larger than it goes out as fragments.

        Fragmented datagrams leave Don't Fragment clear (they must), others set it like
        path-MTU-discovering stacks do.
        """
        (src, sport), (dst, dport) = self._conv.ends(from_client)
        if mtu is not None and ip_version(src) != 4:
            raise ValueError("fragmentation is only implemented for IPv4")
        datagram = udp_datagram(src, dst, sport, dport, payload)
        packet = self._conv.ip_packet(from_client, PROTO_UDP, datagram, df=mtu is None)
        for fragment in fragment_ipv4(packet, mtu) if mtu is not None else [packet]:
            self._conv.emit(fragment, from_client)


def ping(capture: Capture, framing, client: str, server: str, *, ident: int, count: int = 1,
         payload: bytes = bytes(range(0x10, 0x38)), interval_us: int = 1_000_000) -> None:
    """``count`` ICMP (or ICMPv6) echo requests from ``client``, each answered by ``server``.

    The default payload is the 40-byte counting pattern of the Linux ``ping`` tail, so the
    packets look ordinary to a dissector.
    """
    conv = Conversation(capture, framing, (client, 0), (server, 0))
    proto = icmp_protocol(client)
    for seq in range(1, count + 1):
        if seq > 1:
            capture.advance(interval_us)
        for from_client in (True, False):
            (src, _), (dst, _) = conv.ends(from_client)
            message = icmp_echo(src, dst, ident, seq, payload, reply=not from_client)
            conv.emit(conv.ip_packet(from_client, proto, message, df=True), from_client)
