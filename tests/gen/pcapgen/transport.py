"""TCP, UDP and ICMP echo messages with checksums computed over the right pseudo-header.

Each builder takes the IP addresses it will travel between, because the checksum covers them.
"""

import struct

from .checksum import internet_checksum, transport_checksum
from .ip import PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP, ip_version

FIN = 0x01
SYN = 0x02
PSH = 0x08
ACK = 0x10

_ICMP_ECHO = {4: (8, 0), 6: (128, 129)}  # family -> (request type, reply type)


def mss_option(mss: int) -> bytes:
    """The TCP Maximum Segment Size option, as SYN and SYN/ACK carry it."""
    return struct.pack("!BBH", 2, 4, mss)


def tcp_segment(src: str, dst: str, sport: int, dport: int, seq: int, ack: int, flags: int,
                payload: bytes = b"", *, window: int = 64240, options: bytes = b"") -> bytes:
    """A TCP segment; ``options`` are padded with NOPs at the front to a 32-bit boundary."""
    if len(options) % 4:
        options = b"\x01" * (4 - len(options) % 4) + options
    data_offset = (20 + len(options)) // 4
    header = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                         data_offset << 4, flags, window, 0, 0) + options
    checksum = transport_checksum(src, dst, PROTO_TCP, header + payload)
    return header[:16] + struct.pack("!H", checksum) + header[18:] + payload


def udp_datagram(src: str, dst: str, sport: int, dport: int, payload: bytes) -> bytes:
    """A UDP datagram; a computed checksum of 0 is sent as 0xFFFF (0 means "none")."""
    length = 8 + len(payload)
    header = struct.pack("!HHHH", sport, dport, length, 0)
    checksum = transport_checksum(src, dst, PROTO_UDP, header + payload) or 0xFFFF
    return header[:6] + struct.pack("!H", checksum) + payload


def icmp_protocol(src: str) -> int:
    """The IP protocol number of ICMP for the family of ``src``."""
    return PROTO_ICMP if ip_version(src) == 4 else PROTO_ICMPV6


def icmp_echo(src: str, dst: str, ident: int, seq: int, payload: bytes, reply: bool) -> bytes:
    """An ICMP (IPv4) or ICMPv6 echo request or reply; ICMPv6 also sums the pseudo-header."""
    family = ip_version(src)
    icmp_type = _ICMP_ECHO[family][1 if reply else 0]
    message = struct.pack("!BBHHH", icmp_type, 0, 0, ident, seq) + payload
    if family == 4:
        checksum = internet_checksum(message)
    else:
        checksum = transport_checksum(src, dst, PROTO_ICMPV6, message)
    return message[:2] + struct.pack("!H", checksum) + message[4:]
