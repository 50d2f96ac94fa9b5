"""Reading capture files back: classic pcap (either byte order, microsecond or nanosecond
stamps) and pcapng (enhanced, simple and obsolete packet blocks), for the tools that take
captures apart (the benchmark's capture merger, the fuzzing seed corpus)."""

import struct
from typing import List, NamedTuple, Tuple


class Record(NamedTuple):
    ts_us: int
    orig_len: int
    frame: bytes
    linktype: int


def _classic(data: bytes) -> Tuple[List[int], List[Record]]:
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise ValueError("not a pcap file")
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0x0FFFFFFF
    rec = struct.Struct(e + "IIII")
    out, pos = [], 24
    while pos + 16 <= len(data):
        sec, frac, caplen, orig = rec.unpack_from(data, pos)
        pos += 16
        frame = data[pos:pos + caplen]
        if len(frame) < caplen:
            break  # truncated last record
        pos += caplen
        out.append(Record(sec * 1_000_000 + (frac // 1000 if nano else frac), orig, frame,
                          linktype))
    return [linktype], out


def _pcapng(data: bytes) -> Tuple[List[int], List[Record]]:
    out, links, pos = [], [], 0
    e = "<"
    ifaces = []  # per section: (linktype, ticks per second, snaplen)
    last_ts = 0
    while pos + 12 <= len(data):
        if data[pos:pos + 4] == b"\x0a\x0d\x0d\x0a":  # section header: its byte order rules
            e = "<" if data[pos + 8:pos + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            ifaces = []
        btype, blen = struct.unpack_from(e + "II", data, pos)
        if blen < 12 or pos + blen > len(data):
            break
        body = data[pos + 8:pos + blen - 4]
        if btype == 1 and len(body) >= 8:  # Interface Description Block
            linktype, _, snaplen = struct.unpack_from(e + "HHI", body, 0)
            tsres = 1_000_000
            opos = 8
            while opos + 4 <= len(body):
                code, olen = struct.unpack_from(e + "HH", body, opos)
                if code == 0:
                    break
                if code == 9 and olen >= 1:
                    v = body[opos + 4]
                    tsres = 2 ** (v & 0x7F) if v & 0x80 else 10 ** v
                opos += 4 + (olen + 3) // 4 * 4
            ifaces.append((linktype, tsres, snaplen))
            links.append(linktype)
        elif btype == 6 and len(body) >= 20:  # Enhanced Packet Block
            iface, hi, lo, caplen, orig = struct.unpack_from(e + "IIIII", body, 0)
            if iface < len(ifaces):
                last_ts = ((hi << 32) | lo) * 1_000_000 // ifaces[iface][1]
                out.append(Record(last_ts, orig, body[20:20 + caplen], ifaces[iface][0]))
        elif btype == 3 and len(body) >= 4 and ifaces:  # Simple Packet Block: no time, no caplen
            orig = struct.unpack_from(e + "I", body, 0)[0]
            snap = ifaces[0][2] or orig
            out.append(Record(last_ts, orig, body[4:4 + min(orig, snap)], ifaces[0][0]))
        elif btype == 2 and len(body) >= 20:  # obsolete Packet Block
            iface, _, hi, lo, caplen, orig = struct.unpack_from(e + "HHIIII", body, 0)
            if iface < len(ifaces):
                last_ts = ((hi << 32) | lo) * 1_000_000 // ifaces[iface][1]
                out.append(Record(last_ts, orig, body[20:20 + caplen], ifaces[iface][0]))
        pos += blen
    return links, out


def read_capture(path: str) -> Tuple[List[int], List[Record]]:
    """(the file's interface link types, its records in file order)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        return _pcapng(data)
    return _classic(data)
