"""Figure 5: 1000 echo tasks started through JSON-RPC batches, all results collected, vs
raw Celery on the same broker.

JSON-RPC: batches of ``BATCH`` ``echo(text, countdown=0)`` calls, then batches of
``get_result(task_id, wait=25)`` for the tasks not done yet, until every result is in. Raw:
``celery_echo.delay()`` for every task, then ``.get()`` each. The run that goes first
alternates between rounds.
"""

import time

from . import celery_stack
from .report import Figure, median, skipped

NAME = "celery_throughput"
BATCH = 100
TARGET_RATIO = 0.8
DEADLINE_S = 300.0


def run(ctx) -> list[Figure]:
    n, rounds = ctx.pick(1000, 20), ctx.pick(2, 1)
    figures = []
    for broker in celery_stack.BROKERS:
        title = f"Celery throughput, {celery_stack.BROKER_LABELS[broker]}"
        target = f"≥ {TARGET_RATIO:g} of raw"
        try:
            stack = celery_stack.shared_stack(ctx, broker)
        except celery_stack.Missing as exc:
            figures.append(skipped(5, NAME, title, str(exc), target))
            continue
        rates = {"rpc": [], "raw": []}
        for i in range(rounds):
            order = ("rpc", "raw") if i % 2 == 0 else ("raw", "rpc")
            for kind in order:
                measure = rpc_tasks if kind == "rpc" else raw_tasks
                rates[kind].append(n / measure(stack, n, f"r{i}"))
        value, base = median(rates["rpc"]), median(rates["raw"])
        r = value / base
        figures.append(Figure(
            number=5, name=NAME, title=title, value=value, unit="tasks/s", baseline=base,
            baseline_label="raw Celery delay() then get(), same broker", ratio=r,
            target=target, met=r >= TARGET_RATIO, command=ctx.command(NAME),
            details={"tasks per run": n, "runs each (alternating)": rounds,
                     "JSON-RPC tasks/s per run": ", ".join(f"{x:.0f}" for x in rates["rpc"]),
                     "raw tasks/s per run": ", ".join(f"{x:.0f}" for x in rates["raw"])},
        ))
    figures[0].notes.append(
        f"Tasks/s = tasks ÷ (first start → last result). JSON-RPC: batches of {BATCH} echo "
        "calls (countdown 0) over one HTTP connection, then batches of get_result(wait=25) "
        "for the tasks not yet SUCCESS. Raw: delay() for all, then get() on each "
        f"(interval {celery_stack.RAW_GET_INTERVAL} s on a database backend). Same worker "
        "(prefork, concurrency 2, acks_late, prefetch multiplier 1) for both.")
    return figures


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _results(client, method_params: list[dict], method: str) -> list:
    """One batch of ``method`` calls; their results, in the order of ``method_params``."""
    requests = [client.request(method, params) for params in method_params]
    replies = {reply["id"]: reply for reply in client.post(requests)}
    out = []
    for request in requests:
        reply = replies[request["id"]]
        if "error" in reply:
            raise RuntimeError(f"{method} failed: {reply['error']}")
        out.append(reply["result"])
    return out


def rpc_tasks(stack: celery_stack.Stack, n: int, tag: str) -> float:
    """Start ``n`` echo tasks through JSON-RPC batches and collect them; seconds taken."""
    texts = [f"{tag}-{i}" for i in range(n)]
    deadline = time.monotonic() + DEADLINE_S
    with stack.client() as client:
        start = time.perf_counter()
        expected = {}
        for chunk in _chunks(texts, BATCH):
            started = _results(client, [{"text": t, "countdown": 0} for t in chunk], "echo")
            expected.update({s["task_id"]: t for s, t in zip(started, chunk, strict=True)})
        pending = list(expected)
        while pending:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(pending)} tasks not done in {DEADLINE_S} s")
            done = set()
            for chunk in _chunks(pending, BATCH):
                for reply in _results(client, [{"task_id": t, "wait": 25} for t in chunk],
                                      "get_result"):
                    if reply["state"] == "SUCCESS":
                        if reply["echo"] != expected[reply["task_id"]]:
                            raise RuntimeError(f"wrong echo: {reply}")
                        done.add(reply["task_id"])
            pending = [t for t in pending if t not in done]
        return time.perf_counter() - start


def raw_tasks(stack: celery_stack.Stack, n: int, tag: str) -> float:
    """``n`` raw ``delay()`` calls, then ``get()`` on each; seconds taken."""
    task = stack.celery.tasks["celery_echo"]
    texts = [f"{tag}-raw-{i}" for i in range(n)]
    start = time.perf_counter()
    results = [task.delay("echo", t) for t in texts]
    for result, text in zip(results, texts, strict=True):
        if result.get(timeout=DEADLINE_S, interval=celery_stack.RAW_GET_INTERVAL) != text:
            raise RuntimeError(f"raw task {result.id} gave a wrong echo")
    return time.perf_counter() - start
