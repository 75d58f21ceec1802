"""The one JSON-RPC client of the tests and benchmarks: what the page's ``JSONService`` sends
(``POST``, ``Content-Type: application/json-rpc``, ``Origin``), over a real HTTP connection
(:class:`RpcClient`) or a Flask test client (:func:`rpc`).

    with RpcClient("http://127.0.0.1:5000/json_echo/") as client:
        client.call("reverse", "abc")                     # "cba"
        client.send(client.request("echo", ["x"]))         # Reply(status, headers, body)
"""

import http.client
import itertools
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

PAGE_ORIGIN = "http://localhost:8000"
JSONRPC_HEADERS = {"Content-Type": "application/json-rpc", "Accept": "application/json-rpc"}


def request_object(method: str, params, request_id="ID1") -> dict:
    """``{"jsonrpc": "2.0", "id": ..., "method": ..., "params": ...}``."""
    return {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}


@dataclass
class Reply:
    """An HTTP answer: ``status``, ``headers`` (a dict), and ``body`` parsed as JSON (None
    when empty)."""

    status: int
    headers: dict
    body: object


class RpcClient:
    """JSON-RPC over one persistent HTTP/1.1 connection to ``url``, from ``origin``."""

    def __init__(self, url: str, origin: str | None = PAGE_ORIGIN, timeout: float = 60.0):
        self.url = url
        parts = urlsplit(url)
        self.path = parts.path or "/"
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port or 80,
                                               timeout=timeout)
        self.headers = dict(JSONRPC_HEADERS)
        if origin:
            self.headers["Origin"] = origin
        self.requests = 0  # HTTP requests sent
        self._ids = itertools.count(1)

    def request(self, method: str, params) -> dict:
        """A request object with the next ``IDn`` id."""
        return request_object(method, params, f"ID{next(self._ids)}")

    def send(self, payload, method: str = "POST", headers: dict | None = None) -> Reply:
        """Send ``payload`` (a request, a batch, or bytes as they are); the whole answer."""
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.conn.request(method, self.path, body=body if method == "POST" else None,
                          headers={**self.headers, **(headers or {})})
        response = self.conn.getresponse()
        data = response.read()
        self.requests += 1
        return Reply(response.status, dict(response.getheaders()),
                     json.loads(data) if data else None)

    def post(self, payload):
        """POST a request or a batch; the parsed reply (None for HTTP 204)."""
        reply = self.send(payload)
        if reply.status not in (200, 204):
            raise RuntimeError(f"HTTP {reply.status} from {self.url}: {reply.body!r}")
        return reply.body

    def call(self, method: str, *params, **named):
        """One call with positional or named params (JSON-RPC has no mix of both); its
        result, or RuntimeError carrying the JSON-RPC error."""
        if params and named:
            raise TypeError("JSON-RPC params are either positional or named")
        reply = self.post(self.request(method, named if named else list(params)))
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def close(self):
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def rpc(client, method: str, params, path: str = "/json_celery_class") -> dict:
    """Post one JSON-RPC 2.0 call with a Flask test client; the parsed reply."""
    response = client.post(path, json=request_object(method, params),
                           content_type="application/json-rpc")
    assert response.status_code == 200, response.data
    return response.get_json()
