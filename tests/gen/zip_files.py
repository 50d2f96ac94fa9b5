#!/usr/bin/env python3
"""ZIP archives as real writers lay them out, for the ZIP walker's tests and fuzz seeds.

Python's zipfile writes the stored, deflated and nested archives (a ZIP stored inside a ZIP)
and, through a file object that cannot seek (like a socket or a pipe), the streamed ones:
zipfile then sets flag bit 3 and writes a data descriptor after each entry, as streaming
writers do, for stored entries too. zipfile cannot encrypt, so the encrypted entry is built
here by hand with traditional PKWARE encryption (ZipCrypto, APPNOTE 6.1), which zipfile and
unzip can decrypt: that is how it is checked.

    python3 tests/gen/zip_files.py OUTDIR     # every sample as OUTDIR/<name>.zip

Every archive is checked as it is built: zipfile reads every entry back (crc checked), then
`python3 -m zipfile -t` and, where installed, `unzip -t` test the file. Standard library only.
"""

import io
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from typing import Callable, Dict, List, Optional, Tuple

DATE = (2024, 5, 17, 9, 30, 0)
TEXT = (b"Project Aurora - TOP SECRET - do not distribute\r\n"
        b"card 4111 1111 1111 1111, key AKIAIOSFODNN7EXAMPLE\r\n") * 8
PASSWORD = b"aurora"

Contents = Dict[str, bytes]


# --- checks ----------------------------------------------------------------------------------

def check(data: bytes, expected: Contents, pwd: Optional[bytes] = None) -> bytes:
    """Fails unless `data` is a valid archive holding exactly `expected`; returns it."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = [info.filename for info in zf.infolist()]
        assert names == list(expected), (names, list(expected))
        for name, content in expected.items():
            assert zf.read(name, pwd=pwd) == content, name  # crc checked by zipfile
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "sample.zip")
        with open(path, "wb") as f:
            f.write(data)
        if pwd is None:  # `python3 -m zipfile -t` cannot be given a password
            run([sys.executable, "-m", "zipfile", "-t", path])
        if shutil.which("unzip"):
            run(["unzip", "-tq"] + (["-P", pwd.decode()] if pwd else []) + [path])
    return data


def run(command: List[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, (command, result.stdout, result.stderr)


# --- archives zipfile writes -----------------------------------------------------------------

class Unseekable(io.RawIOBase):
    """A write-only stream that cannot tell or seek: zipfile streams into it (flag bit 3)."""

    def __init__(self) -> None:
        super().__init__()
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[override]
        self.data += b
        return len(b)


def write_zip(entries: List[Tuple[str, bytes, int]], streamed: bool = False,
              force_zip64: bool = False) -> Tuple[bytes, Contents]:
    """entries: (name, content, zipfile.ZIP_STORED or ZIP_DEFLATED); a name ending in '/' is a
    directory. Returns the archive and what it holds."""
    target = Unseekable() if streamed else io.BytesIO()
    with zipfile.ZipFile(target, "w") as zf:
        for name, content, method in entries:
            info = zipfile.ZipInfo(name, DATE)
            info.compress_type = method
            info.external_attr = (0o40755 << 16) | 0x10 if name.endswith("/") else 0o644 << 16
            with zf.open(info, "w", force_zip64=force_zip64) as dest:
                dest.write(content)
    data = bytes(target.data) if streamed else target.getvalue()
    return data, {name: content for name, content, _ in entries}


def stored() -> bytes:
    data, expected = write_zip([("notes.txt", TEXT, zipfile.ZIP_STORED),
                                ("empty.txt", b"", zipfile.ZIP_STORED)])
    return check(data, expected)


def deflated() -> bytes:
    data, expected = write_zip([("docs/", b"", zipfile.ZIP_STORED),
                                ("docs/plan.txt", TEXT, zipfile.ZIP_DEFLATED),
                                ("docs/r\u00e9sum\u00e9.txt", b"caf\xc3\xa9 " * 40,
                                 zipfile.ZIP_DEFLATED)])
    return check(data, expected)


def nested() -> bytes:
    """A ZIP stored inside a ZIP: the walker hands the inner archive out as an entry's bytes."""
    inner = deflated()
    data, expected = write_zip([("readme.txt", b"see inner.zip\n", zipfile.ZIP_DEFLATED),
                                ("inner.zip", inner, zipfile.ZIP_STORED)])
    return check(data, expected)


def streamed() -> bytes:
    """Written to an unseekable stream: flag bit 3 and a data descriptor (with its signature)
    after every entry, stored ones included."""
    data, expected = write_zip([("stream/", b"", zipfile.ZIP_STORED),
                                ("stream/packed.txt", TEXT, zipfile.ZIP_DEFLATED),
                                ("stream/raw.txt", TEXT[:200] + b"PK\x07\x08",
                                 zipfile.ZIP_STORED)], streamed=True)
    return check(data, expected)


def streamed_zip64() -> bytes:
    """Streamed with ZIP64 forced: a ZIP64 block in each local header and 8-byte sizes in the
    data descriptors."""
    data, expected = write_zip([("big.txt", TEXT, zipfile.ZIP_DEFLATED),
                                ("big.bin", TEXT[:100], zipfile.ZIP_STORED)],
                               streamed=True, force_zip64=True)
    return check(data, expected)


def bomb() -> bytes:
    """1 MiB of zeros deflated to about 1 KiB: past the bounds of a small walker."""
    data, expected = write_zip([("zeros.bin", b"\0" * (1 << 20), zipfile.ZIP_DEFLATED),
                                ("after.txt", b"after the bomb", zipfile.ZIP_STORED)])
    return check(data, expected)


# --- the encrypted archive, by hand ----------------------------------------------------------

def _crc_table() -> List[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        table.append(c)
    return table


CRC_TABLE = _crc_table()


class ZipCrypto:
    """Traditional PKWARE encryption (APPNOTE 6.1): three keys stirred by each plain byte."""

    def __init__(self, password: bytes) -> None:
        self.keys = [0x12345678, 0x23456789, 0x34567890]
        for b in password:
            self._update(b)

    def _update(self, b: int) -> None:
        k0, k1, k2 = self.keys
        k0 = (k0 >> 8) ^ CRC_TABLE[(k0 ^ b) & 0xFF]
        k1 = ((k1 + (k0 & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        k2 = (k2 >> 8) ^ CRC_TABLE[(k2 ^ (k1 >> 24)) & 0xFF]
        self.keys = [k0, k1, k2]

    def encrypt(self, plain: bytes) -> bytes:
        out = bytearray()
        for b in plain:
            t = (self.keys[2] | 2) & 0xFFFF
            out.append(b ^ (((t * (t ^ 1)) >> 8) & 0xFF))
            self._update(b)
        return bytes(out)


def raw_deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


DOS_TIME, DOS_DATE = 0x4BC0, 0x58B1  # 09:30:00, 2024-05-17


def build_archive(entries: List[Tuple[str, int, int, int, bytes, int]]) -> bytes:
    """entries: (name, flags, method, crc, stored bytes, uncompressed size) laid out as local
    headers, a central directory and the end record. With flag bit 3 a data descriptor (with
    its signature) follows the data, and the local header has the sizes all the same, as
    Info-ZIP writes the entries it encrypts into a file."""
    body, directory = b"", b""
    for name, flags, method, crc, payload, size in entries:
        raw = name.encode()
        fields = struct.pack("<HHHHIIIHH", flags, method, DOS_TIME, DOS_DATE, crc, len(payload),
                             size, len(raw), 0)
        directory += (b"PK\x01\x02" + struct.pack("<HH", 20, 20) + fields +
                      struct.pack("<HHHII", 0, 0, 0, 0o644 << 16, len(body)) + raw)
        body += b"PK\x03\x04" + struct.pack("<H", 20) + fields + raw + payload
        if flags & 8:
            body += b"PK\x07\x08" + struct.pack("<III", crc, len(payload), size)
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(entries), len(entries),
                                      len(directory), len(body), 0)
    return body + directory + end


def encrypted(descriptor: bool = False) -> bytes:
    """A ZipCrypto-encrypted deflated entry (flag bit 0) between two plain ones; with
    `descriptor`, flag bit 3 and a data descriptor too, as `zip -e` writes it to a file."""
    secret = TEXT.replace(b"TOP SECRET", b"ENCRYPTED")
    crc = zlib.crc32(secret)
    # The 12-byte encryption header: 11 bytes of "randomness" (fixed here so the sample is
    # reproducible), then the byte decryptors check the password against: the crc's high byte,
    # or with flag bit 3 (the crc not known yet when it was written) the time's.
    check_byte = DOS_TIME >> 8 if descriptor else crc >> 24
    header = bytes(range(11)) + bytes([check_byte])
    sealed = ZipCrypto(PASSWORD).encrypt(header + raw_deflate(secret))
    plain = b"this one is not encrypted\n"
    data = build_archive([
        ("before.txt", 0, 0, zlib.crc32(plain), plain, len(plain)),
        ("secret.txt", 9 if descriptor else 1, 8, crc, sealed, len(secret)),
        ("after.txt", 0, 8, zlib.crc32(plain), raw_deflate(plain), len(plain)),
    ])
    return check(data, {"before.txt": plain, "secret.txt": secret, "after.txt": plain},
                 pwd=PASSWORD)


SAMPLES: Dict[str, Callable[[], bytes]] = {
    "stored": stored,
    "deflated": deflated,
    "nested": nested,
    "streamed": streamed,
    "streamed_zip64": streamed_zip64,
    "bomb": bomb,
    "encrypted": encrypted,
    "encrypted_descriptor": lambda: encrypted(descriptor=True),
}


def main(argv: List[str]) -> int:
    if len(argv) != 2:
        print("usage: zip_files.py OUTDIR", file=sys.stderr)
        return 2
    os.makedirs(argv[1], exist_ok=True)
    for name, build in SAMPLES.items():
        data = build()
        with open(os.path.join(argv[1], name + ".zip"), "wb") as f:
            f.write(data)
        print(f"{name}.zip: {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
