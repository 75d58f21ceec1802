"""Figure 11: tasks lost when a worker holding 200 tasks is killed with SIGKILL.

A worker (prefork, concurrency 2, room to prefetch all of them) receives 200 echo tasks with
a countdown, started through JSON-RPC; once its log shows it received every one, it is
killed with its pool (SIGKILL to the process group, as when its machine dies). A new worker
starts, and every task's ``get_result`` is read until it succeeds or the deadline passes.
Lost = tasks not ``SUCCESS`` by then. The baseline is what was at stake: the tasks the killed
worker held. Each broker gets a broker of its own (no other worker may take the tasks).
"""

import time

from . import celery_stack
from .report import Figure, ratio, skipped

NAME = "task_loss"
DEADLINE_S = 120.0  # after the countdown: far longer than 200 echoes take


def run(ctx) -> list[Figure]:
    tasks, countdown = ctx.pick(200, 10), ctx.pick(15.0, 8.0)
    figures = []
    for broker in celery_stack.BROKERS:
        title = f"Tasks lost after SIGKILL of a worker holding {tasks}, " \
                f"{celery_stack.BROKER_LABELS[broker]}"
        folder = ctx.workdir / broker
        folder.mkdir()
        try:
            with celery_stack.broker_env(broker, folder) as env:
                outcome = kill_a_worker_holding(env, folder, tasks, countdown)
        except celery_stack.Missing as exc:
            figures.append(skipped(11, NAME, title, str(exc), "0"))
            continue
        figures.append(Figure(
            number=11, name=NAME, title=title, value=outcome["lost"], unit="tasks",
            baseline=outcome["held"], baseline_label="tasks the killed worker held",
            ratio=ratio(outcome["lost"], outcome["held"]), ratio_label="lost / held",
            target="0", met=outcome["lost"] == 0, command=ctx.command(NAME),
            details={
                "tasks held when killed (received, countdown not over)": outcome["held"],
                "countdown, s": countdown,
                "new worker ready → every result in, s": f"{outcome['recovery_s']:.1f}",
                "of which the countdown still to run at the new worker's start, s":
                    f"{outcome['countdown_left_s']:.1f}",
            },
        ))
    figures[0].notes.append(
        "Embedded: the transport moves a delivered message into a folder of the receiving "
        "process and deletes it only on acknowledgement; a starting worker returns the "
        "messages of dead processes to their queue (flask_pyjamas/tasks/embedded_broker.py). "
        "RabbitMQ: task_acks_late, so the broker requeues the unacknowledged messages of the "
        "closed connection. The countdown tasks are held unacknowledged in the worker's "
        "memory until due: before this transport the embedded broker lost all of them.")
    return figures


def kill_a_worker_holding(env: dict, workdir, tasks: int, countdown: float) -> dict:
    """Start ``tasks`` echo tasks, SIGKILL the worker holding them, let a new one finish."""
    from flaskcelery.flask_source.FlaskEchoApp import create_app
    from tests.support.held_tasks import (
        final_replies,
        lost,
        received,
        start_tasks,
        wait_until_logged,
    )
    from tests.support.services import app_config, celery_worker_process

    client = create_app(app_config(env)).test_client()
    args = ("--concurrency=2", f"--prefetch-multiplier={tasks}")
    with celery_worker_process(env, *args, log_dir=workdir, name="holding@%h") as first:
        sent = time.monotonic()
        ids = start_tasks(client, [("echo", [f"held {i}", countdown]) for i in range(tasks)])
        wait_until_logged(first, [received("celery_echo", task_id) for task_id in ids])
        if "succeeded" in first.log():
            raise RuntimeError("the countdown ran out before the worker was killed: raise it")
        first.kill()
    with celery_worker_process(env, *args, log_dir=workdir, name="after@%h"):
        ready = time.monotonic()
        replies = final_replies(client, ids, timeout=countdown + DEADLINE_S)
        done = time.monotonic()
    return {"held": len(ids), "lost": len(lost(replies)), "recovery_s": done - ready,
            "countdown_left_s": max(0.0, countdown - (ready - sent))}
