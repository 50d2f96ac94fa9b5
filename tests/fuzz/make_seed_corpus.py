#!/usr/bin/env python3
"""Write the seed corpus of every fuzz target in tests/fuzz: OUTDIR/<target>/<sha1>.

    python3 tests/fuzz/make_seed_corpus.py OUTDIR

Seeds come from real and generated traffic: the shared nDPI captures (../shared/pcaps/ndpi,
skipped when absent) and the project's own generated captures (tests/gen: the bundled sample
and the DLP golden cases, built in memory with pcapgen), cut into what each target reads:
frames for the decoder, fragments for the defragmenter, TCP segments for the reassembler, TCP
payload streams for the HTTP and SMTP decoders, and the bodies, messages and encodings found
inside them. Rule files come from rules/*.yaml, spool segments are written here in the format
of export/disk_spool.h, ZIP archives come from tests/gen/zip_files.py, tar archives from
tests/gen/documents.py and tarfile. Each seed starts with
the header its target's .cpp documents.

Bounded so that generation takes seconds: at most MAX_SEEDS seeds per target, MAX_SEED bytes
each. Standard library only.
"""

import base64
import binascii
import glob
import gzip
import hashlib
import io
import json
import os
import quopri
import re
import struct
import sys
import tarfile
import urllib.parse
import zipfile
import zlib
from collections import OrderedDict
from typing import Dict, Iterator, List, Optional, Tuple, Union

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
SHARED_PCAPS = os.path.normpath(os.path.join(ROOT, "..", "shared", "pcaps", "ndpi"))
sys.path.insert(0, os.path.join(ROOT, "tests", "gen"))
from pcapgen import capture_reader  # noqa: E402

MAX_SEEDS = 200
MAX_SEED = 64 * 1024
MAX_FRAMES_PER_CAPTURE = 4000  # frames read from one capture: enough flows, bounded time
PER_CAPTURE = 2  # seeds one capture may give one target

# packet_decoder_fuzz.cpp kLinkTypes: the first input byte indexes this table.
DECODER_LINK_TYPES = [1, 113, 276, 12, 14, 101, 228, 229, 0, 108, 9, 104, 50, 105, 1]


class Corpus:
    """Seeds per target, de-duplicated, capped in count and size."""

    def __init__(self) -> None:
        self.seeds: Dict[str, "OrderedDict[bytes, None]"] = {}
        self.from_capture: Dict[str, int] = {}

    def begin_capture(self) -> None:
        """Seeds taken from one capture are capped (PER_CAPTURE), so every capture gets in."""
        self.from_capture = {}

    def add(self, target: str, seed: bytes, from_capture: bool = False) -> None:
        bucket = self.seeds.setdefault(target, OrderedDict())
        if from_capture:
            if self.from_capture.get(target, 0) >= PER_CAPTURE:
                return
            self.from_capture[target] = self.from_capture.get(target, 0) + 1
        if len(bucket) < MAX_SEEDS:
            bucket[seed[:MAX_SEED]] = None

    def full(self, target: str) -> bool:
        return len(self.seeds.get(target, ())) >= MAX_SEEDS

    def write(self, outdir: str) -> None:
        for target, bucket in sorted(self.seeds.items()):
            folder = os.path.join(outdir, target)
            os.makedirs(folder, exist_ok=True)
            for seed in bucket:
                name = hashlib.sha1(seed).hexdigest()
                with open(os.path.join(folder, name), "wb") as f:
                    f.write(seed)


# --- capture files ---------------------------------------------------------------------------

Frame = Tuple[int, bytes]  # (link type, frame bytes)


def read_capture(path: str) -> List[Frame]:
    """The first MAX_FRAMES_PER_CAPTURE frames of a capture, each with its link type."""
    _, records = capture_reader.read_capture(path)
    return [(r.linktype, r.frame) for r in records[:MAX_FRAMES_PER_CAPTURE]]


def generated_captures() -> List[List[Frame]]:
    """The bundled sample and every DLP golden case, built in memory by tests/gen."""
    import dlp_cases  # noqa: E402 (tests/gen on sys.path)
    import make_sample

    captures = [make_sample.build_sample()]
    captures += [build() for build in dlp_cases.CASES.values()]
    return [[(c.linktype, frame) for _, frame in c.records] for c in captures]


# --- just enough decoding to cut frames into seeds ------------------------------------------

def ip_start(linktype: int, frame: bytes) -> Optional[int]:
    """Offset of the IP header in a frame, through Ethernet/VLAN, SLL, raw, BSD loopback."""
    if linktype == 1:
        off, ethertype = 14, frame[12:14]
        while ethertype in (b"\x81\x00", b"\x88\xa8") and len(frame) >= off + 4:
            ethertype, off = frame[off + 2:off + 4], off + 4
        return off if ethertype in (b"\x08\x00", b"\x86\xdd") else None
    if linktype == 113:
        return 16 if frame[14:16] in (b"\x08\x00", b"\x86\xdd") else None
    if linktype == 276:
        return 20 if frame[0:2] in (b"\x08\x00", b"\x86\xdd") else None
    if linktype in (12, 14, 101, 228, 229):
        return 0
    if linktype in (0, 108):
        return 4
    return None


class IpInfo:
    def __init__(self) -> None:
        self.version = 0
        self.src = b""
        self.dst = b""
        self.proto = 0
        self.fragment = False
        self.l4 = b""  # transport header and payload (unfragmented datagrams only)


def parse_ip(ip: bytes) -> Optional[IpInfo]:
    info = IpInfo()
    if len(ip) >= 20 and ip[0] >> 4 == 4:
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0] or len(ip)
        info.version, info.src, info.dst, info.proto = 4, ip[12:16], ip[16:20], ip[9]
        info.fragment = (struct.unpack(">H", ip[6:8])[0] & 0x3FFF) != 0
        info.l4 = ip[ihl:total]
        return info
    if len(ip) >= 40 and ip[0] >> 4 == 6:
        info.version, info.src, info.dst = 6, ip[8:24], ip[24:40]
        proto, pos = ip[6], 40
        while proto in (0, 43, 60, 44) and len(ip) >= pos + 8:
            if proto == 44:
                info.fragment = True
                proto, pos = ip[pos], pos + 8
            else:
                proto, pos = ip[pos], pos + (ip[pos + 1] + 1) * 8
        info.proto = proto
        info.l4 = ip[pos:40 + struct.unpack(">H", ip[4:6])[0]]
        return info
    return None


class Segment:
    def __init__(self, seq: int, ack: int, flags: int, payload: bytes) -> None:
        self.seq, self.ack, self.flags, self.payload = seq, ack, flags, payload


class TcpFlows:
    """TCP segments by connection, each direction apart, in capture order."""

    def __init__(self) -> None:
        # (client endpoint, server endpoint) -> [(from_client, Segment)]
        self.flows: "OrderedDict[tuple, List[Tuple[bool, Segment]]]" = OrderedDict()

    def add(self, info: IpInfo) -> None:
        tcp = info.l4
        if info.proto != 6 or info.fragment or len(tcp) < 20:
            return
        sport, dport, seq, ack = struct.unpack(">HHII", tcp[:12])
        offset = (tcp[12] >> 4) * 4
        a, b = (info.src, sport), (info.dst, dport)
        if (b, a) in self.flows:
            key, from_client = (b, a), False
        else:
            key, from_client = (a, b), True
        self.flows.setdefault(key, []).append(
            (from_client, Segment(seq, ack, tcp[13], tcp[offset:])))

    def streams(self) -> Iterator[Tuple[bool, bytes]]:
        """Each direction's payload in sequence order, retransmissions dropped."""
        for segments in self.flows.values():
            for direction in (True, False):
                seen, parts = set(), []
                for from_client, s in segments:
                    if from_client == direction and s.payload and s.seq not in seen:
                        seen.add(s.seq)
                        parts.append((s.seq, s.payload))
                if parts:
                    base = parts[0][0]
                    parts.sort(key=lambda p: (p[0] - base) & 0xFFFFFFFF)
                    yield direction, b"".join(p for _, p in parts)[:MAX_SEED]


# --- seeds per target ------------------------------------------------------------------------

def u16(v: int) -> bytes:
    return struct.pack("<H", v & 0xFFFF)


def u32(v: int) -> bytes:
    return struct.pack("<I", v & 0xFFFFFFFF)


SPLIT_SEED = u32(0x9E3779B9)


def add_frame_seeds(corpus: Corpus, frames: List[Frame], flows: TcpFlows) -> None:
    fragments: List[bytes] = []
    for i, (linktype, frame) in enumerate(frames):
        start = ip_start(linktype, frame)
        info = parse_ip(frame[start:]) if start is not None else None
        # Frames spread over the capture, and every fragment (a rarer path).
        if linktype in DECODER_LINK_TYPES and (i % 16 == 0 or (info and info.fragment)):
            link = bytes([DECODER_LINK_TYPES.index(linktype), 0])
            corpus.add("packet_decoder_fuzz", link + frame, True)
        if info is None:
            continue
        if info.fragment:
            fragments.append(frame[start:start + 2047])
        flows.add(info)
    if fragments:
        # ip_defragmenter_fuzz.cpp: raw records, control bit 7 then a 16-bit length.
        corpus.add("ip_defragmenter_fuzz",
                   b"".join(b"\x80" + u16(len(f)) + f for f in fragments[:40]))


def tcp_records(segments: List[Tuple[bool, Segment]]) -> bytes:
    """tcp_reassembler_fuzz.cpp records for one connection (pattern payloads)."""
    isn = {True: None, False: None}
    for from_client, s in segments:
        if isn[from_client] is None:
            isn[from_client] = s.seq - 1 if s.flags & 0x02 else s.seq
    out = u32(isn[True] or 0) + u32(isn[False] or 0)
    for from_client, s in segments[:120]:
        control = (0 if from_client else 1) | (0x02 if s.flags & 0x02 else 0)
        control |= (0x04 if s.flags & 0x01 else 0) | (0x08 if s.flags & 0x04 else 0)
        offset = (s.seq - isn[from_client]) & 0xFFFFFFFF
        other = isn[not from_client] or 0
        ack = (s.ack - other) & 0xFFFF if s.flags & 0x10 else 0
        if s.flags & 0x10:
            control |= 0x20
        if offset > 0xFFFF:
            control |= 0x40
            field = u16(offset) + u16(offset >> 16)
        else:
            field = u16(offset)
        out += bytes([control]) + field + bytes([min(len(s.payload), 255)]) + u16(ack)
    return out


def inspector_records(segments: List[Tuple[bool, Segment]], http: bool) -> bytes:
    """flow_inspector_fuzz.cpp: a TCP egress flow, classified from the start, real payloads."""
    isn = {True: None, False: None}
    for from_client, s in segments:
        if isn[from_client] is None:
            isn[from_client] = s.seq - 1 if s.flags & 0x02 else s.seq
    out = bytes([0x08 | (0x10 if http else 0), 0]) + u32(isn[True] or 0) + u32(isn[False] or 0)
    for from_client, s in segments[:150]:
        control = (0 if from_client else 1) | (0x02 if s.flags & 0x02 else 0)
        control |= (0x04 if s.flags & 0x01 else 0) | (0x08 if s.flags & 0x04 else 0)
        control |= 0x20 if s.flags & 0x10 else 0
        offset = (s.seq - isn[from_client]) & 0xFFFFFFFF
        ack = (s.ack - (isn[not from_client] or 0)) & 0xFFFF
        field = u16(offset)
        if offset + len(s.payload) > 0xFFFF:
            control |= 0x40
            field += u16(offset >> 16)
        for at in range(0, max(len(s.payload), 1), 255):  # records carry at most 255 bytes
            piece = s.payload[at:at + 255]
            out += bytes([control]) + field + bytes([len(piece)]) + u16(ack) + piece
            offset += len(piece)
            field = u16(offset) + (u16(offset >> 16) if control & 0x40 else b"")
    return out


def inspector_stream(flow_control: int, stream: bytes) -> bytes:
    """flow_inspector_fuzz.cpp: `stream` sent client -> server in order (one datagram per record
    for UDP), the flow classified on the last record."""
    out = bytes([flow_control, 0]) + u32(1000) + u32(5000)
    pieces = [stream[at:at + 255] for at in range(0, len(stream), 255)][:200]
    for i, piece in enumerate(pieces):
        control = 0x20 | (0x80 if i + 1 == len(pieces) else 0)
        out += bytes([control]) + u16(1 + 255 * i) + bytes([len(piece)]) + u16(1) + piece
    return out


def add_stream_seeds(corpus: Corpus, flows: TcpFlows) -> None:
    for segments in list(flows.flows.values())[:60]:
        if len(segments) > 2:
            corpus.add("tcp_reassembler_fuzz", tcp_records(segments), True)
            payload = next((s.payload for _, s in segments if s.payload), b"")
            http = payload[:5] == b"HTTP/" or b" /" in payload[:16]
            corpus.add("flow_inspector_fuzz", inspector_records(segments, http), True)
    for from_client, stream in flows.streams():
        head = stream[:24]
        if head.startswith(b"HTTP/1.") or (from_client and b" /" in head[:16]):
            mode = 1 if from_client else 0
            seed = bytes([mode, 0]) + SPLIT_SEED + u16(0) + stream
            corpus.add("http_decoder_fuzz", seed, True)
            add_http_parts(corpus, stream)
        elif head[:2] == b"\x16\x03":  # a TLS direction: [split seed][gap at][gap length]
            corpus.add("tls_record_filter_fuzz", SPLIT_SEED + u16(0) + u16(0) + stream, True)
            corpus.add("tls_record_filter_fuzz", SPLIT_SEED + u16(700) + u16(40) + stream, True)
        elif from_client and head[:4].upper() in (b"EHLO", b"HELO", b"LHLO"):
            corpus.add("smtp_decoder_fuzz", b"\x00" + SPLIT_SEED + u16(0) + stream, True)
            add_smtp_parts(corpus, stream)


def add_http_parts(corpus: Corpus, stream: bytes) -> None:
    """Bodies, targets and multipart content of the first message of an HTTP stream."""
    head, sep, rest = stream.partition(b"\r\n\r\n")
    if not sep:
        return
    lines = head.split(b"\r\n")
    target = lines[0].split(b" ")[1] if lines[0].count(b" ") >= 2 else b""
    if target:
        corpus.add("percent_decoder_fuzz", b"\x01" + target, True)
        corpus.add("mime_param_fuzz", b"\x00" + target, True)
    fields = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        fields[name.strip().lower()] = value.strip()
    if b"chunked" in fields.get(b"transfer-encoding", b"").lower():
        corpus.add("http_body_framer_fuzz", b"\x00" + u32(0) + SPLIT_SEED + rest, True)
    elif b"content-length" in fields:
        length = int(fields[b"content-length"]) if fields[b"content-length"].isdigit() else 0
        corpus.add("http_body_framer_fuzz", b"\x01" + u32(length) + SPLIT_SEED + rest, True)
    content_type = fields.get(b"content-type", b"")
    if b"multipart/form-data" in content_type.lower() and b"boundary=" in content_type:
        boundary = content_type.split(b"boundary=", 1)[1].split(b";")[0].strip(b'"')[:200]
        seed = bytes([len(boundary)]) + boundary + b"\x00" + SPLIT_SEED + rest
        corpus.add("multipart_fuzz", seed, True)
        add_file_name_fields(corpus, rest)
    if b"x-www-form-urlencoded" in content_type.lower():
        corpus.add("percent_decoder_fuzz", b"\x02" + rest[:4096], True)


def add_smtp_parts(corpus: Corpus, stream: bytes) -> None:
    """Each message after DATA, dot-stuffing kept (close enough for the MIME parser)."""
    for chunk in stream.split(b"\r\nDATA\r\n")[1:]:
        message = chunk.split(b"\r\n.\r\n")[0]
        corpus.add("mime_parser_fuzz", b"\x00" + SPLIT_SEED + message, True)
        add_file_name_fields(corpus, message)
        for line_block in message.split(b"\r\n\r\n")[1:]:
            if len(line_block) > 16:
                corpus.add("base64_fuzz", b"\x05" + line_block[:4096], True)
                corpus.add("quoted_printable_fuzz", b"\x05" + line_block[:4096], True)


def add_file_name_fields(corpus: Corpus, message: bytes) -> None:
    """Content-Disposition / Content-Type values (unfolded) naming a file, for mime_param_fuzz."""
    unfolded = re.sub(rb"\r?\n[ \t]", b" ", message)
    for line in unfolded.split(b"\n"):
        name, _, value = line.rstrip(b"\r").partition(b":")
        if name.strip().lower() not in (b"content-disposition", b"content-type"):
            continue
        if b"name" in value.lower():
            mode = b"\x01" if name.strip().lower() == b"content-type" else b"\x00"
            corpus.add("mime_param_fuzz", mode + value.strip(), True)


# mime_param_fuzz.cpp: [mode: bit 0 "name" else "filename"] then a header value or a target.
FILE_NAME_SEEDS = [
    b"attachment; filename=\"plan.txt\"; size=3",
    b"attachment; filename=\"fallback.docx\"; filename*=UTF-8''%E7%BB%9D%E5%AF%86.docx",
    b"attachment; filename*=utf-8'zh-CN'%E7%BB%9D%E5%AF%86.docx",
    b"attachment; filename*=GBK''%BE%F8%C3%DC.docx",
    b"attachment; filename*=big5''%BE%F7%B1K.doc",
    b"attachment; filename*=windows-1252''%80.txt; filename*=iso-8859-1''R%E9sum%E9.pdf",
    b"attachment; filename*0*=UTF-8''%E7%BB%9D; filename*1*=%E5%AF%86; filename*2=\".docx\"",
    b"attachment; filename*1=\"two\"; filename*0=\"one-\"; filename*3=\"gap\"",
    b"attachment; filename*0=\"=?UTF-8?B?57ud5a+GLmRv\"; filename*1=\"Y3g=?=\"",
    b"attachment; filename=\"=?UTF-8?B?57ud5Q==?=\r\n =?UTF-8?B?r4Y=?=\"",
    b"attachment; filename=\"=?GBK?Q?=BE=F8=C3=DC.docx?=\"",
    b"attachment; filename=\"Q3 =?utf-8?q?plan_v2?= =?gb2312?b?vvjD3A==?=.txt\"",
    b"attachment; filename=\"\xbe\xf8\xc3\xdc.docx\"",
    "attachment; filename=\"绝密.docx\"".encode(),
    b"form-data; name=\"f\"; filename=\"C:\\Users\\a\\say \\\"hi\\\".docx\"",
    b"attachment; filename*=UTF-8''100%.txt%G1%4; filename=\"=?UTF-8?B?57ud5a+G",
    b"attachment; filename*=x-unknown''%FF; filename=\"=?koi8-u?B?/w==?=\"",
    b"/upload/%E7%BB%9D%E5%AF%86.docx?session=1",
    b"http://files.example.com/dav/%BE%F8%C3%DC.txt#frag",
]


def add_file_name_seeds(corpus: Corpus) -> None:
    for seed in FILE_NAME_SEEDS:
        corpus.add("mime_param_fuzz", b"\x00" + seed)
    corpus.add("mime_param_fuzz", b"\x01application/pdf; name=\"=?UTF-8?B?57ud5a+GLnBkZg==?=\"")
    corpus.add("mime_param_fuzz", b"\x00attachment; filename*=UTF-8''" + b"%E7%BB%9D" * 200)


# --- synthetic seeds -------------------------------------------------------------------------

TEXT = (b"Project Aurora - TOP SECRET - do not distribute\r\n"
        b"card 4111 1111 1111 1111, key AKIAIOSFODNN7EXAMPLE\r\n") * 8


def add_synthetic(corpus: Corpus) -> None:
    for compressed in (gzip.compress(TEXT, mtime=0), zlib.compress(TEXT),
                       zlib.compress(TEXT)[2:-4], gzip.compress(b"\0" * 60000, mtime=0)):
        gz = compressed[:2] == b"\x1f\x8b"
        corpus.add("inflater_fuzz", (b"\x00" if gz else b"\x01") + SPLIT_SEED + compressed)
    b64 = base64.encodebytes(TEXT)
    qp = quopri.encodestring(TEXT.replace(b"TOP", "机密".encode()) + b"=" * 3)
    corpus.add("base64_fuzz", b"\x03" + b64)
    corpus.add("base64_fuzz", b"\x07" + b"QUJD=RA==\r\n  QQ")
    corpus.add("quoted_printable_fuzz", b"\x03" + qp)
    corpus.add("quoted_printable_fuzz", b"\x07" + b"a=\r\nb=4=41=\n=C3=A9=4")
    corpus.add("percent_decoder_fuzz", b"\x01" + urllib.parse.quote(TEXT).encode() + b"?a+b=%4")

    for chunk, ext in ((7, b";x=1"), (64, b"")):
        body = b"".join(b"%x%s\r\n%s\r\n" % (len(TEXT[i:i + chunk]), ext, TEXT[i:i + chunk])
                        for i in range(0, len(TEXT), chunk))
        corpus.add("http_body_framer_fuzz",
                   b"\x00" + u32(0) + SPLIT_SEED + body + b"0\r\nX-T: 1\r\n\r\nNEXT")

    part_body = (b"--XyZ\r\nContent-Disposition: form-data; name=\"f\"\r\n"
                 b"Content-Transfer-Encoding: base64\r\n\r\n" + b64 +
                 b"\r\n--XyZ\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + qp +
                 b"\r\n--XyZ--\r\n")
    corpus.add("multipart_fuzz", b"\x03XyZ\x00" + SPLIT_SEED + part_body)

    gz = gzip.compress(TEXT, mtime=0)
    requests = [
        b"POST /up?x=%2F+y HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Encoding: gzip\r\n\r\n" + b"%x\r\n" % len(gz) + gz + b"\r\n0\r\n\r\n",
        b"POST /form HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 17\r\n\r\na=%E4%B8%AD+b&c=%GET / HTTP/1.1\r\n\r\n",
        b"POST /upload HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=XyZ\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(part_body), part_body),
    ]
    for request in requests:
        corpus.add("http_decoder_fuzz", b"\x01\x00" + SPLIT_SEED + u16(0) + request)
        corpus.add("flow_inspector_fuzz", inspector_stream(0x18, request))
    deflated = zlib.compress(TEXT)
    corpus.add("http_decoder_fuzz", b"\x10\x01" + SPLIT_SEED + u16(0) +
               b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
               b"HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: %d\r\n\r\n%s"
               b"HTTP/1.0 200 OK\r\n\r\nuntil close" % (len(deflated), deflated))

    message = (b"Content-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\n"
               b"Content-Type: multipart/alternative; boundary=\"in ner\"\r\n\r\n--in ner\r\n"
               b"Content-Transfer-Encoding: quoted-printable\r\n\r\n" + qp +
               b"\r\n--in ner--\r\n--zz\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64 +
               b"\r\n--zz--\r\n")
    corpus.add("mime_parser_fuzz", b"\x00" + SPLIT_SEED + message)
    session = (b"EHLO client\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n" + message +
               b"..dot-stuffed\r\n.\r\nBDAT 5 LAST\r\nhello"
               b"RSET\r\nSTARTTLS\r\n")
    corpus.add("smtp_decoder_fuzz", b"\x00" + SPLIT_SEED + u16(0) + session)
    corpus.add("flow_inspector_fuzz", inspector_stream(0x00, session))  # classified later
    corpus.add("flow_inspector_fuzz", inspector_stream(0x09, b"udp TOP SECRET leak " * 20))

    # ip_defragmenter_fuzz.cpp field records: [control][offset units: 2][length][clock step].
    def frag(control: int, units: int, length: int, step: int = 1) -> bytes:
        return bytes([control]) + u16(units) + bytes([length, step])
    corpus.add("ip_defragmenter_fuzz", frag(2, 0, 16) + frag(2, 2, 16) + frag(0, 4, 5))
    corpus.add("ip_defragmenter_fuzz", frag(1, 4, 3) + frag(3, 0, 32) + frag(0x13, 2, 8))
    four = b"".join(frag(2 | (w << 2), 0, 8, 200) for w in range(4))  # evicts the oldest
    corpus.add("ip_defragmenter_fuzz", four + frag(0, 1, 8) + frag(0, 1, 8, 0xFF))

    # tcp_reassembler_fuzz.cpp: [ISNs][control][offset: 2][length][ack: 2] with pattern payloads.
    def seg(control: int, offset: int, length: int, ack: int = 0) -> bytes:
        return bytes([control]) + u16(offset) + bytes([length]) + u16(ack)
    corpus.add("tcp_reassembler_fuzz", u32(0xFFFFFF00) + u32(7) + seg(0x02, 0, 0) +
               seg(0x03, 0, 0) + seg(0x20, 1, 200, 1) + seg(0, 401, 100) + seg(0, 201, 200) +
               seg(0x21, 1, 50, 501) + seg(0x04, 501, 0))
    corpus.add("tcp_reassembler_fuzz", u32(1000) + u32(2000) + seg(0, 300, 100) +
               seg(0, 500, 100) + seg(0x10, 350, 100) + b"x" * 100 + seg(0, 0, 255) +
               seg(0x21, 0, 10, 900))


def smtp_script(steps: List[Tuple[int, Union[bytes, int]]]) -> bytes:
    """smtp_decoder_fuzz.cpp script mode (mode bit 4): after the header, steps [op][n: 2], data
    steps followed by their n bytes: op 0 client bytes, 2 server bytes (given as bytes); op 1 / 3
    a gap of n + 1 bytes in the client's / server's stream (given as its length)."""
    out = b"\x10" + SPLIT_SEED + u16(0)
    for op, data in steps:
        if isinstance(data, int):
            assert op in (1, 3) and 1 <= data <= 0x10000, "a gap is 1..65536 bytes"
            out += bytes([op]) + u16(data - 1)
        else:
            assert op in (0, 2) and len(data) <= 0xFFFF, "a data step carries 0..65535 bytes"
            out += bytes([op]) + u16(len(data)) + data
    return out


def add_smtp_script_seeds(corpus: Corpus) -> None:
    """Both directions of whole SMTP dialogues for smtp_decoder_fuzz's script mode, where the
    server's replies (SmtpReplyDecoder) decide what the client's bytes are."""
    def client(text: bytes) -> Tuple[int, bytes]:
        return 0, text

    def server(text: bytes) -> Tuple[int, bytes]:
        return 2, text

    banner = server(b"220 mx.partner.example ESMTP Postfix\r\n")
    envelope = [client(b"MAIL FROM:<alice@corp.example>\r\n"), server(b"250 2.1.0 Ok\r\n"),
                client(b"RCPT TO:<bob@partner.example>\r\n"), server(b"250 2.1.5 Ok\r\n")]
    quit_ = [client(b"QUIT\r\n"), server(b"221 2.0.0 Bye\r\n")]
    attachment = base64.encodebytes(TEXT)  # 76-column lines
    message = (b"From: alice@corp.example\r\nTo: bob@partner.example\r\nSubject: plan\r\n"
               b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
               b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee attached\r\n"
               b"..a dot-stuffed line\r\n"
               b"--b1\r\nContent-Type: application/octet-stream; name=\"plan.txt\"\r\n"
               b"Content-Transfer-Encoding: base64\r\n\r\n" +
               attachment.replace(b"\n", b"\r\n") + b"--b1--\r\n")
    half = len(message) // 2

    # DATA with a base64 MIME part, the message in two client steps.
    before = [banner, client(b"EHLO ws01.corp.example\r\n"),
              server(b"250-mx.partner.example\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
                     b"250 SIZE 10240000\r\n")] + envelope + [
        client(b"DATA\r\n"), server(b"354 End data with <CR><LF>.<CR><LF>\r\n")]
    after = [server(b"250 2.0.0 Ok: queued as 4Xk2\r\n")] + quit_
    corpus.add("smtp_decoder_fuzz", smtp_script(
        before + [client(message[:half]), client(message[half:] + b".\r\n")] + after))

    # The same with 100 bytes of the attachment lost in the client's stream: resync.
    lost_at = message.index(b"base64\r\n\r\n") + 200
    corpus.add("smtp_decoder_fuzz", smtp_script(
        before + [client(message[:lost_at]), (1, 100),
                  client(message[lost_at + 100:] + b".\r\n")] + after))

    # BDAT (CHUNKING): the message in two chunks, the second LAST.
    chunk1, chunk2 = message[:half], message[half:]
    corpus.add("smtp_decoder_fuzz", smtp_script(
        [banner, client(b"EHLO ws01.corp.example\r\n"),
         server(b"250-mx.partner.example\r\n250-CHUNKING\r\n250 BINARYMIME\r\n")] + envelope +
        [client(b"BDAT %d\r\n" % len(chunk1) + chunk1),
         server(b"250 2.0.0 %d octets received\r\n" % len(chunk1)),
         client(b"BDAT %d LAST\r\n" % len(chunk2) + chunk2),
         server(b"250 2.0.0 Ok: queued as 4Xk3\r\n")] + quit_))

    # STARTTLS refused with 454: the session goes on in clear text and is decoded.
    corpus.add("smtp_decoder_fuzz", smtp_script(
        [banner, client(b"EHLO ws01.corp.example\r\n"),
         server(b"250-mx.partner.example\r\n250-PIPELINING\r\n250 STARTTLS\r\n"),
         client(b"STARTTLS\r\n"), server(b"454 4.7.0 TLS not available due to local problem\r\n")]
        + envelope + [client(b"DATA\r\n"), server(b"354 go ahead\r\n"),
                      client(message + b".\r\n"), server(b"250 2.0.0 Ok: queued as 4Xk4\r\n")]
        + quit_))


def add_zip_seeds(corpus: Corpus) -> None:
    """zip_walker_fuzz.cpp: [limits][split seed: 4] then the archive. Every sample of
    tests/gen/zip_files.py (zipfile's stored, deflated, nested, streamed and ZIP64 archives, a
    1 MiB bomb, ZipCrypto entries) with roomy limits, then the same with the bounds, a hole or
    a cut, and a few layouts zipfile does not write."""
    import zip_files  # noqa: E402 (tests/gen on sys.path)

    roomy = 0x0F  # 10000 entries, 300000 bytes an entry, no ratio, 1024-byte names
    samples = {name: build() for name, build in zip_files.SAMPLES.items()}
    for data in samples.values():
        corpus.add("zip_walker_fuzz", bytes([roomy]) + SPLIT_SEED + data)
    variants = [
        (0x1F, "bomb"),  # the ratio bound (10) past 64 KiB
        (0x0B, "bomb"),  # 100000 bytes an entry
        (0x0C, "streamed"),  # one entry, then the bound stops the walk
        (0x21, "deflated"),  # 4-byte names, 3 entries
        (0x4F, "nested"),  # given up: abort()
        (0x8F, "streamed"),  # a hole (from the split seed)
        (0x8F, "stored"),
        (0x8F, "encrypted_descriptor"),
    ]
    for limits, name in variants:
        corpus.add("zip_walker_fuzz", bytes([limits]) + SPLIT_SEED + samples[name])
    corpus.add("zip_walker_fuzz", bytes([roomy]) + SPLIT_SEED + samples["deflated"][:200])

    # Streamed deflate entries with descriptors that lack their (optional) signature.
    streamed, _ = zip_files.write_zip([("a.txt", TEXT, zipfile.ZIP_DEFLATED),
                                       ("b.txt", TEXT[:50], zipfile.ZIP_DEFLATED)],
                                      streamed=True)
    corpus.add("zip_walker_fuzz",
               bytes([roomy]) + SPLIT_SEED + streamed.replace(b"PK\x07\x08", b""))
    # Methods that are not decoded (bzip2, LZMA), AES (99), then a stored entry.
    plain = b"after the skipped ones"
    corpus.add("zip_walker_fuzz", bytes([roomy]) + SPLIT_SEED + zip_files.build_archive([
        ("a.bz2", 0, 12, 0, b"BZh91AY&SY" + bytes(20), 60),
        ("b.lzma", 0, 14, 0, bytes(16), 40),
        ("c.aes", 1, 99, 0, bytes(28), 10),
        ("d.txt", 0, 0, zlib.crc32(plain), plain, len(plain)),
    ]))


def add_xml_seeds(corpus: Corpus) -> None:
    """xml_text_fuzz.cpp: [control][split seed: 4] then the XML. One part of each office
    vocabulary (the split runs, numeric references, shared and inline strings, ODF spans and
    text:s), then the bounds: deep nesting, billion laughs, a long tag, a hole, malformed; and
    an XMP packet in the Metadata vocabulary, whole and with a hole."""
    w = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    x = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    a = b'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
    odf = (b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    decl = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    word = (decl + b"<w:document " + w + b"><w:body><w:p><w:pPr><w:tabs><w:tab w:pos=\"720\"/>"
            b"</w:tabs></w:pPr><w:r><w:t xml:space=\"preserve\">TOP </w:t></w:r><w:r><w:rPr><w:b/>"
            b"</w:rPr><w:t>SECRET</w:t><w:tab/><w:br/></w:r><w:r><w:instrText>PAGE</w:instrText>"
            b"</w:r></w:p><w:p><w:r><w:t>&#32477;&#23494;</w:t></w:r></w:p></w:body></w:document>")
    shared = (decl + b"<sst " + x + b"><si><t>ID 110101</t></si><si><r><t>TOP </t></r><r><t>"
              b"SECRET</t></r><rPh><t>x</t></rPh></si></sst>")
    sheet = (decl + b"<worksheet " + x + b"><sheetData><row><c t=\"s\"><v>0</v></c>"
             b"<c t=\"inlineStr\"><is><t>secret</t></is></c><c><v>42</v></c></row></sheetData>"
             b"</worksheet>")
    slide = (decl + b"<p:sld xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\" "
             + a + b"><a:p><a:r><a:t>TOP </a:t></a:r><a:br/><a:r><a:t>SECRET</a:t></a:r></a:p>"
             b"</p:sld>")
    content = (decl + b"<office:document-content " + odf + b"><office:body><office:text><text:h>"
               b"T</text:h><text:p>A<text:span>B</text:span><text:s text:c=\"3\"/>C<text:tab/>"
               b"<text:line-break/></text:p></office:text></office:body></office:document-content>")
    laughs = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
    for i in range(1, 6):
        laughs += b"<!ENTITY a%d \"%s\">" % (i, (b"&a%s;" % (str(i - 1).encode() if i > 1 else b"")) * 10)
    laughs += b"]><l>&a5;</l>"
    deep = b"<e>" * 300 + b"x" + b"</e>" * 300
    long_tag = b"<d a=\"" + b"x" * 100 + b"\"><e/></d>"
    roomy = [0x0C | f for f in range(4)]  # 256 deep, 1 MiB tokens, defaults; format in bits 0-1
    for control, xml in [(roomy[0], word), (roomy[1], shared), (roomy[1], sheet),
                         (roomy[2], slide), (roomy[3], content)]:
        corpus.add("xml_text_fuzz", bytes([control]) + SPLIT_SEED + xml)
        corpus.add("xml_text_fuzz", bytes([control | 0x40]) + SPLIT_SEED + xml)  # a hole
        corpus.add("xml_text_fuzz", bytes([control | 0x80]) + SPLIT_SEED + xml)  # given up
        corpus.add("xml_text_fuzz", bytes([control]) + SPLIT_SEED + xml[:len(xml) // 2])
    corpus.add("xml_text_fuzz", bytes([roomy[3]]) + SPLIT_SEED + laughs)
    corpus.add("xml_text_fuzz", bytes([roomy[3] | 0x20]) + SPLIT_SEED + laughs)
    corpus.add("xml_text_fuzz", bytes([0x08]) + SPLIT_SEED + deep)  # 32 deep
    corpus.add("xml_text_fuzz", bytes([0x0C]) + SPLIT_SEED + deep)  # 256 deep
    corpus.add("xml_text_fuzz", bytes([0x1C]) + SPLIT_SEED + long_tag)  # 48-byte tokens
    corpus.add("xml_text_fuzz", bytes([0x0C]) + SPLIT_SEED + word.replace(b"</w:p>", b"</w:x>", 1))
    # The Metadata vocabulary (format 3 with the split seed's bit 1): the XMP of documents.py.
    import documents  # noqa: E402 (tests/gen on sys.path)
    metadata_seed = u32(0x9E3779BB)
    corpus.add("xml_text_fuzz", bytes([roomy[3]]) + metadata_seed + documents.XMP_PACKET)
    corpus.add("xml_text_fuzz", bytes([roomy[3] | 0x40]) + metadata_seed + documents.XMP_PACKET)
def tar_of(entries, fmt: int) -> bytes:
    """A tar in tarfile's `fmt`, cut after its two end blocks (tarfile pads to 10 KiB)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt) as tar:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.mtime = 1715938200
            if data is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        end = tar.offset
    return out.getvalue()[:end + 1024]


def add_tar_seeds(corpus: Corpus) -> None:
    """tar_walker_fuzz.cpp: [limits][split seed: 4] then the archive. plans.tar of
    tests/gen/documents.py (a ustar with a docx), tarfile's GNU (long names) and pax (long
    paths) archives, with roomy limits, then with the bounds, a hole, a cut, a truncation."""
    import documents  # noqa: E402 (tests/gen on sys.path)

    roomy = 0x0F  # 10000 entries, 300000 bytes an entry, 1024-byte names
    long_name = "q3/" + "very-long-folder-name/" * 5 + "plan.txt"
    entries = [("q3", None), (long_name, TEXT), ("short.txt", TEXT[:50])]
    samples = {
        "plans": documents.tar_docx(),
        "gnu": tar_of(entries, tarfile.GNU_FORMAT),
        "pax": tar_of(entries, tarfile.PAX_FORMAT),
        "ustar": tar_of(entries[:1] + entries[2:], tarfile.USTAR_FORMAT),
    }
    for data in samples.values():
        corpus.add("tar_walker_fuzz", bytes([roomy]) + SPLIT_SEED + data)
    variants = [
        (0x01, "plans"),  # 3 entries
        (0x0C, "gnu"),  # 16 bytes an entry, 1 entry
        (0x2F, "pax"),  # 4-byte names
        (0x4F, "plans"),  # given up: abort()
        (0x8F, "plans"),  # a hole (from the split seed)
        (0x8F, "gnu"),
    ]
    for limits, name in variants:
        corpus.add("tar_walker_fuzz", bytes([limits]) + SPLIT_SEED + samples[name])
    corpus.add("tar_walker_fuzz", bytes([roomy]) + SPLIT_SEED + samples["pax"][:700])


def spool_record(key: bytes, payload: bytes, origin_us: int) -> bytes:
    """One record in the segment format of export/disk_spool.h."""
    fields = struct.pack("<IIq", len(key), len(payload), origin_us)
    crc = zlib.crc32(fields + key + payload) & 0xFFFFFFFF
    return b"\xffES1" + struct.pack("<I", crc) + fields + key + payload


def add_spool_seeds(corpus: Corpus) -> None:
    """disk_spool_fuzz.cpp: [control][cursor segment][cursor offset: 2][raw cursor length]
    [raw cursor][first segment length: 2][first segment][second segment]."""
    records = [spool_record(b"flow-%d" % i, b'{"event_type":"alert","n":%d}' % i,
                            1_700_000_000_000_000 + i) for i in range(6)]
    first, second = b"".join(records[:4]), b"".join(records[4:])
    torn = first + records[4][:30]
    flipped = bytearray(first)
    flipped[len(records[0]) + 30] ^= 0x20
    cursor_at_second = len(records[0])
    raw_cursor = b"\xffEC1" + struct.pack("<QQ", 1, cursor_at_second)
    raw_cursor += struct.pack("<I", zlib.crc32(raw_cursor) & 0xFFFFFFFF)
    for control, cursor_segment, cursor_offset, raw, one, two in (
            (0x00, 0, 0, b"", first, b""),
            (0x15, 1, cursor_at_second, b"", first, second),
            (0x1D, 1, cursor_at_second, b"", first, second),
            (0x23, 0, 0, raw_cursor, first, b""),
            (0x04, 0, 0, b"", torn, second),
            (0x00, 0, 0, b"", bytes(flipped), b""),
            (0x40, 0, 0, b"", first, b""),
            (0x01, 2, 7, b"", first, second)):
        corpus.add("disk_spool_fuzz", bytes([control, cursor_segment]) + u16(cursor_offset) +
                   bytes([len(raw)]) + raw + u16(len(one)) + one + two)


def add_rule_seeds(corpus: Corpus) -> None:
    """Every shipped rule file, and each of its rules alone (small inputs fuzz faster)."""
    for path in sorted(glob.glob(os.path.join(ROOT, "rules", "*.yaml"))):
        with open(path, "rb") as f:
            text = f.read()
        corpus.add("rule_loader_fuzz", text)
        lines = text.split(b"\n")
        starts = [i for i, line in enumerate(lines) if line.lstrip().startswith(b"- id:")]
        header = lines[:starts[0]] if starts else []
        for a, b in zip(starts, starts[1:] + [len(lines)]):
            corpus.add("rule_loader_fuzz", b"\n".join(header + lines[a:b]) + b"\n")
    # Keys the shipped files do not use.
    corpus.add("rule_loader_fuzz",
               b"rules:\n  - {id: 1, name: a, keywords: [x], action: block}\n"
               b"  - {id: 2, name: b, keywords: [y], action: drop}\n")
    corpus.add("rule_loader_fuzz",
               b"rules:\n  - {id: 3, name: c, protocols: [AnyDesk], categories: [RemoteAccess],"
               b" risks: [DESKTOP_OR_FILE_SHARING_SESSION, TLS_MISSING_SNI], direction: any}\n"
               b"  - {id: 4, name: d, risks: [TOR], volume: {bytes: 1, window: 2}}\n")


def add_rtf_seeds(corpus: Corpus) -> None:
    """rtf_text_fuzz.cpp: [limits][split seed: 4] then the document. The RTF files of
    tests/gen/documents.py with the roomy depth bound, then with a hole and with depth 1, and a
    few hand-made tokens (skipped destinations, \\bin, \\uc2, surrogates, Big5, UTF-8)."""
    import documents  # noqa: E402 (tests/gen on sys.path)

    roomy = 0x03  # max_depth 256, no hole
    rtfs = [d.build() for d in documents.DOCUMENTS if d.type == "rtf"]
    for data in rtfs:
        corpus.add("rtf_text_fuzz", bytes([roomy]) + SPLIT_SEED + data)
        corpus.add("rtf_text_fuzz", bytes([roomy | 4]) + SPLIT_SEED + data)  # a hole
        corpus.add("rtf_text_fuzz", bytes([0x00]) + SPLIT_SEED + data)  # depth 1
    for body in (rb"{\fonttbl{\f0 Arial;}}{\*\gen x}{\pict\bin4 {}}}{\object{\objdata 01}}t",
                 rb"{\info{\title T}{\author A}}\uc2\u26426\'bb\'fa\u-10179?\u-8704?",
                 rb"\ansicpg950\'be\'f7\par\ansicpg65001\'e6\'9c\'ba\~\-\{\}",
                 b"{{{{{{{{x}}}}}}}}\\" + b"a" * 40 + rb"1234567890123 \u-1 \'zz\bin"):
        corpus.add("rtf_text_fuzz", bytes([0x01]) + SPLIT_SEED + rb"{\rtf1\ansi " + body + b"}")


def add_pdf_document_seeds(corpus: Corpus) -> None:
    """pdf_document_fuzz.cpp: [limits][split seed: 4] then the file. The PDFs of
    tests/gen/documents.py (plain and FlateDecode streams, TJ kerning, a Type0 font whose CMap
    comes after the page, RC4 encryption) with roomy bounds, then with a hole, with tight
    stream/held/object bounds and a tiny worker budget, with attached files decoded (roomy and
    tight), and an object stream holding the fonts."""
    import documents  # noqa: E402 (tests/gen on sys.path)
    import zlib

    roomy = 0x03 | 0x0C  # 16 MiB per stream, 32 MiB held
    pdfs = [d.build() for d in documents.DOCUMENTS if d.type == "pdf"]
    for data in pdfs:
        corpus.add("pdf_document_fuzz", bytes([roomy]) + SPLIT_SEED + data)
        corpus.add("pdf_document_fuzz", bytes([roomy | 0x40]) + SPLIT_SEED + data)  # a hole
        corpus.add("pdf_document_fuzz", bytes([0x00]) + SPLIT_SEED + data)  # tight bounds
        corpus.add("pdf_document_fuzz", bytes([roomy | 0x30]) + SPLIT_SEED + data)
        corpus.add("pdf_document_fuzz", bytes([roomy | 0x80]) + SPLIT_SEED + data)  # attachments
        corpus.add("pdf_document_fuzz", bytes([0x80]) + SPLIT_SEED + data)  # and tight bounds
    header = b"5 0 8 60 "
    font = b"<< /Type /Font /Subtype /Type0 /Encoding /Identity-H /ToUnicode 7 0 R >>"
    body = header + font.ljust(60) + b"<< /Font << /F1 5 0 R >> >>"
    objstm = zlib.compress(body)
    cmap = documents.to_unicode_cmap(documents.CJK_GLYPHS)
    pdf = documents.pdf_file([
        documents.PdfObject(b"<< /Type /Catalog /Pages 2 0 R >>"),
        documents.PdfObject(b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        documents.PdfObject(b"<< /Type /Page /Parent 2 0 R /Resources 8 0 R /Contents 4 0 R >>"),
        documents.PdfObject(b"<< /Filter [/ASCIIHexDecode /FlateDecode] >>",
                            zlib.compress(b"BT /F1 24 Tf <00010002> Tj ET").hex().encode() + b">"),
        documents.PdfObject(b"<< >>"),
        documents.PdfObject(b"<< /Type /ObjStm /N 2 /First %d /Filter /FlateDecode >>" %
                            len(header), objstm),
        documents.PdfObject(b"<< /Filter /FlateDecode >>", zlib.compress(cmap)),
    ])
    corpus.add("pdf_document_fuzz", bytes([roomy]) + SPLIT_SEED + pdf)


def add_sealed_seeds(corpus: Corpus) -> None:
    """sealed_probe_fuzz.cpp: [format][max headers][split seed: 4] then the file. The RAR, 7z
    and OLE2 files of tests/gen/documents.py (encrypted and not; legacy .doc and .xls among
    the OLE2), each with its own format byte (0 RAR 5, 1 RAR 4, 2 OLE2, 3 7z), and the bare
    signatures. The 7z ones twice more: a tail bound of 8 KiB (max headers byte 6) and of 128
    bytes (byte 0, under their tails)."""
    import documents  # noqa: E402 (tests/gen on sys.path)

    formats = {b"Rar!\x1a\x07\x01\x00": 0, b"Rar!\x1a\x07\x00": 1,
               b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": 2, b"7z\xbc\xaf\x27\x1c": 3}
    for d in documents.DOCUMENTS:
        if d.type not in ("rar", "ole2", "7z"):
            continue
        if d.type == "7z":
            for bound in (6, 0):
                corpus.add("sealed_probe_fuzz", bytes([3, bound]) + SPLIT_SEED + d.build())
        data = d.build()
        for magic, fmt in formats.items():
            if data.startswith(magic):
                corpus.add("sealed_probe_fuzz", bytes([fmt, 16]) + SPLIT_SEED + data)
                corpus.add("sealed_probe_fuzz", bytes([fmt, 1]) + SPLIT_SEED + data)
    for magic, fmt in formats.items():
        corpus.add("sealed_probe_fuzz", bytes([fmt, 8]) + SPLIT_SEED + magic + bytes(64))


def add_pdf_content_seeds(corpus: Corpus) -> None:
    """pdf_content_text_fuzz.cpp: [control][cmap length: 2][cmap program][content]. The content
    streams and the ToUnicode CMap of tests/gen/documents.py (the CMap's font is /F2 there, the
    simple font /F1), then hand-made ones: bfrange forms, mixed code lengths, string escapes,
    positioning, an inline image, deep arrays."""
    import documents  # noqa: E402 (tests/gen on sys.path)

    roomy = 0x0F  # 4096 mappings, depth 32, F1 WinAnsi, F2 with 2-byte codes

    def add(control: int, cmap: bytes, content: bytes) -> None:
        corpus.add("pdf_content_text_fuzz",
                   bytes([control]) + struct.pack("<H", len(cmap)) + cmap + content)

    cjk = documents.to_unicode_cmap(documents.CJK_GLYPHS)
    add(roomy, cjk, b"BT /F2 24 Tf 72 700 Td <00010002> Tj ET\n")
    for show in (b"(Classification: TOP SECRET) Tj", b"[(Classification: TOP S) -60 (ECRET)] TJ"):
        add(roomy, b"", documents.text_content(show))
    ranges = (b"2 begincodespacerange <00> <7F> <8140> <9FFC> endcodespacerange\n"
              b"2 beginbfrange <41> <5A> <0061> <8140> <8142> [<D83DDE00> <006600660069> /sp]\n"
              b"endbfrange 1 beginbfchar <20> <0020> endbfchar\n")
    add(roomy | 0x40, ranges, b"BT /F2 1 Tf (TOP \\201\\100\\201\\101) Tj ET")
    add(0x0D, cjk, b"/F2 1 Tf <0001 0002> Tj /F9 1 Tf (x) Tj")  # 1 mapping: one dropped
    add(0x2F, b"", b"/F1 12 Tf (\\223caf\\351\\224 \\(a\\) (b) \\\n) ' 1 2 <41 4> \" "
                   b"0 -12 Td (c) Tj 5 0 TD T* 1 0 0 1 0 0 Tm")
    add(roomy, b"", b"(a) Tj BI /W 2 /H 1 /BPC 8 /CS /G /L 4 ID (Tj EI EI Q (b) Tj")
    add(0x03, b"", b"[" * 40 + b"(deep)" + b"]" * 40 + b" TJ << /MCID 0 >> BDC [(x) true] TJ")
    add(roomy, b"", b"[(lost) (a) Tj % comment (no) Tj\n/F#31 1 Tf (\\101\\1012) Tj")
def lzw_encode(data: bytes, early_change: bool = True) -> bytes:
    """PDF LZWDecode data: a clear code first, 9-12 bit codes MSB first, each written with the
    width the decoder reads it with (its table is one entry behind the encoder's), a clear
    before the table fills, EOD at the end."""
    out = bytearray()
    state = {"bits": 0, "nbits": 0, "width": 9, "next": 258, "first": True}

    def put(code: int) -> None:
        state["bits"] = (state["bits"] << state["width"]) | code
        state["nbits"] += state["width"]
        while state["nbits"] >= 8:
            state["nbits"] -= 8
            out.append((state["bits"] >> state["nbits"]) & 0xFF)
        state["bits"] &= (1 << state["nbits"]) - 1
        if code == 256:
            state.update(width=9, next=258, first=True)
            return
        if not state["first"] and state["next"] < 4096:
            state["next"] += 1
            if state["next"] + early_change >= (1 << state["width"]) and state["width"] < 12:
                state["width"] += 1
        state["first"] = False

    table = {bytes([i]): i for i in range(256)}
    next_code = 258
    put(256)
    w = b""
    for c in data:
        wc = w + bytes([c])
        if wc in table:
            w = wc
            continue
        put(table[w])
        table[wc] = next_code
        next_code += 1
        w = bytes([c])
        if next_code == 4095:
            put(256)
            table = {bytes([i]): i for i in range(256)}
            next_code = 258
    if w:
        put(table[w])
    put(257)
    if state["nbits"]:
        out.append((state["bits"] << (8 - state["nbits"])) & 0xFF)
    return bytes(out)


def add_pdf_filter_seeds(corpus: Corpus) -> None:
    """pdf_filter_chain_fuzz.cpp: [setup][filters: 2][max_output][split seed: 4] then the data.
    A page's content stream encoded with each filter alone (zlib and raw deflate, ASCIIHex,
    ASCII85, LZW with both EarlyChange values, RunLength), a few chains, and the bounds: a
    small max_output, a flate bomb against the ratio, more than four filters."""
    fl, ahx, a85, lzw, rl = range(5)  # PdfFilter order

    def seed(filters: List[int], data: bytes, bound: int = 7, ratio: int = 0,
             early: bool = True) -> None:
        count = len(filters) if len(filters) <= 4 else 7
        setup = count | (0 if early else 8) | (ratio << 4)
        bits = 0
        for i, f in enumerate(filters[:4]):
            bits |= f << (3 * i)
        corpus.add("pdf_filter_chain_fuzz", bytes([setup]) + u16(bits) + bytes([bound & 7])
                   + SPLIT_SEED + data)

    def run_length(data: bytes) -> bytes:
        out = bytearray()
        i = 0
        while i < len(data):
            run = 1
            while i + run < len(data) and run < 128 and data[i + run] == data[i]:
                run += 1
            if run > 1:
                out += bytes([257 - run, data[i]])
            else:
                out += bytes([0, data[i]])
            i += run
        return bytes(out) + b"\x80"

    content = (b"BT /F1 12 Tf 72 712 Td (Project Aurora - TOP SECRET) Tj ET\n"
               b"BT /F1 10 Tf 72 690 Td (card 4111 1111 1111 1111) Tj ET\n") * 6
    spaced = content + b" " * 300 + b"\x00" * 64
    raw = zlib.compressobj(9, zlib.DEFLATED, -15)
    seed([fl], zlib.compress(content))
    seed([fl], raw.compress(content) + raw.flush())
    seed([fl], zlib.compress(content)[:-4])  # no adler32
    seed([ahx], binascii.hexlify(content) + b">")
    seed([ahx], binascii.hexlify(content[:9])[:-1] + b" \n>")  # odd last digit
    seed([a85], base64.a85encode(spaced, adobe=True))
    seed([a85], base64.a85encode(content[:10]))  # no <~ ~>
    seed([lzw], lzw_encode(content))
    seed([lzw], lzw_encode(TEXT + bytes(range(256)) * 4, early_change=False), early=False)
    seed([rl], run_length(spaced))
    seed([a85, fl], base64.a85encode(zlib.compress(content), adobe=True))
    seed([ahx, rl], binascii.hexlify(run_length(spaced)) + b">")
    seed([fl, lzw], zlib.compress(lzw_encode(content)))
    seed([ahx, a85, lzw, fl],
         binascii.hexlify(base64.a85encode(lzw_encode(zlib.compress(content)), adobe=True)))
    seed([], content, bound=3)  # 100 bytes
    seed([fl], zlib.compress(content), bound=3)
    seed([fl], zlib.compress(bytes(1 << 20)), bound=7, ratio=3)  # a bomb: ratio 100
    seed([ahx] * 5, b"41>")  # refused


def add_icap_seeds(corpus: Corpus) -> None:
    """icap_request_parser_fuzz: [limits][split seed: 4][decisions: 4][mode] + the stream; the
    recorded client streams of tests/unit/icap_vectors (Squid 5.7, c-icap-client) and RFC 3507's
    examples, with previews continued, abandoned, decided inside the callback, and tight bounds.
    """
    vectors = sorted(glob.glob(os.path.join(ROOT, "tests", "unit", "icap_vectors", "*.bin")))
    streams = [open(path, "rb").read() for path in vectors]
    req_hdr = (b"POST /origin-resource/form.pl HTTP/1.1\r\nHost: www.origin-server.com\r\n"
               b"Accept: text/html, text/plain\r\nAccept-Encoding: compress\r\n"
               b"Pragma: no-cache\r\n\r\n")

    def reqmod(extra: bytes, body: bytes) -> bytes:
        return (b"REQMOD icap://icap-server.net/server?arg=87 ICAP/1.0\r\n"
                b"Host: icap-server.net\r\n" + extra +
                b"Encapsulated: req-hdr=0, req-body=%d\r\n\r\n" % len(req_hdr) + req_hdr + body)
    streams += [
        reqmod(b"", b"1e\r\nI am posting this information.\r\n0\r\n\r\n"),
        reqmod(b"Preview: 4\r\n", b"4\r\nI am\r\n0\r\n\r\n1a\r\n posting this information."
               b"\r\n0\r\n\r\n"),
        reqmod(b"Preview: 40\r\nAllow: 204, trailers\r\n",
               b"1e\r\nI am posting this information.\r\n0; ieof\r\nT: 1\r\n\r\n"),
        b"OPTIONS icap://icap.server.net/sample-service ICAP/1.0\r\nHost: icap.server.net\r\n\r\n",
        b"REQMOD icap://h/x ICAP/1.0\nEncapsulated: req-hdr=0, null-body=20\n\nGET / HTTP/1.1\nA:\n"
        b"  b\n\n",
    ]
    for stream in streams:
        stream = stream[:MAX_SEED - 10]  # the long Squid stream: cut inside its last body
        for limits, decisions, mode in ((0, 0xFFFFFFFF, 0), (0, 0, 0), (0, 0x55555555, 1),
                                        (15, 0xFFFFFFFF, 0)):
            corpus.add("icap_request_parser_fuzz",
                       bytes([limits]) + SPLIT_SEED + u32(decisions) + bytes([mode]) + stream)
    # icap_connection_fuzz: [bounds] then pieces [length: 2][ms: 1][bytes]; each stream whole,
    # in 512-byte pieces, with a keyword that alerts and one that blocks planted in a body.
    planted = [reqmod(b"Allow: 204\r\n", b"9\r\nleak this\r\n0\r\n\r\n"),
               reqmod(b"", b"8\r\nstop now\r\n0\r\n\r\n")]
    for stream in streams + planted:
        stream = stream[:MAX_SEED - 200]
        pieces = [stream[i:i + 512] for i in range(0, len(stream), 512)]
        for bounds in (0, 3, 4):
            whole = bytes([bounds]) + struct.pack("<H", len(stream)) + b"\x00" + stream
            split = bytes([bounds]) + b"".join(struct.pack("<H", len(p)) + b"\x05" + p
                                               for p in pieces)
            corpus.add("icap_connection_fuzz", whole)
            corpus.add("icap_connection_fuzz", split)


def add_dns_seeds(corpus: Corpus) -> None:
    """dns_message_fuzz.cpp: [mode] then one UDP DNS payload (mode bit 0 clear), or a TCP stream
    of length-framed messages (bit 0 set). Payloads of UDP port 53 from the shared DNS captures
    and the generated tunnel and ordinary captures (tests/data/dns_tunnel), a few of each."""
    paths = sorted(glob.glob(os.path.join(ROOT, "tests", "data", "dns_tunnel", "*.pcap")))
    if os.path.isdir(SHARED_PCAPS):
        paths += sorted(glob.glob(os.path.join(SHARED_PCAPS, "*dns*.pcap*")))
    for path in paths:
        payloads: List[bytes] = []
        for linktype, frame in read_capture(path):
            start = ip_start(linktype, frame)
            info = parse_ip(frame[start:]) if start is not None else None
            if info is None or info.fragment or info.proto != 17 or len(info.l4) < 8:
                continue
            sport, dport = struct.unpack(">HH", info.l4[:4])
            if 53 in (sport, dport):
                payloads.append(info.l4[8:])
        for i, payload in enumerate(payloads[:12]):
            corpus.add("dns_message_fuzz", bytes([(i % 8) << 1]) + payload)
        if payloads:
            stream = b"".join(u16(len(p)) + p for p in payloads[:4])
            corpus.add("dns_message_fuzz", b"\x01" + stream + stream[:5])


def policy_bundle(files: List[Tuple[str, bytes]], version: int = 1718000000000,
                  key_id: str = "0123456789abcdef", signature: bytes = b"\x5a" * 64) -> bytes:
    """A bundle in the format of fleet/policy_bundle.h (the fuzz target re-signs its files)."""
    out = b"egressmon-policy-bundle 1\n"
    out += b"version: %d\ncreated-ms: %d\nkey-id: %s\nfiles: %d\n" % (
        version, version, key_id.encode(), len(files))
    for name, body in files:
        out += b"file: %d %s\n" % (len(body), name.encode()) + body + b"\n"
    return out + b"signature: " + signature.hex().encode() + b"\n"


def add_policy_bundle_seeds(corpus: Corpus) -> None:
    """policy_bundle_fuzz: the shipped rule files alone and together, small and broken rules,
    the edges of each field (largest version, one file, an empty file)."""
    shipped = [(os.path.basename(p), open(p, "rb").read())
               for p in sorted(glob.glob(os.path.join(ROOT, "rules", "*.yaml")))]
    for item in shipped:
        corpus.add("policy_bundle_fuzz", policy_bundle([item]))
    corpus.add("policy_bundle_fuzz", policy_bundle(shipped))
    small = b"rules:\n  - {id: 1, name: a, keywords: [topsecret]}\n"
    corpus.add("policy_bundle_fuzz", policy_bundle([("a.yaml", small)]))
    corpus.add("policy_bundle_fuzz", policy_bundle([("a.yaml", small), ("b.yaml", b"")],
                                                   version=2**64 - 1))
    corpus.add("policy_bundle_fuzz", policy_bundle([("bad.yaml", b"rules: [\n")]))
    corpus.add("policy_bundle_fuzz",
               policy_bundle([("re.yaml", b"rules:\n  - {id: 2, name: r, regex: ['(']}\n")]))


def heartbeat(**fields) -> bytes:
    """A heartbeat in the field order of fleet/heartbeat.h (heartbeatJson()); None leaves a
    field out, extra keyword fields go last (unknown fields a newer sensor might add)."""
    record = {"timestamp": "2026-12-04T10:00:00.000Z", "event_type": "heartbeat",
              "sensor": "site-a-1", "version": "0.4.0", "policy_version": "7534ab07fffc",
              "bundle_version": 1718000000123, "uptime": 3600, "heartbeat_interval": 10,
              "packets": 123456, "packets_per_sec": 34.3, "drops": 0, "alerts": 12,
              "spool_bytes": 0, "last_error": "policy bundle refused: bad signature"}
    record.update(fields)
    body = {k: v for k, v in record.items() if v is not None}
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    # The writer's fixed six decimals for the rate.
    if isinstance(body.get("packets_per_sec"), float):
        text = text.replace('"packets_per_sec":%s' % json.dumps(body["packets_per_sec"]),
                            '"packets_per_sec":%.6f' % body["packets_per_sec"])
    return text.encode()


def add_heartbeat_seeds(corpus: Corpus) -> None:
    """heartbeat_fuzz: full and minimal records, every escape, the largest values, unknown
    fields of every JSON kind (nested), and a few one-mistake records."""
    corpus.add("heartbeat_fuzz", heartbeat())
    corpus.add("heartbeat_fuzz", heartbeat(policy_version=None, bundle_version=None,
                                           packets_per_sec=None, last_error=None))
    corpus.add("heartbeat_fuzz", heartbeat(sensor="q\"b\\s/\n\r\t\u0001\u007f\u0000",
                                           last_error="caf\u00e9 \u20ac \U0001f600"))
    corpus.add("heartbeat_fuzz", heartbeat(timestamp="9999-12-31T23:59:59.999Z",
                                           bundle_version=2**64 - 1, uptime=2**64 - 1,
                                           heartbeat_interval=2**32 - 1, packets=2**64 - 1,
                                           packets_per_sec=1e18, spool_bytes=2**64 - 1))
    corpus.add("heartbeat_fuzz", heartbeat(x_new={"a": [1, -2.5e-3, True, False, None,
                                                        {"b": [[["deep"]]]}], "c": {}}))
    corpus.add("heartbeat_fuzz", heartbeat(sensor="S").replace(
        b'"sensor":"S"', b'"sensor":"\\ud83d\\ude00\\u00E9\\/\\b\\f"'))
    corpus.add("heartbeat_fuzz", b' {\n "timestamp" : "1970-01-01T00:00:00.000Z" ,'
               b'"event_type":"heartbeat","sensor":"s","version":"","uptime":0,'
               b'"heartbeat_interval":0,"packets":0,"drops":0,"alerts":0,"spool_bytes":0}\n')
    corpus.add("heartbeat_fuzz", heartbeat(timestamp="2026-02-30T10:00:00.000Z"))
    corpus.add("heartbeat_fuzz", heartbeat(event_type="alert"))
    corpus.add("heartbeat_fuzz", heartbeat(uptime=2**64))
    corpus.add("heartbeat_fuzz", heartbeat(sensor=""))


def main(argv: List[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    corpus = Corpus()
    add_synthetic(corpus)
    add_file_name_seeds(corpus)
    add_smtp_script_seeds(corpus)
    add_spool_seeds(corpus)
    add_zip_seeds(corpus)
    add_xml_seeds(corpus)
    add_tar_seeds(corpus)
    add_rtf_seeds(corpus)
    add_pdf_content_seeds(corpus)
    add_pdf_document_seeds(corpus)
    add_sealed_seeds(corpus)
    add_pdf_filter_seeds(corpus)
    add_rule_seeds(corpus)
    add_icap_seeds(corpus)
    add_dns_seeds(corpus)
    add_policy_bundle_seeds(corpus)
    add_heartbeat_seeds(corpus)
    captures = generated_captures()
    if os.path.isdir(SHARED_PCAPS):
        for path in sorted(glob.glob(os.path.join(SHARED_PCAPS, "*.pcap*"))):
            captures.append(read_capture(path))
    for frames in captures:
        corpus.begin_capture()
        flows = TcpFlows()
        add_frame_seeds(corpus, frames, flows)
        add_stream_seeds(corpus, flows)
    corpus.write(argv[1])
    for target, bucket in sorted(corpus.seeds.items()):
        print(f"{target}: {len(bucket)} seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
