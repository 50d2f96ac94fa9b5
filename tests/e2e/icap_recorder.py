"""A minimal ICAP/1.0 REQMOD server that records what a proxy sends, byte for byte.

It answers OPTIONS (Methods: REQMOD, Allow: 204, and Preview: N when `preview` is given), and
each REQMOD with 204 when the proxy allowed it (Allow: 204, or a preview), else by echoing the
request back unmodified (200 with the same encapsulated headers and body). A preview that does
not end the body ("0; ieof") gets "100 Continue" and the rest is read. Every message becomes an
IcapMessage with the exact bytes received (`raw`, continuation included), its start line,
ICAP headers, encapsulated HTTP header block and de-chunked body.

    with IcapRecorder() as icap:          # a thread on 127.0.0.1, port chosen by the kernel
        ... point Squid at icap://127.0.0.1:{icap.port}/reqmod ...
        icap.messages                      # in arrival order

    python3 icap_recorder.py OUTDIR        # re-records tests/e2e/data/icap/ (README.md there)
"""

import os
import socketserver
import threading
from dataclasses import dataclass
from typing import Dict, List, Optional


@dataclass
class IcapMessage:
    raw: bytes                      # everything read for this message, preview + continuation
    start_line: str                 # "REQMOD icap://127.0.0.1:1344/reqmod ICAP/1.0"
    headers: Dict[str, str]         # ICAP headers, names lower-cased
    http_headers: bytes = b""       # the encapsulated req-hdr block, as sent
    body: bytes = b""               # de-chunked encapsulated body (preview and the rest)
    preview: Optional[int] = None   # the Preview header's value, if any
    ieof: bool = False              # the preview held the whole body
    answer: str = ""                # what the recorder answered: 204, echo, options, custom

    @property
    def method(self):
        return self.start_line.split(" ", 1)[0]

    @property
    def http_request_line(self):
        return self.http_headers.split(b"\r\n", 1)[0].decode("latin-1")

    def allows(self, token):
        return token in [t.strip() for t in self.headers.get("allow", "").split(",")]


class _Conn:
    """Buffered reads from one socket that remember every byte taken (for IcapMessage.raw)."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.taken = bytearray()

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError
        self.buf += data

    def line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        self.taken += line + b"\r\n"
        return line

    def exact(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        self.taken += data
        return data

    def take_raw(self):
        raw, self.taken = bytes(self.taken), bytearray()
        return raw


def http_response_in_icap(status_line, body, istag="recorder-1"):
    """An ICAP 200 whose encapsulated part is an HTTP response (RFC 3507 4.8.3: REQMOD
    request satisfaction): the proxy sends it to the client and forwards nothing."""
    head = (f"{status_line}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
            f"Connection: close\r\n\r\n").encode()
    return (f"ICAP/1.0 200 OK\r\nISTag: \"{istag}\"\r\n"
            f"Encapsulated: res-hdr=0, res-body={len(head)}\r\n\r\n").encode() + head + \
        f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"


def _read_chunks(conn):
    """De-chunk until the 0-size chunk; returns (body, ieof)."""
    body = bytearray()
    while True:
        size_line = conn.line()
        size_text, _, ext = size_line.partition(b";")
        size = int(size_text.strip(), 16)
        if size == 0:
            conn.line()  # the empty line after the last chunk (ICAP has no trailers here)
            return bytes(body), b"ieof" in ext
        body += conn.exact(size)
        conn.line()


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        conn = _Conn(self.request)
        try:
            while True:
                self.server.recorder._one_message(conn, self.request)
        except (EOFError, ConnectionError, OSError):
            return


class IcapRecorder:
    def __init__(self, preview=None, istag="recorder-1", respond=None):
        """respond(message) may return the raw ICAP response for a REQMOD (bytes) to send
        instead of the default 204 or echo."""
        self.preview = preview
        self.respond = respond
        self.istag = istag
        self.messages: List[IcapMessage] = []
        self._lock = threading.Lock()
        self._server = None
        self.port = None

    def __enter__(self):
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.recorder = self
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    def reqmods(self):
        with self._lock:
            return [m for m in self.messages if m.method == "REQMOD"]

    def _one_message(self, conn, sock):
        start_line = conn.line().decode("latin-1")
        headers = {}
        while True:
            line = conn.line()
            if not line:
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        msg = IcapMessage(raw=b"", start_line=start_line, headers=headers)
        if msg.method == "OPTIONS":
            msg.raw = conn.take_raw()
            msg.answer = "options"
            preview = f"Preview: {self.preview}\r\nTransfer-Preview: *\r\n" \
                if self.preview is not None else ""
            sock.sendall((f"ICAP/1.0 200 OK\r\nMethods: REQMOD\r\nService: icap_recorder\r\n"
                          f"ISTag: \"{self.istag}\"\r\nAllow: 204\r\n{preview}"
                          f"Options-TTL: 3600\r\nMax-Connections: 100\r\n"
                          f"Encapsulated: null-body=0\r\n\r\n").encode())
            self._record(msg)
            return
        # Encapsulated: req-hdr=0, req-body=N (or null-body=N)
        parts = {}
        for item in headers.get("encapsulated", "").split(","):
            name, _, offset = item.strip().partition("=")
            parts[name] = int(offset)
        hdr_end = parts.get("req-body", parts.get("null-body", 0))
        msg.http_headers = conn.exact(hdr_end) if "req-hdr" in parts else b""
        if "preview" in headers:
            msg.preview = int(headers["preview"])
        if "req-body" in parts:
            body, msg.ieof = _read_chunks(conn)
            if msg.preview is not None and not msg.ieof:
                sock.sendall(b"ICAP/1.0 100 Continue\r\n\r\n")
                rest, _ = _read_chunks(conn)
                body += rest
            msg.body = body
        msg.raw = conn.take_raw()
        custom = self.respond(msg) if self.respond else None
        # Inside a preview that held the whole body 204 is always allowed (RFC 3507 4.5);
        # after "100 Continue" only with Allow: 204.
        if custom is not None:
            msg.answer = "custom"
            sock.sendall(custom)
        elif msg.allows("204") or (msg.preview is not None and msg.ieof):
            msg.answer = "204"
            sock.sendall(f"ICAP/1.0 204 No Content\r\nISTag: \"{self.istag}\"\r\n"
                         f"Encapsulated: null-body=0\r\n\r\n".encode())
        else:
            msg.answer = "echo"
            if "req-body" in parts:
                encapsulated = f"req-hdr=0, req-body={len(msg.http_headers)}"
                chunked = (f"{len(msg.body):x}\r\n".encode() + msg.body + b"\r\n"
                           if msg.body else b"") + b"0\r\n\r\n"
            else:
                encapsulated = f"req-hdr=0, null-body={len(msg.http_headers)}"
                chunked = b""
            sock.sendall(f"ICAP/1.0 200 OK\r\nISTag: \"{self.istag}\"\r\n"
                         f"Encapsulated: {encapsulated}\r\n\r\n".encode()
                         + msg.http_headers + chunked)
        self._record(msg)

    def _record(self, msg):
        with self._lock:
            self.messages.append(msg)


# --- recording what Squid and c-icap-client send, for tests/e2e/data/icap/ ----------------------

LARGE_BODY = b"egressmon large upload, no keyword in here, line of filler text....\n" * 2048


def record_all(outdir, workdir):
    """Writes squid_*.bin (Squid 5.7 with ssl_bump, through curl: OPTIONS, the CONNECT REQMOD,
    a multipart docx upload and a 136 KiB PUT, once with the recorder advertising no preview and
    once with Preview: 1024) and c_icap_client_reqmod.bin; returns the file names."""
    import subprocess
    import sys
    from squid_proxy import HttpsOrigin, SquidProxy, Pki
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "gen"))
    import documents

    os.makedirs(outdir, exist_ok=True)
    docx = os.path.join(workdir, "docx_single_run.docx")
    with open(docx, "wb") as f:
        f.write(documents.BY_NAME["docx_single_run.docx"].build())
    large = os.path.join(workdir, "large.txt")
    with open(large, "wb") as f:
        f.write(LARGE_BODY)
    written = []

    def save(name, msg):
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(msg.raw)
        written.append(name)

    pki = Pki(workdir)
    with HttpsOrigin(workdir, pki) as origin:
        for preview, prefix in ((None, "squid"), (1024, "squid_preview1024")):
            with IcapRecorder(preview=preview) as icap, \
                    SquidProxy(os.path.join(workdir, prefix), pki, icap.port) as squid:
                for args, path in ((("-F", f"file=@{docx}"), "/upload"),
                                   (("-T", large), "/put/large.txt")):
                    result = squid.curl(origin.url(path), *args)
                    if result.status != 200:
                        raise RuntimeError(f"curl {path}: {result}\n{squid.cache_log()}")
            options = [m for m in icap.messages if m.method == "OPTIONS"]
            connect, small, _, big = icap.reqmods()
            save(f"{prefix}_options.bin", options[0])
            save(f"{prefix}_reqmod_connect.bin", connect)
            save(f"{prefix}_reqmod_small.bin", small)
            save(f"{prefix}_reqmod_large.bin", big)
        with IcapRecorder() as icap:
            subprocess.run(["c-icap-client", "-i", "127.0.0.1", "-p", str(icap.port), "-s",
                            "reqmod", "-req", "https://files.example.test/upload/report.docx",
                            "-method", "PUT", "-f", docx, "-x", "X-Client-IP: 10.20.30.40",
                            "-x", "X-Client-Username: bob"], check=True, capture_output=True)
            save("c_icap_client_reqmod.bin", icap.reqmods()[0])
    return written


if __name__ == "__main__":
    import sys
    import tempfile
    if len(sys.argv) != 2:
        print("usage: icap_recorder.py OUTDIR", file=sys.stderr)
        sys.exit(2)
    with tempfile.TemporaryDirectory(prefix="egressmon-icap-record-") as tmp:
        for name in record_all(sys.argv[1], tmp):
            print(os.path.join(sys.argv[1], name))
