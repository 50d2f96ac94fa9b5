"""HTTP/1.1 requests and responses with the headers DPI engines key on.

Named ``http_messages`` rather than ``http`` so it can never shadow the standard library.
"""

from http import HTTPStatus
from typing import Sequence, Tuple

Headers = Sequence[Tuple[str, str]]

USER_AGENT = "curl/7.88.1"


def _head(start_line: str, headers: Headers) -> bytes:
    """Start line, header lines and the blank line, CRLF-terminated as RFC 9112 requires."""
    lines = [start_line, *(f"{name}: {value}" for name, value in headers), "", ""]
    return "\r\n".join(lines).encode("latin-1")


def http_get(host: str, path: str = "/", extra_headers: Headers = ()) -> bytes:
    """A GET request as curl sends it."""
    headers = [("Host", host), ("User-Agent", USER_AGENT), ("Accept", "*/*"), *extra_headers]
    return _head(f"GET {path} HTTP/1.1", headers)


def http_post(host: str, path: str, body: bytes, content_type: str = "text/plain",
              extra_headers: Headers = ()) -> bytes:
    """A POST request with a ``Content-Length`` body (not chunked)."""
    headers = [("Host", host), ("User-Agent", USER_AGENT), ("Accept", "*/*"),
               ("Content-Type", content_type), ("Content-Length", str(len(body))),
               *extra_headers]
    return _head(f"POST {path} HTTP/1.1", headers) + body


def http_response(status: int = 200, body: bytes = b"", content_type: str = "text/html",
                  extra_headers: Headers = ()) -> bytes:
    """A response with ``Content-Length``, so a reader knows where the body ends."""
    headers = [("Server", "nginx"), ("Content-Type", content_type),
               ("Content-Length", str(len(body))), *extra_headers]
    return _head(f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", headers) + body
