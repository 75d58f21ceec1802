"""Results expire as ``CELERY_RESULT_EXPIRES`` says, on both backends, with real workers:
SQLite (the embedded setup: the worker's cleanup deletes them) and Redis (its own TTL). An
expired id answers -32004, like one never issued."""

from contextlib import suppress

import pytest
import redis

from flask_pyjamas.tasks.methods import UNKNOWN_TASK
from flaskcelery.flask_source.FlaskEchoApp import create_app
from tests.support.held_tasks import final_replies, start_tasks
from tests.support.rpc import rpc
from tests.support.services import app_config
from tests.support.waiting import WaitTimeout, wait_for

pytestmark = pytest.mark.slow

EXPIRES = 2  # seconds; the worker's cleanup runs every second (flask_pyjamas.tasks.result_expiry)


def wait_until_unknown(client, task_id: str, timeout: float) -> dict:
    """Poll ``get_result`` until it answers an error, or ``timeout`` s: the last reply."""
    last = {}

    def unknown():
        last["reply"] = rpc(client, "get_result", [task_id])
        return "error" in last["reply"]

    with suppress(WaitTimeout):  # past the timeout, the last reply: the caller asserts on it
        wait_for(unknown, timeout, f"{task_id} to be unknown")
    return last["reply"]


def test_sqlite_results_expire(embedded_env, celery_worker, tmp_path):
    # A folder of its own: this worker deletes every result older than two seconds.
    env = {**embedded_env, "FLASKCELERY_INSTANCE": str(tmp_path / "instance"),
           "CELERY_RESULT_EXPIRES": str(EXPIRES)}
    client = create_app(app_config(env)).test_client()
    celery_worker(env, "--concurrency=1")
    [task_id] = start_tasks(client, [("echo", ["soon gone", 0])])
    assert final_replies(client, [task_id], timeout=60)[task_id]["echo"] == "soon gone"
    reply = wait_until_unknown(client, task_id, timeout=EXPIRES + 30)
    assert reply["error"]["code"] == UNKNOWN_TASK, reply


@pytest.mark.rabbitmq
def test_redis_results_expire(rabbitmq_env, redis_server, celery_worker):
    env = {**rabbitmq_env, "CELERY_RESULT_EXPIRES": str(EXPIRES)}
    client = create_app(app_config(env)).test_client()
    celery_worker(env, "--concurrency=1")
    [task_id] = start_tasks(client, [("echo", ["soon gone", 0])])
    # "result": the echo alias needs the task's issued record, which may expire first (2 s)
    assert final_replies(client, [task_id], timeout=60)[task_id]["result"] == "soon gone"
    ttl = redis.Redis.from_url(redis_server.url).ttl(f"celery-task-meta-{task_id}")
    assert 0 < ttl <= EXPIRES  # Redis expires it by itself
    reply = wait_until_unknown(client, task_id, timeout=EXPIRES + 30)
    assert reply["error"]["code"] == UNKNOWN_TASK, reply
