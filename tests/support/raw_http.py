"""HTTP/1.1 requests as raw bytes, for what ordinary clients refuse to send: a chunked body
with no length, a Content-Length that lies, a malformed chunk, any Content-Type."""

import http.client
import json
import socket
from dataclasses import dataclass

PAGE_ORIGIN = "http://localhost:8000"


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self):
        """The body as strict JSON: NaN and Infinity are refused, as any JSON parser may."""
        return json.loads(self.body, parse_constant=_refuse)


def _refuse(name):
    raise ValueError(f"{name} in a reply")


def exchange(port: int, raw: bytes, *, close_write: bool = False, timeout: float = 30.0) -> Reply:
    """Send ``raw`` to 127.0.0.1:port and read one response. ``close_write`` shuts the
    sending side after ``raw`` (a client that stops before its Content-Length)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered (and closed) before the whole body was sent
        if close_write:
            sock.shutdown(socket.SHUT_WR)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return Reply(response.status, response.headers, response.read())


def request_head(path: str, headers: dict) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close",
             *(f"{name}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def post(port: int, path: str, body: bytes, *, content_type="application/json-rpc",
         origin=PAGE_ORIGIN, headers=None, **options) -> Reply:
    """POST ``body`` with its true Content-Length, as the page would."""
    all_headers = {"Origin": origin, "Content-Type": content_type,
                   "Content-Length": str(len(body)), **(headers or {})}
    return exchange(port, request_head(path, all_headers) + body, **options)


def post_chunked(port: int, path: str, chunks: list[bytes], *, origin=PAGE_ORIGIN,
                 content_type="application/json-rpc") -> Reply:
    """POST ``chunks`` with ``Transfer-Encoding: chunked`` and no Content-Length."""
    head = request_head(path, {"Origin": origin, "Content-Type": content_type,
                               "Transfer-Encoding": "chunked"})
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks if chunk)
    return exchange(port, head + body + b"0\r\n\r\n")


def call(method: str, *params, request_id="ID1") -> dict:
    return {"jsonrpc": "2.0", "id": request_id, "method": method, "params": list(params)}


def rpc_bytes(payload) -> bytes:
    return json.dumps(payload).encode()
