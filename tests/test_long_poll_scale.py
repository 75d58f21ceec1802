"""Hundreds of long-polls held by one server process, the documented production setup.

gunicorn runs ``-c python:flask_pyjamas.gunicorn_config`` (one gthread worker process) with a
real Celery worker, on the embedded broker (the watcher polls SQLite) and on RabbitMQ + Redis
(it listens to Redis). Each waiter sends start and long-poll in one batch, with an id of its
own choosing; while all of them wait, plain calls on another connection are answered; then
every waiter gets its own result.
"""

import asyncio
import uuid
from pathlib import Path

import pytest

from tests.support.aio_rpc import HttpConnection
from tests.support.processes import PYTHON, REPO_ROOT, free_port, read_log, running
from tests.support.services import celery_worker_process

WAITERS = 300
# s: every waiter is parked, and the plain calls done, long before (the embedded broker
# records a task in SQLite in milliseconds: hundreds of starts take seconds)
COUNTDOWN = 18.0
GUNICORN = Path(PYTHON).with_name("gunicorn")
APP = "flaskcelery.flask_source.FlaskEchoApp:create_app()"


@pytest.fixture(scope="module")
def web_url(celery_env, tmp_path_factory):
    """The production gunicorn command on a free port, with a Celery worker beside it."""
    logs = tmp_path_factory.mktemp("long-poll-scale")
    port = free_port()
    with celery_worker_process(celery_env, "--concurrency=2", log_dir=logs), \
         running([GUNICORN, "-c", "python:flask_pyjamas.gunicorn_config",
                  "--bind", f"127.0.0.1:{port}", APP],
                 port=port, env=celery_env, log_path=logs / "web.log", timeout=60) as web:
        yield f"http://127.0.0.1:{port}/json_celery_class"
        assert web.poll() is None, read_log(logs / "web.log")


async def start_and_wait(url: str, text: str, task_id: str) -> list[dict]:
    """One HTTP request: ``echo`` with a client-chosen id, then ``get_result(wait=25)``."""
    conn = HttpConnection(url)
    await conn.open()
    try:
        return await conn.post([
            conn.request("echo", {"text": text, "countdown": COUNTDOWN, "task_id": task_id}),
            conn.request("get_result", {"task_id": task_id, "wait": 25}),
        ])
    finally:
        conn.close()


async def hold_waiters(url: str) -> dict:
    task_ids = [str(uuid.uuid4()) for _ in range(WAITERS)]
    waiters = [asyncio.create_task(start_and_wait(url, f"waiter {i}", task_id))
               for i, task_id in enumerate(task_ids)]
    plain = HttpConnection(url)
    await plain.open()
    # Plain calls while the waiters wait: each waiter's task, until every one is known.
    states = {}
    deadline = asyncio.get_running_loop().time() + COUNTDOWN - 5
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
    echo = await plain.call("echo", {"text": "plain", "countdown": 0, "wait": 20})
    plain.close()
    return {"task_ids": task_ids, "states": states, "still waiting": still_waiting,
            "plain echo": echo, "replies": await asyncio.gather(*waiters)}


def test_one_process_holds_hundreds_of_long_polls_and_answers_other_calls(web_url):
    outcome = asyncio.run(hold_waiters(web_url))
    # Every waiter was parked (its task known and pending) while plain calls were answered.
    assert set(outcome["states"].values()) == {"PENDING"}
    assert outcome["still waiting"] == WAITERS
    assert outcome["plain echo"]["echo"] == "plain"
    # Then each got its own task's result, in the same HTTP request that started it.
    for i, (task_id, replies) in enumerate(zip(outcome["task_ids"], outcome["replies"],
                                               strict=True)):
        started, done = sorted(replies, key=lambda reply: reply["id"])
        assert started["result"] == {"task_id": task_id}
        assert done["result"] == {"task_id": task_id, "state": "SUCCESS",
                                  "echo": f"waiter {i}"}


def test_the_documented_production_command_is_the_one_tested():
    command = f"gunicorn -c python:flask_pyjamas.gunicorn_config '{APP}'"
    for doc in ("README.rst", "docs/flaskcelery.rst"):
        assert command in (REPO_ROOT / doc).read_text(), doc
