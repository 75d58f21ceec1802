"""JSON-RPC over keep-alive HTTP/1.1 connections for asyncio: hundreds of concurrent
long-polls from one thread (the long-poll tests, and ``bench/waiting_at_scale.py``)."""

import asyncio
import concurrent.futures
import json

from flask_pyjamas.settings import DEFAULT_ORIGINS

PAGE_ORIGIN = DEFAULT_ORIGINS[0]  # the demo page's origin, allowed by default


class HttpConnection:
    """One keep-alive HTTP/1.1 connection posting JSON-RPC calls, for asyncio."""

    def __init__(self, url: str):
        host_port, _, path = url.split("://", 1)[1].partition("/")
        self.host, _, port = host_port.partition(":")
        self.port, self.path = int(port), "/" + path
        self.reader = self.writer = None
        self.ids = 0

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def post(self, payload):
        """POST a request object or a batch; the parsed reply (HTTP 200 only)."""
        body = json.dumps(payload).encode()
        head = (f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                "Content-Type: application/json-rpc\r\nAccept: application/json-rpc\r\n"
                f"Origin: {PAGE_ORIGIN}\r\nContent-Length: {len(body)}\r\n\r\n")
        self.writer.write(head.encode() + body)
        headers = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
        status = int(headers.split(None, 2)[1])
        length = int(headers.split("content-length:", 1)[1].split("\r\n", 1)[0])
        reply = json.loads(await self.reader.readexactly(length))
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {reply}")
        return reply

    def request(self, method: str, params) -> dict:
        """A request object with the next ``IDn`` id."""
        self.ids += 1
        return {"jsonrpc": "2.0", "id": f"ID{self.ids}", "method": method, "params": params}

    async def call(self, method: str, params):
        """One call; its result, or RuntimeError carrying the JSON-RPC error."""
        reply = await self.post(self.request(method, params))
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def close(self):
        if self.writer is not None:
            self.writer.close()


def run_coroutine(coroutine):
    """``asyncio.run(coroutine)`` on a thread of its own: the test process's main thread may
    already run an event loop (Playwright's sync API keeps one for the browser tests)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
