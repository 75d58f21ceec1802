"""Hundreds of long-polls held by one server process, the documented production setup.

gunicorn runs ``-c python:flask_pyjamas.gunicorn_config`` (one gthread worker process), on the
embedded broker (the watcher polls SQLite) and on RabbitMQ + Redis (it listens to Redis). Each
waiter sends start and long-poll in one batch, with an id of its own choosing. No worker runs
until every waiter waits, so none can be answered early: meanwhile plain calls on another
connection are answered. Then a real worker starts, and every waiter gets its own result.
"""

import asyncio
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.support.aio_rpc import HttpConnection, run_coroutine
from tests.support.processes import PYTHON, REPO_ROOT, free_port, read_log, running
from tests.support.services import celery_worker_process

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
