"""An HTTPS origin server for the proxy tests (squid_proxy.py starts it in a subprocess):

    python3 https_origin.py PORT CERT KEY RECORDS

It listens on 127.0.0.1:PORT with TLS (CERT, KEY), takes any method on any path, reads the
request body (Content-Length or chunked) and answers 200 with a JSON object naming what it got.
Every request is appended to RECORDS as one JSON line once its body has been read whole:
method, path, headers, body_length, body_sha256. So a test can tell that a request never reached
the origin (no line), or that its body arrived byte for byte (the sha256). Standard library only.
"""

import hashlib
import http.server
import json
import ssl
import sys
import threading

CHUNK = 1 << 16


class OriginHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    records_path = None
    records_lock = threading.Lock()

    def log_message(self, *args):
        pass

    def body_chunks(self):
        """The request body, de-chunked, in pieces of at most CHUNK bytes."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return
                while size:
                    piece = self.rfile.read(min(size, CHUNK))
                    if not piece:
                        raise ConnectionError("body cut short")
                    size -= len(piece)
                    yield piece
                self.rfile.readline()  # CRLF after the chunk
        else:
            left = int(self.headers.get("Content-Length") or 0)
            while left:
                piece = self.rfile.read(min(left, CHUNK))
                if not piece:
                    raise ConnectionError("body cut short")
                left -= len(piece)
                yield piece

    def handle_any(self):
        digest, length = hashlib.sha256(), 0
        for piece in self.body_chunks():
            digest.update(piece)
            length += len(piece)
        record = {"method": self.command, "path": self.path,
                  "headers": {k.lower(): v for k, v in self.headers.items()},
                  "body_length": length, "body_sha256": digest.hexdigest()}
        with self.records_lock, open(self.records_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        answer = json.dumps({"received": length, "sha256": record["body_sha256"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = do_PATCH = handle_any


def main():
    port, cert, key, records = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    OriginHandler.records_path = records
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), OriginHandler)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print("listening", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
