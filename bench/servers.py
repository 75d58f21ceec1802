"""Servers the benchmarks start (always on 127.0.0.1, free ports, stopped on exit) and a
small keep-alive JSON-RPC client.

Process start-up and shutdown reuse ``tests/support/processes.py``.
"""

import http.client
import itertools
import json
import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

from tests.support.processes import REPO_ROOT, free_port, read_log, running, wait_for_port

__all__ = ["REPO_ROOT", "free_port", "read_log", "running", "wait_for_port", "PYTHON",
           "GUNICORN", "GUNICORN_WORKERS", "GUNICORN_THREADS", "PRODUCTION_CONFIG", "gunicorn",
           "static_server", "RpcClient", "PAGE_ORIGIN", "have", "cpu_seconds"]

PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
PAGE_ORIGIN = "http://localhost:8000"

# One worker process: the machine has 2 cores and the load generator needs one of them.
# Threads so keep-alive connections and long-polls do not block each other.
GUNICORN_WORKERS = 1
GUNICORN_THREADS = 4


def have(executable: str) -> bool:
    return shutil.which(executable) is not None or Path(executable).exists()


def _descendants(pid: int) -> list[int]:
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return found
    for tid in tasks:
        try:
            children = Path(f"/proc/{pid}/task/{tid}/children").read_text().split()
        except FileNotFoundError:
            continue
        for child in map(int, children):
            found += [child, *_descendants(child)]
    return found


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by ``pid`` and its live descendants: what a
    server spent on a round of load, far less sensitive to a noisy machine than wall time."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in [pid, *_descendants(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rpartition(")")[2].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


# The documented production setup (docs/flaskcelery.rst, "Production"): this config module.
PRODUCTION_CONFIG = "python:flask_pyjamas.gunicorn_config"


@contextmanager
def gunicorn(app_spec: str, *, log_path: Path, env: dict | None = None,
             workers: int = GUNICORN_WORKERS, threads: int = GUNICORN_THREADS,
             chdir: Path = REPO_ROOT, production: bool = False):
    """Serve ``app_spec`` (``module:factory()``, imported from ``chdir``) with gunicorn's
    gthread worker; yields ``(base_url, process)``. No access log: not what is measured.

    ``production``: the documented command, ``gunicorn -c PRODUCTION_CONFIG APP``, on a free
    port (its one worker process as on this 2-core machine; ``workers``/``threads`` unused)."""
    port = free_port()
    args = [GUNICORN, "--bind", f"127.0.0.1:{port}"]
    if production:
        args += ["-c", PRODUCTION_CONFIG]
    else:
        args += ["--workers", str(workers), "--threads", str(threads), "--worker-class",
                 "gthread", "--keep-alive", "30", "--graceful-timeout", "3"]
    args += ["--log-level", "warning", "--chdir", str(chdir), app_spec]
    with running(args, port=port, env=env, log_path=log_path, timeout=60) as proc:
        yield f"http://127.0.0.1:{port}", proc


@contextmanager
def static_server(directory: Path, *, log_path: Path):
    """``python -m http.server`` on ``directory``; yields the base URL."""
    port = free_port()
    args = [PYTHON, "-m", "http.server", str(port), "--bind", "127.0.0.1",
            "--directory", str(directory)]
    with running(args, port=port, log_path=log_path):
        yield f"http://127.0.0.1:{port}"


class RpcClient:
    """JSON-RPC over one persistent HTTP/1.1 connection, the headers of the page's client."""

    def __init__(self, url: str, origin: str | None = PAGE_ORIGIN, timeout: float = 60.0):
        self.url = url
        scheme, _, rest = url.partition("://")
        hostport, _, path = rest.partition("/")
        self.path = "/" + path
        host, _, port = hostport.partition(":")
        self.conn = http.client.HTTPConnection(host, int(port or 80), timeout=timeout)
        self.headers = {"Content-Type": "application/json-rpc",
                        "Accept": "application/json-rpc"}
        if origin:
            self.headers["Origin"] = origin
        self.requests = 0  # HTTP requests sent
        self._ids = itertools.count(1)

    def request(self, method: str, params) -> dict:
        """A request object with the next ``IDn`` id."""
        return {"jsonrpc": "2.0", "id": f"ID{next(self._ids)}", "method": method,
                "params": params}

    def post(self, payload):
        """POST a request or a batch; the parsed reply (None for HTTP 204)."""
        body = json.dumps(payload).encode()
        self.conn.request("POST", self.path, body=body, headers=self.headers)
        response = self.conn.getresponse()
        data = response.read()
        self.requests += 1
        if response.status == 204:
            return None
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status} from {self.url}: {data[:200]!r}")
        return json.loads(data)

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
