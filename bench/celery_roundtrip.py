"""Figure 4: one Celery round trip through JSON-RPC vs raw Celery on the same broker.

JSON-RPC: ``echo(text, countdown=0, wait=20)``, one POST that starts the task and answers
with its result (the one-request path); beside it the two-request protocol of the seed page,
``echo(text, countdown=0)`` then ``get_result(task_id, wait=20)`` (long-poll), over one
keep-alive connection. Raw: ``celery_echo.delay("echo", text).get()`` from this process. The
three alternate, call by call, on each broker.
"""

import time

from . import celery_stack
from .report import MEASURED, Figure, median, percentile, ratio, skipped

NAME = "celery_roundtrip"
TARGET_MS = {"embedded": 50.0, "rabbitmq": 10.0}
TARGET_RATIO = 1.5


def run(ctx) -> list[Figure]:
    figures = []
    for broker in celery_stack.BROKERS:
        title = f"Celery round trip, {celery_stack.BROKER_LABELS[broker]}"
        target = f"median ≤ {TARGET_MS[broker]:g} ms and ≤ {TARGET_RATIO:g}× raw"
        try:
            stack = celery_stack.shared_stack(ctx, broker)
            ms = measure(stack, ctx.pick(100, 3))
        except celery_stack.Missing as exc:
            figures.append(skipped(4, NAME, title, str(exc), target))
            continue
        rpc_ms, raw_ms, two_ms = ms["rpc"], ms["raw"], ms["two requests"]
        value, base = median(rpc_ms), median(raw_ms)
        r = ratio(value, base)
        figures.append(Figure(
            number=4, name=NAME, title=title, value=value, unit="ms median", baseline=base,
            baseline_label="raw Celery delay().get(), same broker", ratio=r,
            ratio_label="JSON-RPC median / raw median", target=target,
            met=value <= TARGET_MS[broker] and r <= TARGET_RATIO, command=ctx.command(NAME),
            details={
                "JSON-RPC, one request (echo with wait): median / p99 ms":
                    f"{value:.1f} / {percentile(rpc_ms, 99):.1f}",
                "raw Celery: median / p99 ms": f"{base:.1f} / {percentile(raw_ms, 99):.1f}",
                "p99 ratio (JSON-RPC / raw)": ratio(percentile(rpc_ms, 99),
                                                    percentile(raw_ms, 99)),
                "JSON-RPC, two requests (start, then get_result): median / p99 ms":
                    f"{median(two_ms):.1f} / {percentile(two_ms, 99):.1f}",
                "two requests / raw (medians)": ratio(median(two_ms), base),
                "JSON-RPC start call (echo): median ms": median(ms["start call"]),
                "JSON-RPC get_result(wait=20) call: median ms": median(ms["get_result call"]),
                "task done (backend date_done) → long-poll answer received: median ms":
                    median(ms["done to answer"]),
                "one request: task done → answer received: median ms":
                    median(ms["one request: done to answer"]),
                "raw Celery: task done → get() returns: median ms":
                    median(ms["raw: done to answer"]),
                "round trips each": len(rpc_ms),
                f"median ≤ {TARGET_MS[broker]:g} ms": value <= TARGET_MS[broker],
                f"ratio ≤ {TARGET_RATIO:g}": r <= TARGET_RATIO,
            },
            notes=[f"Of the two-request median {median(two_ms):.1f} ms, "
                   f"{median(ms['done to answer']):.1f} ms pass between the task's end "
                   "(date_done) and the long-poll's answer, "
                   f"and {median(ms['start call']):.1f} ms are the start call (record the "
                   f"id in the backend, publish); raw Celery's whole round trip is "
                   f"{base:.1f} ms. The one-request path saves the second HTTP request."],
        ))
    measured = [f for f in figures if f.status == MEASURED]
    if measured:
        measured[0].notes.append(
            "One worker (manage_celery.py celeryd, prefork, concurrency 2) and the flaskcelery "
            f"app under {celery_stack.WEB_SETUP}; the "
            "JSON-RPC client keeps one HTTP connection. JSON-RPC path = echo(wait=20): the server "
            "records the id in the result backend, publishes, and parks the request on its "
            "result watcher, which learns of the task's end "
            f"{celery_stack.reread_schedule()}. "
            f"Raw AsyncResult.get polls a database backend every {celery_stack.RAW_GET_INTERVAL} "
            "s (Celery's default is 0.5 s) and subscribes on Redis. The three alternate call by "
            "call after a warm-up. Each broker's stack is started once per run and serves "
            "figures 4-6 (both brokers' workers are up while either is measured).")
    return figures


def measure(stack: celery_stack.Stack, n: int) -> dict[str, list[float]]:
    """``n`` round trips of each kind (one request, two requests, raw), alternating; ms each,
    with the two-request round trip split into its two calls, and the time from the task's
    end (``date_done`` in the result backend) to the long-poll's answer."""
    ms = {"rpc": [], "raw": [], "two requests": [], "start call": [], "get_result call": [],
          "done to answer": [], "one request: done to answer": [], "raw: done to answer": []}
    with stack.client() as client:
        for i in range(n):
            text = f"round trip {i}"
            start = time.perf_counter()
            reply = client.call("echo", text=text, countdown=0, wait=20)
            ms["rpc"].append((time.perf_counter() - start) * 1000)
            ms["one request: done to answer"].append(
                (time.time() - stack.date_done(reply["task_id"])) * 1000)
            if reply.get("echo") != text:
                raise RuntimeError(f"one-request round trip {i} answered {reply}")
            start = time.perf_counter()
            task_id = client.call("echo", text=text, countdown=0)["task_id"]
            started = time.perf_counter()
            reply = client.call("get_result", task_id=task_id, wait=20)
            end, now = time.perf_counter(), time.time()
            if reply.get("echo") != text:
                raise RuntimeError(f"JSON-RPC round trip {i} answered {reply}")
            ms["two requests"].append((end - start) * 1000)
            ms["start call"].append((started - start) * 1000)
            ms["get_result call"].append((end - started) * 1000)
            ms["done to answer"].append((now - stack.date_done(task_id)) * 1000)
            start = time.perf_counter()
            answer, task_id = stack.raw_echo(text, with_id=True)
            ms["raw"].append((time.perf_counter() - start) * 1000)
            ms["raw: done to answer"].append((time.time() - stack.date_done(task_id)) * 1000)
            if answer != text:
                raise RuntimeError(f"raw round trip {i} answered {answer!r}")
    return ms
