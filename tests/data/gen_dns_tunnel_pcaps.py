#!/usr/bin/env python3
"""Writes the DNS captures the tunnel detector is tested on (dpi/policy/DESIGN.md).

    python3 tests/data/gen_dns_tunnel_pcaps.py [OUTDIR]     (default: tests/data/dns_tunnel)

Tunnels, each one client sending data up in query names through its resolver:

- dns_tunnel_base32.pcap: base32 labels (RFC 4648 alphabet, lower case), A and CNAME queries
  answered with A and CNAME records.
- dns_tunnel_base64_txt.pcap: base64-ish labels (letters of both cases, digits, '-', '_'),
  TXT queries answered with base64 TXT strings.
- dns_tunnel_null.pcap: iodine-like: NULL queries whose labels use iodine's base128 alphabet
  (bytes 0xbc-0xfd beside letters and digits), NULL answers with binary RDATA.

Ordinary traffic that must not be flagged:

- dns_ordinary_resolver.pcap: 5 hosts of an office resolving popular sites (A, AAAA, HTTPS),
  mail (MX), NTP pools, CDN names (CloudFront distributions, akamaiedge, googlevideo caches,
  AWS ELB names), and one host resolving 200 different sites within a minute.
- dns_ordinary_services.pcap: a mail server's DNS-based reputation lookups (Spamhaus ZEN for
  connecting addresses, DBL for URL domains, Team Cymru's malware hash registry with MD5s in
  hex, DKIM/DMARC/SPF TXT lookups of sender domains).

Python standard library only (through tests/gen/pcapgen); classic pcap, Ethernet; a fixed seed,
so every run writes the same bytes.
"""

import base64
import hashlib
import os
import random
import struct
import sys
from typing import List, Optional, Sequence, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "gen"))
from pcapgen.datagrams import UdpFlow  # noqa: E402
from pcapgen.link import EthernetFraming  # noqa: E402
from pcapgen.pcap import LINKTYPE_ETHERNET, Capture, utc_microseconds  # noqa: E402

T_A, T_NS, T_CNAME, T_NULL, T_MX, T_TXT, T_AAAA, T_HTTPS = 1, 2, 5, 10, 15, 16, 28, 65
START = utc_microseconds("2024-03-05T09:00:00Z")


def wire_name(name) -> bytes:
    """Length-prefixed labels; `name` is text (ASCII) or a list of byte labels."""
    labels = name if isinstance(name, list) else [l.encode() for l in name.rstrip(".").split(".")]
    out = b""
    for label in labels:
        if not 0 < len(label) < 64:
            raise ValueError(f"bad label {label!r}")
        out += bytes([len(label)]) + label
    if len(out) + 1 > 255:
        raise ValueError("name longer than 255 bytes")
    return out + b"\x00"


def message(txid: int, qname: bytes, qtype: int, answers: Sequence[Tuple[int, bytes]],
            response: bool) -> bytes:
    """A query, or its response with `answers` (type, RDATA) owned by the question's name."""
    flags = 0x8180 if response else 0x0100
    header = struct.pack("!HHHHHH", txid, flags, 1, len(answers) if response else 0, 0, 0)
    body = qname + struct.pack("!HH", qtype, 1)
    if response:
        for rtype, rdata in answers:
            body += struct.pack("!HHHIH", 0xC00C, rtype, 1, 60, len(rdata)) + rdata
    return header + body


def txt(text: bytes) -> bytes:
    return b"".join(bytes([len(text[i:i + 255])]) + text[i:i + 255]
                    for i in range(0, len(text), 255))


class Network:
    """One capture: DNS exchanges of inside hosts with their resolver, one UDP flow each."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.cap = Capture(LINKTYPE_ETHERNET, START)
        self.framing = EthernetFraming("02:00:00:00:00:01", "02:00:00:00:00:fe")

    def exchange(self, client: str, resolver: str, qname, qtype: int,
                 answers: Sequence[Tuple[int, bytes]], after_us: int) -> None:
        self.cap.advance(after_us)
        txid = self.rng.randrange(65536)
        port = self.rng.randrange(49152, 65536)  # the ephemeral range
        flow = UdpFlow(self.cap, self.framing, (client, port), (resolver, 53),
                       rtt_us=self.rng.randrange(2_000, 40_000))
        wire = wire_name(qname)
        flow.send(message(txid, wire, qtype, (), False), True)
        flow.send(message(txid, wire, qtype, answers, True), False)

    def ipv4(self) -> bytes:
        return bytes([self.rng.randrange(1, 224), self.rng.randrange(256),
                      self.rng.randrange(256), self.rng.randrange(1, 255)])

    def save(self, path: str) -> None:
        self.cap.save(path)


def chunks(text: str, size: int) -> List[str]:
    return [text[i:i + size] for i in range(0, len(text), size)]


def base32_tunnel(path: str) -> None:
    """A client exfiltrating a file 90 bytes a query: base32 labels of up to 63 characters."""
    net = Network(1)
    data = bytes(net.rng.randrange(256) for _ in range(100 * 90))
    for seq in range(100):
        piece = data[seq * 90:(seq + 1) * 90]
        encoded = base64.b32encode(bytes([seq]) + piece).decode().rstrip("=").lower()
        name = ".".join(chunks(encoded, 63)) + ".t.exfil-cdn.net"
        if seq % 2:
            answers = [(T_CNAME, wire_name(f"{seq:x}.r.exfil-cdn.net"))]
            qtype = T_CNAME
        else:
            answers = [(T_A, net.ipv4())]
            qtype = T_A
        net.exchange("192.168.10.23", "192.168.10.1", name, qtype, answers,
                     net.rng.randrange(200_000, 800_000))
    net.save(path)


B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def base64_txt_tunnel(path: str) -> None:
    """A dnscat-like session in base64-ish labels, the server's data in TXT answers."""
    net = Network(2)
    for seq in range(80):
        label_len = net.rng.randrange(100, 180)
        encoded = "".join(net.rng.choice(B64_ALPHABET) for _ in range(label_len))
        name = ".".join(chunks(encoded, 60)) + ".c2.tunnel-relay.org"
        reply = base64.b64encode(bytes(net.rng.randrange(256) for _ in range(150)))
        net.exchange("10.1.2.3", "8.8.8.8", name, T_TXT, [(T_TXT, txt(reply))],
                     net.rng.randrange(300_000, 700_000))
    net.save(path)


# iodine's base128 alphabet (encoding.c): letters, digits, then bytes 0xbc-0xfd.
B128_ALPHABET = (b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" +
                 bytes(range(0xBC, 0xFE)))


def null_tunnel(path: str) -> None:
    """iodine-like: a login handshake in short names, then data in base128 labels with NULL
    answers carrying the downstream bytes."""
    net = Network(3)
    client, resolver = "10.0.5.30", "10.0.5.20"
    for control in ("vaaaakardli", "yrbi02", "sbhi1c", "obsi1d", "obli1e"):
        net.exchange(client, resolver, f"{control}.t.iodine-lab.org", T_NULL,
                     [(T_NULL, bytes(net.rng.randrange(256) for _ in range(40)))], 5_000)
    for seq in range(100):
        head = f"r{seq % 32:x}a".encode()
        body = bytes(net.rng.choice(B128_ALPHABET) for _ in range(net.rng.randrange(150, 200)))
        labels = [head + body[:59]] + [body[i:i + 62] for i in range(59, len(body), 62)]
        qname = labels + [b"t", b"iodine-lab", b"org"]
        down = bytes(net.rng.randrange(256) for _ in range(net.rng.randrange(100, 400)))
        net.exchange(client, resolver, qname, T_NULL, [(T_NULL, down)],
                     net.rng.randrange(50_000, 400_000))
    net.save(path)


POPULAR = [
    "www.google.com", "www.youtube.com", "i.ytimg.com", "fonts.gstatic.com", "www.gstatic.com",
    "www.facebook.com", "static.xx.fbcdn.net", "scontent-fra3-1.xx.fbcdn.net",
    "www.wikipedia.org", "en.wikipedia.org", "upload.wikimedia.org", "www.amazon.com",
    "m.media-amazon.com", "images-na.ssl-images-amazon.com", "github.com", "api.github.com",
    "avatars.githubusercontent.com", "outlook.office365.com", "login.microsoftonline.com",
    "teams.microsoft.com", "www.bbc.co.uk", "ichef.bbci.co.uk", "www.theguardian.com",
    "i.guim.co.uk", "slack.com", "edgeapi.slack.com", "www.linkedin.com",
    "static.licdn.com", "update.googleapis.com", "safebrowsing.googleapis.com",
    "clients4.google.com", "accounts.google.com", "www.zoom.us", "zoom.us",
]
MAIL = [("gmail.com", T_MX), ("smtp.gmail.com", T_A), ("imap.gmail.com", T_A),
        ("outlook.com", T_MX), ("smtp.office365.com", T_A)]
NTP = ["0.debian.pool.ntp.org", "1.debian.pool.ntp.org", "2.debian.pool.ntp.org",
       "3.debian.pool.ntp.org", "time.google.com", "ntp.ubuntu.com"]
ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"


def cdn_names(rng: random.Random) -> List[str]:
    """What one browsing host meets in a few minutes behind CNAME chains."""
    names = []
    for _ in range(12):  # CloudFront distributions: 13-14 characters after "d"
        names.append("d" + "".join(rng.choice(ALNUM) for _ in range(13)) + ".cloudfront.net")
    for _ in range(25):  # Akamai edge hosts
        names.append(f"e{rng.randrange(1, 99999)}.{rng.choice(['a', 'b', 'dscb', 'dscx', 'g', 'x'])}"
                     ".akamaiedge.net")
    for _ in range(40):  # YouTube caches during a video: rrN---sn-XXXXXXXX(-YYYY)
        node = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(8))
        extra = "" if rng.random() < 0.6 else "-" + "".join(rng.choice(ALNUM) for _ in range(4))
        names.append(f"rr{rng.randrange(1, 6)}---sn-{node}{extra}.googlevideo.com")
    for _ in range(8):  # AWS load balancers
        names.append(f"{rng.choice(['web', 'api', 'app', 'k8s-ingress'])}-prod-"
                     f"{rng.randrange(10**9, 10**10)}.{rng.choice(['us-east-1', 'eu-west-1'])}"
                     ".elb.amazonaws.com")
    return names


def ordinary_resolver(path: str) -> None:
    net = Network(4)
    resolver = "192.168.1.1"
    hosts = [f"192.168.1.{n}" for n in range(10, 15)]
    plans = []
    for host in hosts:
        plan = []
        for _ in range(16):
            name = net.rng.choice(POPULAR)
            plan += [(name, T_A), (name, T_AAAA)]
            if net.rng.random() < 0.3:
                plan.append((name, T_HTTPS))
        plan += [net.rng.choice(MAIL) for _ in range(4)]
        plan += [(net.rng.choice(NTP), T_A) for _ in range(2)]
        plan += [(name, T_A) for name in cdn_names(net.rng)]
        net.rng.shuffle(plan)
        plans.append((host, plan))
    # The crawler: 200 different sites within a minute.
    words = ["news", "shop", "blog", "cloud", "data", "travel", "food", "tech", "city", "home"]
    crawl = [(f"www.{net.rng.choice(words)}{n}{net.rng.choice(['.com', '.org', '.de', '.fr'])}",
              T_A) for n in range(200)]
    plans.append(("192.168.1.99", crawl))
    # Interleave the hosts over about three minutes.
    events = []
    for host, plan in plans:
        span_us = 55_000_000 if host.endswith(".99") else 180_000_000
        for name, qtype in plan:
            events.append((net.rng.randrange(span_us), host, name, qtype))
    events.sort()
    now = 0
    for at, host, name, qtype in events:
        if qtype == T_MX:
            answers = [(T_MX, struct.pack("!H", 10) + wire_name("alt1.mx." + name))]
        elif qtype == T_AAAA:
            answers = [(T_AAAA, bytes([0x2a, 0x00, 0x14, 0x50]) + bytes(net.rng.randrange(256)
                                                                    for _ in range(12)))]
        elif qtype == T_HTTPS:
            answers = []
        elif "cloudfront" in name or "akamai" in name or "googlevideo" in name:
            answers = [(T_A, net.ipv4()), (T_A, net.ipv4())]
        else:
            answers = [(T_A, net.ipv4())]
        net.exchange(host, resolver, name, qtype, answers, max(0, at - now))
        now = max(now, at) + 1
    net.save(path)


def reversed_ip(rng: random.Random) -> str:
    return ".".join(str(rng.randrange(1, 255)) for _ in range(4))


def ordinary_services(path: str) -> None:
    """A mail server (192.168.2.25) checking what it receives, for two minutes."""
    net = Network(5)
    mta, resolver = "192.168.2.25", "192.168.2.1"
    senders = ["example.com", "mailchimp.com", "sendgrid.net", "amazonses.com", "github.com",
               "paypal.com", "bank-example.de", "univ-example.fr", "news-example.co.uk",
               "shop-example.com.au"]
    events = []
    for n in range(240):  # every connecting address against ZEN: 2 a second
        events.append((n * 500_000, f"{reversed_ip(net.rng)}.zen.spamhaus.org", T_A))
    for n in range(100):  # domains in message bodies against DBL
        domain = f"{net.rng.choice(['promo', 'track', 'links', 'img'])}.{net.rng.choice(senders)}"
        events.append((n * 1_200_000 + 300_000, f"{domain}.dbl.spamhaus.org", T_A))
    for n in range(60):  # attachment MD5s against Team Cymru's malware hash registry
        digest = hashlib.md5(f"attachment {n}".encode()).hexdigest()
        events.append((n * 1_000_000 + 700_000, f"{digest}.malware.hash.cymru.com", T_TXT))
    for n, sender in enumerate(senders * 2):  # DKIM, DMARC, SPF of each sender domain
        selector = ["s1", "google", "k1", "selector1"][n % 4]
        events.append((n * 6_000_000 + 100_000, f"{selector}._domainkey.{sender}", T_TXT))
        events.append((n * 6_000_000 + 200_000, f"_dmarc.{sender}", T_TXT))
        events.append((n * 6_000_000 + 250_000, sender, T_TXT))
    events.sort()
    now = 0
    for at, name, qtype in events:
        if name.endswith("spamhaus.org"):
            # Most lookups are NXDOMAIN in life; a listed one answers 127.0.0.x. Answer all here.
            answers = [(T_A, bytes([127, 0, 0, net.rng.choice([2, 4, 10, 11])]))]
        elif name.endswith("cymru.com"):
            answers = [(T_TXT, txt(f"{1700000000 + net.rng.randrange(10**7)} 62".encode()))]
        elif "_domainkey" in name:
            answers = [(T_TXT, txt(b"v=DKIM1; k=rsa; p=" + base64.b64encode(
                bytes(net.rng.randrange(256) for _ in range(160)))))]
        elif name.startswith("_dmarc"):
            answers = [(T_TXT, txt(b"v=DMARC1; p=quarantine; rua=mailto:dmarc@" +
                                   name[7:].encode()))]
        else:
            answers = [(T_TXT, txt(b"v=spf1 include:_spf." + name.encode() + b" ~all"))]
        net.exchange(mta, resolver, name, qtype, answers, max(0, at - now))
        now = max(now, at) + 1
    net.save(path)


CAPTURES = {
    "dns_tunnel_base32.pcap": base32_tunnel,
    "dns_tunnel_base64_txt.pcap": base64_txt_tunnel,
    "dns_tunnel_null.pcap": null_tunnel,
    "dns_ordinary_resolver.pcap": ordinary_resolver,
    "dns_ordinary_services.pcap": ordinary_services,
}


def main(argv: List[str]) -> int:
    outdir = argv[1] if len(argv) > 1 else os.path.join(HERE, "dns_tunnel")
    os.makedirs(outdir, exist_ok=True)
    for name, build in CAPTURES.items():
        path = os.path.join(outdir, name)
        build(path)
        print(f"{path}: {os.path.getsize(path)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
