"""The Internet checksum (RFC 1071) and the pseudo-headers TCP, UDP and ICMPv6 cover."""

import ipaddress
import struct


def internet_checksum(data: bytes) -> int:
    """One's-complement sum of 16-bit words, as IPv4, TCP, UDP and ICMP use it."""
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def pseudo_header(src: str, dst: str, proto: int, length: int) -> bytes:
    """The pseudo-header that makes a transport checksum depend on the IP addresses.

    The address family picks the layout: RFC 793 for IPv4, RFC 8200 section 8.1 for IPv6.
    """
    src_ip, dst_ip = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    if src_ip.version != dst_ip.version:
        raise ValueError(f"mixed address families: {src} -> {dst}")
    if src_ip.version == 4:
        return src_ip.packed + dst_ip.packed + struct.pack("!BBH", 0, proto, length)
    return src_ip.packed + dst_ip.packed + struct.pack("!I3xB", length, proto)


def transport_checksum(src: str, dst: str, proto: int, segment: bytes) -> int:
    """Checksum of a transport segment (its checksum field zeroed) under its pseudo-header."""
    return internet_checksum(pseudo_header(src, dst, proto, len(segment)) + segment)
