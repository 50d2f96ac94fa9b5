"""TCP flights: how a message becomes MSS-sized segments and ACKs on a ``TcpFlow``."""

from fastpcap import ACK, MSS, PSH


class Src:
    """Bytes to send, held as (buffer, start, end) pieces; ``take`` copies out a segment."""

    __slots__ = ("pieces", "i", "buf", "pos", "end", "left")

    def __init__(self, pieces):
        ps = []
        for p in pieces:
            if isinstance(p, (bytes, bytearray)):
                p = (bytes(p), 0, len(p))
            if p[2] > p[1]:
                ps.append(p)
        self.pieces = ps
        self.left = sum(e - s for _, s, e in ps)
        self.i = 0
        self.buf, self.pos, self.end = ps[0] if ps else (b"", 0, 0)

    def _next(self):
        self.i += 1
        if self.i < len(self.pieces):
            self.buf, self.pos, self.end = self.pieces[self.i]

    def take(self, n):
        if n > self.left:
            n = self.left
        self.left -= n
        pos = self.pos
        if pos + n <= self.end:
            self.pos = pos + n
            chunk = self.buf[pos:pos + n]
            if self.pos == self.end:
                self._next()
            return chunk
        parts = []
        while n:
            k = min(n, self.end - self.pos)
            parts.append(self.buf[self.pos:self.pos + k])
            self.pos += k
            n -= k
            if self.pos == self.end:
                self._next()
        return b"".join(parts)


def send(f, d, pieces, rtt, cw, reply=False):
    """Sends ``pieces`` from side ``d`` as TCP flights, acknowledged by the peer.

    A generator: yields one round trip between flights. The congestion window (segments per
    flight, ``cw[d]``) starts at 10 and doubles per flight up to 44 (64 KiB). The receiver ACKs
    every second segment of the first flight and, once its receive offload coalesces segments
    (GRO), every fourth of the second and every eighth after that (stretch ACKs, as Linux
    receivers send them at speed). With ``reply``
    the peer answers at once, so its answer carries the ACK of the last segment instead of a
    pure ACK.
    """
    src = Src(pieces)
    if not src.left:
        return
    seg, take, r = f.seg, src.take, 1 - d
    every = 1
    while True:
        n = cw[d]
        for k in range(1, n + 1):
            chunk = take(MSS)
            if not src.left:
                seg(d, ACK | PSH, chunk)
                if not reply:
                    seg(r, ACK)
                return
            seg(d, ACK, chunk)
            if not k & every:
                seg(r, ACK)
        cw[d] = min(n * 2, 44)
        every = every * 2 + 1 if every < 7 else 7
        yield rtt


def wire_bytes(n):
    """Frame bytes that sending an ``n``-byte message costs, with its share of ACKs (see send)."""
    segs = -(-n // MSS)
    acks = min(segs, 10) / 2 + min(max(segs - 10, 0), 20) / 4 + max(segs - 30, 0) / 8
    return n + 66 * (segs + acks)


HANDSHAKE_AND_CLOSE = 2 * 74 + 4 * 66  # SYN, SYN/ACK, ACK; FIN, FIN, ACK
