"""Figure 2: one 100-call JSON-RPC batch against 100 single calls.

The real app under gunicorn; ``wrk`` posts either a batch of ``BATCH_SIZE`` ``echo`` calls or
one call, in interleaved rounds. Calls/s = requests/s × calls per request.
"""

import json

from . import loadgen
from .jsonrpc_overhead import APP_SPEC, CONNECTIONS, REQUEST
from .loadgen import Target, interleave, paired_ratio, summary
from .report import Figure, skipped
from .servers import gunicorn

NAME = "batch"
BATCH_SIZE = 100
TARGET_RATIO = 20.0
PATH = "/json_echo/"


def batch_body(size: int) -> bytes:
    """A batch of ``size`` echo calls with ids ``ID1``..``IDsize``."""
    return json.dumps([{**REQUEST, "id": f"ID{i}", "params": [f"call {i}"]}
                       for i in range(1, size + 1)]).encode()


def run(ctx) -> list[Figure]:
    title = f"Batch of {BATCH_SIZE} calls vs {BATCH_SIZE} single calls"
    if loadgen.missing():
        return [skipped(2, NAME, title, loadgen.missing(), f"≥ {TARGET_RATIO:g}×")]
    rounds, duration = ctx.pick((8, 2), (1, 1))
    with gunicorn(APP_SPEC, log_path=ctx.workdir / "app.log") as (url, proc):
        targets = {
            "single": Target(url + PATH, json.dumps(REQUEST).encode(), proc.pid),
            "batch": Target(url + PATH, batch_body(BATCH_SIZE), proc.pid),
        }
        results = interleave(targets, rounds=rounds, duration_s=duration,
                             connections=CONNECTIONS, warmup_s=ctx.pick(1, 0))
    single, batch = summary(results["single"]), summary(results["batch"])
    single_cps, batch_cps = single["rps"], batch["rps"] * BATCH_SIZE
    r = paired_ratio(results["batch"], results["single"], scale=BATCH_SIZE)
    details = {
        "single: calls/s": single_cps,
        "single: p50 / p99 latency ms": f"{single['p50_ms']:.2f} / {single['p99_ms']:.2f}",
        "single: server CPU µs per call": single["server_cpu_us"],
        f"batch of {BATCH_SIZE}: requests/s": batch["rps"],
        f"batch of {BATCH_SIZE}: p50 / p99 latency ms":
            f"{batch['p50_ms']:.2f} / {batch['p99_ms']:.2f}",
        f"batch of {BATCH_SIZE}: server CPU µs per call":
            batch["server_cpu_us"] / BATCH_SIZE if batch["server_cpu_us"] else None,
        "per-round calls/s ratios": ", ".join(
            f"{b.rps * BATCH_SIZE / s.rps:.1f}"
            for b, s in zip(results["batch"], results["single"], strict=True)),
    }
    return [Figure(
        number=2, name=NAME, title=title,
        value=batch_cps, unit="calls/s", baseline=single_cps,
        baseline_label="single calls, same server", ratio=r,
        ratio_label="median over rounds of batch calls/s ÷ single calls/s beside it",
        target=f"≥ {TARGET_RATIO:g}×", met=r is not None and r >= TARGET_RATIO,
        command=ctx.command(NAME), details=details,
        notes=[f"Same server and load generator as figure 1 (gunicorn gthread 1×4, wrk -t1 "
               f"-c{CONNECTIONS}), {rounds} interleaved rounds of {duration} s each; values are "
               "medians over rounds, the ratio the median of per-round ratios. A batch "
               "answer carries every reply (no notifications)."],
    )]
