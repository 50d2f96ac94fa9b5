"""Hostile captures for egressmon's hardening tests: floods, bombs and broken framing.

Every builder is seeded and deterministic (same arguments, same bytes) and writes one classic
pcap file. Conventions follow ``dlp_cases``: inside hosts in 10.0.0.0/8 (the default home net),
outside hosts in documentation ranges, the marking "TOP SECRET" (rule 1000 of
``rules/default.yaml``) on TCP port 7000 (nDPI: Unknown), HTTP on 80, SMTP on 25. Each builder
returns a dict describing what it wrote (counts, where the marking is) so a test can state its
expectation from the capture rather than from a hard-coded number.

    python3 tests/gen/hostile_cases.py OUTDIR   # writes every case to OUTDIR/<case>.pcap

The SYN flood is large (1,000,000 flows, ~70 MB): it is written from one template frame whose
addresses, ports and checksums are patched in place, with incremental checksums, so it takes a
few seconds rather than building a packet object per flow.
"""

import base64
import gzip
import ipaddress
import os
import random
import struct
import sys
import zlib
from typing import Dict, List, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pcapgen.checksum import internet_checksum, transport_checksum  # noqa: E402
from pcapgen.ip import PROTO_TCP, PROTO_UDP, ipv4_packet  # noqa: E402
from pcapgen.link import EthernetFraming  # noqa: E402
from pcapgen.pcap import LINKTYPE_ETHERNET, Capture, PcapWriter, utc_microseconds  # noqa: E402
from pcapgen.smtp import dot_stuff  # noqa: E402
from pcapgen.tcp_session import TcpSession  # noqa: E402
from pcapgen.transport import SYN, mss_option, tcp_segment, udp_datagram  # noqa: E402

SEED = 20261124
START = utc_microseconds("2026-11-24T12:00:00Z")
INSIDE, OUTSIDE = "10.1.0.10", "203.0.113.10"
PORT = 7000
MARK = b"TOP SECRET"


def framing():
    return EthernetFraming("02:00:00:00:00:01", "02:00:00:00:00:02")


def _fold(total: int) -> int:
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return total


# --- (a) SYN flood -------------------------------------------------------------------------


def real_flow_capture(start_us: int, client=(INSIDE, 40000), server=(OUTSIDE, PORT)) -> Capture:
    """The one real connection hidden in the flood: an inside host uploading the marking.

    Compact in time (1 ms round trips) like a LAN upload, so it lives far shorter than it takes
    the flood to cycle the flow table."""
    cap = Capture(LINKTYPE_ETHERNET, start_us)
    tcp = TcpSession(cap, framing(), client, server, rtt_us=1000, gap_us=10)
    tcp.open()
    tcp.send(b"upload begins; the attached plan is TOP SECRET; upload ends")
    tcp.close()
    return cap


def established_uploads(flood_start_us: int, flood_span_us: int, count: int = 10,
                        chunks: int = 20) -> Capture:
    """``count`` HTTP uploads from inside hosts, connected before a flood starts and sending
    their bodies in ``chunks`` pieces spread over the flood, the marking (TOP SECRET) in the
    middle piece, closed after it: what must keep being inspected while new flows pour in."""
    cap = Capture(LINKTYPE_ETHERNET, flood_start_us - 200_000)
    filler = b"quarterly figures, draft for review; " * 28  # ~1 KB a piece
    sessions = []
    for i in range(count):
        tcp = TcpSession(cap, framing(), (f"10.1.1.{i + 1}", 41000 + i), (OUTSIDE, 80),
                         rtt_us=1000, gap_us=10)
        tcp.open()
        body_len = chunks * len(filler) + len(b" TOP SECRET ")
        tcp.send(b"POST /upload HTTP/1.1\r\nHost: files.example\r\nContent-Type: text/plain"
                 b"\r\nContent-Length: %d\r\n\r\n" % body_len, ack=False)
        sessions.append(tcp)
    for k in range(chunks):
        at = flood_start_us + k * flood_span_us // chunks
        if at > cap.now_us:
            cap.advance(at - cap.now_us)
        for tcp in sessions:
            piece = filler + (b" TOP SECRET " if k == chunks // 2 else b"")
            tcp.send(piece)
    cap.advance(max(0, flood_start_us + flood_span_us - cap.now_us) + 1000)
    for tcp in sessions:
        tcp.send(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", from_client=False)
        tcp.close()
    return cap


def syn_flood(path: str, flows: int = 1_000_000, *, seed: int = SEED,
              interval_us: int = 1, real: Capture = None) -> dict:
    """``flows`` SYNs, each opening a distinct 5-tuple, with one real TCP flow (the marking,
    inside -> outside port 7000) in the middle of them.

    Half the SYNs come from outside hosts (198.18.0.0/15) to inside ones, half from inside hosts
    (10.64.0.0/10) to outside ones; (source address, source port) never repeats, so every SYN
    is a new flow. One SYN every ``interval_us``: 1 M flows span one second of capture time, far
    less than any flow timeout, so only the flow-table bound can end them early. ``real``: the
    real traffic to weave in instead (its records go in at their timestamps).
    """
    rng = random.Random(seed)
    template_ip = ipv4_packet("0.0.0.0", "0.0.0.0", PROTO_TCP,
                              tcp_segment("0.0.0.0", "0.0.0.0", 0, 0, 0, 0, SYN,
                                          options=mss_option(1460)),
                              ttl=64, df=True)
    frame = bytearray(framing().wrap(template_ip, True))
    eth = 14
    ip_csum_at, src_at, dst_at = eth + 10, eth + 12, eth + 16
    tcp_at = eth + 20
    sport_at, dport_at, seq_at, tcp_csum_at = tcp_at, tcp_at + 2, tcp_at + 4, tcp_at + 16
    tcp_len = len(frame) - tcp_at
    # Checksums with every varying field zero; each packet adds its own words (RFC 1624).
    frame[ip_csum_at:ip_csum_at + 2] = b"\0\0"
    frame[tcp_csum_at:tcp_csum_at + 2] = b"\0\0"
    ip_base = sum(struct.unpack_from("!10H", frame, eth))
    tcp_base = (sum(struct.unpack_from(f"!{tcp_len // 2}H", frame, tcp_at))
                + PROTO_TCP + tcp_len)  # pseudo-header without the addresses
    record = bytearray(16 + len(frame))
    record[16:] = frame
    outside_base = int(ipaddress.IPv4Address("198.18.0.0"))
    inside_base = int(ipaddress.IPv4Address("10.64.0.0"))
    outside_servers = [int(ipaddress.IPv4Address("203.0.113.0")) + i for i in range(1, 255)]
    inside_servers = [int(ipaddress.IPv4Address("10.2.0.0")) + i for i in range(1, 255)]
    ports = [22, 25, 80, 443, 445, 3389, 8080, 8443]
    middle = flows // 2
    if real is None:
        real = real_flow_capture(START + middle * interval_us)
    real_records = list(real.records)
    pack_header = struct.Struct("<IIII").pack_into
    pack_addrs = struct.Struct("!II").pack_into
    pack_ports_seq = struct.Struct("!HHI").pack_into
    pack_u16 = struct.Struct("!H").pack_into
    frame_len = len(frame)
    with open(path, "wb") as out:
        writer = PcapWriter(out, LINKTYPE_ETHERNET)
        for i in range(flows):
            ts = START + i * interval_us
            while real_records and real_records[0][0] <= ts:
                writer.write(*real_records.pop(0))
            n = i >> 1
            if i & 1:  # outside -> inside
                src = outside_base + (n >> 14)
                dst = inside_servers[rng.randrange(254)]
            else:      # inside -> outside
                src = inside_base + (n >> 14)
                dst = outside_servers[rng.randrange(254)]
            sport = 1024 + (n & 0x3FFF)
            dport = ports[rng.randrange(8)]
            seq = rng.getrandbits(32)
            addr_words = (src >> 16) + (src & 0xFFFF) + (dst >> 16) + (dst & 0xFFFF)
            pack_addrs(record, 16 + src_at, src, dst)
            pack_u16(record, 16 + ip_csum_at, ~_fold(ip_base + addr_words) & 0xFFFF)
            pack_ports_seq(record, 16 + sport_at, sport, dport, seq)
            tcp_sum = tcp_base + addr_words + sport + dport + (seq >> 16) + (seq & 0xFFFF)
            pack_u16(record, 16 + tcp_csum_at, ~_fold(tcp_sum) & 0xFFFF)
            seconds, micros = divmod(ts, 1_000_000)
            pack_header(record, 0, seconds, micros, frame_len, frame_len)
            out.write(record)
        for ts, data in real_records:
            writer.write(ts, data)
    return {"flows": flows, "real_flow_packets": len(real.records),
            "frames": flows + len(real.records)}


# --- (b) 100,000 out-of-order segments ------------------------------------------------------


def out_of_order_stream(path: str, segments: int = 100_000, *, order: str = "reverse",
                        segment_bytes: int = 16, mark_segment: int = 100, block: int = 64,
                        seed: int = SEED) -> dict:
    """One TCP connection (inside -> outside:7000) whose data arrives as ``segments`` segments
    out of order: ``reverse`` (last segment first) or ``blocks`` (shuffled within consecutive
    blocks of ``block`` segments, a bounded reordering). The marking fills segment
    ``mark_segment`` exactly (padded to ``segment_bytes``)."""
    if segment_bytes < len(MARK):
        raise ValueError("a segment must hold the whole marking")
    rng = random.Random(seed)
    filler = bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz ") for _ in range(4096))
    data = bytearray((filler * (segments * segment_bytes // len(filler) + 1))
                     [:segments * segment_bytes])
    at = mark_segment * segment_bytes
    data[at:at + len(MARK)] = MARK
    if order == "reverse":
        sequence = list(range(segments - 1, -1, -1))
    elif order == "blocks":
        sequence = []
        for first in range(0, segments, block):
            chunk = list(range(first, min(first + block, segments)))
            rng.shuffle(chunk)
            sequence += chunk
    else:
        raise ValueError(f"unknown order {order}")
    cap = Capture(LINKTYPE_ETHERNET, START)
    tcp = TcpSession(cap, framing(), (INSIDE, 40001), (OUTSIDE, PORT), gap_us=1)
    tcp.open()
    tcp.send(bytes(data), split=range(segment_bytes, len(data), segment_bytes), order=sequence)
    tcp.close()
    cap.save(path)
    return {"segments": segments, "segment_bytes": segment_bytes, "mark_offset": at,
            "stream_bytes": len(data)}


# --- (c) overlapping fragments --------------------------------------------------------------

PROTO_FRAGMENT = 44


def ipv6_fragment(src: str, dst: str, next_header: int, ident: int, offset: int, more: bool,
                  data: bytes) -> bytes:
    """An IPv6 packet with one Fragment extension header (RFC 8200 4.5) carrying ``data``."""
    if offset % 8:
        raise ValueError("fragment offset must be a multiple of 8")
    frag = struct.pack("!BBHI", next_header, 0, (offset // 8) << 3 | int(more), ident)
    payload = frag + data
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), PROTO_FRAGMENT, 64,
                       ipaddress.IPv6Address(src).packed,
                       ipaddress.IPv6Address(dst).packed) + payload


def _udp(src, dst, sport, dport, payload):
    return udp_datagram(src, dst, sport, dport, payload)


def overlapping_fragments(path: str, *, incomplete: int = 0, many: int = 600,
                          seed: int = SEED) -> dict:
    """Teardrop-style fragment trains, IPv4 and IPv6, each its own datagram (own ident):

    - ``benign_overlap``: a fragment repeats bytes already held, identical: reassembles.
    - ``conflicting_overlap``: the second fragment overlaps the first with different bytes
      (where the first had the marking): first wins, the datagram reassembles with the marking.
    - ``inside_last``: a "last" fragment lying wholly inside an earlier one (the teardrop
      shape): the total it announces is shorter than the data held: inconsistent, dropped.
    - ``beyond_64k``: a fragment whose offset + length passes the 65535-byte IP limit: dropped.
    - ``normal``: an ordinary two-fragment datagram after all that, which must still work.

    - ``many``: one IPv4 datagram cut into ``many`` 8-byte fragments (more than a sane stack
      ever sends), the marking in its middle.

    ``incomplete`` adds that many first fragments whose datagrams never complete (a fragment
    flood against the defragmenter's table), from distinct sources.
    """
    rng = random.Random(seed)
    cap = Capture(LINKTYPE_ETHERNET, START)
    eth = framing()
    expect = {"reassembled": 0, "conflicts": 0, "too_large": 0, "inconsistent": 0,
              "alerts": []}

    def add(packet):
        cap.add(eth.wrap(packet, True), 100)

    for family in (4, 6):
        src = INSIDE if family == 4 else "fd00:10:1::10"
        dst = OUTSIDE if family == 4 else "2001:db8::10"
        base_port = 50000 if family == 4 else 51000

        def frag(ident, offset, more, data):
            if family == 4:
                return ipv4_packet(src, dst, PROTO_UDP, data, ident=ident, mf=more,
                                   offset=offset)
            return ipv6_fragment(src, dst, PROTO_UDP, ident, offset, more, data)

        # benign overlap: [0,48) then [24,72) identical, then [72, end)
        body = b"benign overlap datagram ".ljust(112, b".")
        dgram = _udp(src, dst, base_port + 1, PORT, body)
        add(frag(0x100, 0, True, dgram[:48]))
        add(frag(0x100, 24, True, dgram[24:72]))
        add(frag(0x100, 72, False, dgram[72:]))
        expect["reassembled"] += 1

        # conflicting overlap: [0,48) carries the marking, then [16,64) differs there.
        body = (b"x" * 8 + MARK).ljust(104, b"-")
        dgram = _udp(src, dst, base_port + 2, PORT, body)
        forged = dgram[16:64].replace(MARK, b"NOTHING HR")
        add(frag(0x200, 0, True, dgram[:48]))
        add(frag(0x200, 16, True, forged))
        add(frag(0x200, 64, False, dgram[64:]))
        expect["reassembled"] += 1
        expect["conflicts"] += 1
        expect["alerts"].append((src, base_port + 2, 8))

        # teardrop: [0,64) MF, then a "last" fragment [24,32) inside it.
        dgram = _udp(src, dst, base_port + 3, PORT, b"t" * 120)
        add(frag(0x300, 0, True, dgram[:64]))
        add(frag(0x300, 24, False, dgram[24:32]))
        expect["inconsistent"] += 1

        # past 65535: the last 8-byte slot of the offset field plus 16 bytes.
        add(frag(0x400, 0, True, _udp(src, dst, base_port + 4, PORT, b"h" * 32)[:40]))
        add(frag(0x400, 65528, False, b"z" * 16))
        expect["too_large"] += 1

        # an ordinary fragmented datagram with the marking in its second half.
        body = (b"y" * 60 + MARK).ljust(150, b"y")
        dgram = _udp(src, dst, base_port + 5, PORT, body)
        add(frag(0x500, 0, True, dgram[:64]))
        add(frag(0x500, 64, False, dgram[64:]))
        expect["reassembled"] += 1
        expect["alerts"].append((src, base_port + 5, 60))

    if many:
        body = bytearray(b"m" * (8 * many - 8))
        body[4 * many:4 * many + len(MARK)] = MARK
        dgram = _udp(INSIDE, OUTSIDE, 52000, PORT, bytes(body))
        for k in range(many):
            cap.add(eth.wrap(ipv4_packet(INSIDE, OUTSIDE, PROTO_UDP, dgram[8 * k:8 * k + 8],
                                         ident=0x600, mf=k + 1 < many, offset=8 * k), True), 10)
    expect["many_fragments"] = many
    expect["many_alert"] = (INSIDE, 52000, 4 * many)

    for i in range(incomplete):
        s = f"10.9.{(i >> 8) & 0xFF}.{i & 0xFF}"
        data = bytes(rng.getrandbits(8) for _ in range(8)) * 4
        cap.add(eth.wrap(ipv4_packet(s, OUTSIDE, PROTO_UDP, data, ident=i & 0xFFFF, mf=True),
                         True), 1)
    cap.save(path)
    expect["incomplete"] = incomplete
    return expect


# --- (d) compression bombs ------------------------------------------------------------------

HTTP_SERVER = ("203.0.113.80", 80)


def http_request(method, target, body=b"", headers=()):
    head = [f"{method} {target} HTTP/1.1", "Host: upload.example.net", *headers]
    if not any(h.lower().startswith("transfer-encoding") for h in headers):
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def chunk(data: bytes, size: int = 4096) -> bytes:
    out = b"".join(b"%x\r\n%s\r\n" % (len(data[i:i + size]), data[i:i + size])
                   for i in range(0, len(data), size))
    return out + b"0\r\n\r\n"


def http_connections(cap: Capture, requests: List[bytes], *, first_port: int = 41000,
                     close: bool = True) -> List[Tuple[str, int]]:
    """One connection per request (each answered 200), consecutive client ports."""
    clients = []
    for n, request in enumerate(requests):
        client = (INSIDE, first_port + n)
        tcp = TcpSession(cap, framing(), client, HTTP_SERVER)
        tcp.open()
        tcp.send(request)
        tcp.send(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", from_client=False)
        if close:
            tcp.close()
        clients.append(client)
    return clients


def compression_bombs(path: str, *, inflated_mib: int = 32) -> dict:
    """Three uploads whose body inflates to ``inflated_mib`` MiB of zeros followed by the
    marking: raw deflate (Content-Encoding: deflate, zlib-wrapped), gzip sent chunked, and
    gzip inside a 2-level chunked+gzip framing with tiny chunks. A fourth, harmless, small gzip
    body with the marking follows on its own connection: decoding still works after the bombs.
    """
    plain = b"\0" * (inflated_mib << 20) + MARK
    deflated = zlib.compress(plain, 9)
    gzipped = gzip.compress(plain, compresslevel=9, mtime=0)
    requests = [
        http_request("POST", "/deflate", deflated, ["Content-Encoding: deflate"]),
        http_request("POST", "/gzip-chunked", chunk(gzipped),
                     ["Transfer-Encoding: chunked", "Content-Encoding: gzip"]),
        http_request("POST", "/gzip-tiny-chunks", chunk(gzipped, 7),
                     ["Transfer-Encoding: chunked", "Content-Encoding: gzip"]),
        http_request("POST", "/fine", gzip.compress(b"plan: " + MARK, mtime=0),
                     ["Content-Encoding: gzip"]),
    ]
    cap = Capture(LINKTYPE_ETHERNET, START)
    clients = http_connections(cap, requests)
    cap.save(path)
    return {"bombs": 3, "inflated_bytes": len(plain), "compressed_bytes": len(gzipped),
            "clients": clients, "fine_client": clients[3]}


# --- (e) absurd chunk sizes -----------------------------------------------------------------

# (chunk-size line, whether it is invalid framing the decoder must refuse)
ABSURD_CHUNK_SIZES = [
    (b"FFFFFFFFFFFFFFFFFFFF", True),   # 80 bits
    (b"-1", True),                     # negative
    (b"-FFFFFFFF", True),
    (b"7FFFFFFFFFFFFFFF", True),       # 2^63-1: valid syntax, but past the 2^60 sanity bound
    (b"00000000000000000000000000001", True),  # leading zeros beyond the digit bound
    (b"", True),                       # no digits at all
    (b" 10", True),                    # leading white space
    (b"zz", True),                     # garbage
    (b"10;" + b"a" * 9000, True),      # chunk-size line longer than its bound
    (b"FFFFFFFFFFFFFF", False),        # 2^56-1: framed as a (never-ending) huge chunk
    (b"4;ext=" + b"e" * 100, False),   # an extension: fine
]


def absurd_chunks(path: str) -> dict:
    """One connection per chunk-size line of ``ABSURD_CHUNK_SIZES``: a chunked POST whose
    first chunk carries that size line and a few bytes, then, on the same connection, a second
    (normal, Content-Length) POST whose body carries the marking. The marking is in the raw
    stream either way, so every connection must alert whether or not the HTTP decoder could
    frame past the bad size."""
    requests = []
    for size_line, _ in ABSURD_CHUNK_SIZES:
        first = (http_request("POST", "/chunks", b"", ["Transfer-Encoding: chunked"])
                 + size_line + b"\r\nabcd\r\n0\r\n\r\n")
        second = http_request("POST", "/after", b"plan: " + MARK + b" end")
        requests.append(first + second)
    cap = Capture(LINKTYPE_ETHERNET, START)
    clients = http_connections(cap, requests, first_port=42000)
    cap.save(path)
    return {"connections": len(requests),
            "invalid": sum(1 for _, bad in ABSURD_CHUNK_SIZES if bad), "clients": clients}


# --- (f) MIME parts that never end ----------------------------------------------------------

MAIL_CLIENT, MAIL_SERVER = (INSIDE, 43000), ("198.51.100.25", 25)


def _filler(size: int, seed: int) -> bytes:
    rng = random.Random(seed)
    line = bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(76))
    lines = size // 78 + 1
    return (line + b"\r\n") * lines


def _secret_part(boundary: bytes) -> Tuple[bytes, bytes]:
    content = b"attachment: the TOP SECRET plan"
    part = (b"--" + boundary + b"\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" +
            base64.encodebytes(content).replace(b"\n", b"\r\n"))
    return part, content


def endless_mime(path: str, *, long_part_bytes: int = 8 << 20, seed: int = SEED) -> dict:
    """Four connections, each a multipart body with a very long first part, then a base64 part
    carrying the marking, and no closing boundary ever:

    - SMTP, the DATA never ends and the connection stays open to the end of the capture;
    - SMTP, the connection is closed (FIN) in the middle of DATA;
    - HTTP multipart/form-data upload whose Content-Length matches what is sent (the body ends
      by length, the multipart does not);
    - HTTP upload announcing more than it sends, connection left open.
    """
    boundary = b"never-closed-7f3a"
    filler = _filler(long_part_bytes, seed)
    secret, content = _secret_part(boundary)
    mime = (b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"" + boundary +
            b"\"\r\n\r\n--" + boundary + b"\r\nContent-Type: text/plain\r\n\r\n" + filler +
            secret)
    mail = (b"From: alice@corp.example\r\nTo: bob@example.org\r\nSubject: plan\r\n" + mime)
    cap = Capture(LINKTYPE_ETHERNET, START)

    def smtp(client, close):
        tcp = TcpSession(cap, framing(), client, MAIL_SERVER, gap_us=1)
        tcp.open()
        for from_client, data in [
                (False, b"220 mx.example.org ESMTP\r\n"), (True, b"EHLO ws.corp.example\r\n"),
                (False, b"250 mx.example.org\r\n"), (True, b"MAIL FROM:<alice@corp.example>\r\n"),
                (False, b"250 Ok\r\n"), (True, b"RCPT TO:<bob@example.org>\r\n"),
                (False, b"250 Ok\r\n"), (True, b"DATA\r\n"), (False, b"354 go ahead\r\n"),
                (True, dot_stuff(mail)[:-len(b".\r\n")])]:  # never the final dot
            tcp.send(data, from_client)
        if close:
            tcp.close()

    smtp(MAIL_CLIENT, close=False)
    smtp((INSIDE, MAIL_CLIENT[1] + 1), close=True)

    form = (b"--" + boundary + b"\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n" +
            filler + secret.replace(b"Content-Type: application/octet-stream",
                                    b"Content-Disposition: form-data; name=\"f\"; "
                                    b"filename=\"p.bin\""))
    ctype = "Content-Type: multipart/form-data; boundary=" + boundary.decode()
    exact = http_request("POST", "/upload", form, [ctype])
    short = http_request("POST", "/upload", b"", [ctype]).replace(
        b"Content-Length: 0", b"Content-Length: %d" % (len(form) * 2)) + form
    http_clients = http_connections(cap, [exact], first_port=44000)
    http_clients += http_connections(cap, [short], first_port=44001, close=False)
    cap.save(path)
    return {"long_part_bytes": len(filler), "smtp_clients": [MAIL_CLIENT,
                                                            (INSIDE, MAIL_CLIENT[1] + 1)],
            "http_clients": http_clients, "content": content}


# --- (g) decoder bounds just past their configurable limits -------------------------------

# Sizes past the limits the e2e test configures (1024 bytes, 512 for the SMTP line, depth 1)
# and within the defaults (16 KiB part headers, 64 KiB trailers and MIME headers, 4 KiB lines,
# depth 8, 64 outstanding requests).
DECODER_BOUND_BYTES = 2000
SMTP_LINE_BYTES = 600


def _padding_headers(total: int, name: bytes = b"X-Pad") -> bytes:
    """Header lines of under 100 bytes each, ``total`` bytes with their CRLFs."""
    out = b""
    n = 0
    while len(out) < total:
        line = name + b"-%d: " % n
        room = total - len(out) - len(line) - 2
        out += line + b"p" * max(0, min(80, room)) + b"\r\n"
        n += 1
    return out


def decoder_bounds(path: str) -> dict:
    """One flow per decoder bound, each over a small configured limit and within the default
    one, each carrying the marking in plain text (the raw stream alerts whatever the decoder
    does):

    - HTTP multipart upload whose part header section is ``DECODER_BOUND_BYTES`` long
      (``http.max-part-header-bytes``);
    - HTTP chunked upload whose trailer section is ``DECODER_BOUND_BYTES`` long
      (``http.max-trailer-bytes``);
    - HTTP connection to an inside web server with three pipelined GETs before any response,
      the marking in the last response (``http.max-pending-requests`` 2: one forgotten, which
      frames nothing wrongly since none was HEAD; the responses are egress, so their decoder
      pairs them with the requests);
    - SMTP message after a ``SMTP_LINE_BYTES`` command line (``smtp.max-line-bytes``), whose
      top header section is ``DECODER_BOUND_BYTES`` long (``smtp.max-header-bytes``) and whose
      multipart nests two deep (``smtp.max-mime-depth`` 1).
    """
    cap = Capture(LINKTYPE_ETHERNET, START)
    part = (b"--B\r\nContent-Disposition: form-data; name=\"f\"\r\n" +
            _padding_headers(DECODER_BOUND_BYTES - 45) + b"\r\nplan: " + MARK + b"\r\n--B--\r\n")
    multipart = http_request("POST", "/upload", part,
                             ["Content-Type: multipart/form-data; boundary=B"])
    trailer = _padding_headers(DECODER_BOUND_BYTES - 2, b"X-Trailer") + b"\r\n"
    chunked = (http_request("POST", "/chunked", b"", ["Transfer-Encoding: chunked"]) +
               chunk(b"plan: " + MARK)[:-2] + trailer)
    http_clients = http_connections(cap, [multipart, chunked], first_port=46000)

    # Pairing matters only where responses are decoded: an outside client asks an inside
    # server, whose responses (egress) carry the marking.
    inside_server = ("10.1.0.20", 80)
    tcp = TcpSession(cap, framing(), (OUTSIDE, 46002), inside_server)
    tcp.open()
    tcp.send(http_request("GET", "/a") + http_request("GET", "/b") + http_request("GET", "/c"))
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    marked = b"plan: " + MARK
    tcp.send(ok + ok + b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(marked) +
             marked, from_client=False)
    tcp.close()

    inner = (b"Content-Type: multipart/mixed; boundary=\"in\"\r\n\r\n--in\r\n"
             b"Content-Type: text/plain\r\n\r\nplan: " + MARK + b"\r\n--in--\r\n")
    mail = (b"Content-Type: multipart/mixed; boundary=\"out\"\r\n" +
            _padding_headers(DECODER_BOUND_BYTES - 49) + b"\r\n--out\r\n" + inner +
            b"--out--\r\n")
    smtp_client = (INSIDE, 46003)
    tcp = TcpSession(cap, framing(), smtp_client, MAIL_SERVER)
    tcp.open()
    long_rcpt = b"RCPT TO:<" + b"r" * (SMTP_LINE_BYTES - 20) + b"@example.org>\r\n"
    for from_client, data in [
            (False, b"220 mx.example.org ESMTP\r\n"), (True, b"EHLO ws.corp.example\r\n"),
            (False, b"250 mx.example.org\r\n"), (True, b"MAIL FROM:<alice@corp.example>\r\n"),
            (False, b"250 Ok\r\n"), (True, long_rcpt), (False, b"250 Ok\r\n"),
            (True, b"DATA\r\n"), (False, b"354 go ahead\r\n"), (True, dot_stuff(mail)),
            (False, b"250 Ok\r\n"), (True, b"QUIT\r\n"), (False, b"221 Bye\r\n")]:
        tcp.send(data, from_client)
    tcp.close()
    cap.save(path)
    # The senders of the marking (the inside server for the pipelined connection).
    return {"clients": http_clients + [inside_server, smtp_client],
            # each as the decoder counts it against its bound
            "mail_header_bytes": len(mail.split(b"\r\n\r\n", 1)[0]) + 2,
            "part_header_bytes": len(part.split(b"\r\n\r\n", 1)[0]) - len(b"--B\r\n") + 4,
            "trailer_bytes": len(trailer), "rcpt_line_bytes": len(long_rcpt) - 2}


# --- bad capture files ----------------------------------------------------------------------


RESYNC_JUNK_BYTES = 2000


def _with_lost_segment(cap: Capture, client, server, data: bytes, lost_from: int, lost_to: int):
    """``data`` from the client, the segment [lost_from, lost_to) missing from the capture but
    acknowledged by the server (mirror-port loss), then a close."""
    tcp = TcpSession(cap, framing(), client, server)
    tcp.open()
    before = len(cap.records)
    tcp.send(data, split=[lost_from, lost_to])
    del cap.records[before + 1]
    tcp.close()


def resync_bounds(path: str) -> dict:
    """Two flows that lose a segment (acknowledged by the receiver) and then carry
    ``RESYNC_JUNK_BYTES`` of lines that start nothing before the next message, whose marking
    only decoding reveals:

    - HTTP: the hole is in the first request's headers; then junk lines; then a POST whose gzip
      body holds the marking (``http.max-resync-bytes`` 1024: the decoder gives up first);
    - SMTP: the hole is in a MAIL FROM line; then junk lines; then RSET and a message whose
      base64 part holds the marking (``smtp.max-resync-bytes`` 1024, likewise).
    """
    cap = Capture(LINKTYPE_ETHERNET, START)
    junk = b"".join(b"%05d %s\r\n" % (i, b"~" * 60) for i in range(RESYNC_JUNK_BYTES // 68 + 1))
    first = http_request("GET", "/a", b"", ["X-Filler: " + "f" * 200])
    second = http_request("POST", "/b", gzip.compress(b"plan: " + MARK, mtime=0),
                          ["Content-Encoding: gzip"])
    http_client = (INSIDE, 47000)
    _with_lost_segment(cap, http_client, HTTP_SERVER, first + junk + second, 60, 120)

    smtp_client = (INSIDE, 47001)
    message = (b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
               base64.encodebytes(b"plan: " + MARK).replace(b"\n", b"\r\n"))
    commands = (b"EHLO ws.corp.example\r\nMAIL FROM:<alice@corp.example>\r\n" + junk +
                b"RSET\r\nMAIL FROM:<alice@corp.example>\r\nRCPT TO:<bob@example.org>\r\n"
                b"DATA\r\n" + dot_stuff(message) + b"QUIT\r\n")
    lost_from = commands.index(b"MAIL FROM") + 4
    _with_lost_segment(cap, smtp_client, MAIL_SERVER, commands, lost_from, lost_from + 10)
    cap.save(path)
    return {"http_client": http_client, "smtp_client": smtp_client}


def small_capture(flows: int = 5) -> Capture:
    """A few short TCP flows with the marking, as the base for damaged files."""
    cap = Capture(LINKTYPE_ETHERNET, START)
    for i in range(flows):
        tcp = TcpSession(cap, framing(), (INSIDE, 45000 + i), (OUTSIDE, PORT))
        tcp.open()
        tcp.send(b"flow %d: TOP SECRET" % i)
        tcp.close()
    return cap


def pcap_bytes(cap: Capture) -> Tuple[bytes, List[int]]:
    """The capture as classic pcap bytes and the file offset of every record header."""
    import io
    stream = io.BytesIO()
    writer = PcapWriter(stream, cap.linktype)
    offsets = []
    for ts, frame in cap.records:
        offsets.append(stream.tell())
        writer.write(ts, frame)
    return stream.getvalue(), offsets


def lying_record(data: bytes, offsets: List[int], index: int, *, caplen=None,
                 origlen=None) -> bytes:
    """``data`` with record ``index``'s header lengths replaced (the bytes stay as they are)."""
    out = bytearray(data)
    at = offsets[index]
    if caplen is not None:
        struct.pack_into("<I", out, at + 8, caplen)
    if origlen is not None:
        struct.pack_into("<I", out, at + 12, origlen)
    return bytes(out)


def pcapng_bytes(cap: Capture, *, bad_block=None) -> bytes:
    """The capture as pcapng: SHB, one IDB, one EPB per record. ``bad_block`` = (index,
    kind) makes EPB ``index`` lie about its length: ``"huge"`` (0xFFFFFFF0), ``"past_end"``
    (longer than the rest of the file), ``"unaligned"`` (not a multiple of 4), ``"trailer"``
    (the trailing copy of the length differs), ``"tiny"`` (shorter than a block header)."""
    def block(btype, body):
        length = 12 + len(body)
        return struct.pack("<II", btype, length) + body + struct.pack("<I", length)

    out = bytearray(block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
    out += block(0x00000001, struct.pack("<HHI", cap.linktype, 0, 262144))
    for n, (ts, frame) in enumerate(cap.records):
        pad = b"\0" * (-len(frame) % 4)
        body = struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(frame), len(frame))
        blk = bytearray(block(0x00000006, body + frame + pad))
        if bad_block is not None and bad_block[0] == n:
            kind = bad_block[1]
            if kind == "huge":
                struct.pack_into("<I", blk, 4, 0xFFFFFFF0)
            elif kind == "past_end":
                struct.pack_into("<I", blk, 4, len(blk) + 1_000_000)
            elif kind == "unaligned":
                struct.pack_into("<I", blk, 4, len(blk) + 2)
            elif kind == "trailer":
                struct.pack_into("<I", blk, len(blk) - 4, len(blk) + 8)
            elif kind == "tiny":
                struct.pack_into("<I", blk, 4, 8)
            else:
                raise ValueError(kind)
        out += blk
    return bytes(out)


CASES = {
    "syn_flood": syn_flood,
    "out_of_order_reverse": lambda p: out_of_order_stream(p, order="reverse"),
    "out_of_order_blocks": lambda p: out_of_order_stream(p, order="blocks",
                                                         mark_segment=99_990),
    "overlapping_fragments": lambda p: overlapping_fragments(p, incomplete=20_000),
    "compression_bombs": compression_bombs,
    "absurd_chunks": absurd_chunks,
    "endless_mime": endless_mime,
    "decoder_bounds": decoder_bounds,
    "resync_bounds": resync_bounds,
}


if __name__ == "__main__":
    outdir = sys.argv[1] if len(sys.argv) > 1 else "hostile-cases"
    os.makedirs(outdir, exist_ok=True)
    for name, build in CASES.items():
        info = build(os.path.join(outdir, name + ".pcap"))
        print(name, {k: v for k, v in info.items() if k != "clients"})
