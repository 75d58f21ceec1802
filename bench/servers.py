"""Servers the benchmarks start (always on 127.0.0.1, free ports, stopped on exit).

Process start-up and shutdown, and the JSON-RPC client, are the tests' own helpers
(``tests/support/processes.py``, ``tests/support/rpc.py``): one set for both.
"""

import shutil
import sys
from pathlib import Path

from tests.support.processes import (
    GUNICORN,
    GUNICORN_THREADS,
    GUNICORN_WORKERS,
    PRODUCTION_CONFIG,
    REPO_ROOT,
    cpu_seconds,
    free_port,
    gunicorn,
    read_log,
    running,
    static_server,
    wait_for_port,
)
from tests.support.rpc import PAGE_ORIGIN, RpcClient

__all__ = ["REPO_ROOT", "free_port", "read_log", "running", "wait_for_port", "PYTHON",
           "GUNICORN", "GUNICORN_WORKERS", "GUNICORN_THREADS", "PRODUCTION_CONFIG", "gunicorn",
           "static_server", "RpcClient", "PAGE_ORIGIN", "have", "cpu_seconds"]

PYTHON = sys.executable


def have(executable: str) -> bool:
    return shutil.which(executable) is not None or Path(executable).exists()


