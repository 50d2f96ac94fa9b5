#!/usr/bin/env python3
"""Write the bundled sample capture: an inside network (10.1.0.0/16, fd00:10:1::/64) talking to
documentation-range "outside" hosts, one flow per feature egressmon must handle.

Usage: make_sample.py [OUTPUT]   (default: samples/sample.pcap in the repository)

The output depends on nothing but this script and ``pcapgen``: rerunning it gives the same
bytes, which ``test_pcapgen`` checks against the committed file. samples/README.md lists the
flows and what ndpiReader reports for each; update it when a flow changes here.
"""

import argparse
import ipaddress
import os
import sys
from typing import Optional, Sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pcapgen import dns, http_messages, smtp, tls  # noqa: E402
from pcapgen.conversation import Endpoint  # noqa: E402
from pcapgen.datagrams import UdpFlow, ping  # noqa: E402
from pcapgen.link import EthernetFraming  # noqa: E402
from pcapgen.pcap import LINKTYPE_ETHERNET, Capture, utc_microseconds  # noqa: E402
from pcapgen.tcp_session import TcpSession  # noqa: E402

DEFAULT_OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "samples",
                              "sample.pcap")
START = "2026-11-24T10:00:00Z"
FLOW_GAP_US = 250_000  # idle time between consecutive flows

GATEWAY_MAC = "02:00:00:00:00:01"
RESOLVER = "198.51.100.53"
RESOLVER6 = "2001:db8::53"
SECRET_BODY = b"Project Aurora - TOP SECRET - do not distribute"


def framing(inside_ip: str, vlan_ids: Sequence[int] = ()) -> EthernetFraming:
    """Ethernet between an inside host and the default gateway.

    The host's MAC ends in the last byte of its address so frames are easy to match up by eye.
    """
    host_byte = ipaddress.ip_address(inside_ip).packed[-1]
    return EthernetFraming(f"02:00:0a:01:00:{host_byte:02x}", GATEWAY_MAC, vlan_ids)


def dns_lookup(capture: Capture, client: Endpoint, server: Endpoint, name: str, qtype: int,
               rdatas: Sequence[bytes], *, txid: int, mtu: Optional[int] = None) -> None:
    """A query from ``client`` and the resolver's answer, optionally fragmented at ``mtu``."""
    edns = 4096 if mtu else None
    flow = UdpFlow(capture, framing(client[0]), client, server)
    flow.send(dns.dns_query(txid, name, qtype, edns=edns))
    flow.send(dns.dns_response(txid, name, qtype, rdatas, edns=edns), from_client=False, mtu=mtu)


def http_session(capture: Capture, client: Endpoint, server: Endpoint, request: bytes,
                 response: bytes, vlan_ids: Sequence[int] = ()) -> None:
    """One request/response over a fresh connection that the client closes."""
    tcp = TcpSession(capture, framing(client[0], vlan_ids), client, server)
    tcp.open()
    tcp.exchange([(True, request), (False, response)])
    tcp.close()


def tls_session(capture: Capture, client: Endpoint, server: Endpoint, sni: str) -> None:
    """A TLS 1.3 handshake, one request and a two-segment response, then close."""
    tcp = TcpSession(capture, framing(client[0]), client, server)
    tcp.open()
    tcp.exchange(tls.handshake_turns(sni, seed=sni))
    tcp.exchange([(True, tls.application_data(320, sni, "request")),
                  (False, tls.application_data(2400, sni, "response"))])
    tcp.close()


def smtp_session(capture: Capture, client: Endpoint, server: Endpoint) -> None:
    """A mail from an inside user to an outside recipient over plain SMTP."""
    message = smtp.mail_message(
        sender="alice@corp.example", recipients=["bob@example.org"],
        subject="Quarterly figures", date="Tue, 24 Nov 2026 10:00:03 +0000",
        message_id="20261124100003.1@corp.example",
        body="Hi Bob,\n\nthe quarterly figures are attached as agreed.\n\nAlice\n")
    tcp = TcpSession(capture, framing(client[0]), client, server)
    tcp.open()
    tcp.exchange(smtp.smtp_dialogue(server_name="mail.example.org",
                                    client_name="ws13.corp.example",
                                    sender="alice@corp.example", recipients=["bob@example.org"],
                                    message=message))
    tcp.close()


def html_page(title: str, paragraphs: int) -> bytes:
    """A page big enough to need several TCP segments."""
    text = "".join(f"<p>Paragraph {i}: lorem ipsum dolor sit amet, consectetur adipiscing.</p>\n"
                   for i in range(paragraphs))
    head = f"<!doctype html>\n<html><head><title>{title}</title></head><body>\n"
    return (head + text + "</body></html>\n").encode()


def build_sample() -> Capture:
    """Every flow of the sample, in capture order (see samples/README.md)."""
    capture = Capture(LINKTYPE_ETHERNET, utc_microseconds(START))
    steps = [
        lambda: dns_lookup(capture, ("10.1.0.10", 53001), (RESOLVER, 53), "www.example.com",
                           dns.TYPE_A, [dns.a_rdata("203.0.113.10")], txid=0x1A2B),
        lambda: http_session(capture, ("10.1.0.10", 51000), ("203.0.113.10", 80),
                             http_messages.http_get("www.example.com", "/index.html"),
                             http_messages.http_response(200, html_page("Example", 40))),
        lambda: http_session(capture, ("10.1.0.11", 51001), ("203.0.113.20", 80),
                             http_messages.http_post("upload.example.net", "/api/v1/notes",
                                                     SECRET_BODY),
                             http_messages.http_response(201, b'{"status":"stored"}\n',
                                                         "application/json")),
        lambda: tls_session(capture, ("10.1.0.12", 51002), ("203.0.113.30", 443),
                            "files.example.com"),
        lambda: smtp_session(capture, ("10.1.0.13", 51003), ("198.51.100.25", 25)),
        lambda: dns_lookup(capture, ("fd00:10:1::14", 53004), (RESOLVER6, 53), "v6.example.com",
                           dns.TYPE_AAAA, [dns.a_rdata("2001:db8::80")], txid=0x3C4D),
        lambda: http_session(capture, ("fd00:10:1::14", 51004), ("2001:db8::80", 80),
                             http_messages.http_get("v6.example.com", "/"),
                             http_messages.http_response(200, html_page("IPv6", 4))),
        lambda: http_session(capture, ("10.1.20.5", 51005), ("198.51.100.80", 80),
                             http_messages.http_get("updates.example.org", "/status"),
                             http_messages.http_response(200, b"ok\n", "text/plain"),
                             vlan_ids=(20,)),
        lambda: dns_lookup(capture, ("10.1.0.10", 53002), (RESOLVER, 53), "keys.example.net",
                           dns.TYPE_TXT, [dns.txt_rdata(key_text())], txid=0x5E6F, mtu=1500),
        lambda: ping(capture, framing("10.1.0.10"), "10.1.0.10", "203.0.113.1", ident=0x0BAD,
                     count=2),
    ]
    for index, step in enumerate(steps):
        if index:
            capture.advance(FLOW_GAP_US)
        step()
    return capture


def key_text() -> str:
    """~3.5 KB of TXT data, so the DNS answer spans three 1500-byte IPv4 fragments."""
    return "".join(f"v=key1; id={i:04d}; k=" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" * 3 + "; "
                   for i in range(30))


def main(argv=None) -> int:
    """Parse the optional output path and write the capture there."""
    parser = argparse.ArgumentParser(description="Write the bundled sample capture.")
    parser.add_argument("output", nargs="?", default=os.path.normpath(DEFAULT_OUTPUT))
    args = parser.parse_args(argv)
    build_sample().save(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
