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
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests",
                                "gen"))
from pcapgen.capture_reader import read_capture  # noqa: E402

LINKTYPE_ETHERNET = 1
GAP_US = 3600 * 1_000_000


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
        for ts, orig, frame, _ in pkts:
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


def repeat(in_path, out_path, times):
    """`in_path` (a classic microsecond pcap, as merge() writes) `times` over into `out_path`,
    each copy shifted to start one hour after the latest timestamp of the one before, so its
    flows are new flows again. Makes a capture long enough that process start-up does not
    decide a whole-process comparison."""
    with open(in_path, "rb") as f:
        data = f.read()
    header, body = data[:24], data[24:]
    rec = struct.Struct("<IIII")
    records, pos = [], 0
    while pos + rec.size <= len(body):
        sec, usec, caplen, orig = rec.unpack_from(body, pos)
        records.append((sec * 1_000_000 + usec, orig, body[pos + rec.size:pos + rec.size + caplen]))
        pos += rec.size + caplen
    if not records:
        raise ValueError(f"{in_path}: no packets")
    first = records[0][0]
    span = max(ts for ts, _, _ in records) - first
    with open(out_path, "wb") as f:
        f.write(header)
        for i in range(times):
            shift = i * (span + GAP_US)
            f.write(b"".join(rec.pack((ts + shift) // 1_000_000, (ts + shift) % 1_000_000,
                                      len(frame), orig) + frame
                             for ts, orig, frame in records))
    return {"packets": len(records) * times, "copies": times}
