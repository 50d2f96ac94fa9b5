"""A TCP connection as a capture point next to the client sees it.

Sequence and acknowledgement numbers follow from the bytes each side has sent, so callers
only say what is sent and by whom; timing is ``Conversation``'s.

Typical use::

    tcp = TcpSession(capture, framing, ("10.1.0.10", 51000), ("203.0.113.10", 80))
    tcp.open()
    tcp.send(request)                    # client -> server, MSS-split, then ACKed
    tcp.send(response, from_client=False)
    tcp.close()
"""

from typing import List, Optional, Sequence, Tuple

from .conversation import Conversation, Endpoint, stable_number
from .ip import PROTO_TCP
from .pcap import Capture
from .transport import ACK, FIN, PSH, SYN, mss_option, tcp_segment


def split_points(length: int, mss: int, cuts: Optional[Sequence[int]]) -> List[Tuple[int, int]]:
    """(start, end) of each segment: at the caller's ``cuts`` if given, otherwise every ``mss``."""
    if cuts is None:
        cuts = range(mss, length, mss)
    bounds = [0, *cuts, length]
    if any(a >= b for a, b in zip(bounds, bounds[1:])):
        raise ValueError(f"split points must rise strictly inside 0..{length}: {list(cuts)}")
    return list(zip(bounds, bounds[1:]))


class TcpSession:
    """One TCP connection written onto a ``Capture``; not thread-safe, one per flow."""

    def __init__(self, capture: Capture, framing, client: Endpoint, server: Endpoint, *,
                 mss: int = 1460, client_isn: Optional[int] = None,
                 server_isn: Optional[int] = None, rtt_us: int = 20_000, gap_us: int = 40,
                 window: int = 64240):
        self._conv = Conversation(capture, framing, client, server, rtt_us=rtt_us, gap_us=gap_us)
        self._mss = mss
        self._window = window
        self._next_seq = {
            True: stable_number("isn", client, server) if client_isn is None else client_isn,
            False: stable_number("isn", server, client) if server_isn is None else server_isn,
        }

    def open(self) -> None:
        """The three-way handshake, MSS announced both ways.

        Skip it to start mid-stream: data then begins at the initial sequence numbers.
        """
        self._emit(True, SYN, options=mss_option(self._mss), length=1)
        self._emit(False, SYN | ACK, options=mss_option(self._mss), length=1)
        self._emit(True, ACK)

    def send(self, data: bytes, from_client: bool = True, *,
             split: Optional[Sequence[int]] = None, order: Optional[Sequence[int]] = None,
             ack: bool = True) -> None:
        """Send ``data`` from one side as segments, then (if ``ack``) the peer's pure ACK.

        ``split`` gives cut offsets into ``data`` instead of the MSS split. ``order`` lists
        segment indices in transmission order; it may permute them (out-of-order delivery)
        or repeat one (a retransmission), but must name every segment. The last segment by
        position carries PSH.
        """
        segments = split_points(len(data), self._mss, split)
        order = list(range(len(segments))) if order is None else list(order)
        if sorted(set(order)) != list(range(len(segments))):
            raise ValueError(f"order {order} must name each of {len(segments)} segments")
        base = self._next_seq[from_client]
        for index in order:
            start, end = segments[index]
            flags = ACK | (PSH if index == len(segments) - 1 else 0)
            self._emit(from_client, flags, data[start:end], seq=base + start)
        self._next_seq[from_client] = (base + len(data)) & 0xFFFFFFFF
        if ack:
            self._emit(not from_client, ACK)

    def ack(self, from_client: bool = False) -> None:
        """A pure ACK from one side of all the other side has sent (by default the server's)."""
        self._emit(from_client, ACK)

    def exchange(self, turns: Sequence[Tuple[bool, bytes]]) -> None:
        """``send`` each ``(from_client, data)`` turn, as the dialogue helpers return them."""
        for from_client, data in turns:
            self.send(data, from_client)

    def close(self, from_client: bool = True) -> None:
        """Orderly teardown: FIN/ACK from one side, FIN/ACK back, final ACK."""
        self._emit(from_client, FIN | ACK, length=1)
        self._emit(not from_client, FIN | ACK, length=1)
        self._emit(from_client, ACK)

    def _emit(self, from_client: bool, flags: int, payload: bytes = b"", *,
              seq: Optional[int] = None, options: bytes = b"", length: int = 0) -> None:
        """Put one segment on the capture.

        Without ``seq`` the segment goes at the sender's next sequence number, which then
        moves on by ``length`` (1 for SYN and FIN, which occupy sequence space). Every ACK
        acknowledges all the peer has sent.
        """
        if seq is None:
            seq = self._next_seq[from_client]
            self._next_seq[from_client] = (seq + length) & 0xFFFFFFFF
        ack = self._next_seq[not from_client] if flags & ACK else 0
        (src, sport), (dst, dport) = self._conv.ends(from_client)
        segment = tcp_segment(src, dst, sport, dport, seq, ack, flags, payload,
                              window=self._window, options=options)
        packet = self._conv.ip_packet(from_client, PROTO_TCP, segment, df=True)
        self._conv.emit(packet, from_client)
