"""Hundreds of long-polls held by one server process, the documented production setup.

gunicorn runs ``-c python:flask_pyjamas.gunicorn_config`` (one gthread worker process), on the
embedded broker (the watcher polls SQLite) and on RabbitMQ + Redis (it listens to Redis). Each
waiter sends start and long-poll in one batch, with an id of its own choosing. No worker runs
until every waiter waits, so none can be answered early: meanwhile plain calls on another
connection are answered. Then a real worker starts, and every waiter gets its own result.

And a thousand waits that run out together (no worker) each answer within ``RPC_MAX_WAIT``
plus a second of the client sending it, although the process reads them over more than a
second: a wait counts from the request's arrival.
"""

import asyncio
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.support.aio_rpc import HttpConnection, run_coroutine
from tests.support.processes import PYTHON, REPO_ROOT, free_port, read_log, running
from tests.support.services import celery_worker_process, clean_env

WAITERS = 300
WAIT = 25  # s, each long-poll's wait; a waiter whose wait ends asks again, as a page does
GUNICORN = Path(PYTHON).with_name("gunicorn")
APP = "flaskcelery.flask_source.FlaskEchoApp:create_app()"
# The waiters all come from 127.0.0.1, standing for as many pages: the per-client limits
# (tests/integration/test_fair_share.py) are raised to let them.
ONE_ADDRESS_MANY_CLIENTS = {"RPC_MAX_WAITS_PER_CLIENT": str(WAITERS),
                            "RPC_TASKS_PER_MINUTE": str(10 * WAITERS)}


@pytest.fixture(scope="module")
def web_url(celery_env, tmp_path_factory):
    """The production gunicorn command on a free port (no Celery worker)."""
    logs = tmp_path_factory.mktemp("long-poll-scale")
    port = free_port()
    with running([GUNICORN, "-c", "python:flask_pyjamas.gunicorn_config",
                  "--bind", f"127.0.0.1:{port}", APP],
                 port=port, env={**celery_env, **ONE_ADDRESS_MANY_CLIENTS},
                 log_path=logs / "web.log", timeout=60) as web:
        yield f"http://127.0.0.1:{port}/json_celery_class"
        assert web.poll() is None, read_log(logs / "web.log")


async def start_and_wait(url: str, text: str, task_id: str) -> tuple[list[dict], dict]:
    """One HTTP request: ``echo`` with a client-chosen id, then ``get_result(wait)``; again
    ``get_result(wait)`` until the task is done. The batch's replies, and the final result."""
    conn = HttpConnection(url)
    await conn.open()
    try:
        batch = await conn.post([
            conn.request("echo", {"text": text, "countdown": 0, "task_id": task_id}),
            conn.request("get_result", {"task_id": task_id, "wait": WAIT}),
        ])
        final = max(batch, key=lambda reply: reply["id"]).get("result", {})
        while final.get("state") != "SUCCESS":
            final = await conn.call("get_result", {"task_id": task_id, "wait": WAIT})
        return batch, final
    finally:
        conn.close()


async def hold_waiters(url: str, start_worker) -> dict:
    task_ids = [str(uuid.uuid4()) for _ in range(WAITERS)]
    waiters = [asyncio.create_task(start_and_wait(url, f"waiter {i}", task_id))
               for i, task_id in enumerate(task_ids)]
    plain = HttpConnection(url)
    await plain.open()
    # Plain calls while the waiters wait: each waiter's task, until every one is known.
    states = {}
    deadline = asyncio.get_running_loop().time() + 120
    while len(states) < WAITERS:
        assert asyncio.get_running_loop().time() < deadline, f"{len(states)} waiters started"
        for task_id in task_ids:
            if task_id not in states:
                reply = await plain.post(plain.request("get_result", {"task_id": task_id}))
                if "result" in reply:
                    states[task_id] = reply["result"]["state"]
                else:  # not started yet: -32004, unknown id
                    assert reply["error"]["code"] == -32004, reply
    still_waiting = sum(not waiter.done() for waiter in waiters)
    plain.close()
    await asyncio.to_thread(start_worker)
    return {"task_ids": task_ids, "states": states, "still waiting": still_waiting,
            "replies": await asyncio.gather(*waiters)}


def test_one_process_holds_hundreds_of_long_polls_and_answers_other_calls(
        web_url, celery_env, tmp_path):
    with ExitStack() as workers:
        def start_worker():
            workers.enter_context(
                celery_worker_process(celery_env, "--concurrency=2", log_dir=tmp_path))

        outcome = run_coroutine(hold_waiters(web_url, start_worker))
    # Every waiter was parked (its task known and pending) while plain calls were answered.
    assert set(outcome["states"].values()) == {"PENDING"}
    assert outcome["still waiting"] == WAITERS
    # Then each got its own task's result; the start came back in the same HTTP request.
    for i, (task_id, (batch, final)) in enumerate(zip(outcome["task_ids"], outcome["replies"],
                                                      strict=True)):
        assert min(batch, key=lambda reply: reply["id"])["result"] == {"task_id": task_id}
        assert final == {"task_id": task_id, "state": "SUCCESS", "revision": "SUCCESS:",
                         "result": f"waiter {i}", "echo": f"waiter {i}"}


def test_the_documented_production_command_is_the_one_tested():
    command = f"gunicorn -c python:flask_pyjamas.gunicorn_config '{APP}'"
    for doc in ("README.rst", "docs/flaskcelery.rst"):
        assert command in (REPO_ROOT / doc).read_text(), doc


RUN_OUT = 1000  # LONG_POLL_MAX_WAITERS, the default: the most one process holds
SHORT_WAIT = 5  # RPC_MAX_WAIT of that server: the waits run out within the test
LATE = 1.0  # s past RPC_MAX_WAIT by which every answer is in (issue 18)


async def waits_that_run_out(url: str, task_ids: list[str]) -> list[float]:
    """One connection per task, each ``get_result(wait=RPC_MAX_WAIT)`` sent at once; the
    seconds from each request's send to its answer."""
    connections = [HttpConnection(url) for _ in task_ids]
    await asyncio.gather(*(conn.open() for conn in connections))
    loop = asyncio.get_running_loop()

    async def wait(conn, task_id):
        sent = loop.time()
        result = await conn.call("get_result", {"task_id": task_id, "wait": SHORT_WAIT})
        assert result["state"] == "PENDING", result  # no worker: ran out, not done
        return loop.time() - sent

    try:
        return await asyncio.gather(*(wait(c, t) for c, t in zip(connections, task_ids,
                                                                  strict=True)))
    finally:
        for conn in connections:
            conn.close()


async def start_tasks(url: str, count: int) -> list[str]:
    conn = HttpConnection(url)
    await conn.open()
    try:
        task_ids = []
        for first in range(0, count, 10):  # RPC_MAX_TASKS per request
            batch = [conn.request("echo", {"text": "x", "countdown": 3600})
                     for _ in range(first, min(first + 10, count))]
            replies = await conn.post(batch)
            assert all("result" in reply for reply in replies), replies
            task_ids += [reply["result"]["task_id"] for reply in replies]
        return task_ids
    finally:
        conn.close()


def test_a_thousand_waits_that_run_out_together_answer_by_max_wait_plus_a_second(tmp_path):
    # An instance folder of its own (embedded broker and results): the thousand tasks left
    # queued must not reach the workers of other tests.
    port = free_port()
    env = {**clean_env(FLASKCELERY_INSTANCE=str(tmp_path / "instance")),
           **ONE_ADDRESS_MANY_CLIENTS, "RPC_MAX_WAIT": str(SHORT_WAIT),
           "RPC_MAX_WAITS_PER_CLIENT": str(RUN_OUT), "RPC_TASKS_PER_MINUTE": str(2 * RUN_OUT),
           "RPC_MAX_QUEUED_TASKS": str(10 * RUN_OUT)}
    with running([GUNICORN, "-c", "python:flask_pyjamas.gunicorn_config",
                  "--bind", f"127.0.0.1:{port}", APP],
                 port=port, env=env, log_path=tmp_path / "web.log", timeout=60) as web:
        url = f"http://127.0.0.1:{port}/json_celery_class"
        task_ids = run_coroutine(start_tasks(url, RUN_OUT))
        took = run_coroutine(waits_that_run_out(url, task_ids))
        assert web.poll() is None, read_log(tmp_path / "web.log")
    took.sort()
    assert took[0] >= SHORT_WAIT - 0.05, took[:5]  # each ran its wait out
    assert took[-1] <= SHORT_WAIT + LATE, [f"{s:.2f}" for s in took[::50]]  # 20 quantiles
