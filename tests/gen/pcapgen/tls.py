"""TLS 1.2 / 1.3 handshake records: a ClientHello with SNI, the ServerHello, opaque ciphertext.

Only the cleartext part of a handshake is real; everything after ChangeCipherSpec is
deterministic filler of realistic size, which is all a passive monitor can see anyway.
The ClientHello carries the extensions a current browser sends so that nDPI computes a JA3
and reports the SNI; "random" values come from SHAKE-256 of a caller-given seed.
"""

import hashlib
import struct
from typing import List, Sequence, Tuple

TLS12 = 0x0303
TLS13 = 0x0304

_CONTENT_CCS = 20
_CONTENT_HANDSHAKE = 22
_CONTENT_APPLICATION_DATA = 23
_CLIENT_HELLO = 1
_SERVER_HELLO = 2
_SERVER_HELLO_DONE = 14
_CLIENT_KEY_EXCHANGE = 16

_GROUP_X25519 = 0x001D
_TLS13_SUITES = (0x1301, 0x1302, 0x1303)
_TLS12_SUITES = (0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0xC013, 0xC014, 0x009C,
                 0x009D, 0x002F, 0x0035)
_SIGNATURE_ALGORITHMS = (0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601)


def derived_bytes(seed: str, label: str, length: int) -> bytes:
    """Reproducible stand-in for random bytes (hello randoms, keys, ciphertext)."""
    return hashlib.shake_256(f"{seed}/{label}".encode()).digest(length)


def _u8_vector(data: bytes) -> bytes:
    return bytes([len(data)]) + data


def _u16_vector(data: bytes) -> bytes:
    return struct.pack("!H", len(data)) + data


def _u16_list(values: Sequence[int]) -> bytes:
    return b"".join(struct.pack("!H", value) for value in values)


def _extension(ext_type: int, body: bytes) -> bytes:
    return struct.pack("!H", ext_type) + _u16_vector(body)


def record(content_type: int, body: bytes, version: int = TLS12) -> bytes:
    """One TLS record; 1.3 keeps 0x0303 on the wire (RFC 8446 section 5.1)."""
    return struct.pack("!BHH", content_type, version, len(body)) + body


def _handshake(msg_type: int, body: bytes) -> bytes:
    return struct.pack("!B", msg_type) + len(body).to_bytes(3, "big") + body


def _server_name(sni: str) -> bytes:
    """The server_name extension with one host_name entry (RFC 6066 section 3)."""
    name = sni.encode("ascii")
    return _extension(0, _u16_vector(b"\x00" + _u16_vector(name)))


def _client_extensions(sni: str, version: int, alpn: Sequence[str], seed: str) -> bytes:
    """Extensions in the order a browser sends them; the 1.3 ones only when offering 1.3."""
    protocols = b"".join(_u8_vector(name.encode("ascii")) for name in alpn)
    extensions = [
        _server_name(sni),
        _extension(23, b""),  # extended_master_secret
        _extension(0xFF01, b"\x00"),  # renegotiation_info
        _extension(10, _u16_vector(_u16_list((_GROUP_X25519, 0x0017, 0x0018)))),
        _extension(11, _u8_vector(b"\x00")),  # ec_point_formats: uncompressed
        _extension(35, b""),  # session_ticket
        _extension(16, _u16_vector(protocols)),  # ALPN
        _extension(13, _u16_vector(_u16_list(_SIGNATURE_ALGORITHMS))),
    ]
    if version == TLS13:
        share = struct.pack("!H", _GROUP_X25519) + _u16_vector(derived_bytes(seed, "ckey", 32))
        extensions += [
            _extension(51, _u16_vector(share)),  # key_share
            _extension(45, _u8_vector(b"\x01")),  # psk_key_exchange_modes: psk_dhe_ke
            _extension(43, _u8_vector(_u16_list((TLS13, TLS12)))),  # supported_versions
        ]
    return b"".join(extensions)


def _session_id(version: int, seed: str) -> bytes:
    return derived_bytes(seed, "session", 32) if version == TLS13 else b""


def client_hello(sni: str, *, version: int = TLS13, alpn: Sequence[str] = ("h2", "http/1.1"),
                 seed: str = "") -> bytes:
    """A ClientHello record offering ``version`` (1.3 also offers 1.2, as clients do).

    1.3 sends a 32-byte legacy session id (middlebox compatibility mode, RFC 8446 D.4),
    derived from ``seed`` so ``server_hello`` with the same seed echoes it.
    """
    suites = (_TLS13_SUITES if version == TLS13 else ()) + _TLS12_SUITES
    body = (struct.pack("!H", TLS12) + derived_bytes(seed, "crandom", 32)
            + _u8_vector(_session_id(version, seed)) + _u16_vector(_u16_list(suites))
            + _u8_vector(b"\x00")
            + _u16_vector(_client_extensions(sni, version, alpn, seed)))
    return record(_CONTENT_HANDSHAKE, _handshake(_CLIENT_HELLO, body), version=0x0301)


def server_hello(*, version: int = TLS13, seed: str = "") -> bytes:
    """The ServerHello answering ``client_hello(..., version=version, seed=seed)``.

    For 1.3 it selects TLS_AES_128_GCM_SHA256 and x25519; for 1.2
    ECDHE-RSA-AES128-GCM-SHA256.
    """
    if version == TLS13:
        share = struct.pack("!H", _GROUP_X25519) + _u16_vector(derived_bytes(seed, "skey", 32))
        suite = _TLS13_SUITES[0]
        extensions = _extension(43, struct.pack("!H", TLS13)) + _extension(51, share)
    else:
        suite = 0xC02F
        extensions = _extension(0xFF01, b"\x00") + _extension(11, _u8_vector(b"\x00"))
    body = (struct.pack("!H", TLS12) + derived_bytes(seed, "srandom", 32)
            + _u8_vector(_session_id(version, seed)) + struct.pack("!HB", suite, 0)
            + _u16_vector(extensions))
    return record(_CONTENT_HANDSHAKE, _handshake(_SERVER_HELLO, body))


def change_cipher_spec() -> bytes:
    """The ChangeCipherSpec record (sent in 1.3 too, for middlebox compatibility)."""
    return record(_CONTENT_CCS, b"\x01")


def application_data(length: int, seed: str, label: str) -> bytes:
    """An application_data record of ``length`` opaque bytes standing in for ciphertext."""
    return record(_CONTENT_APPLICATION_DATA, derived_bytes(seed, label, length))


def handshake_turns(sni: str, *, version: int = TLS13, seed: str = "") -> List[Tuple[bool, bytes]]:
    """A complete full handshake as ``(from_client, bytes)`` turns for ``TcpSession.exchange``.

    1.3: hello, server flight (ServerHello, CCS, encrypted extensions..finished), client
    CCS and encrypted Finished. 1.2 (no certificate, which DPI does not need): hello,
    ServerHello+ServerHelloDone, ClientKeyExchange+CCS+Finished, CCS+Finished.
    """
    hello = client_hello(sni, version=version, seed=seed)
    if version == TLS13:
        return [(True, hello),
                (False, server_hello(version=version, seed=seed) + change_cipher_spec()
                 + application_data(1200, seed, "server-flight")),
                (True, change_cipher_spec() + application_data(53, seed, "client-finished"))]
    key_exchange = _handshake(_CLIENT_KEY_EXCHANGE, _u8_vector(derived_bytes(seed, "cke", 32)))
    return [(True, hello),
            (False, server_hello(version=version, seed=seed)
             + record(_CONTENT_HANDSHAKE, _handshake(_SERVER_HELLO_DONE, b""))),
            (True, record(_CONTENT_HANDSHAKE, key_exchange) + change_cipher_spec()
             + record(_CONTENT_HANDSHAKE, derived_bytes(seed, "client-finished", 40))),
            (False, change_cipher_spec()
             + record(_CONTENT_HANDSHAKE, derived_bytes(seed, "server-finished", 40)))]
