"""7z archives and legacy Office documents, encrypted and clean, for egressmon's encryption
probes (dpi/transform/sealed/). Imported by documents.py, which lists them as cases.

7z (7-Zip's DOC/7zFormat.txt): the file's content LZMA-compressed (raw LZMA1, the standard
library's lzma), the header LZMA-compressed into a kEncodedHeader as 7-Zip writes it. The
encrypted ones use 7zAES for real: AES-256-CBC (a small pure-Python AES below) under the key
7-Zip derives from the password (SHA-256 over 2^19 rounds of salt, UTF-16LE password and a
counter), so ``7z t -ppassword`` accepts them and a wrong password fails.

Legacy Office: Compound Files ([MS-CFB]) whose main stream says encrypted as Office writes it:
a Word FIB with fEncrypted and an RC4 EncryptionHeader in the 1Table stream ([MS-DOC] 2.5.2,
[MS-OFFCRYPTO] 2.3.6.1), an Excel workbook with FILEPASS after BOF holding the same header
([MS-XLS] 2.4.117). The verifier fields are the real ones for the password; the document text
after the headers is a stand-in. The summary stream says the application and, for the
encrypted ones, Security 1 (password protected), which ``file`` prints.

Standard library only; the bytes are the same on every run.
"""

import functools
import hashlib
import lzma
import struct
import zlib
from typing import List, Sequence, Tuple

PASSWORD = "password"
SEVENZIP_TEXT = b"Aurora q3 plan: budget and launch dates, board eyes only.\n"
SEVENZIP_CLEAN_TEXT = b"quarterly figures, nothing secret\n"


# --- AES-256 (FIPS-197), encryption only ------------------------------------------------------

def _sbox() -> List[int]:
    box = [0] * 256
    p = q = 1
    while True:
        p = (p ^ (p << 1) ^ (0x1B if p & 0x80 else 0)) & 0xFF
        q ^= q << 1
        q ^= q << 2
        q ^= q << 4
        q &= 0xFF
        if q & 0x80:
            q ^= 0x09
        x = q
        for shift in (1, 2, 3, 4):
            x ^= ((q << shift) | (q >> (8 - shift))) & 0xFF
        box[p] = x ^ 0x63
        if p == 1:
            break
    box[0] = 0x63
    return box


SBOX = _sbox()


def _xtime(b: int) -> int:
    return ((b << 1) ^ (0x1B if b & 0x80 else 0)) & 0xFF


def _expand_key(key: bytes) -> List[List[int]]:
    """The 15 round keys of AES-256, 16 bytes each."""
    words = [list(key[4 * i:4 * i + 4]) for i in range(8)]
    rcon = 1
    for i in range(8, 60):
        t = list(words[i - 1])
        if i % 8 == 0:
            t = [SBOX[b] for b in t[1:] + t[:1]]
            t[0] ^= rcon
            rcon = _xtime(rcon)
        elif i % 8 == 4:
            t = [SBOX[b] for b in t]
        words.append([a ^ b for a, b in zip(words[i - 8], t)])
    return [sum(words[4 * r:4 * r + 4], []) for r in range(15)]


def _encrypt_block(round_keys: List[List[int]], block: bytes) -> bytes:
    s = [b ^ k for b, k in zip(block, round_keys[0])]
    for r in range(1, 15):
        s = [SBOX[b] for b in s]
        s = [s[(i + 4 * (i % 4)) % 16] for i in range(16)]  # ShiftRows, column-major state
        if r != 14:
            mixed = []
            for c in range(4):
                a = s[4 * c:4 * c + 4]
                t = a[0] ^ a[1] ^ a[2] ^ a[3]
                mixed += [a[i] ^ t ^ _xtime(a[i] ^ a[(i + 1) % 4]) for i in range(4)]
            s = mixed
        s = [b ^ k for b, k in zip(s, round_keys[r])]
    return bytes(s)


def aes256_cbc_encrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    """``data`` (a multiple of 16 bytes) under AES-256 in CBC mode."""
    assert len(key) == 32 and len(iv) == 16 and len(data) % 16 == 0
    round_keys = _expand_key(key)
    out, prev = bytearray(), iv
    for i in range(0, len(data), 16):
        prev = _encrypt_block(round_keys, bytes(a ^ b for a, b in zip(data[i:i + 16], prev)))
        out += prev
    return bytes(out)


# FIPS-197 appendix C.3: the implementation is checked on import.
assert _encrypt_block(_expand_key(bytes(range(32))),
                      bytes.fromhex("00112233445566778899aabbccddeeff")) == \
    bytes.fromhex("8ea2b7ca516745bfeafc49904b496089")


# --- 7z ---------------------------------------------------------------------------------------

SEVENZIP_CYCLES = 19  # 2^19 SHA-256 rounds, 7-Zip's default
SEVENZIP_IV = hashlib.sha256(b"7z iv").digest()[:16]
LZMA_PROPS = bytes([3 + 9 * (0 + 5 * 2)]) + struct.pack("<I", 1 << 16)  # lc 3 lp 0 pb 2, 64 KiB


@functools.lru_cache(maxsize=None)
def sevenzip_key(password: str = PASSWORD, salt: bytes = b"") -> bytes:
    """7zAES's key (7-Zip 7zAes.cpp CalcKey): one SHA-256 over 2^cycles rounds of salt, the
    password in UTF-16LE and the round number as 8 little-endian bytes."""
    sha = hashlib.sha256()
    pw = password.encode("utf-16-le")
    for i in range(1 << SEVENZIP_CYCLES):
        sha.update(salt + pw + struct.pack("<Q", i))
    return sha.digest()


def number(value: int) -> bytes:
    """7z's NUMBER: the first byte's leading 1 bits count the little-endian bytes after it."""
    for extra in range(9):
        if extra == 8 or value < 1 << (7 * (extra + 1)):
            high = value >> (8 * extra) if extra < 8 else 0
            mask = (0xFF00 >> extra) & 0xFF
            return bytes([mask | high]) + value.to_bytes(8, "little")[:extra]
    raise AssertionError(value)


def lzma_raw(data: bytes) -> bytes:
    return lzma.compress(data, format=lzma.FORMAT_RAW,
                         filters=[{"id": lzma.FILTER_LZMA1, "dict_size": 1 << 16, "lc": 3,
                                   "lp": 0, "pb": 2}])


def coder(codec: bytes, props: bytes = b"") -> bytes:
    return bytes([len(codec) | (0x20 if props else 0)]) + codec + \
        (number(len(props)) + props if props else b"")


LZMA_CODER = coder(b"\x03\x01\x01", LZMA_PROPS)
# 7zAES: NumCyclesPower, "IV present" (0x40) and its size - 1 in the second byte; no salt.
AES_CODER = coder(b"\x06\xf1\x07\x01", bytes([SEVENZIP_CYCLES | 0x40, 15]) + SEVENZIP_IV)


def folder(plain: bytes, encrypt: bool) -> Tuple[bytes, bytes, List[int]]:
    """(folder record, packed bytes, unpack sizes) of ``plain`` LZMA-compressed, then, when
    ``encrypt``, AES-256-CBC encrypted (zero-padded to the block): coders LZMA then 7zAES, the
    AES output bound to LZMA's input, as 7-Zip writes them."""
    packed = lzma_raw(plain)
    if not encrypt:
        return number(1) + LZMA_CODER, packed, [len(plain)]
    padded = packed + b"\0" * (-len(packed) % 16)
    cipher = aes256_cbc_encrypt(sevenzip_key(), SEVENZIP_IV, padded)
    record = number(2) + LZMA_CODER + AES_CODER + number(0) + number(1)  # bind: in 0 <- out 1
    return record, cipher, [len(plain), len(packed)]


def streams_info(pack_pos: int, record: bytes, packed: bytes, sizes: Sequence[int],
                 folder_crc: int = None, file_crc: int = None) -> bytes:
    out = b"\x06" + number(pack_pos) + number(1) + b"\x09" + number(len(packed)) + b"\x00"
    out += b"\x07\x0b" + number(1) + b"\x00" + record + b"\x0c"
    out += b"".join(number(s) for s in sizes)
    if folder_crc is not None:
        out += b"\x0a\x01" + struct.pack("<I", folder_crc)
    out += b"\x00"
    if file_crc is not None:  # SubStreamsInfo: the one file's CRC
        out += b"\x08\x0a\x01" + struct.pack("<I", file_crc) + b"\x00"
    return out + b"\x00"


def sevenzip(name: str, text: bytes, encrypt_data: bool, encrypt_header: bool) -> bytes:
    """Signature header; the file's packed stream; the LZMA-packed header (then AES-encrypted
    too with ``encrypt_header``, as ``7z a -mhe=on``); the kEncodedHeader pointing at it."""
    record, packed, sizes = folder(text, encrypt_data)
    names = name.encode("utf-16-le") + b"\0\0"
    files = b"\x05" + number(1) + b"\x11" + number(1 + len(names)) + b"\x00" + names + b"\x00"
    header = b"\x01\x04" + streams_info(0, record, packed, sizes, file_crc=zlib.crc32(text)) + \
        files + b"\x00"
    h_record, h_packed, h_sizes = folder(header, encrypt_header)
    encoded = b"\x17" + streams_info(len(packed), h_record, h_packed, h_sizes,
                                     folder_crc=zlib.crc32(header))
    start = struct.pack("<QQI", len(packed) + len(h_packed), len(encoded), zlib.crc32(encoded))
    return (b"7z\xbc\xaf\x27\x1c\x00\x04" + struct.pack("<I", zlib.crc32(start)) + start +
            packed + h_packed + encoded)


def sevenzip_encrypted() -> bytes:
    return sevenzip("q3/plan.txt", SEVENZIP_TEXT, encrypt_data=True, encrypt_header=False)


def sevenzip_headers_encrypted() -> bytes:
    return sevenzip("q3/plan.txt", SEVENZIP_TEXT, encrypt_data=True, encrypt_header=True)


def sevenzip_clean() -> bytes:
    return sevenzip("q3/plan.txt", SEVENZIP_CLEAN_TEXT, encrypt_data=False,
                    encrypt_header=False)


# --- legacy Office ----------------------------------------------------------------------------

FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
CUTOFF = 4096


def rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) & 0xFF
        s[i], s[j] = s[j], s[i]
    out, i, j = bytearray(), 0, 0
    for b in data:
        i = (i + 1) & 0xFF
        j = (j + s[i]) & 0xFF
        s[i], s[j] = s[j], s[i]
        out.append(b ^ s[(s[i] + s[j]) & 0xFF])
    return bytes(out)


def rc4_encryption_header(label: str) -> bytes:
    """[MS-OFFCRYPTO] 2.3.6.1 RC4 EncryptionHeader (version 1.1, salt, encrypted verifier and
    its MD5) for PASSWORD, keyed as 2.3.6.2 says: MD5 of the password, its first 5 bytes and
    the salt 16 times, MD5 again, then MD5 of that's first 5 bytes and block number 0."""
    salt = hashlib.sha256(f"{label} salt".encode()).digest()[:16]
    verifier = hashlib.sha256(f"{label} verifier".encode()).digest()[:16]
    h0 = hashlib.md5(PASSWORD.encode("utf-16-le")).digest()
    h1 = hashlib.md5((h0[:5] + salt) * 16).digest()
    key = hashlib.md5(h1[:5] + struct.pack("<I", 0)).digest()
    sealed = rc4(key, verifier + hashlib.md5(verifier).digest())
    return struct.pack("<HH", 1, 1) + salt + sealed


def summary_information(app: str, secured: bool) -> bytes:
    """[MS-OLEPS] property set: code page 1252, PIDSI_APPNAME, and PIDSI_DOC_SECURITY 1
    (password protected) when ``secured``."""
    name = app.encode("cp1252") + b"\0"
    name += b"\0" * (-len(name) % 4)
    props = [(1, struct.pack("<IhH", 2, 1252, 0)),
             (0x12, struct.pack("<II", 0x1E, len(app) + 1) + name)]
    if secured:
        props.append((0x13, struct.pack("<Ii", 3, 1)))
    offset = 8 + 8 * len(props)
    index, body = b"", b""
    for pid, value in props:
        index += struct.pack("<II", pid, offset + len(body))
        body += value
    section = struct.pack("<II", 8 + len(index) + len(body), len(props)) + index + body
    fmtid = bytes.fromhex("E0859FF2F94F6810AB9108002B27B3D9")  # FMTID_SummaryInformation
    return (struct.pack("<HHI", 0xFFFE, 0, 0x00020006) + b"\0" * 16 + struct.pack("<I", 1) +
            fmtid + struct.pack("<I", 48) + section)


def directory_entry(name: str, kind: int, *, right: int = NOSTREAM, child: int = NOSTREAM,
                    start: int = 0, size: int = 0) -> bytes:
    raw = (name + "\0").encode("utf-16-le") if name else b""
    return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1 if kind else 0) +
            struct.pack("<III", NOSTREAM, right, child) + b"\0" * 16 +
            struct.pack("<IQQIQ", 0, 0, 0, start, size))


def compound_file(streams: Sequence[Tuple[str, bytes]], clsid: bytes) -> bytes:
    """A version 3 Compound File: header, the streams (each padded to at least the 4096-byte
    cutoff, so none lives in the mini stream), then the FAT and the directory at the end, as
    Word and Excel often leave them. The directory's siblings are a right-leaning chain in
    the CFB order (shorter names first, then by upper case), all black."""
    body, fat, starts = b"", [], []
    for _, data in streams:
        data = data.ljust(max(CUTOFF, len(data) + (-len(data) % 512)), b"\0")
        first, count = len(fat), len(data) // 512
        starts.append((first, len(data)))
        fat += [first + i + 1 for i in range(count - 1)] + [ENDOFCHAIN]
        body += data
    fat_sector, dir_sector = len(fat), len(fat) + 1
    fat += [FATSECT, ENDOFCHAIN]
    assert len(fat) <= 128
    fat += [FREESECT] * (128 - len(fat))
    order = sorted(range(len(streams)), key=lambda i: (len(streams[i][0]), streams[i][0].upper()))
    entries = [b""] * len(streams)
    for rank, i in enumerate(order):
        right = order[rank + 1] + 1 if rank + 1 < len(order) else NOSTREAM
        entries[i] = directory_entry(streams[i][0], 2, right=right, start=starts[i][0],
                                     size=starts[i][1])
    root = directory_entry("Root Entry", 5, child=order[0] + 1, start=ENDOFCHAIN)
    root = root[:0x50] + clsid + root[0x60:]
    directory = root + b"".join(entries)
    directory = directory.ljust(-(-len(directory) // 512) * 512, b"\0")
    assert len(directory) == 512, "one directory sector"
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 +
              struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6 +
              struct.pack("<IIIIIIIII", 0, 1, dir_sector, 0, CUTOFF, ENDOFCHAIN, 0,
                          ENDOFCHAIN, 0) +
              struct.pack("<109I", fat_sector, *([FREESECT] * 108)))
    return header + body + struct.pack("<128I", *fat) + directory


# Root entry CLSIDs as Office writes them (libmagic names the application by them).
WORD_CLSID = bytes.fromhex("0609020000000000C000000000000046")   # {00020906-...}
EXCEL_CLSID = bytes.fromhex("2008020000000000C000000000000046")  # {00020820-...}


def word_document(encrypted: bool) -> bytes:
    """A Word 97 FIB base ([MS-DOC] 2.5.2): wIdent 0xA5EC, nFib 0x00C1, lid 0x0409; flags
    fWhichTblStm (1Table) and, encrypted, fEncrypted with lKey the EncryptionHeader's size."""
    table = rc4_encryption_header("doc") if encrypted else b""
    flags = 0x0200 | (0x0100 if encrypted else 0)
    fib = struct.pack("<HHHHHHHIBBHH", 0xA5EC, 0x00C1, 0, 0x0409, 0, flags, 0x00BF,
                      len(table), 0, 0, 0, 0)
    text = (hashlib.sha256(b"doc ciphertext").digest() * 8 if encrypted else
            b"quarterly figures, nothing secret\r")
    streams = [("WordDocument", fib + text), ("1Table", table),
               ("\x05SummaryInformation",
                summary_information("Microsoft Office Word", encrypted))]
    return compound_file(streams, WORD_CLSID)


def biff_record(kind: int, data: bytes) -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def workbook(encrypted: bool) -> bytes:
    """A BIFF8 workbook globals substream ([MS-XLS]): BOF (dt 0x0005 globals), FILEPASS (type 1
    RC4, the RC4 EncryptionHeader) when encrypted, InterfaceHdr, BoundSheet8, EOF."""
    records = biff_record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC,
                                              0, 0x0206))
    if encrypted:
        records += biff_record(0x002F, struct.pack("<H", 1) + rc4_encryption_header("xls"))
    records += biff_record(0x00E1, struct.pack("<H", 0x04B0))
    records += biff_record(0x0085, struct.pack("<IBBB", 0, 0, 0, 6) + b"\0Sheet1")
    records += biff_record(0x000A, b"")
    streams = [("Workbook", records),
               ("\x05SummaryInformation", summary_information("Microsoft Excel", encrypted))]
    return compound_file(streams, EXCEL_CLSID)


def doc_encrypted() -> bytes:
    return word_document(True)


def doc_clean() -> bytes:
    return word_document(False)


def xls_encrypted() -> bytes:
    return workbook(True)


def xls_clean() -> bytes:
    return workbook(False)
