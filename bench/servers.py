"""Servers the benchmarks start (always on 127.0.0.1, free ports, stopped on exit).

Process start-up and shutdown, and the JSON-RPC client, are the tests' own helpers
(``tests/support/processes.py``, ``tests/support/rpc.py``): one set for both.
"""

import os
import shutil
import sys
from pathlib import Path

from tests.support.processes import (
    GUNICORN,
    GUNICORN_THREADS,
    GUNICORN_WORKERS,
    REPO_ROOT,
    free_port,
    gunicorn,
    read_log,
    running,
    static_server,
    wait_for_port,
)
from tests.support.rpc import PAGE_ORIGIN, RpcClient

__all__ = ["REPO_ROOT", "free_port", "read_log", "running", "wait_for_port", "PYTHON",
           "GUNICORN", "GUNICORN_WORKERS", "GUNICORN_THREADS", "gunicorn", "static_server",
           "RpcClient", "PAGE_ORIGIN", "have", "cpu_seconds"]

PYTHON = sys.executable



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
