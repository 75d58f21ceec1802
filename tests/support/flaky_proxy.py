"""A tiny HTTP proxy in front of a server that can answer ``502 Bad Gateway`` for a while,
as nginx does while the server behind it restarts during a deploy.

Runs on a thread of the test process::

    with FlakyProxy("http://127.0.0.1:5000") as proxy:   # proxy.url: where clients go
        proxy.fail_for(5.0)      # POSTs and GETs answered 502 for 5 s (preflights still pass)

Requests in flight when the failure starts are answered 502 at once, as when the server
behind the proxy goes away under them. A ``GET`` is passed on as a stream (Server-Sent
Events: each piece as it comes, the connection closed at its end); one open when a failure
starts is cut, as a proxy cuts it when the server behind goes away. The 502 carries CORS
headers for the request's origin, as a proxy configured with ``add_header ... always`` sends
them, so a page can read the status. ``proxy.answered_502`` counts the 502s sent.
"""

import http.client
import queue
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-authorization", "proxy-authenticate", "host", "content-length"}


class FlakyProxy:
    def __init__(self, upstream: str):
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname, parts.port)
        self.failing_until = 0.0
        self.failures = 0  # how many times fail_for() was called: in-flight requests notice
        self.lose_next = None
        self.answered_502 = 0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.url = f"http://localhost:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.server.shutdown()
        self.server.server_close()

    def fail_for(self, seconds: float) -> None:
        """Answer every POST with 502 for ``seconds`` from now."""
        self.failing_until = time.monotonic() + seconds
        self.failures += 1

    def lose_next_answer(self, forward: bool) -> None:
        """The next POST gets a 502: after the server has answered it (``forward``: the call
        ran, its answer was lost on the way back), or without reaching the server."""
        self.lose_next = "forward" if forward else "drop"

    def failing(self) -> bool:
        return time.monotonic() < self.failing_until

    def _handler_class(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_OPTIONS(self):
                self._forward()

            def do_GET(self):
                if proxy.failing():
                    with proxy.lock:
                        proxy.answered_502 += 1
                    self._bad_gateway()
                else:
                    self._forward_stream()

            def do_POST(self):
                with proxy.lock:
                    lose, proxy.lose_next = proxy.lose_next, None
                if lose == "forward":
                    self._forward(deliver=False)
                    return
                if proxy.failing() or lose == "drop":
                    with proxy.lock:
                        proxy.answered_502 += 1
                    self._drain()
                    self._bad_gateway()
                else:
                    self._forward()

            def _drain(self):
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _bad_gateway(self):
                body = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
                self.send_response(502)
                self.send_header("Content-Type", "text/html")
                if self.headers.get("Origin"):
                    self.send_header("Access-Control-Allow-Origin", self.headers["Origin"])
                    self.send_header("Vary", "Origin")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _forward_stream(self):
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in HOP_BY_HOP}
                failures = proxy.failures
                try:
                    upstream = http.client.HTTPConnection(*proxy.upstream, timeout=60)
                    upstream.request("GET", self.path, None, headers)
                    reply = upstream.getresponse()
                except OSError:
                    with proxy.lock:
                        proxy.answered_502 += 1
                    self._bad_gateway()
                    return
                pieces = queue.SimpleQueue()

                def read_upstream():
                    try:
                        while piece := reply.read1(65536):
                            pieces.put(piece)
                    except OSError:
                        pass
                    pieces.put(None)

                self.send_response(reply.status, reply.reason)
                for name, value in reply.getheaders():
                    if name.lower() not in HOP_BY_HOP:
                        self.send_header(name, value)
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                threading.Thread(target=read_upstream, daemon=True).start()
                try:
                    while proxy.failures == failures:
                        try:
                            piece = pieces.get(timeout=0.02)
                        except queue.Empty:
                            continue
                        if piece is None:
                            break
                        self.wfile.write(piece)
                        self.wfile.flush()
                except OSError:
                    pass  # the client has gone
                finally:
                    upstream.close()

            def _forward(self, deliver=True):
                body = self._drain()
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in HOP_BY_HOP}
                failures = proxy.failures
                answers = queue.SimpleQueue()

                def ask_upstream():
                    try:
                        upstream = http.client.HTTPConnection(*proxy.upstream, timeout=60)
                        upstream.request(self.command, self.path, body or None, headers)
                        reply = upstream.getresponse()
                        answers.put((reply, reply.read()))
                        upstream.close()
                    except OSError:  # the server behind is down: what a proxy says then
                        answers.put(None)

                threading.Thread(target=ask_upstream, daemon=True).start()
                while True:
                    try:
                        answer = answers.get(timeout=0.02)
                        break
                    except queue.Empty:
                        if proxy.failures != failures and self.command == "POST":
                            answer = None  # the failure began under this request
                            break
                if answer is None or not deliver:
                    with proxy.lock:
                        proxy.answered_502 += 1
                    self._bad_gateway()
                    return
                reply, data = answer
                self.send_response(reply.status, reply.reason)
                for name, value in reply.getheaders():
                    if name.lower() not in HOP_BY_HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
