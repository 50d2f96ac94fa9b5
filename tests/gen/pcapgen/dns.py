"""DNS messages (RFC 1035) over UDP: a query and its answer, with optional EDNS(0).

Large answers (TXT) need EDNS(0) to exceed 512 bytes legitimately, which is how the sample
gets a UDP datagram big enough to be fragmented.
"""

import ipaddress
import struct
from typing import Optional, Sequence

TYPE_A = 1
TYPE_TXT = 16
TYPE_AAAA = 28
_TYPE_OPT = 41
_CLASS_IN = 1
_FLAGS_QUERY = 0x0100  # RD
_FLAGS_RESPONSE = 0x8180  # QR, RD, RA, NOERROR
_POINTER_TO_QUESTION = 0xC00C  # the question name always starts at offset 12


def encode_name(name: str) -> bytes:
    """``www.example.com`` -> length-prefixed labels ending in the root label."""
    labels = [label.encode("ascii") for label in name.rstrip(".").split(".")]
    if any(not 0 < len(label) < 64 for label in labels):
        raise ValueError(f"bad DNS name: {name!r}")
    return b"".join(bytes([len(label)]) + label for label in labels) + b"\x00"


def a_rdata(address: str) -> bytes:
    """RDATA of an A or AAAA record (the address family decides)."""
    return ipaddress.ip_address(address).packed


def txt_rdata(text: str) -> bytes:
    """RDATA of a TXT record: ``text`` cut into the 255-byte character-strings TXT is made of."""
    raw = text.encode("utf-8")
    return b"".join(bytes([len(raw[i:i + 255])]) + raw[i:i + 255] for i in range(0, len(raw), 255))


def _opt_record(udp_payload_size: int) -> bytes:
    """The EDNS(0) OPT pseudo-record advertising ``udp_payload_size``."""
    return b"\x00" + struct.pack("!HHIH", _TYPE_OPT, udp_payload_size, 0, 0)


def _message(txid: int, flags: int, question: bytes, answers: Sequence[bytes],
             edns: Optional[int]) -> bytes:
    """Header plus sections; the additional section holds only the OPT record, if any."""
    header = struct.pack("!HHHHHH", txid, flags, 1, len(answers), 0, 1 if edns else 0)
    additional = _opt_record(edns) if edns else b""
    return header + question + b"".join(answers) + additional


def dns_query(txid: int, name: str, qtype: int = TYPE_A, *, edns: Optional[int] = None) -> bytes:
    """A recursive query for ``name``; ``edns`` is the UDP payload size to advertise, if any."""
    question = encode_name(name) + struct.pack("!HH", qtype, _CLASS_IN)
    return _message(txid, _FLAGS_QUERY, question, [], edns)


def dns_response(txid: int, name: str, qtype: int, rdatas: Sequence[bytes], *, ttl: int = 300,
                 edns: Optional[int] = None) -> bytes:
    """The answer to ``dns_query(txid, name, qtype)``: one record per RDATA, names compressed."""
    question = encode_name(name) + struct.pack("!HH", qtype, _CLASS_IN)
    answers = [struct.pack("!HHHIH", _POINTER_TO_QUESTION, qtype, _CLASS_IN, ttl, len(rdata))
               + rdata for rdata in rdatas]
    return _message(txid, _FLAGS_RESPONSE, question, answers, edns)
