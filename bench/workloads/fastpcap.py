"""A fast classic-pcap writer for Ethernet/IPv4 TCP and UDP flows built from templates.

``tests/gen/pcapgen`` builds every packet from scratch (and sums checksums word by word), which
is right for small golden captures but takes minutes per gigabyte. Here each flow direction
keeps what never changes (MACs, addresses, ports, the constant part of both checksums) and a
packet costs one ``struct.pack`` plus two modular sums:

The one's-complement sum of 16-bit words is congruent to the plain sum modulo 0xFFFF
(2**16 = 1 mod 0xFFFF), so ``int.from_bytes(payload) % 0xFFFF`` sums a whole payload in C and
32-bit fields (addresses, sequence numbers) can be added as they are. IPv4 header and TCP/UDP
checksums are therefore correct, so checksum-validating tools (tshark, Suricata, Zeek) accept the
captures too.

Records are collected in a list and written in multi-megabyte chunks.
"""

import struct

LINKTYPE_ETHERNET = 1
SNAPLEN = 262144
MSS = 1448  # payload of a full segment: 1500 MTU - 20 IPv4 - 20 TCP - 12 timestamp option

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10

_FILE_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, SNAPLEN, LINKTYPE_ETHERNET)
_REC = struct.Struct("<IIII")
# IPv4 (20) + TCP (20) + NOP NOP Timestamps (12)
_TCP_TS = struct.Struct("!BBHHHBBH4s4sHHIIHHHHIII")
# IPv4 (20) + TCP (20) + MSS, NOP, WS, SACK_PERM, Timestamps (20): a SYN as Linux sends it
_TCP_SYN = struct.Struct("!BBHHHBBH4s4sHHIIHHHHBBHBBBBBBBBII")
# IPv4 (20) + TCP (20), no options
_TCP_BARE = struct.Struct("!BBHHHBBH4s4sHHIIHHHH")
_UDP = struct.Struct("!BBHHHBBH4s4sHHHH")
_M = 0xFFFF


def ip_int(address):
    a, b, c, d = (int(x) for x in address.split("."))
    return (a << 24) | (b << 16) | (c << 8) | d


def ip_bytes(value):
    return value.to_bytes(4, "big")


def payload_sum(data):
    """One's-complement word sum of ``data`` modulo 0xFFFF (odd length padded with a zero)."""
    value = int.from_bytes(data, "big")
    return (value << 8) % _M if len(data) & 1 else value % _M


class PcapOut:
    """One output file; the clock is integer nanoseconds, stamped as microseconds.

    ``link_bps`` spaces back-to-back frames by their serialization time (with preamble and
    inter-frame gap), so two packets never share a timestamp order they could not have had.
    """

    def __init__(self, path, start_us, link_bps=10e9, chunk=1 << 24):
        self._f = open(path, "wb")
        self._f.write(_FILE_HEADER)
        self._buf = []
        self._buf_n = 0
        self._chunk = chunk
        self.now_ns = start_us * 1000
        self._ns_per_byte = 8e9 / link_bps
        self.packets = 0
        self.bytes = 0

    def frame(self, parts, length):
        """Append one frame given as a list of byte strings totalling ``length`` bytes."""
        self.now_ns += int((length + 24) * self._ns_per_byte) or 1
        us = self.now_ns // 1000
        buf = self._buf
        buf.append(_REC.pack(us // 1_000_000, us % 1_000_000, length, length))
        buf.extend(parts)
        self.packets += 1
        self.bytes += length
        self._buf_n += length + 16
        if self._buf_n >= self._chunk:
            self.flush()

    def flush(self):
        self._f.write(b"".join(self._buf))
        self._buf.clear()
        self._buf_n = 0

    def close(self):
        self.flush()
        self._f.close()


class _Ends:
    """Per-direction constants of one IPv4 flow: index 0 is client->server, 1 server->client."""

    __slots__ = ("out", "eth", "src", "dst", "sport", "dport", "ttl", "ident", "ipc", "nbytes")

    def __init__(self, out, client, server, macs, ttls, idents, proto):
        (cip, cport), (sip, sport) = client, server
        cmac, smac = macs
        ci, si = ip_int(cip), ip_int(sip)
        self.out = out
        self.eth = (smac + cmac + b"\x08\x00", cmac + smac + b"\x08\x00")
        self.src = (ip_bytes(ci), ip_bytes(si))
        self.dst = (ip_bytes(si), ip_bytes(ci))
        self.sport = (cport, sport)
        self.dport = (sport, cport)
        self.ttl = ttls
        self.ident = list(idents)
        # IPv4 header words that never change: version/IHL/TOS, DF, TTL/protocol, addresses.
        self.ipc = tuple((0x4500 + 0x4000 + ((ttls[d] << 8) | proto) + ci + si) % _M
                         for d in (0, 1))
        self.nbytes = 0


class TcpFlow(_Ends):
    """A TCP connection whose sequence and acknowledgement numbers follow the bytes sent.

    Every segment after the SYN carries the timestamp option (as Linux does), so a full
    segment is ``MSS`` = 1448 payload bytes in a 1514-byte frame and a pure ACK is 66 bytes.
    """

    __slots__ = ("seq", "tsoff", "tsecr", "win", "tcc")

    def __init__(self, out, client, server, macs, ttls, idents, isns, tsoffs, wins):
        super().__init__(out, client, server, macs, ttls, idents, 6)
        self.seq = list(isns)
        self.tsoff = tsoffs
        self.tsecr = [0, 0]
        self.win = wins
        ci, si = ip_int(client[0]), ip_int(server[0])
        # pseudo-header (addresses, protocol) + ports + the option words 0x0101, 0x080A
        self.tcc = tuple((ci + si + 6 + client[1] + server[1] + 0x0101 + 0x080A) % _M
                         for _ in (0, 1))

    def _tsval(self, d):
        return (self.out.now_ns // 1_000_000 + self.tsoff[d]) & 0xFFFFFFFF

    def syn(self, d=0):
        """SYN (d=0) or SYN/ACK (d=1) with MSS 1460, window scale 7, SACK and timestamps."""
        flags = SYN if d == 0 else SYN | ACK
        seq = self.seq[d]
        ack = self.seq[1 - d] if d else 0
        tsval = self._tsval(d)
        tsecr = self.tsecr[1 - d] if d else 0
        self.tsecr[d] = tsval
        ident = self.ident[d]
        self.ident[d] = (ident + 1) & 0xFFFF
        total = 60
        win = 64240 if d == 0 else 65160
        ipsum = -(self.ipc[d] + total + ident) % _M
        # options: 02 04 05b4 | 01 | 03 03 07 | 04 02 | 08 0a tsval tsecr
        tsum = (self.tcc[d] - 0x0101 - 0x080A + 40 + seq + ack + ((10 << 12) | flags) + win
                + 0x0204 + 0x05B4 + 0x0103 + 0x0307 + 0x0402 + 0x080A + tsval + tsecr)
        csum = -tsum % _M
        hdr = _TCP_SYN.pack(0x45, 0, total, ident, 0x4000, self.ttl[d], 6, ipsum, self.src[d],
                            self.dst[d], self.sport[d], self.dport[d], seq, ack,
                            (10 << 12) | flags, win, csum, 0, 2, 4, 1460, 1, 3, 3, 7, 4, 2, 8, 10,
                            tsval, tsecr)
        self.seq[d] = (seq + 1) & 0xFFFFFFFF
        self.nbytes += 74
        self.out.frame((self.eth[d], hdr), 74)

    def seg(self, d, flags=ACK, payload=b""):
        """One segment from side ``d`` at its next sequence number, acknowledging the peer."""
        n = len(payload)
        seq = self.seq[d]
        ack = self.seq[1 - d]
        tsval = (self.out.now_ns // 1_000_000 + self.tsoff[d]) & 0xFFFFFFFF
        tsecr = self.tsecr[1 - d]
        self.tsecr[d] = tsval
        ident = self.ident[d]
        self.ident[d] = (ident + 1) & 0xFFFF
        tcp_len = 32 + n
        total = 20 + tcp_len
        win = self.win[d]
        doff = 0x8000 | flags
        ipsum = -(self.ipc[d] + total + ident) % _M
        s = self.tcc[d] + tcp_len + seq + ack + doff + win + tsval + tsecr
        if n:
            v = int.from_bytes(payload, "big")
            s += (v << 8) % _M if n & 1 else v % _M
        hdr = _TCP_TS.pack(0x45, 0, total, ident, 0x4000, self.ttl[d], 6, ipsum, self.src[d],
                           self.dst[d], self.sport[d], self.dport[d], seq, ack, doff, win,
                           -s % _M, 0, 0x0101080A, tsval, tsecr)
        self.seq[d] = (seq + n + (1 if flags & (FIN | SYN) else 0)) & 0xFFFFFFFF
        length = 14 + total
        self.nbytes += length
        self.out.frame((self.eth[d], hdr, payload) if n else (self.eth[d], hdr), length)

    def handshake_ack(self):
        self.seg(0, ACK)


class UdpFlow(_Ends):
    """UDP datagrams between two endpoints (no fragmentation)."""

    __slots__ = ("ucc",)

    def __init__(self, out, client, server, macs, ttls, idents):
        super().__init__(out, client, server, macs, ttls, idents, 17)
        ci, si = ip_int(client[0]), ip_int(server[0])
        self.ucc = (ci + si + 17 + client[1] + server[1]) % _M

    def send(self, d, payload, pad_to=0):
        n = len(payload)
        udp_len = 8 + n
        total = 20 + udp_len
        ident = self.ident[d]
        self.ident[d] = (ident + 1) & 0xFFFF
        ipsum = -(self.ipc[d] + total + ident) % _M
        s = self.ucc + 2 * udp_len + payload_sum(payload)
        csum = -s % _M or 0xFFFF
        hdr = _UDP.pack(0x45, 0, total, ident, 0x4000, self.ttl[d], 17, ipsum, self.src[d],
                        self.dst[d], self.sport[d], self.dport[d], udp_len, csum)
        length = 14 + total
        parts = [self.eth[d], hdr, payload]
        if length < pad_to:
            parts.append(bytes(pad_to - length))
            length = pad_to
        self.nbytes += length
        self.out.frame(parts, length)


def bare_tcp_packet(eth, src, dst, sport, dport, seq, ack, flags, ident, ttl, win):
    """A TCP segment without options or payload (40-byte IP packet), checksums filled in."""
    si, di = int.from_bytes(src, "big"), int.from_bytes(dst, "big")
    ipsum = -(0x4500 + 0x4000 + ((ttl << 8) | 6) + si + di + 40 + ident) % _M
    doff = 0x5000 | flags
    csum = -(si + di + 6 + 20 + sport + dport + seq + ack + doff + win) % _M
    return eth + _TCP_BARE.pack(0x45, 0, 40, ident, 0x4000, ttl, 6, ipsum, src, dst, sport,
                                dport, seq, ack, doff, win, csum, 0)


def udp_packet(eth, src, dst, sport, dport, payload, ident, ttl):
    """A UDP datagram's Ethernet frame, checksums filled in."""
    si, di = int.from_bytes(src, "big"), int.from_bytes(dst, "big")
    udp_len = 8 + len(payload)
    total = 20 + udp_len
    ipsum = -(0x4500 + 0x4000 + ((ttl << 8) | 17) + si + di + total + ident) % _M
    csum = -(si + di + 17 + 2 * udp_len + sport + dport + payload_sum(payload)) % _M or 0xFFFF
    return eth + _UDP.pack(0x45, 0, total, ident, 0x4000, ttl, 17, ipsum, src, dst, sport,
                           dport, udp_len, csum) + payload
