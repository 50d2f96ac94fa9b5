"""Captures with known DLP ground truth for egressmon's golden tests.

Each case is one small capture on which ``rules/default.yaml`` must raise exactly the alerts its
docstring describes: no more, no fewer. Those alerts, field by field, are stored as the case's
baseline ``tests/golden/dlp_cases/<case>.json`` (tests/golden/README.md), which the e2e test
``dlp_golden`` compares with egressmon's output. Raw-stream cases travel on TCP/UDP port 7000,
which nDPI leaves Unknown; HTTP cases on port 80 and SMTP cases on port 25, where the marking is
hidden by chunking, compression, percent-, base64- or quoted-printable encoding so only the
decoded layer can reveal it.

    python3 tests/gen/dlp_cases.py OUTDIR   # writes OUTDIR/<case>.pcap
"""

import base64
import gzip
import io
import os
import sys
import zipfile
from typing import Callable, Dict, List, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pcapgen.datagrams import UdpFlow  # noqa: E402
from pcapgen.link import CiscoHdlcInPppFraming, EthernetFraming  # noqa: E402
from pcapgen.pcap import LINKTYPE_PPP, Capture, utc_microseconds  # noqa: E402
from pcapgen import tls  # noqa: E402
from pcapgen.smtp import smtp_dialogue  # noqa: E402
from pcapgen.tcp_session import TcpSession  # noqa: E402

import zip_files  # noqa: E402  (tests/gen, next to this file)

START = utc_microseconds("2026-11-24T12:00:00Z")
INSIDE, INSIDE2, INSIDE_SERVER = "10.1.0.10", "10.1.0.40", "10.1.0.20"
OUTSIDE, OUTSIDE_CLIENT = "203.0.113.10", "198.51.100.7"
PORT = 7000
MARK = b"TOP SECRET"


def framing(vlans=()):
    return EthernetFraming("02:00:00:00:00:01", "02:00:00:00:00:02", vlans)


def tcp_case(data: bytes, *, client=(INSIDE, 40000), server=(OUTSIDE, PORT), from_client=True,
             split=None, order=None, handshake=True, vlans=(), drop_segment=None) -> Capture:
    """One TCP connection carrying ``data`` one way; ``drop_segment`` leaves a hole."""
    cap = Capture(1, START)
    tcp = TcpSession(cap, framing(vlans), client, server)
    if handshake:
        tcp.open()
    before = len(cap.records)
    tcp.send(data, from_client, split=split, order=order)
    if drop_segment is not None:
        del cap.records[before + drop_segment]
    tcp.close()
    return cap


def case_split_keyword():
    """One TOP SECRET alert (1000) at the marking, though "TOP " and "SECRET" arrive in two
    segments."""
    data = b"report follows: TOP SECRET, handle accordingly"
    cut = data.index(MARK) + 4  # "TOP " | "SECRET"
    return tcp_case(data, split=[cut])


def case_out_of_order_and_duplicated():
    """One alert (1000) at offset 30: segments come out of order and two of them twice, and the
    marking is matched once, in stream order."""
    data = b"0123456789" * 3 + b"TOP SECRET" + b"abcdefghij" * 3
    return tcp_case(data, split=[15, 32, 50], order=[2, 0, 3, 1, 2, 0])


def case_gb18030():
    """One Chinese-marking alert (1010) in the GB18030 encoding, at the offset of 绝密 in the
    GB18030 bytes."""
    data = "报告：绝密文件，不得外传".encode("gb18030")
    return tcp_case(data)


def utf16_case(encoding):
    """TOP SECRET in UTF-16 text: one alert (1000) naming the encoding, at the offset of the
    marking's UTF-16 bytes."""
    return tcp_case("memo: TOP SECRET plans".encode(encoding))


def case_utf16le():
    """See utf16_case: encoding utf-16le."""
    return utf16_case("utf-16-le")


def case_utf16be():
    """See utf16_case: encoding utf-16be."""
    return utf16_case("utf-16-be")


def case_ingress_is_not_egress():
    """No alert: an outside server sends the marking to an inside client, which is ingress."""
    return tcp_case(b"here is the TOP SECRET file", from_client=False)


def case_egress_from_inside_server():
    """One alert (1000), to_client: an outside client downloads from an inside server, so the
    server's reply is egress."""
    data = b"HTTP-ish reply carrying TOP SECRET data"
    return tcp_case(data, client=(OUTSIDE_CLIENT, 51000), server=(INSIDE_SERVER, PORT),
                    from_client=False)


def case_internal_only():
    """No alert: both ends are inside, so nothing leaves."""
    return tcp_case(b"internal TOP SECRET memo", client=(INSIDE, 40000), server=(INSIDE2, PORT))


def case_card_numbers():
    """One card alert (1200) at the Luhn-valid number; the invalid one next to it is ignored."""
    return tcp_case(b"valid 4111 1111 1111 1111 and invalid 4111 1111 1111 1112 numbers")


def case_invalid_card_only():
    """No alert: a Luhn-invalid card number and a 14-digit date-like number."""
    return tcp_case(b"order 4111 1111 1111 1112 and date 20261124100003")


def case_chinese_id():
    """One resident-identity-number alert (1300) at the number, whose check digit is X."""
    return tcp_case("身份证号 11010519491231002X".encode("utf-8"))


def case_midstream_pickup():
    """One alert (1000): the capture starts after the handshake and the stream is still
    inspected."""
    return tcp_case(b"already talking... TOP SECRET", handshake=False)


def case_ipv6():
    """One alert (1000) on an IPv6 connection, addresses as they are in the capture."""
    return tcp_case(b"v6 payload TOP SECRET", client=("fd00:10:1::20", 40000),
                    server=("2001:db8::10", PORT))


def case_vlan():
    """One alert (1000) on a VLAN-tagged connection."""
    return tcp_case(b"tagged TOP SECRET", vlans=(30,))


def case_gap_is_never_matched_across():
    """One alert (1000), for the whole marking after the hole: "TOP SEC" | "RET ..." is lost |
    "later TOP SECRET". The halves around the lost segment must not join into a match, and
    stream offsets count the lost bytes."""
    seg1, seg2, seg3 = b"first TOP SEC", b"RET lost bytes ", b"later TOP SECRET"
    return tcp_case(seg1 + seg2 + seg3, split=[len(seg1), len(seg1) + len(seg2)], drop_segment=1)


def case_udp_fragments():
    """One alert (1000) in layer udp.datagram at offset 1470: the marking straddles the first
    IP fragment boundary of a 3000-byte datagram, so it is found only after reassembly."""
    payload = bytearray(b"x" * 3000)
    at = 1470
    payload[at:at + len(MARK)] = MARK
    cap = Capture(1, START)
    UdpFlow(cap, framing(), (INSIDE, 5555), (OUTSIDE, PORT)).send(bytes(payload), mtu=1500)
    return cap


HTTP_SERVER = ("203.0.113.80", 80)


def http_request(method, target, body=b"", headers=()):
    head = [f"{method} {target} HTTP/1.1", "Host: upload.example.net", *headers]
    if body and not any(h.lower().startswith("transfer-encoding") for h in headers):
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def chunked(body, cut):
    """``body`` as two chunks split at ``cut`` (the marking straddles the chunk boundary)."""
    parts = [body[:cut], body[cut:]]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


def http_case(request, response=b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", *,
              client=(INSIDE, 41000), server=HTTP_SERVER):
    cap = Capture(1, START)
    tcp = TcpSession(cap, framing(), client, server)
    tcp.open()
    tcp.send(request)
    tcp.send(response, from_client=False)
    tcp.close()
    return cap


SECRET_TEXT = b"quarterly plan - TOP SECRET - do not forward"


def case_http_plain_body():
    """One alert (1000) in layer http.request.body, at the marking's offset in the body."""
    return http_case(http_request("POST", "/upload", SECRET_TEXT))


def case_http_chunked_split_marking():
    """One alert (1000) in http.request.body at the marking's offset in the de-chunked body:
    the marking straddles the two chunks."""
    body = SECRET_TEXT
    return http_case(http_request("POST", "/upload", chunked(body, body.index(MARK) + 5),
                                  ["Transfer-Encoding: chunked"]))


def case_http_gzip_body():
    """One alert (1000) in http.request.body.gzip, at the marking's offset in the inflated
    body."""
    return http_case(http_request("POST", "/upload", gzip.compress(SECRET_TEXT, mtime=0),
                                  ["Content-Encoding: gzip"]))


def case_http_chunked_gzip_body():
    """One alert (1000) in http.request.body.gzip, only at the first of the twenty markings:
    the gzip stream is cut in half by chunking."""
    packed = gzip.compress(SECRET_TEXT * 20, mtime=0)
    return http_case(http_request("POST", "/upload", chunked(packed, len(packed) // 2),
                                  ["Transfer-Encoding: chunked", "Content-Encoding: gzip"]))


def case_http_form_urlencoded():
    """One alert (1000) in http.request.body.form, at the marking's offset in the
    percent-decoded body "title=plan&note=TOP SECRET draft"."""
    body = b"title=plan&note=TOP%20SECRET+draft"
    return http_case(http_request("POST", "/form", body,
                                  ["Content-Type: application/x-www-form-urlencoded"]))


def case_http_query_string():
    """One alert (1000) in http.request.uri.decoded, at the marking's offset in the decoded
    target "/search?q=TOP SECRET&x=A"."""
    return http_case(http_request("GET", "/search?q=TOP+SECRET&x=%41"))


def case_http_multipart_base64_part():
    """One alert (1000) in http.request.body.multipart, at the marking's offset in the decoded
    content of the base64 form-data part."""
    content = b"attachment text: TOP SECRET inside"
    boundary = "XyZ123"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n").encode() + \
        base64.b64encode(content) + f"\r\n--{boundary}--\r\n".encode()
    return http_case(http_request("POST", "/upload", body,
                                  [f"Content-Type: multipart/form-data; boundary={boundary}"]))


def case_http_gzip_response_from_inside_server():
    """One alert (1000), to_client, in http.response.body.gzip: an inside server sends the
    marking gzip-compressed to an outside client, so the response is egress."""
    packed = gzip.compress(SECRET_TEXT, mtime=0)
    resp = (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n"
            % len(packed)) + packed
    return http_case(http_request("GET", "/report"), resp, client=(OUTSIDE_CLIENT, 52000),
                     server=(INSIDE_SERVER, 80))


def case_http_pipelined_second_request():
    """One alert (1000) in http.request.body.gzip, offset within the second request's inflated
    body: two pipelined requests, the first harmless."""
    first = http_request("POST", "/a", b"harmless")
    packed = gzip.compress(SECRET_TEXT, mtime=0)
    second = http_request("POST", "/b", packed, ["Content-Encoding: gzip"])
    return http_case(first + second)


MAIL_CLIENT, MAIL_SERVER = (INSIDE, 42000), ("198.51.100.25", 25)


def smtp_case(message: bytes):
    cap = Capture(1, START)
    tcp = TcpSession(cap, framing(), MAIL_CLIENT, MAIL_SERVER)
    tcp.open()
    tcp.exchange(smtp_dialogue(server_name="mx.example.org", client_name="ws.corp.example",
                               sender="alice@corp.example", recipients=["bob@example.org"],
                               message=message))
    tcp.close()
    return cap


MAIL_HEAD = b"From: alice@corp.example\r\nTo: bob@example.org\r\nSubject: plan\r\n"


def case_smtp_plain_message():
    """One alert (1000) in layer smtp.data, at the marking's offset in the message."""
    message = MAIL_HEAD + b"\r\nThe plan is TOP SECRET.\r\n.hidden line\r\n"
    return smtp_case(message)


def case_smtp_base64_attachment():
    """One alert (1000) in smtp.mime.base64, at the marking's offset in the decoded attachment
    of a multipart/mixed message."""
    content = b"attached report: TOP SECRET numbers"
    message = (MAIL_HEAD + b"MIME-Version: 1.0\r\n"
               b"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
               b"--b1\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n"
               b"--b1\r\nContent-Type: application/octet-stream\r\n"
               b"Content-Transfer-Encoding: base64\r\n\r\n" +
               base64.encodebytes(content).replace(b"\n", b"\r\n") + b"--b1--\r\n")
    return smtp_case(message)


def case_smtp_quoted_printable_soft_break():
    """One alert (1000) in smtp.mime.qp, at the marking's offset in the decoded text "the plan
    is TOP SECRET, café at noon": a soft line break splits the marking on the wire."""
    qp = b"the plan is TOP SEC=\r\nRET, caf=C3=A9 at noon"
    message = (MAIL_HEAD + b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
               b"Content-Transfer-Encoding: quoted-printable\r\n\r\n" + qp + b"\r\n")
    return smtp_case(message)


def case_http_deep_body():
    """One alert (1000) in http.request.body at offset 3 MiB - 1000: a 3 MiB upload whose
    marking sits near the end, well inside the default inspection depth."""
    body = bytearray(b"0123456789abcdef" * (3 * 65536))
    at = len(body) - 1000
    body[at:at + len(MARK)] = MARK
    return http_case(http_request("POST", "/big", bytes(body)))


# --- Evasions and mirror-port loss (issue 11): each case is missed by a decoder that picks
# its protocol from a fixed-size first chunk, stops at the first hole, ignores the receiver's
# ACKs, pairs HTTP responses blind, or takes the STARTTLS command for TLS.

ATTACHMENT = b"attached report: TOP SECRET numbers"


def base64_attachment_message(content: bytes = ATTACHMENT) -> bytes:
    """A multipart/mixed message whose marking is only in its base64 attachment."""
    return (MAIL_HEAD + b"MIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
            b"--b1\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n"
            b"--b1\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" +
            base64.encodebytes(content).replace(b"\n", b"\r\n") + b"--b1--\r\n")


def case_tiny_first_segment_http():
    """One alert (1000) in http.request.body.gzip: the client sends the request's first byte
    ("P") alone, then "OST /upload ...", so a decoder chosen from the first segment alone never
    sees the gzip body."""
    cap = Capture(1, START)
    tcp = TcpSession(cap, framing(), (INSIDE, 41010), HTTP_SERVER)
    tcp.open()
    tcp.send(http_request("POST", "/upload", gzip.compress(SECRET_TEXT, mtime=0),
                          ["Content-Encoding: gzip"]), split=[1])
    tcp.send(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", from_client=False)
    tcp.close()
    return cap


def smtp_turns(message: bytes):
    return smtp_dialogue(server_name="mx.example.org", client_name="ws.corp.example",
                         sender="alice@corp.example", recipients=["bob@example.org"],
                         message=message)


def case_tiny_first_segment_smtp():
    """One alert (1000) in smtp.mime.base64: the client's first segment is "EHL", the next
    "O ws.corp.example", so a decoder chosen from the first segment alone never decodes the
    attachment."""
    cap = Capture(1, START)
    tcp = TcpSession(cap, framing(), (INSIDE, 42010), MAIL_SERVER)
    tcp.open()
    for from_client, data in smtp_turns(base64_attachment_message()):
        tcp.send(data, from_client, split=[3] if data.startswith(b"EHLO") else None)
    tcp.close()
    return cap


def send_acked(cap: Capture, tcp: TcpSession, data: bytes, *, turn: int, lose=None):
    """``data`` from the client in turns of ``turn`` bytes, each acknowledged by the server as
    a receiver does while an upload runs. ``lose`` = (turn index, segment index): that segment
    is missing from the capture (mirror-port loss), though the server received and acked it."""
    for index, start in enumerate(range(0, len(data), turn)):
        before = len(cap.records)
        tcp.send(data[start:start + turn], ack=False)
        if lose is not None and lose[0] == index:
            del cap.records[before + lose[1]]
        tcp.ack()


def case_acked_loss_http_upload():
    """One alert (1000) in http.request.body at the marking's offset in the body, 3 MiB - 1000:
    the capture lost the upload's second segment, which the server acknowledged. Past the hole
    the body is 3 MiB, three times what reassembly may hold behind a hole; the ACKs give the hole
    up and the body is decoded on after it."""
    body = bytearray(b"0123456789abcdef" * (3 * 65536))
    at = len(body) - 1000
    body[at:at + len(MARK)] = MARK
    cap = Capture(1, START)
    tcp = TcpSession(cap, framing(), (INSIDE, 41020), HTTP_SERVER)
    tcp.open()
    send_acked(cap, tcp, http_request("POST", "/big", bytes(body)), turn=65536, lose=(0, 1))
    tcp.send(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", from_client=False)
    tcp.close()
    return cap


def case_acked_loss_then_pipelined_gzip_request():
    """One alert (1000) in http.request.body.gzip of the second of two pipelined requests: a
    segment inside the first request's body is lost (and acknowledged); the second request's
    gzip body is decoded after the hole, its framing known from the first's Content-Length."""
    first = http_request("POST", "/a", b"harmless filler " * 1000)
    second = http_request("POST", "/b", gzip.compress(SECRET_TEXT, mtime=0),
                          ["Content-Encoding: gzip"])
    cap = Capture(1, START)
    tcp = TcpSession(cap, framing(), (INSIDE, 41030), HTTP_SERVER)
    tcp.open()
    send_acked(cap, tcp, first + second, turn=len(first + second), lose=(0, 3))
    tcp.send(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n" * 2, from_client=False)
    tcp.close()
    return cap


def case_acked_loss_in_smtp_base64_attachment():
    """One alert (1000) in smtp.mime.base64: a segment in the middle of a 120 kB base64
    attachment is lost (and acknowledged); decoding resumes at the next base64 line, so the
    marking near the attachment's end is found in the decoded attachment. Its offset (98838,
    not 98500) counts the hole as the encoded bytes lost: what they decoded to is not known."""
    content = bytearray(b"quarterly figures, line by line. " * 3000)
    at = len(content) - 500
    content[at:at + len(MARK)] = MARK
    turns = smtp_turns(base64_attachment_message(bytes(content)))
    cap = Capture(1, START)
    tcp = TcpSession(cap, framing(), (INSIDE, 42020), MAIL_SERVER)
    tcp.open()
    for from_client, data in turns:
        if from_client and len(data) > 100000:  # the message after DATA
            send_acked(cap, tcp, data, turn=32768, lose=(1, 5))
        else:
            tcp.send(data, from_client)
    tcp.close()
    return cap


def case_head_then_get_from_inside_server():
    """One alert (1000), to_client, in http.response.body.gzip of the second response: an
    outside client asks an inside server HEAD then GET on one connection. The HEAD response
    announces Content-Length: 5000 but has no body; a response decoder that does not know the
    first request was HEAD (no rule inspects the requests) takes the second response for that
    body and never decodes its gzip."""
    packed = gzip.compress(SECRET_TEXT, mtime=0)
    head_response = b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n"
    get_response = (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n"
                    % len(packed)) + packed
    cap = Capture(1, START)
    tcp = TcpSession(cap, framing(), (OUTSIDE_CLIENT, 52010), (INSIDE_SERVER, 80))
    tcp.open()
    tcp.send(http_request("HEAD", "/report"))
    tcp.send(head_response, from_client=False)
    tcp.send(http_request("GET", "/report"))
    tcp.send(get_response, from_client=False)
    tcp.close()
    return cap


def case_starttls_refused():
    """One alert (1000) in smtp.mime.base64: the client asks for STARTTLS, the server answers
    454 (TLS not available) and the client goes on in clear text."""
    turns = smtp_turns(base64_attachment_message())
    ehlo_reply = next(i for i, (c, d) in enumerate(turns) if not c and d.startswith(b"250-"))
    turns[ehlo_reply + 1:ehlo_reply + 1] = [
        (True, b"STARTTLS\r\n"), (False, b"454 4.7.0 TLS not available due to local problem\r\n")]
    cap = Capture(1, START)
    tcp = TcpSession(cap, framing(), (INSIDE, 42030), MAIL_SERVER)
    tcp.open()
    tcp.exchange(turns)
    tcp.close()
    return cap


def case_cisco_hdlc_in_ppp_capture():
    """One alert (1000) in tcp.stream at the marking's offset: the capture's link type is PPP
    but its frames are Cisco HDLC (address 0x0f), as serial-link captures often are."""
    data = b"report follows: TOP SECRET, handle accordingly"
    cap = Capture(LINKTYPE_PPP, START)
    tcp = TcpSession(cap, CiscoHdlcInPppFraming(), (INSIDE, 40010), (OUTSIDE, PORT))
    tcp.open()
    tcp.send(data)
    tcp.close()
    return cap


def zip_archive(entries: List[Tuple[str, bytes, int]]) -> bytes:
    """A ZIP written by Python's zipfile (fixed dates, so the bytes are reproducible)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data, method in entries:
            info = zipfile.ZipInfo(name, date_time=(2024, 5, 17, 9, 30, 0))
            info.compress_type = method
            zf.writestr(info, data)
    return out.getvalue()


def case_http_zip_upload_raw_put():
    """One alert (1000) in zip.entry, at the marking's offset in the inflated entry
    q3/plan.txt: a ZIP (deflated entries) uploaded as a raw PUT body."""
    archive = zip_archive([("q3/readme.txt", b"nothing to see here\r\n" * 20, zipfile.ZIP_DEFLATED),
                           ("q3/plan.txt", b"notes\r\n" + SECRET_TEXT, zipfile.ZIP_DEFLATED)])
    return http_case(http_request("PUT", "/backup/q3.zip", archive,
                                  ["Content-Type: application/zip"]))


def case_smtp_nested_zip_attachment():
    """One alert (1000) in zip.entry, at the marking's offset in plan.txt, inside inner.zip
    (stored), inside the base64 attachment outer.zip of a multipart/mixed message."""
    inner = zip_archive([("plan.txt", SECRET_TEXT, zipfile.ZIP_DEFLATED)])
    outer = zip_archive([("inner.zip", inner, zipfile.ZIP_STORED)])
    message = (MAIL_HEAD + b"MIME-Version: 1.0\r\n"
               b"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
               b"--b1\r\nContent-Type: application/zip\r\n"
               b"Content-Disposition: attachment; filename=\"outer.zip\"\r\n"
               b"Content-Transfer-Encoding: base64\r\n\r\n" +
               base64.encodebytes(outer).replace(b"\n", b"\r\n") + b"--b1--\r\n")
    return smtp_case(message)


def case_http_zip_upload_without_marking():
    """No alert: the same kind of archive as http_zip_upload_raw_put, nothing marked inside."""
    archive = zip_archive([("q3/plan.txt", b"quarterly plan - public - share freely",
                            zipfile.ZIP_DEFLATED)])
    return http_case(http_request("PUT", "/backup/q3.zip", archive,
                                  ["Content-Type: application/zip"]))


def case_smtp_encrypted_zip_attachment():
    """One alert (1400, kind file) about payroll.zip: one of its three entries is encrypted
    (ZipCrypto), so the archive is encrypted and uninspectable ("encrypted"); nothing in the
    plain entries matches a keyword."""
    archive = zip_files.encrypted()
    message = (MAIL_HEAD + b"MIME-Version: 1.0\r\n"
               b"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
               b"--b1\r\nContent-Type: text/plain\r\n\r\nthe numbers, as discussed\r\n"
               b"--b1\r\nContent-Type: application/zip\r\n"
               b"Content-Disposition: attachment; filename=\"payroll.zip\"\r\n"
               b"Content-Transfer-Encoding: base64\r\n\r\n" +
               base64.encodebytes(archive).replace(b"\n", b"\r\n") + b"--b1--\r\n")
    return smtp_case(message)


def case_http_gzip_file_upload():
    """One alert (1000) in gzip.content, at the marking's offset in notes.txt: a gzip file
    (not a content coding) uploaded as the form-data part notes.txt.gz; the alert's file is
    notes.txt.gz, path [notes.txt.gz, notes.txt]."""
    packed = gzip.compress(b"meeting notes\r\n" + SECRET_TEXT, mtime=0)
    body = (b"--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"notes.txt.gz\"\r\n"
            b"Content-Type: application/gzip\r\n\r\n" + packed + b"\r\n--XyZ--\r\n")
    return http_case(http_request("POST", "/upload", body,
                                  ["Content-Type: multipart/form-data; boundary=XyZ"]))


def tls_case(after_hello: bytes):
    """A TLS 1.3 client's first flight to port 443, then ``after_hello`` from the client."""
    hello = tls.client_hello("files.example.net", version=tls.TLS13, seed="dlp")
    return tcp_case(hello + after_hello, server=(OUTSIDE, 443), split=[len(hello)])


def case_tls_application_data_is_not_matched():
    """No alert: the marking is inside an application-data record, which is ciphertext to the
    sensor (inspection-tls-application-data: false, the default); the hello is read."""
    return tls_case(tls.change_cipher_spec() + tls.record(23, b"x" * 40 + SECRET_TEXT))


def case_tls_hello_then_plaintext():
    """One alert (1000) in tcp.stream: a hello first, then the marking sent as plain bytes. They
    are no record header, so the framing is lost there and everything after it is matched."""
    return tls_case(b"upload follows: " + SECRET_TEXT)


# Every case_<name> function above is the case <name>, in the order defined, so adding a case
# is one function here and its baseline file tests/golden/dlp_cases/<name>.json.
CASES: Dict[str, Callable[[], Capture]] = {
    name[len("case_"):]: build for name, build in list(globals().items())
    if name.startswith("case_") and callable(build)}


def write_cases(outdir: str) -> List[str]:
    """Writes every case's capture as OUTDIR/<case>.pcap; returns the case names."""
    os.makedirs(outdir, exist_ok=True)
    for name, build in CASES.items():
        build().save(os.path.join(outdir, name + ".pcap"))
    return list(CASES)


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "dlp-cases"
    print(f"wrote {len(write_cases(out))} cases to {out}")
