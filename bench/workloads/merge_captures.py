"""Concatenates capture files (classic pcap or pcapng) into one classic Ethernet pcap.

Files are taken in name order; a file is skipped unless all its interfaces are Ethernet. Each
file's timestamps are shifted so it starts one hour after the latest timestamp written so far, so
flows of different files never meet in a flow table and idle timeouts separate them.

Many nDPI test captures are themselves several captures run together, years apart (or starting
near the epoch and then jumping to today). Kept as they are, the merged file would span centuries
and overflow classic pcap's 32-bit seconds, so inside a file a jump of more than an hour forward,
or of more than an hour backward, becomes a gap of exactly one hour: longer than every flow
timeout, so flows end the same way. Smaller steps, backward ones included (some captures are not
in time order), are kept. Timestamps are written with microsecond resolution (nanosecond inputs
are truncated); captured and original lengths are kept as they are.
"""

import os
import struct

LINKTYPE_ETHERNET = 1
GAP_US = 3600 * 1_000_000


def _classic(data):
    """(linktypes, [(ts_us, orig_len, frame)]) of a classic pcap file."""
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
        out.append((sec * 1_000_000 + (frac // 1000 if nano else frac), orig, frame))
    return [linktype], out


def _pcapng(data):
    """(linktypes, [(ts_us, orig_len, frame)]) of a pcapng file (EPB, SPB and obsolete PB)."""
    out, links, pos = [], [], 0
    e = "<"
    ifaces = []  # per section: (linktype, ticks per second, snaplen)
    last_ts = 0
    while pos + 12 <= len(data):
        btype_raw = data[pos:pos + 4]
        if btype_raw == b"\x0a\x0d\x0d\x0a":
            bom = data[pos + 8:pos + 12]
            e = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
            ifaces = []
        btype, blen = struct.unpack_from(e + "II", data, pos)
        if blen < 12 or pos + blen > len(data):
            break
        body = data[pos + 8:pos + blen - 4]
        if btype == 1:  # Interface Description Block
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
        elif btype == 6:  # Enhanced Packet Block
            iface, hi, lo, caplen, orig = struct.unpack_from(e + "IIIII", body, 0)
            ticks = (hi << 32) | lo
            ts = ticks * 1_000_000 // ifaces[iface][1]
            last_ts = ts
            out.append((ts, orig, body[20:20 + caplen]))
        elif btype == 3:  # Simple Packet Block: no timestamp, no captured length
            orig = struct.unpack_from(e + "I", body, 0)[0]
            snap = ifaces[0][2] or orig
            out.append((last_ts, orig, body[4:4 + min(orig, snap)]))
        elif btype == 2:  # obsolete Packet Block
            iface, _, hi, lo, caplen, orig = struct.unpack_from(e + "HHIIII", body, 0)
            ts = ((hi << 32) | lo) * 1_000_000 // ifaces[iface][1]
            last_ts = ts
            out.append((ts, orig, body[20:20 + caplen]))
        pos += blen
    return links, out


def read_capture(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        return _pcapng(data)
    return _classic(data)


def merge(paths, out_path):
    rec = struct.Struct("<IIII")
    used, skipped, packets, nbytes, max_caplen, gaps_shortened = [], [], 0, 0, 0, 0
    chunks = []
    end = None
    for path in paths:
        links, pkts = read_capture(path)
        name = os.path.basename(path)
        if not links or any(lt != LINKTYPE_ETHERNET for lt in links):
            skipped.append(name)
            continue
        if not pkts:
            used.append((name, 0))
            continue
        if end is None:
            first_ts = pkts[0][0]
        cur = pkts[0][0] if end is None else end + GAP_US
        prev = pkts[0][0]
        for ts, orig, frame in pkts:
            delta = ts - prev
            prev = ts
            if delta > GAP_US or delta < -GAP_US:
                delta = GAP_US
                gaps_shortened += 1
            cur += delta
            end = cur if end is None else max(end, cur)
            chunks.append(rec.pack(cur // 1_000_000, cur % 1_000_000, len(frame), orig))
            chunks.append(frame)
            max_caplen = max(max_caplen, len(frame))
            nbytes += len(frame)
        packets += len(pkts)
        used.append((name, len(pkts)))
    snaplen = max(262144, max_caplen)
    with open(out_path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, LINKTYPE_ETHERNET))
        f.write(b"".join(chunks))
    return {"packets": packets, "bytes": nbytes,
            "mean_frame_bytes": round(nbytes / packets, 1) if packets else 0,
            "captures_merged": len(used), "captures_skipped_not_ethernet": len(skipped),
            "skipped": skipped, "gaps_shortened_to_one_hour": gaps_shortened,
            "span_s": round((end - first_ts) / 1e6) if packets else 0}
