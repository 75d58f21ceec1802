"""Figure 9: what the worst 1 MiB request costs the server, against one ordinary call.

The real app under gunicorn (1 worker x 4 threads, as figure 1). Each request is sent
``repeats`` times, each on a new connection (a refused body leaves its connection unusable);
measured
on the worker process: CPU time per request (its threads' run time, from /proc/PID/task/*/
schedstat) and peak resident
memory above its size before the request (VmHWM, reset before each kind). The hostile
bodies are each 1 MiB (the ``MAX_CONTENT_LENGTH`` default), the ones that cost most before
the request limits. Legitimate requests are measured beside them: one call, a batch of
``RPC_MAX_BATCH`` calls, and the largest body allowed (an echo of a 1 MiB string). Target: no
hostile request costs more CPU than that legitimate 1 MiB request, nor more than 4 MiB of
peak memory above it: what is left is reading the body the limit allows, and the work past
it is bounded by the batch limit, not by the body.
"""

import json
import os
import time

from tests.support.processes import descendants, memory_mib, peak_memory_mib, reset_peak_memory
from tests.support.raw_http import exchange, post, post_chunked

from .jsonrpc_overhead import APP_SPEC, REQUEST
from .report import Figure, ratio
from .servers import gunicorn

NAME = "hostile_cost"
MIB = 1024 * 1024
MAX_BATCH = 100
PATH = "/json_echo/"
NOTIFICATION = b'{"jsonrpc":"2.0","method":"echo","params":["x"]}'


def _fill(element: bytes) -> bytes:
    """A JSON array of ``element`` as long as fits in 1 MiB."""
    return b"[" + b",".join([element] * ((MIB - 2) // (len(element) + 1))) + b"]"


def hostile_bodies() -> dict[str, bytes]:
    valid = json.dumps(REQUEST).encode()
    return {
        "1 MiB batch of invalid calls `[0,0,...]`": _fill(b"0"),
        "1 MiB batch of empty objects `[{},...]`": _fill(b"{}"),
        "1 MiB batch of notifications": _fill(NOTIFICATION),
        "1 MiB batch of ids 1e400": _fill(b'{"jsonrpc":"2.0","method":"echo","id":1e400}'),
        "1 MiB nesting `[[[[...`": b"[" * MIB,
        "1 MiB body, chunked, then garbage": valid + b" " * (MIB - len(valid)),
    }


def ordinary_bodies() -> dict[str, bytes]:
    batch = [{**REQUEST, "id": f"ID{i}"} for i in range(MAX_BATCH)]
    return {"one echo call": json.dumps(REQUEST).encode(),
            f"batch of {MAX_BATCH} echo calls (the most allowed)": json.dumps(batch).encode(),
            "echo of a 1 MiB string (allowed: the body limit)":
                json.dumps({**REQUEST, "params": ["x" * (MIB - 100)]}).encode()}


def _send(port: int, label: str, body: bytes) -> int:
    if "chunked" in label:
        return post_chunked(port, PATH, [body, b"garbage"]).status
    return post(port, PATH, body).status


def cpu_seconds(pid: int) -> float:
    """CPU time of ``pid``'s threads so far, in ns precision (schedstat), where /proc's
    user+system times tick only every 10 ms; gunicorn's worker threads live as long as it."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/schedstat") as stat:
            total += int(stat.read().split()[0])
    return total / 1e9


def measure(port: int, worker: int, label: str, body: bytes, repeats: int) -> dict:
    """CPU µs per request and peak MiB above the worker's size before, for ``body``."""
    _send(port, label, body)  # warm: first-use allocations are not the request's cost
    reset_peak_memory(worker)
    before_mib = memory_mib(worker)
    cpu_before = cpu_seconds(worker)
    started = time.perf_counter()
    statuses = {_send(port, label, body) for _ in range(repeats)}
    wall = time.perf_counter() - started
    return {"cpu_us": (cpu_seconds(worker) - cpu_before) / repeats * 1e6,
            "wall_ms": wall / repeats * 1e3,
            "peak_mib": max(peak_memory_mib(worker) - before_mib, 0.0),
            "statuses": sorted(statuses)}


def run(ctx) -> list[Figure]:
    repeats = ctx.pick(50, 3)
    with gunicorn(APP_SPEC, log_path=ctx.workdir / "app.log") as (url, proc):
        port = int(url.rpartition(":")[2])
        exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")  # worker up
        worker = descendants(proc.pid)[0]
        ordinary = {label: measure(port, worker, label, body, repeats)
                    for label, body in ordinary_bodies().items()}
        hostile = {label: measure(port, worker, label, body, repeats)
                   for label, body in hostile_bodies().items()}
    one_call = ordinary["one echo call"]
    bound = ordinary["echo of a 1 MiB string (allowed: the body limit)"]
    worst_label = max(hostile, key=lambda label: hostile[label]["cpu_us"])
    worst = hostile[worst_label]
    worst_peak = max(m["peak_mib"] for m in hostile.values())
    details = {}
    for label, m in {**ordinary, **hostile}.items():
        details[f"{label}: CPU µs / wall ms / peak MiB / HTTP"] = (
            f"{m['cpu_us']:.0f} / {m['wall_ms']:.2f} / {m['peak_mib']:.1f} / "
            f"{', '.join(map(str, m['statuses']))}")
    met = worst["cpu_us"] <= bound["cpu_us"] and worst_peak <= bound["peak_mib"] + 4
    return [Figure(
        number=9, name=NAME, title="Worst 1 MiB request vs one ordinary call (server cost)",
        value=worst["cpu_us"], unit="CPU µs", baseline=one_call["cpu_us"],
        baseline_label="one echo call, same server", ratio=ratio(worst["cpu_us"],
                                                                  one_call["cpu_us"]),
        ratio_label="worst hostile request's CPU ÷ one call's CPU",
        target=f"≤ the CPU of a legitimate 1 MiB echo ({bound['cpu_us']:.0f} µs), peak "
               f"≤ its {bound['peak_mib']:.1f} MiB + 4 MiB",
        met=met, command=ctx.command(NAME), details=details,
        notes=[f"gunicorn gthread 1 worker × 4 threads; each request sent {repeats} times "
               "after one warm-up; CPU is the worker threads' run time (schedstat) ÷ requests; "
               "peak is "
               "the worker's VmHWM above its VmRSS before the series (reset with "
               "/proc/PID/clear_refs). "
               f"Worst by CPU: {worst_label}; worst peak memory of any hostile body: "
               f"{worst_peak:.1f} MiB.",
               "Before the request limits the `[0,0,...]` batch took ~2 s of CPU, a 63 MB "
               "reply and 50 → 436 MiB. A batch is now parsed one call at a time and refused "
               f"at call {MAX_BATCH + 1}; a chunked body past the limit is refused after "
               "1 MiB is read; the cost left is reading and decoding the body itself."],
    )]
