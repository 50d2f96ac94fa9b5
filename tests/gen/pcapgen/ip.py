"""IPv4 and IPv6 packets, and IPv4 fragmentation."""

import ipaddress
import struct
from typing import List

from .checksum import internet_checksum

PROTO_ICMP = 1
PROTO_TCP = 6
PROTO_UDP = 17
PROTO_ICMPV6 = 58

_IPV4_HEADER_LEN = 20
_FLAG_DF = 0x4000
_FLAG_MF = 0x2000
_OFFSET_MASK = 0x1FFF


def ip_version(address: str) -> int:
    """4 or 6, so callers can build either family from plain address strings."""
    return ipaddress.ip_address(address).version


def ipv4_packet(src: str, dst: str, proto: int, payload: bytes, *, ident: int = 0,
                ttl: int = 64, df: bool = False, mf: bool = False, offset: int = 0) -> bytes:
    """An IPv4 packet without options and with a correct header checksum.

    ``offset`` is the fragment offset in bytes (a multiple of 8), ``mf`` the more-fragments
    flag; together they let tests build fragments by hand as well as via ``fragment_ipv4``.
    """
    if offset % 8 or not 0 <= offset // 8 <= _OFFSET_MASK:
        raise ValueError(f"fragment offset {offset} is not a multiple of 8 in range")
    total_len = _IPV4_HEADER_LEN + len(payload)
    if total_len > 0xFFFF:
        raise ValueError(f"IPv4 packet too long: {total_len}")
    flags = (_FLAG_DF if df else 0) | (_FLAG_MF if mf else 0) | (offset // 8)
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total_len, ident & 0xFFFF, flags, ttl, proto,
                         0, ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed)
    checksum = internet_checksum(header)
    return header[:10] + struct.pack("!H", checksum) + header[12:] + payload


def ipv6_packet(src: str, dst: str, next_header: int, payload: bytes, *, hop_limit: int = 64,
                flow_label: int = 0) -> bytes:
    """An IPv6 packet without extension headers (IPv6 has no header checksum)."""
    if len(payload) > 0xFFFF:
        raise ValueError(f"IPv6 payload too long for a non-jumbo packet: {len(payload)}")
    first_word = (6 << 28) | (flow_label & 0xFFFFF)
    return struct.pack("!IHBB16s16s", first_word, len(payload), next_header, hop_limit,
                       ipaddress.IPv6Address(src).packed,
                       ipaddress.IPv6Address(dst).packed) + payload


def ip_packet(src: str, dst: str, proto: int, payload: bytes, *, ident: int = 0,
              ttl: int = 64, df: bool = False) -> bytes:
    """IPv4 or IPv6 by the address family; ``ident`` and ``df`` only mean something for IPv4."""
    if ip_version(src) == 4:
        return ipv4_packet(src, dst, proto, payload, ident=ident, ttl=ttl, df=df)
    return ipv6_packet(src, dst, proto, payload, hop_limit=ttl)


def fragment_ipv4(packet: bytes, mtu: int) -> List[bytes]:
    """Split an unfragmented IPv4 packet into fragments of at most ``mtu`` bytes each.

    Every fragment but the last carries a multiple of 8 payload bytes, as RFC 791 requires;
    identification, TTL and protocol are kept so receivers reassemble them into ``packet``.
    A packet that already fits is returned alone, unchanged.
    """
    ihl, _, _, ident, flags, ttl, proto, _, src, dst = struct.unpack(
        "!BBHHHBBH4s4s", packet[:_IPV4_HEADER_LEN])
    if ihl != 0x45:
        raise ValueError("only option-less IPv4 packets can be fragmented here")
    if flags & (_FLAG_MF | _OFFSET_MASK):
        raise ValueError("packet is already a fragment")
    if flags & _FLAG_DF:
        raise ValueError("packet has Don't Fragment set")
    if len(packet) <= mtu:
        return [packet]
    chunk = (mtu - _IPV4_HEADER_LEN) // 8 * 8
    if chunk <= 0:
        raise ValueError(f"MTU {mtu} leaves no room for fragment data")
    payload = packet[_IPV4_HEADER_LEN:]
    src_text, dst_text = str(ipaddress.IPv4Address(src)), str(ipaddress.IPv4Address(dst))
    return [ipv4_packet(src_text, dst_text, proto, payload[start:start + chunk], ident=ident,
                        ttl=ttl, mf=start + chunk < len(payload), offset=start)
            for start in range(0, len(payload), chunk)]
