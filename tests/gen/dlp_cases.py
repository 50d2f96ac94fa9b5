"""Captures with known DLP ground truth for egressmon's golden tests (raw-stream cases).

Each case is one small capture and the alerts ``rules/default.yaml`` must raise on it: no more,
no fewer. The payloads travel on TCP/UDP port 7000, which nDPI leaves Unknown, so they are
inspected as raw streams and datagrams (the HTTP/SMTP decoder cases come with the decoders).

    python3 tests/gen/dlp_cases.py OUTDIR   # writes OUTDIR/<case>.pcap and OUTDIR/expected.json
"""

import json
import os
import sys
from typing import Callable, Dict, List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pcapgen.datagrams import UdpFlow  # noqa: E402
from pcapgen.link import EthernetFraming  # noqa: E402
from pcapgen.pcap import Capture, utc_microseconds  # noqa: E402
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


CASES: Dict[str, Callable] = {
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
