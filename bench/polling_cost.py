"""Figure 6: what it costs a client to learn a 5-s task's result: 1-s polling vs long-poll.

Each job starts ``echo(text, countdown=5)``. A *polling* client then calls
``get_result(task_id)`` every second from the start's answer, as the original page's
``LabelTimer`` does; a *long-poll* client calls ``get_result(task_id, wait=25)`` (again if a
wait ends first). Reported per job: HTTP requests (the start included) and the delay between
the task's end (``date_done`` in the result backend) and the client receiving the result.
Jobs of both kinds run at the same time, each client on its own connection.
"""

import threading
import time

from . import celery_stack
from .report import MEASURED, Figure, median, skipped

NAME = "polling_cost"
POLL_INTERVAL = 1.0
TARGET_REQUESTS = 2
TARGET_DELAY_MS = 50.0
MODES = ("polling", "long-poll")


def run(ctx) -> list[Figure]:
    countdown, jobs = ctx.pick((5.0, 5), (1.0, 1))
    figures = []
    for broker in celery_stack.BROKERS:
        label = celery_stack.BROKER_LABELS[broker]
        try:
            stack = celery_stack.shared_stack(ctx, broker)
            results = run_jobs(stack, jobs, countdown)
        except celery_stack.Missing as exc:
            figures.append(skipped(6, NAME, f"Polling cost, {label}", str(exc),
                                   f"{TARGET_REQUESTS} requests, < {TARGET_DELAY_MS:g} ms"))
            continue
        req = {m: median(r["requests"] for r in results[m]) for m in MODES}
        delay = {m: median(r["delay_ms"] for r in results[m]) for m in MODES}
        details = {f"{m}: {k} per job": ", ".join(f"{r[k]:.0f}" for r in results[m])
                   for m in MODES for k in ("requests", "delay_ms")}
        figures.append(Figure(
            number=6, name=NAME, title=f"Requests per {countdown:g}-s job, long-poll, {label}",
            value=req["long-poll"], unit="requests", baseline=req["polling"],
            baseline_label=f"{POLL_INTERVAL:g}-s polling", ratio=req["long-poll"] / req["polling"],
            target=f"{TARGET_REQUESTS} requests", met=req["long-poll"] == TARGET_REQUESTS,
            command=ctx.command(NAME), details=details))
        figures.append(Figure(
            number=6, name=NAME, title=f"Task end → client knows, long-poll, {label}",
            value=delay["long-poll"], unit="ms", baseline=delay["polling"],
            baseline_label=f"{POLL_INTERVAL:g}-s polling",
            ratio=delay["long-poll"] / delay["polling"], target=f"< {TARGET_DELAY_MS:g} ms",
            met=delay["long-poll"] < TARGET_DELAY_MS, command=ctx.command(NAME)))
    measured = [f for f in figures if f.status == MEASURED]
    if measured:
        measured[0].notes.append(
            f"{jobs} jobs of each kind at once, countdowns {countdown:g} s + k·{1 / jobs:g} s "
            f"(k = 0..{jobs - 1}, so the task ends fall at different points between two polls, "
            "the same countdowns for both kinds); medians over jobs. "
            "Delay = time the client got the SUCCESS answer − the task's date_done in the result "
            "backend (same machine, same clock). The long-poll's server side learns of the end "
            f"{celery_stack.reread_schedule()}: on SQLite, once a task has waited seconds, it is "
            "seen up to one beat late, on average half of one.")
    return figures


def run_jobs(stack: celery_stack.Stack, jobs: int, countdown: float) -> dict[str, list[dict]]:
    """``jobs`` polling and ``jobs`` long-poll clients at once; their per-job numbers."""
    results = {mode: [] for mode in MODES}
    errors = []

    def job(mode: str, i: int) -> None:
        try:
            # Countdowns spread over one polling period: a poller's delay depends on where
            # the task's end falls between two polls, which a fixed countdown would fix.
            results[mode].append(
                one_job(stack, mode, f"{mode} {i}", countdown + i * POLL_INTERVAL / jobs))
        except Exception as exc:  # re-raised below, in the caller's thread
            errors.append(exc)

    threads = [threading.Thread(target=job, args=(mode, i)) for i in range(jobs) for mode in MODES]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(countdown + 60)
    if errors:
        raise errors[0]
    if any(thread.is_alive() for thread in threads):
        raise TimeoutError("a polling job did not finish")
    return results


def one_job(stack: celery_stack.Stack, mode: str, text: str, countdown: float) -> dict:
    with stack.client() as client:
        task_id = client.call("echo", text=text, countdown=countdown)["task_id"]
        next_poll = time.monotonic() + POLL_INTERVAL
        deadline = time.monotonic() + countdown + 60
        while time.monotonic() < deadline:
            if mode == "polling":
                time.sleep(max(0.0, next_poll - time.monotonic()))
                next_poll += POLL_INTERVAL
                reply = client.call("get_result", task_id=task_id)
            else:
                reply = client.call("get_result", task_id=task_id, wait=25)
            if reply["state"] == "SUCCESS":
                known = time.time()
                break
        else:
            raise TimeoutError(f"task {task_id} not done")
        if reply["echo"] != text:
            raise RuntimeError(f"wrong echo: {reply}")
        return {"requests": client.requests,
                "delay_ms": (known - stack.date_done(task_id)) * 1000}
