"""Captures with known DLP ground truth for egressmon's golden tests.

Each case is one small capture and the alerts ``rules/default.yaml`` must raise on it: no more,
no fewer. Raw-stream cases travel on TCP/UDP port 7000, which nDPI leaves Unknown; HTTP cases on
port 80 and SMTP cases on port 25, where the marking is hidden by chunking, compression,
percent-, base64- or quoted-printable encoding so only the decoded layer can reveal it.

    python3 tests/gen/dlp_cases.py OUTDIR   # writes OUTDIR/<case>.pcap and OUTDIR/expected.json
"""

import base64
import gzip
import json
import os
import sys
from typing import Callable, Dict, List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pcapgen.datagrams import UdpFlow  # noqa: E402
from pcapgen.link import EthernetFraming  # noqa: E402
from pcapgen.pcap import Capture, utc_microseconds  # noqa: E402
from pcapgen.smtp import smtp_dialogue  # noqa: E402
from pcapgen.tcp_session import TcpSession  # noqa: E402

START = utc_microseconds("2026-11-24T12:00:00Z")
INSIDE, INSIDE2, INSIDE_SERVER = "10.1.0.10", "10.1.0.40", "10.1.0.20"
OUTSIDE, OUTSIDE_CLIENT = "203.0.113.10", "198.51.100.7"
PORT = 7000
MARK = b"TOP SECRET"


def framing(vlans=()):
    return EthernetFraming("02:00:00:00:00:01", "02:00:00:00:00:02", vlans)


def expect(sid, src, sport, dst, dport, to_server, encoding, offset, layer="tcp.stream"):
    """One expected alert, in the fields the golden test compares."""
    return {"signature_id": sid, "src": f"{src}:{sport}", "dest": f"{dst}:{dport}",
            "direction": "to_server" if to_server else "to_client", "dlp_direction": "egress",
            "encoding": encoding, "layer": layer, "offset": offset}


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
    data = b"report follows: TOP SECRET, handle accordingly"
    cut = data.index(MARK) + 4  # "TOP " | "SECRET"
    return (tcp_case(data, split=[cut]),
            [expect(1000, INSIDE, 40000, OUTSIDE, PORT, True, "utf-8", data.index(MARK))])


def case_out_of_order_and_duplicated():
    data = b"0123456789" * 3 + b"TOP SECRET" + b"abcdefghij" * 3
    return (tcp_case(data, split=[15, 32, 50], order=[2, 0, 3, 1, 2, 0]),
            [expect(1000, INSIDE, 40000, OUTSIDE, PORT, True, "utf-8", data.index(MARK))])


def case_gb18030():
    data = "报告：绝密文件，不得外传".encode("gb18030")
    return (tcp_case(data),
            [expect(1010, INSIDE, 40000, OUTSIDE, PORT, True, "gb18030",
                    data.index("绝密".encode("gb18030")))])


def case_utf16(encoding, name):
    def build():
        data = "memo: TOP SECRET plans".encode(encoding)
        return (tcp_case(data),
                [expect(1000, INSIDE, 40000, OUTSIDE, PORT, True, name,
                        data.index("TOP SECRET".encode(encoding)))])
    return build


def case_ingress_is_not_egress():
    # An outside server sends the marking to an inside client: not egress, no alert.
    return tcp_case(b"here is the TOP SECRET file", from_client=False), []


def case_egress_from_inside_server():
    # An outside client downloads from an inside server: the server's reply is egress.
    data = b"HTTP-ish reply carrying TOP SECRET data"
    cap = tcp_case(data, client=(OUTSIDE_CLIENT, 51000), server=(INSIDE_SERVER, PORT),
                   from_client=False)
    return cap, [expect(1000, INSIDE_SERVER, PORT, OUTSIDE_CLIENT, 51000, False, "utf-8",
                        data.index(MARK))]


def case_internal_only():
    return tcp_case(b"internal TOP SECRET memo", client=(INSIDE, 40000),
                    server=(INSIDE2, PORT)), []


def case_card_numbers():
    data = b"valid 4111 1111 1111 1111 and invalid 4111 1111 1111 1112 numbers"
    return (tcp_case(data),
            [expect(1200, INSIDE, 40000, OUTSIDE, PORT, True, "utf-8",
                    data.index(b"4111 1111 1111 1111"))])


def case_invalid_card_only():
    return tcp_case(b"order 4111 1111 1111 1112 and date 20261124100003"), []


def case_chinese_id():
    data = "身份证号 11010519491231002X".encode("utf-8")
    return (tcp_case(data),
            [expect(1300, INSIDE, 40000, OUTSIDE, PORT, True, "utf-8",
                    data.index(b"11010519491231002X"))])


def case_midstream_pickup():
    data = b"already talking... TOP SECRET"
    return (tcp_case(data, handshake=False),
            [expect(1000, INSIDE, 40000, OUTSIDE, PORT, True, "utf-8", data.index(MARK))])


def case_ipv6():
    data = b"v6 payload TOP SECRET"
    return (tcp_case(data, client=("fd00:10:1::20", 40000), server=("2001:db8::10", PORT)),
            [expect(1000, "fd00:10:1::20", 40000, "2001:db8::10", PORT, True, "utf-8",
                    data.index(MARK))])


def case_vlan():
    data = b"tagged TOP SECRET"
    return (tcp_case(data, vlans=(30,)),
            [expect(1000, INSIDE, 40000, OUTSIDE, PORT, True, "utf-8", data.index(MARK))])


def case_gap_is_never_matched_across():
    # "TOP SEC" | "RET ..." is lost | then a whole marking after the hole.
    seg1, seg2, seg3 = b"first TOP SEC", b"RET lost bytes ", b"later TOP SECRET"
    data = seg1 + seg2 + seg3
    cap = tcp_case(data, split=[len(seg1), len(seg1) + len(seg2)], drop_segment=1)
    return cap, [expect(1000, INSIDE, 40000, OUTSIDE, PORT, True, "utf-8",
                        len(seg1) + len(seg2) + seg3.index(MARK))]


def case_udp_fragments():
    payload = bytearray(b"x" * 3000)
    at = 1470  # the marking straddles the first fragment boundary
    payload[at:at + len(MARK)] = MARK
    cap = Capture(1, START)
    UdpFlow(cap, framing(), (INSIDE, 5555), (OUTSIDE, PORT)).send(bytes(payload), mtu=1500)
    return cap, [expect(1000, INSIDE, 5555, OUTSIDE, PORT, True, "utf-8", at,
                        layer="udp.datagram")]


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


def body_alert(layer, offset, *, to_server=True, client=(INSIDE, 41000), server=HTTP_SERVER):
    src, dst = (client, server) if to_server else (server, client)
    return expect(1000, src[0], src[1], dst[0], dst[1], to_server, "utf-8", offset, layer=layer)


SECRET_TEXT = b"quarterly plan - TOP SECRET - do not forward"


def case_http_plain_body():
    return (http_case(http_request("POST", "/upload", SECRET_TEXT)),
            [body_alert("http.request.body", SECRET_TEXT.index(MARK))])


def case_http_chunked_split_marking():
    body = SECRET_TEXT
    req = http_request("POST", "/upload", chunked(body, body.index(MARK) + 5),
                       ["Transfer-Encoding: chunked"])
    return http_case(req), [body_alert("http.request.body", body.index(MARK))]


def case_http_gzip_body():
    req = http_request("POST", "/upload", gzip.compress(SECRET_TEXT, mtime=0),
                       ["Content-Encoding: gzip"])
    return http_case(req), [body_alert("http.request.body.gzip", SECRET_TEXT.index(MARK))]


def case_http_chunked_gzip_body():
    packed = gzip.compress(SECRET_TEXT * 20, mtime=0)
    req = http_request("POST", "/upload", chunked(packed, len(packed) // 2),
                       ["Transfer-Encoding: chunked", "Content-Encoding: gzip"])
    return http_case(req), [body_alert("http.request.body.gzip", SECRET_TEXT.index(MARK))]


def case_http_form_urlencoded():
    body = b"title=plan&note=TOP%20SECRET+draft"
    req = http_request("POST", "/form", body,
                       ["Content-Type: application/x-www-form-urlencoded"])
    decoded = b"title=plan&note=TOP SECRET draft"
    return http_case(req), [body_alert("http.request.body.form", decoded.index(MARK))]


def case_http_query_string():
    req = http_request("GET", "/search?q=TOP+SECRET&x=%41")
    decoded = b"/search?q=TOP SECRET&x=A"
    return http_case(req), [body_alert("http.request.uri.decoded", decoded.index(MARK))]


def case_http_multipart_base64_part():
    content = b"attachment text: TOP SECRET inside"
    boundary = "XyZ123"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n").encode() + \
        base64.b64encode(content) + f"\r\n--{boundary}--\r\n".encode()
    req = http_request("POST", "/upload", body,
                       [f"Content-Type: multipart/form-data; boundary={boundary}"])
    return http_case(req), [body_alert("http.request.body.multipart", content.index(MARK))]


def case_http_gzip_response_from_inside_server():
    client, server = (OUTSIDE_CLIENT, 52000), (INSIDE_SERVER, 80)
    packed = gzip.compress(SECRET_TEXT, mtime=0)
    resp = (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n"
            % len(packed)) + packed
    return (http_case(http_request("GET", "/report"), resp, client=client, server=server),
            [body_alert("http.response.body.gzip", SECRET_TEXT.index(MARK), to_server=False,
                        client=client, server=server)])


def case_http_pipelined_second_request():
    first = http_request("POST", "/a", b"harmless")
    packed = gzip.compress(SECRET_TEXT, mtime=0)
    second = http_request("POST", "/b", packed, ["Content-Encoding: gzip"])
    return (http_case(first + second),
            [body_alert("http.request.body.gzip", SECRET_TEXT.index(MARK))])


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


def mail_alert(layer, offset):
    return expect(1000, MAIL_CLIENT[0], MAIL_CLIENT[1], MAIL_SERVER[0], MAIL_SERVER[1], True,
                  "utf-8", offset, layer=layer)


MAIL_HEAD = b"From: alice@corp.example\r\nTo: bob@example.org\r\nSubject: plan\r\n"


def case_smtp_plain_message():
    message = MAIL_HEAD + b"\r\nThe plan is TOP SECRET.\r\n.hidden line\r\n"
    return smtp_case(message), [mail_alert("smtp.data", message.index(MARK))]


def case_smtp_base64_attachment():
    content = b"attached report: TOP SECRET numbers"
    message = (MAIL_HEAD + b"MIME-Version: 1.0\r\n"
               b"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
               b"--b1\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n"
               b"--b1\r\nContent-Type: application/octet-stream\r\n"
               b"Content-Transfer-Encoding: base64\r\n\r\n" +
               base64.encodebytes(content).replace(b"\n", b"\r\n") + b"--b1--\r\n")
    return smtp_case(message), [mail_alert("smtp.mime.base64", content.index(MARK))]


def case_smtp_quoted_printable_soft_break():
    decoded = b"the plan is TOP SECRET, caf\xc3\xa9 at noon"
    qp = b"the plan is TOP SEC=\r\nRET, caf=C3=A9 at noon"
    message = (MAIL_HEAD + b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
               b"Content-Transfer-Encoding: quoted-printable\r\n\r\n" + qp + b"\r\n")
    return smtp_case(message), [mail_alert("smtp.mime.qp", decoded.index(MARK))]


def case_http_deep_body():
    # A 3 MiB upload whose marking sits near the end: well inside the default inspection depth.
    body = bytearray(b"0123456789abcdef" * (3 * 65536))
    at = len(body) - 1000
    body[at:at + len(MARK)] = MARK
    return (http_case(http_request("POST", "/big", bytes(body))),
            [body_alert("http.request.body", at)])


CASES: Dict[str, Callable] = {
    "http_deep_body": case_http_deep_body,
    "smtp_plain_message": case_smtp_plain_message,
    "smtp_base64_attachment": case_smtp_base64_attachment,
    "smtp_quoted_printable_soft_break": case_smtp_quoted_printable_soft_break,
    "http_plain_body": case_http_plain_body,
    "http_chunked_split_marking": case_http_chunked_split_marking,
    "http_gzip_body": case_http_gzip_body,
    "http_chunked_gzip_body": case_http_chunked_gzip_body,
    "http_form_urlencoded": case_http_form_urlencoded,
    "http_query_string": case_http_query_string,
    "http_multipart_base64_part": case_http_multipart_base64_part,
    "http_gzip_response_from_inside_server": case_http_gzip_response_from_inside_server,
    "http_pipelined_second_request": case_http_pipelined_second_request,
    "split_keyword": case_split_keyword,
    "out_of_order_and_duplicated": case_out_of_order_and_duplicated,
    "gb18030": case_gb18030,
    "utf16le": case_utf16("utf-16-le", "utf-16le"),
    "utf16be": case_utf16("utf-16-be", "utf-16be"),
    "ingress_is_not_egress": case_ingress_is_not_egress,
    "egress_from_inside_server": case_egress_from_inside_server,
    "internal_only": case_internal_only,
    "card_numbers": case_card_numbers,
    "invalid_card_only": case_invalid_card_only,
    "chinese_id": case_chinese_id,
    "midstream_pickup": case_midstream_pickup,
    "ipv6": case_ipv6,
    "vlan": case_vlan,
    "gap_is_never_matched_across": case_gap_is_never_matched_across,
    "udp_fragments": case_udp_fragments,
}


def write_cases(outdir: str) -> Dict[str, List[dict]]:
    """Writes every case's capture; returns {case: expected alerts}."""
    os.makedirs(outdir, exist_ok=True)
    expected = {}
    for name, build in CASES.items():
        capture, alerts = build()
        capture.save(os.path.join(outdir, name + ".pcap"))
        expected[name] = alerts
    return expected


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "dlp-cases"
    truth = write_cases(out)
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(truth, f, indent=1, ensure_ascii=False)
    print(f"wrote {len(truth)} cases to {out}")
