"""The HTTP load generator of figures 1 and 2: ``wrk`` with a Lua script for the POST body.

:func:`interleave` runs several targets in alternating short rounds, so that the noise of a
shared machine falls on all of them alike; figures use the median round of each target.
"""

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .report import median
from .servers import PAGE_ORIGIN, cpu_seconds

WRK = "wrk"
LUA_SCRIPT = Path(__file__).with_name("wrk_post.lua")


def missing() -> str | None:
    """Why the load generator cannot run here, or None."""
    if shutil.which(WRK) is None:
        return "wrk is not installed (apt-get install -y wrk)"
    return None


@dataclass
class WrkResult:
    requests: int
    duration_s: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    errors: int  # socket errors, timeouts and non-2xx answers
    server_cpu_us: float | None = None  # server CPU time per request, when measured

    @classmethod
    def parse(cls, output: str) -> "WrkResult":
        line = next(li for li in output.splitlines() if li.startswith("BENCH_JSON "))
        raw = json.loads(line.removeprefix("BENCH_JSON "))
        duration = raw["duration_us"] / 1e6
        errors = sum(raw[k] for k in ("connect_errors", "read_errors", "write_errors",
                                       "timeouts", "non2xx"))
        return cls(raw["requests"], duration, raw["requests"] / duration,
                   raw["p50_us"] / 1000, raw["p90_us"] / 1000, raw["p99_us"] / 1000, errors)


def wrk(url: str, body: bytes, *, duration_s: int, connections: int, threads: int = 1,
        origin: str = PAGE_ORIGIN) -> WrkResult:
    """POST ``body`` to ``url`` for ``duration_s`` (whole seconds: wrk takes no fractions) at
    ``connections`` keep-alive connections."""
    with tempfile.NamedTemporaryFile(prefix="bench-body-", suffix=".json") as tmp:
        tmp.write(body)
        tmp.flush()
        env = {**os.environ, "BENCH_BODY_FILE": tmp.name, "BENCH_ORIGIN": origin}
        args = [WRK, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration_s))}s",
                "--timeout", "10s", "-s", str(LUA_SCRIPT), url]
        proc = subprocess.run(args, env=env, capture_output=True, text=True,
                              timeout=duration_s + 60, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr.strip()}")
    result = WrkResult.parse(proc.stdout)
    if result.errors:
        raise RuntimeError(f"wrk saw {result.errors} errors against {url}: {proc.stdout}")
    return result


@dataclass
class Target:
    """What to load: a URL, the body to POST, and the server process whose CPU to count."""

    url: str
    body: bytes
    server_pid: int | None = None


def measure(target: Target, *, duration_s: int, connections: int) -> WrkResult:
    """One wrk round against ``target``, with the server's CPU time per request."""
    before = cpu_seconds(target.server_pid) if target.server_pid else None
    result = wrk(target.url, target.body, duration_s=duration_s, connections=connections)
    if before is not None and result.requests:
        used = cpu_seconds(target.server_pid) - before
        result.server_cpu_us = used / result.requests * 1e6
    return result


def interleave(targets: dict[str, Target], *, rounds: int, duration_s: int,
               connections: int, warmup_s: int = 1) -> dict[str, list[WrkResult]]:
    """Load each target in turn, ``rounds`` times (the order rotates each round), after a
    warm-up of each (none if ``warmup_s`` is 0). Returns every round's result by name."""
    for target in targets.values() if warmup_s else ():
        wrk(target.url, target.body, duration_s=warmup_s, connections=connections)
    results: dict[str, list[WrkResult]] = {name: [] for name in targets}
    names = list(targets)
    for i in range(rounds):
        order = names[i % len(names):] + names[:i % len(names)]
        for name in order:
            results[name].append(
                measure(targets[name], duration_s=duration_s, connections=connections))
    return results


def summary(rounds: list[WrkResult]) -> dict:
    """Median over rounds of req/s, p50 and p99 (ms), and server CPU µs per request."""
    cpu = [r.server_cpu_us for r in rounds if r.server_cpu_us is not None]
    return {
        "rps": median(r.rps for r in rounds),
        "p50_ms": median(r.p50_ms for r in rounds),
        "p99_ms": median(r.p99_ms for r in rounds),
        "server_cpu_us": median(cpu) if cpu else None,
        "requests": sum(r.requests for r in rounds),
    }


def paired_ratio(values: list[WrkResult], baselines: list[WrkResult], scale: float = 1.0):
    """Median over rounds of ``scale × value req/s / baseline req/s``, each value paired with
    the baseline round run next to it: drift of the machine's load cancels out."""
    return median(scale * v.rps / b.rps for v, b in zip(values, baselines, strict=True))
