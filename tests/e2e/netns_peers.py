"""Real peers for the network-namespace live capture test (test_live_netns.py).

    python3 netns_peers.py serve ADDR HTTP_PORT SMTP_PORT   # outside: HTTP + SMTP servers
    python3 netns_peers.py smtp-client ADDR SMTP_PORT       # inside: one mail with attachments
    python3 netns_peers.py flood IFACE SRC DST COUNT        # COUNT 64-byte UDP frames, distinct
                                                            # flows, as fast as a raw socket goes

The HTTP server takes uploads (POST/PUT, Content-Length or chunked) and answers GET /download
with a marked document (ingress: must not alert as egress). The SMTP server speaks just enough
ESMTP for Python's smtplib. Standard library, plus the generator's checksum (tests/gen).
"""

import http.server
import os
import smtplib
import socket
import socketserver
import struct
import sys
import threading
from email.message import EmailMessage

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "gen"))
from pcapgen.checksum import internet_checksum  # noqa: E402

DOWNLOAD = b"quarterly report, TOP SECRET, handle via official channels only\n" * 4


class UploadHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return
                self.rfile.read(size)
                self.rfile.readline()
        self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def reply(self, body):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.read_body()
        self.reply(b"stored\n")

    do_PUT = do_POST

    def do_GET(self):
        self.reply(DOWNLOAD if self.path.startswith("/download") else b"ok\n")


class SmtpHandler(socketserver.StreamRequestHandler):
    def handle(self):
        out = self.wfile
        out.write(b"220 outside.example ESMTP\r\n")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line[:4].upper()
            if verb == b"EHLO":
                out.write(b"250-outside.example\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n")
            elif verb == b"DATA":
                out.write(b"354 end with <CRLF>.<CRLF>\r\n")
                while self.rfile.readline() not in (b".\r\n", b""):
                    pass
                out.write(b"250 2.0.0 queued\r\n")
            elif verb == b"QUIT":
                out.write(b"221 2.0.0 bye\r\n")
                return
            else:  # HELO, MAIL, RCPT, RSET, NOOP
                out.write(b"250 2.0.0 ok\r\n")


class ThreadingTcp(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def serve(addr, http_port, smtp_port):
    web = http.server.ThreadingHTTPServer((addr, http_port), UploadHandler)
    mail = ThreadingTcp((addr, smtp_port), SmtpHandler)
    threading.Thread(target=mail.serve_forever, daemon=True).start()
    print("ready", flush=True)
    web.serve_forever()


def send_mail(addr, smtp_port):
    msg = EmailMessage()
    msg["From"] = "analyst@corp.example"
    msg["To"] = "someone@outside.example"
    msg["Subject"] = "figures"
    msg.set_content("Numbers attached.\nFOR OFFICIAL USE ONLY\n", cte="quoted-printable")
    msg.add_attachment(b"draft\nSTRICTLY CONFIDENTIAL\n" * 20, maintype="application",
                       subtype="octet-stream", filename="draft.bin")  # base64 on the wire
    # Python's own boundary is "=" * 15 + a random 19-digit number: about one run in a hundred it
    # is a Luhn-valid card number, and the default rules' card rule fires on it (see README).
    msg.set_boundary("netns-test-boundary")
    with smtplib.SMTP(addr, smtp_port, local_hostname="inside.example", timeout=20) as s:
        s.send_message(msg)


def flood(iface, src, dst, count):
    """64-byte Ethernet frames, UDP to port 9 (discard), one new flow per frame (the source port
    and the low source address byte vary). UDP checksum 0: optional over IPv4."""
    out = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    out.bind((iface, 0))
    eth = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x02" + b"\x08\x00"
    payload = b"flood-data"  # 14 + 20 + 8 + 10 = 52 bytes, zero-padded to a 64-byte frame below
    src_base, dst_ip = socket.inet_aton(src)[:3], socket.inet_aton(dst)
    for i in range(count):
        src_ip = src_base + bytes([1 + i % 250])
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 8 + len(payload), i & 0xFFFF, 0, 64, 17,
                         0, src_ip, dst_ip)
        ip = ip[:10] + struct.pack("!H", internet_checksum(ip)) + ip[12:]
        udp = struct.pack("!HHHH", 1024 + (i // 250) % 60000, 9, 8 + len(payload), 0)
        frame = eth + ip + udp + payload
        out.send(frame + b"\0" * (64 - len(frame)))
    out.close()


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1] == "smtp-client":
        send_mail(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "flood":
        flood(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        sys.exit(f"unknown command {sys.argv[1]!r}")
