"""Link-layer framing: how an IP packet looks on the wire for each supported pcap link type.

A framing object belongs to one conversation and knows both link endpoints, so a flow builder
only says which side sent a packet (``from_client``).
"""

import struct
from typing import Sequence

from .pcap import LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_PPP, LINKTYPE_RAW

ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_IPV6 = 0x86DD
ETHERTYPE_VLAN = 0x8100

_SLL_HOST = 0  # addressed to the capturing host
_SLL_OUTGOING = 4  # sent by the capturing host
_ARPHRD_ETHER = 1


def mac_bytes(mac: str) -> bytes:
    """``"02:00:00:00:00:01"`` -> 6 bytes."""
    raw = bytes.fromhex(mac.replace(":", ""))
    if len(raw) != 6:
        raise ValueError(f"not a MAC address: {mac}")
    return raw


def ethertype_of(ip_packet: bytes) -> int:
    """The EtherType for an IP packet, read from its version nibble."""
    version = ip_packet[0] >> 4
    if version == 4:
        return ETHERTYPE_IPV4
    if version == 6:
        return ETHERTYPE_IPV6
    raise ValueError(f"not an IP packet (version {version})")


class EthernetFraming:
    """Ethernet II between two MACs, optionally inside 802.1Q tags (outermost first)."""

    linktype = LINKTYPE_ETHERNET

    def __init__(self, client_mac: str, server_mac: str, vlan_ids: Sequence[int] = ()):
        self._client = mac_bytes(client_mac)
        self._server = mac_bytes(server_mac)
        if any(not 0 < vid < 4095 for vid in vlan_ids):
            raise ValueError(f"VLAN ids must be 1..4094: {list(vlan_ids)}")
        self._vlan_ids = tuple(vlan_ids)

    def wrap(self, ip_packet: bytes, from_client: bool) -> bytes:
        """The Ethernet frame carrying ``ip_packet`` (no FCS, as capture files hold them)."""
        src, dst = (self._client, self._server) if from_client else (self._server, self._client)
        tags = b"".join(struct.pack("!HH", ETHERTYPE_VLAN, vid) for vid in self._vlan_ids)
        return dst + src + tags + struct.pack("!H", ethertype_of(ip_packet)) + ip_packet


class SllFraming:
    """Linux cooked capture v1 (``-i any``) as seen on the client host.

    Packets from the client are "outgoing" and carry its MAC; replies are "to us" and carry
    the server side's MAC, which is what the kernel reports there.
    """

    linktype = LINKTYPE_LINUX_SLL

    def __init__(self, client_mac: str, server_mac: str):
        self._client = mac_bytes(client_mac)
        self._server = mac_bytes(server_mac)

    def wrap(self, ip_packet: bytes, from_client: bool) -> bytes:
        """The 16-byte SLL header followed by ``ip_packet``."""
        if from_client:
            packet_type, addr = _SLL_OUTGOING, self._client
        else:
            packet_type, addr = _SLL_HOST, self._server
        header = struct.pack("!HHH8sH", packet_type, _ARPHRD_ETHER, len(addr), addr,
                             ethertype_of(ip_packet))
        return header + ip_packet


class RawIpFraming:
    """No link header at all (LINKTYPE_RAW): the frame is the IP packet."""

    linktype = LINKTYPE_RAW

    def wrap(self, ip_packet: bytes, from_client: bool) -> bytes:
        """``ip_packet`` unchanged; ``from_client`` is accepted for a uniform interface."""
        del from_client
        return ip_packet


class CiscoHdlcInPppFraming:
    """Cisco HDLC frames in a capture whose link type says PPP, as routers' serial links are
    often captured: address 0x0f (unicast), control 0x00, then the EtherType; no PPP header.
    Readers that follow the PPP link type blindly take such frames for PPP and lose them."""

    linktype = LINKTYPE_PPP
    _ADDRESS_UNICAST = 0x0F

    def wrap(self, ip_packet: bytes, from_client: bool) -> bytes:
        """The 4-byte Cisco HDLC header followed by ``ip_packet``."""
        del from_client  # a point-to-point link has no addresses to swap
        return struct.pack("!BBH", self._ADDRESS_UNICAST, 0, ethertype_of(ip_packet)) + ip_packet
