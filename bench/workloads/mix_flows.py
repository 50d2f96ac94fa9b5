"""The flows of the egress mix: what each kind of connection says, as generators of bursts.

``FlowBuilders`` is mixed into ``egress_mix.Mix``, which supplies the random generator, the
corpus, addressing (``_tcp``, ``_client``, ``ip_of``) and sizes (``_rtt``, ``_size``). Each
``flow_*`` method returns ``(flow, planned frame bytes, generator, host name)``; the generator
writes one burst per step and yields the nanoseconds until its next one.
"""

import base64
import binascii
import zlib

from corpus import materialize
from fastpcap import ACK, FIN, UdpFlow
from tcp_flights import Src, send, wire_bytes

MS = 1_000_000  # nanoseconds
CORP_DOMAIN = "acme-corp.com"
GATEWAY_MAC = bytes.fromhex("001b21a40001")  # inside firewall interface
ROUTER_MAC = bytes.fromhex("3cfdfeb80002")  # upstream router
RESOLVERS = ["8.8.8.8", "8.8.4.4", "1.1.1.1", "9.9.9.9", "208.67.222.222"]
USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Microsoft-CryptoAPI/10.0", "Windows-Update-Agent/10.0.10011.16384 Client-Protocol/2.71",
    "curl/8.5.0", "python-requests/2.32.3", "okhttp/4.12.0", "Go-http-client/1.1",
    "Debian APT-HTTP/1.3 (2.6.1)",
]
FIRST = "james mary robert patricia john jennifer michael linda david elizabeth wei li anna " \
        "maria chen priya ahmed sofia lucas emma noah olivia yuki hana omar ines".split()
LAST = "smith johnson williams brown jones garcia miller davis wang zhang kumar singh " \
       "mueller schmidt rossi dubois tanaka kim nguyen silva".split()
MAGIC = {"pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
         "jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "zip": b"PK\x03\x04\x14\x00",
         "docx": b"PK\x03\x04\x14\x00\x06\x00", "xlsx": b"PK\x03\x04\x14\x00\x06\x00",
         "bin": b""}
BINARY_TYPES = [("application/pdf", "pdf"), ("image/png", "png"), ("image/jpeg", "jpg"),
                ("application/zip", "zip"),
                ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                 "docx"),
                ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
                ("application/octet-stream", "bin")]
TEXT_TYPES = [("text/plain", "txt"), ("text/csv", "csv"), ("application/json", "json"),
              ("text/markdown", "md")]


def luhn_complete(digits):
    """``digits`` plus the check digit that makes the whole pass Luhn."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        v = int(ch)
        if i % 2 == 0:
            v *= 2
            if v > 9:
                v -= 9
        total += v
    return digits + str((10 - total % 10) % 10)


class FlowBuilders:
    """Content and conversation of HTTP, TLS, SMTP, DNS and other flows (a mixin of ``Mix``)."""

    def _name(self):
        return f"{self.rng.choice(FIRST)}.{self.rng.choice(LAST)}"

    def _sentence(self, k=8):
        return " ".join(self.rng.choice(self.vocab[:300]) for _ in range(k))

    def _plant(self, kind):
        """Picks what to plant in one flow: a (label, encoded snippet) pair, or None."""
        rng = self.rng
        if rng.random() >= 1 / 200:
            return None
        x = rng.random()
        kws = self.keywords
        if x < 0.40:
            label, text = "keyword-rules-10", rng.choice(kws[:10])
        elif x < 0.55:
            label, text = "keyword-rules-250", rng.choice(kws[10:250])
        elif x < 0.65:
            label, text = "keyword-rules-2500", rng.choice(kws[250:2500])
        elif x < 0.80:
            label, text = "TOP SECRET", "TOP SECRET"
        elif x < 0.90:
            label = "card-number"
            d = luhn_complete("4" + "".join(str(rng.randrange(10)) for _ in range(14)))
            text = " ".join(d[i:i + 4] for i in range(0, 16, 4))
        elif x < 0.95:
            label = "aws-key-id"
            text = "AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
                                    for _ in range(16))
        else:
            label = "customer-email"
            text = f"{self._name()}@clients.{CORP_DOMAIN}"
        sentence = f"Please review {text} before the {rng.choice(('meeting', 'call', 'deadline'))}."
        enc = "utf-8"
        if kind == "raw" and label.startswith("keyword"):
            enc = rng.choice(("utf-8", "utf-8", "gb18030", "utf-16le", "utf-16be"))
        key = f"{label} ({enc})" if enc != "utf-8" else label
        self.inject_counts[key] = self.inject_counts.get(key, 0) + 1
        return " " + sentence + " ", sentence.encode(enc)

    def _text(self, n, plant=None, flat=False):
        """Prose pieces of ~``n`` bytes, with the planted snippet in the middle if any."""
        if plant is None:
            return self.c.text_slice(self.rng, n, flat)
        half = max(n // 2, 1)
        return self.c.text_slice(self.rng, half, flat) + [plant[1]] + \
            self.c.text_slice(self.rng, max(n - half, 1), flat)

    def _lines(self, n, plant=None):
        if plant is None:
            return self.c.line_slice(self.rng, n)
        return self.c.line_slice(self.rng, n // 2) + [plant[1] + b"\r\n"] + \
            self.c.line_slice(self.rng, max(n - n // 2, 1))

    def _b64(self, n, text, plant=None):
        pieces = self.c.b64_slice(self.rng, n, text)
        if plant is not None:
            raw = plant[1]
            raw += b" " * (-len(raw) % 57)
            enc = b"".join(base64.b64encode(raw[i:i + 57]) + b"\r\n"
                           for i in range(0, len(raw), 57))
            pieces = pieces[:1] + [enc] + self.c.b64_slice(self.rng, n // 2, text)
        return pieces

    @staticmethod
    def _plen(pieces):
        return sum(len(p) if isinstance(p, (bytes, bytearray)) else p[2] - p[1] for p in pieces)

    # ------------------------------------------------------------------ HTTP

    def _http_head(self, start, headers):
        return (start + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n").encode()

    def _chunked(self, pieces):
        data = Src(pieces)
        out = []
        while data.left:
            n = min(data.left, self.rng.choice((1024, 2048, 4096, 8192, 8192, 16384)))
            out.append(b"%x\r\n" % n)
            out.append(data.take(n))
            out.append(b"\r\n")
        out.append(b"0\r\n\r\n")
        return out

    def _gzip(self, pieces, level):
        z = zlib.compressobj(level, zlib.DEFLATED, 31)
        return z.compress(materialize(pieces)) + z.flush()

    def _json_doc(self, n, plant):
        head = (f'{{"id":{self.rng.randrange(10**6, 10**7)},"title":"{self._sentence(5)}",'
                f'"owner":"{self._name()}@{CORP_DOMAIN}","tags":["{self._word()}",'
                f'"{self._word()}"],"body":"').encode()
        return [head] + self._text(n, plant, flat=True) + [b'"}']

    def _upload(self, host, plant):
        """(request pieces, response pieces, label) of one upload (POST/PUT)."""
        rng = self.rng
        size = self._size(3000, 1.6, 150, 12 << 20)
        ua = rng.choice(USER_AGENTS)
        path = rng.choice(("/api/v2/files", "/upload", "/api/v1/documents", "/submit",
                           "/v1/objects", "/api/notes", "/forms/contact", "/ingest"))
        path += f"/{rng.randrange(10**8):08d}" if rng.random() < 0.5 else ""
        base = [("Host", host), ("User-Agent", ua), ("Accept", "*/*"),
                ("Accept-Encoding", "gzip, deflate"), ("Connection", "keep-alive")]
        x = rng.random()
        if x < 0.38:
            label = "upload-identity"
            t = rng.random()
            if t < 0.4:
                ctype, body = "application/json", self._json_doc(size, plant)
            elif t < 0.55 and size < 256 << 10:
                ctype = "application/x-www-form-urlencoded"
                text = materialize(self._text(size, plant)).translate(_FORM)
                body = [f"subject={self._sentence(4).replace(' ', '+')}&message=".encode(), text]
            elif t < 0.85 or plant is not None:
                ctype, body = "text/plain; charset=utf-8", self._text(size, plant)
            else:
                ctype, body = "application/octet-stream", self.c.rand_slice(rng, size)
            headers = base + [("Content-Type", ctype), ("Content-Length", self._plen(body))]
        elif x < 0.55:
            label = "upload-chunked"
            body = self._chunked(self._json_doc(size, plant) if rng.random() < 0.5
                                 else self._text(size, plant))
            headers = base + [("Content-Type", "application/json"),
                              ("Transfer-Encoding", "chunked")]
        elif x < 0.75:
            label = "upload-gzip"
            size = min(size, 4 << 20)
            body = [self._gzip(self._json_doc(size, plant), 6)]
            headers = base + [("Content-Type", "application/json"), ("Content-Encoding", "gzip"),
                              ("Content-Length", len(body[0]))]
        else:
            label = "upload-multipart"
            boundary = "----WebKitFormBoundary" + "".join(
                rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
                for _ in range(16))
            body = [f'--{boundary}\r\nContent-Disposition: form-data; name="description"\r\n\r\n'
                    f'{self._sentence(10)}\r\n'.encode()]
            for i in range(rng.choice((1, 1, 1, 2, 3))):
                if rng.random() < 0.55 or plant is not None and i == 0:
                    ctype, ext = rng.choice(TEXT_TYPES)
                    content = self._text(size, plant if i == 0 else None)
                else:
                    ctype, ext = rng.choice(BINARY_TYPES)
                    content = [MAGIC[ext]] + self.c.rand_slice(rng, size)
                body.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file{i}"; '
                            f'filename="{self._word()}-{self._word()}-{rng.randrange(100)}.{ext}"'
                            f'\r\nContent-Type: {ctype}\r\n\r\n'.encode())
                body += content
                body.append(b"\r\n")
                size = self._size(9000, 1.5, 200, 4 << 20)
            body.append(f"--{boundary}--\r\n".encode())
            headers = base + [("Content-Type", f"multipart/form-data; boundary={boundary}"),
                              ("Content-Length", self._plen(body))]
        method = "PUT" if path.startswith("/v1/objects") else "POST"
        req = [self._http_head(f"{method} {path} HTTP/1.1", headers)] + body
        rbody = (f'{{"status":"ok","id":"{rng.getrandbits(64):016x}",'
                 f'"received":{self._plen(body)}}}').encode()
        resp = [self._http_head("HTTP/1.1 201 Created", [
            ("Server", rng.choice(("nginx", "cloudflare", "Apache", "AmazonS3"))),
            ("Date", "Tue, 24 Nov 2026 09:00:00 GMT"), ("Content-Type", "application/json"),
            ("Content-Length", len(rbody)), ("Connection", "keep-alive")]), rbody]
        return req, resp, label

    def _download(self, host):
        rng = self.rng
        size = self._size(3500, 1.7, 150, 16 << 20)
        ua = rng.choice(USER_AGENTS)
        x = rng.random()
        path = rng.choice(("/", "/index.html", "/news/", "/docs/guide", "/api/v2/items",
                           "/static/app.js", "/assets/img/banner", "/pool/main/p/pkg.deb",
                           "/msdownload/update/v3/static/trustedr/en/authrootstl.cab"))
        req = [self._http_head(f"GET {path} HTTP/1.1", [
            ("Host", host), ("User-Agent", ua), ("Accept", "*/*"),
            ("Accept-Encoding", "gzip, deflate"), ("Accept-Language", "en-US,en;q=0.9"),
            ("Connection", "keep-alive")])]
        if 0.30 <= x < 0.70:
            size = min(size, 4 << 20)  # compressed bodies are materialized; keep them bounded
        html = self._html(size) if rng.random() < 0.6 else self._json_doc(size, None)
        ctype = "text/html; charset=utf-8" if html[0].startswith(b"<!") else "application/json"
        hdrs = [("Server", rng.choice(("nginx", "Apache", "ECAcc (lhd/35B5)", "cloudflare"))),
                ("Date", "Tue, 24 Nov 2026 09:00:00 GMT"), ("Cache-Control", "max-age=3600")]
        if x < 0.30:
            label, body = "download-identity", html
            hdrs += [("Content-Type", ctype), ("Content-Length", self._plen(body))]
        elif x < 0.55:
            label = "download-gzip"
            body = [self._gzip(html, 1)]
            hdrs += [("Content-Type", ctype), ("Content-Encoding", "gzip"),
                     ("Content-Length", len(body[0]))]
        elif x < 0.70:
            label = "download-chunked-gzip"
            body = self._chunked([self._gzip(html, 1)])
            hdrs += [("Content-Type", ctype), ("Content-Encoding", "gzip"),
                     ("Transfer-Encoding", "chunked")]
        else:
            label = "download-binary"
            ctype, ext = rng.choice(BINARY_TYPES)
            body = [MAGIC[ext]] + self.c.rand_slice(rng, size)
            hdrs += [("Content-Type", ctype), ("Content-Length", self._plen(body))]
        resp = [self._http_head("HTTP/1.1 200 OK", hdrs + [("Connection", "keep-alive")])] + body
        return req, resp, label

    def _html(self, n):
        title = self._sentence(5).title()
        return [f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}"
                f"</title><link rel=\"stylesheet\" href=\"/static/site.css\"></head>\n<body><main>"
                f"<h1>{title}</h1>\n<p>".encode()] + self._text(n) + \
            [b"</p></main></body></html>\n"]

    def flow_http(self):
        rng = self.rng
        host = rng.choice(self.http_hosts)
        f = self._tcp(self._client(), host, 80)
        plant = self._plant("http")
        txs, est = [], 0
        for i in range(rng.choice((1, 1, 1, 1, 2, 2, 3))):
            if i == 0 and plant is not None or rng.random() < 0.5:
                req, resp, label = self._upload(host, plant if i == 0 else None)
            else:
                req, resp, label = self._download(host)
            self.flows_by_kind[label] = self.flows_by_kind.get(label, 0) + 1
            txs.append((req, resp))
            est += wire_bytes(self._plen(req)) + wire_bytes(self._plen(resp))
        return f, est, self._run_http(f, txs, self._rtt()), host

    def _run_http(self, f, txs, rtt):
        rng = self.rng
        cw = [10, 10]
        f.syn(0)
        yield rtt
        f.syn(1)
        f.seg(0)
        for i, (req, resp) in enumerate(txs):
            if i:
                yield self._think()
            yield from send(f, 0, req, rtt, cw, reply=True)
            yield rtt + int(rng.uniform(1, 30) * MS)
            yield from send(f, 1, resp, rtt, cw)
        # idle until the server's keep-alive timeout (Apache 5 s, nginx 75 s, ...)
        yield int(rng.choice((5, 15, 30, 60, 75)) * rng.uniform(0.9, 1.0) * 1000 * MS)
        yield from self._close(f, rtt, rng.random() < 0.3)

    def _think(self):
        """A user's or application's pause between two requests on one connection."""
        return int(min(self.rng.expovariate(1 / 3000), 20000) * MS)

    def _close(self, f, rtt, client_first):
        a = 0 if client_first else 1
        f.seg(a, FIN | ACK)
        yield rtt
        f.seg(1 - a, FIN | ACK)
        f.seg(a, ACK)

    # ------------------------------------------------------------------ TLS

    def _records(self, n, tls13=True):
        out = []
        while n > 0:
            k = min(n, 16384)
            body = k + (17 if tls13 else 24)
            out.append(b"\x17\x03\x03" + body.to_bytes(2, "big"))
            out += self.c.rand_slice(self.rng, body)
            n -= k
        return out

    def flow_tls(self):
        from pcapgen import tls
        rng = self.rng
        host = rng.choice(self.tls_hosts)
        f = self._tcp(self._client(), host, 443)
        v13 = rng.random() < 0.85
        seed = f"{rng.getrandbits(64):x}"
        version = tls.TLS13 if v13 else tls.TLS12
        if v13:
            turns = [(0, [tls.client_hello(host, version=version, seed=seed)]),
                     (1, [tls.server_hello(version=version, seed=seed),
                          tls.change_cipher_spec()] + self._records(rng.randint(2400, 5600))),
                     (0, [tls.change_cipher_spec()] + self._records(36))]
        else:
            turns = [(0 if c else 1, [b]) for c, b in tls.handshake_turns(host, version=version,
                                                                           seed=seed)]
        exchanges, est = [], 0
        upload_session = rng.random() < 0.25
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4))):
            if upload_session and rng.random() < 0.7:
                up, down = self._size(12000, 1.6, 300, 16 << 20), self._size(400, 0.6, 50, 4000)
            else:
                up, down = self._size(600, 0.8, 80, 20000), self._size(3000, 1.7, 100, 16 << 20)
            exchanges.append((self._records(up, v13), self._records(down, v13)))
            est += wire_bytes(self._plen(exchanges[-1][0])) + wire_bytes(
                self._plen(exchanges[-1][1]))
        self.flows_by_kind["tls1.3" if v13 else "tls1.2"] = \
            self.flows_by_kind.get("tls1.3" if v13 else "tls1.2", 0) + 1
        est += sum(wire_bytes(self._plen(p)) for _, p in turns) + wire_bytes(24)
        return f, est, self._run_tls(f, turns, exchanges, self._rtt(), v13), host

    def _run_tls(self, f, turns, exchanges, rtt, v13):
        rng = self.rng
        cw = [10, 10]
        f.syn(0)
        yield rtt
        f.syn(1)
        f.seg(0)
        for i, (d, pieces) in enumerate(turns):
            yield from send(f, d, pieces, rtt, cw, reply=i + 1 < len(turns))
            if d == 1:
                yield rtt // 8
        for i, (up, down) in enumerate(exchanges):
            if i:
                yield self._think()
            yield from send(f, 0, up, rtt, cw, reply=True)
            yield rtt + int(rng.uniform(1, 30) * MS)
            yield from send(f, 1, down, rtt, cw)
        yield int(rng.uniform(10000, 90000) * MS)  # idle connection, then closed
        yield from send(f, 0, self._records(2, v13), rtt, cw)  # close_notify
        yield from self._close(f, rtt, True)

    # ------------------------------------------------------------------ SMTP

    def _qp(self, n, plant):
        """Quoted-printable text, dot-stuffed for DATA (RFC 5321 4.5.2).

        Soft line breaks can leave a line that starts with a dot, even one that is a lone
        ".", which would end the message early; every other piece of a message starts its
        lines with a word or base64, so this is the only one that needs stuffing.
        """
        qp = binascii.b2a_qp(materialize(self._lines(n, plant)))
        if qp.startswith(b"."):
            qp = b"." + qp
        return [qp.replace(b"\r\n.", b"\r\n..")]

    def _message(self, plant):
        """A MIME message (list of pieces, CRLF lines, nothing starts with a dot)."""
        rng = self.rng
        sender = f"{self._name()}@{CORP_DOMAIN}"
        rcpts = [f"{self._name()}@{h.split('.', 1)[1]}"
                 for h in rng.sample(self.mx_hosts, rng.choice((1, 1, 1, 2, 3)))]
        b1 = f"=_mixed_{rng.getrandbits(48):012x}"
        b2 = f"=_alt_{rng.getrandbits(48):012x}"
        day = rng.randint(1, 28)
        head = (f"Received: from ws{rng.randrange(1000, 9999)}.corp.{CORP_DOMAIN} "
                f"([10.{rng.randrange(1, 40)}.{rng.randrange(256)}.{rng.randrange(1, 255)}])\r\n"
                f"\tby relay.corp.{CORP_DOMAIN} (Postfix) with ESMTPSA id {rng.getrandbits(40):X};"
                f" Tue, {day} Nov 2026 09:{rng.randrange(60):02d}:00 +0000\r\n"
                f"From: {sender}\r\nTo: {', '.join(rcpts)}\r\n"
                f"Subject: {self._sentence(6).capitalize()}\r\n"
                f"Date: Tue, {day} Nov 2026 09:{rng.randrange(60):02d}:{rng.randrange(60):02d} "
                f"+0000\r\nMessage-ID: <{rng.getrandbits(80):x}@{CORP_DOMAIN}>\r\n"
                f"MIME-Version: 1.0\r\n")
        body_n = self._size(2500, 1.0, 200, 60000)
        n_att = rng.choice((0, 0, 1, 1, 1, 2, 3))
        plant_in_att = plant is not None and n_att and rng.random() < 0.5
        text_plant = None if plant_in_att else plant
        qp = rng.random() < 0.6
        cte = "quoted-printable" if qp else "7bit"
        text = self._qp(body_n, text_plant) if qp else self._lines(body_n, text_plant)
        if n_att == 0 and rng.random() < 0.5:
            self.flows_by_kind["smtp-plain"] = self.flows_by_kind.get("smtp-plain", 0) + 1
            pieces = [(head + f"Content-Type: text/plain; charset=utf-8\r\n"
                       f"Content-Transfer-Encoding: {cte}\r\n\r\n").encode()] + text
            return sender, rcpts, pieces
        self.flows_by_kind["smtp-mime"] = self.flows_by_kind.get("smtp-mime", 0) + 1
        pieces = [(head + f'Content-Type: multipart/mixed; boundary="{b1}"\r\n\r\n'
                   f"This is a multi-part message in MIME format.\r\n\r\n--{b1}\r\n"
                   f'Content-Type: multipart/alternative; boundary="{b2}"\r\n\r\n--{b2}\r\n'
                   f"Content-Type: text/plain; charset=utf-8\r\n"
                   f"Content-Transfer-Encoding: {cte}\r\n\r\n").encode()]
        pieces += text
        pieces.append(f"\r\n--{b2}\r\nContent-Type: text/html; charset=utf-8\r\n"
                      f"Content-Transfer-Encoding: base64\r\n\r\n".encode())
        pieces += self._b64(body_n, True)
        pieces.append(f"--{b2}--\r\n".encode())
        for i in range(n_att):
            size = self._size(30000, 1.4, 500, 10 << 20)
            text_att = rng.random() < 0.4 or (plant_in_att and i == 0)
            ctype, ext = rng.choice(TEXT_TYPES if text_att else BINARY_TYPES)
            name = f"{self._word()}_{self._word()}_{rng.randrange(2020, 2027)}.{ext}"
            pieces.append(f'\r\n--{b1}\r\nContent-Type: {ctype}; name="{name}"\r\n'
                          f"Content-Transfer-Encoding: base64\r\n"
                          f'Content-Disposition: attachment; filename="{name}"\r\n\r\n'.encode())
            pieces += self._b64(size, text_att, plant if plant_in_att and i == 0 else None)
        pieces.append(f"--{b1}--\r\n".encode())
        return sender, rcpts, pieces

    def flow_smtp(self):
        rng = self.rng
        mx = rng.choice(self.mx_hosts)
        f = self._tcp(self._client(self.relays), mx, 25)
        sender, rcpts, message = self._message(self._plant("smtp"))
        size = self._plen(message)
        me = f"relay{rng.randrange(1, 5)}.corp.{CORP_DOMAIN}"
        L = lambda s: (s + "\r\n").encode()  # noqa: E731
        turns = [(1, L(f"220 {mx} ESMTP Postfix")), (0, L(f"EHLO {me}")),
                 (1, L(f"250-{mx}") + L("250-PIPELINING") + L("250-SIZE 52428800")
                  + L("250-8BITMIME") + L("250-ENHANCEDSTATUSCODES") + L("250 SMTPUTF8"))]
        cmds = [L(f"MAIL FROM:<{sender}> SIZE={size}")] + [L(f"RCPT TO:<{r}>") for r in rcpts] \
            + [L("DATA")]
        answers = [L("250 2.1.0 Ok")] + [L("250 2.1.5 Ok") for _ in rcpts] + \
            [L("354 End data with <CR><LF>.<CR><LF>")]
        if rng.random() < 0.5:
            turns += [(0, b"".join(cmds)), (1, b"".join(answers))]
        else:
            for c, a in zip(cmds, answers):
                turns += [(0, c), (1, a)]
        data = message + [b".\r\n"]
        tail = [(1, L(f"250 2.0.0 Ok: queued as {rng.getrandbits(40):X}")), (0, L("QUIT")),
                (1, L("221 2.0.0 Bye"))]
        est = sum(wire_bytes(len(b)) for _, b in turns + tail) + wire_bytes(self._plen(data))
        return f, est, self._run_smtp(f, turns, data, tail, self._rtt()), None

    def _run_smtp(self, f, turns, data, tail, rtt):
        cw = [10, 10]
        f.syn(0)
        yield rtt
        f.syn(1)
        f.seg(0)
        for d, b in turns:
            yield from send(f, d, [b], rtt, cw, reply=True)
            yield rtt if d == 0 else rtt // 8
        yield from send(f, 0, data, rtt, cw, reply=True)
        for i, (d, b) in enumerate(tail):
            yield rtt if d == 1 else rtt // 8
            yield from send(f, d, [b], rtt, cw, reply=i + 1 < len(tail))
        yield from self._close(f, rtt, False)

    # ------------------------------------------------------------------ DNS and other

    def flow_dns(self, host):
        from pcapgen import dns
        rng = self.rng
        resolver = rng.choice(RESOLVERS)
        f = UdpFlow(self.out, self._client(), (resolver, 53), (GATEWAY_MAC, ROUTER_MAC),
                    (63, self.ttl_of[resolver]), (rng.getrandbits(16), rng.getrandbits(16)))
        msgs = []
        edns = 1232 if rng.random() < 0.5 else None
        for qtype in ((dns.TYPE_A, dns.TYPE_AAAA) if rng.random() < 0.5 else (dns.TYPE_A,)):
            txid = rng.getrandbits(16)
            if qtype == dns.TYPE_A:
                rdata = [bytes(rng.getrandbits(8) for _ in range(4))
                         for _ in range(rng.randint(1, 4))]
            else:
                rdata = [bytes([0x26, 0x06, 0x47, 0x00]) + rng.randbytes(12)
                         for _ in range(rng.randint(1, 2))]
            msgs.append((dns.dns_query(txid, host, qtype, edns=edns),
                         dns.dns_response(txid, host, qtype, rdata, ttl=rng.choice((60, 300)),
                                          edns=edns)))
        self.flows_by_kind["dns"] = self.flows_by_kind.get("dns", 0) + 1
        rtt = int(self.rng.uniform(3, 40) * MS)
        return f, rtt, self._run_dns(f, msgs, rtt)

    def _run_dns(self, f, msgs, rtt):
        for q, _ in msgs:
            f.send(0, q)
        yield rtt
        for _, a in msgs:
            f.send(1, a)

    def flow_other(self):
        rng = self.rng
        host = rng.choice(self.http_hosts)
        if rng.random() < 0.6:
            self.flows_by_kind["ssh"] = self.flows_by_kind.get("ssh", 0) + 1
            f = self._tcp(self._client(), host, 22)
            up = self._size(15000, 1.6, 2000, 16 << 20)
            turns = [(1, [b"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10\r\n"]),
                     (0, [b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"]),
                     (0, self.c.rand_slice(rng, rng.randint(1400, 1600))),
                     (1, self.c.rand_slice(rng, rng.randint(1000, 1200))),
                     (0, self.c.rand_slice(rng, 48)), (1, self.c.rand_slice(rng, 600)),
                     (0, self.c.rand_slice(rng, up)), (1, self.c.rand_slice(rng, 2000))]
        else:
            self.flows_by_kind["raw-text"] = self.flows_by_kind.get("raw-text", 0) + 1
            f = self._tcp(self._client(), host, rng.choice((9009, 5170, 8765)))
            up = self._size(10000, 1.5, 500, 8 << 20)
            turns = [(0, self._lines(up, self._plant("raw"))), (1, [b"OK\n"])]
        est = sum(wire_bytes(self._plen(p)) for _, p in turns)
        return f, est, self._run_turns(f, turns, self._rtt()), host

    def _run_turns(self, f, turns, rtt):
        cw = [10, 10]
        f.syn(0)
        yield rtt
        f.syn(1)
        f.seg(0)
        for i, (d, pieces) in enumerate(turns):
            yield from send(f, d, pieces, rtt, cw,
                            reply=i + 1 < len(turns) and turns[i + 1][0] != d)
            yield rtt // 2
        yield int(self.rng.uniform(500, 10000) * MS)
        yield from self._close(f, rtt, True)

    # ------------------------------------------------------------------ scheduling


_FORM = bytes.maketrans(b" ,?\n", b"+.+.")
