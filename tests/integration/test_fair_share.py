"""Fair share between clients, over HTTP: the production gunicorn command, on the embedded
broker (counts in SQLite tables) and on RabbitMQ + Redis (counts in Redis, by Lua scripts).

A first client (127.0.0.1) exhausts each per-client limit in turn; a second client, on
another loopback address (127.0.0.2), is never refused meanwhile. The cluster-wide queue
bound refuses everyone. A queued task stops counting when it is cancelled or when a worker
starts it. Behind a trusted proxy, the client is the address the proxy forwards.
"""

import http.client
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from tests.support.processes import PYTHON, free_port, read_log, running
from tests.support.rpc import RpcClient, request_object

GUNICORN = Path(PYTHON).with_name("gunicorn")
APP = "flaskcelery.flask_source.FlaskEchoApp:create_app()"
HOUR = 3600  # countdown of a task that stays queued for the test


@pytest.fixture
def env(celery_env, tmp_path) -> dict:
    """``celery_env`` with no queued task counted yet: on the embedded stack a fresh instance
    folder, on Redis the fair-share keys deleted."""
    if celery_env.get("FLASKCELERY_INSTANCE"):
        return {**celery_env, "FLASKCELERY_INSTANCE": str(tmp_path / "instance")}
    backend = redis.Redis.from_url(celery_env["CELERY_RESULT_BACKEND"])
    for key in backend.scan_iter("flask-pyjamas-fair-*"):
        backend.delete(key)
    return celery_env


@contextmanager
def web(env: dict, tmp_path, **settings):
    port = free_port()
    log = tmp_path / f"web-{port}.log"
    env = {**env, **{name: str(value) for name, value in settings.items()}}
    with running([GUNICORN, "-c", "python:flask_pyjamas.gunicorn_config",
                  "--bind", f"127.0.0.1:{port}", APP],
                 port=port, env=env, log_path=log, timeout=60) as proc:
        yield f"http://127.0.0.1:{port}/json_celery_class"
        assert proc.poll() is None, read_log(log)


def client(url: str, address: str = "127.0.0.1", forwarded_for: str | None = None):
    """An RpcClient whose connection comes from ``address`` (a loopback address of its own)."""
    rpc = RpcClient(url)
    rpc.conn = http.client.HTTPConnection(rpc.conn.host, rpc.conn.port, timeout=60,
                                          source_address=(address, 0))
    if forwarded_for:
        rpc.headers["X-Forwarded-For"] = forwarded_for
    return rpc


def start(rpc, text: str = "x", countdown: float = HOUR) -> dict:
    """``echo(text, countdown)``: the reply (a result or an error)."""
    return rpc.post(rpc.request("echo", {"text": text, "countdown": countdown}))


def refused(reply: dict, code: int = -32006) -> dict:
    assert "error" in reply, reply
    error = reply["error"]
    assert error["code"] == code and error["data"]["retry_after"] >= 1, error
    return error["data"]


def test_tasks_per_minute(env, tmp_path):
    limit = 5
    with web(env, tmp_path, RPC_TASKS_PER_MINUTE=limit) as url, \
         client(url) as first, client(url, "127.0.0.2") as second:
        replies = []
        while not replies or "result" in replies[-1]:
            replies.append(start(first))
            # A minute's window may turn once while the test runs: twice the limit at most.
            assert len(replies) <= 2 * limit + 1
        data = refused(replies[-1])
        assert data["limit"] == "RPC_TASKS_PER_MINUTE" and data["retry_after"] <= 60
        for _ in range(limit - 1):
            assert "result" in start(second)  # the other client is not refused


def test_queued_bytes_per_client_and_their_release_on_cancel(env, tmp_path):
    text = "x" * 4000  # each task's arguments are a little more than 4,000 bytes of JSON
    with web(env, tmp_path, RPC_QUEUED_BYTES_PER_CLIENT=10_000) as url, \
         client(url) as first, client(url, "127.0.0.2") as second:
        queued = [start(first, text)["result"]["task_id"] for _ in range(2)]
        assert refused(start(first, text))["limit"] == "RPC_QUEUED_BYTES_PER_CLIENT"
        assert "result" in start(second, text) and "result" in start(second, text)
        first.call("cancel", queued[0])  # a cancelled task no longer counts
        assert "result" in start(first, text)


def test_queued_bytes_are_released_when_a_worker_starts_the_task(env, tmp_path,
                                                                 celery_worker):
    text = "y" * 4000
    with web(env, tmp_path, RPC_QUEUED_BYTES_PER_CLIENT=10_000) as url, \
         client(url) as first:
        held = [start(first, text)["result"]["task_id"] for _ in range(2)]
        assert refused(start(first, text))["limit"] == "RPC_QUEUED_BYTES_PER_CLIENT"
        for task_id in held:  # they go: to a worker, now
            first.call("cancel", task_id)
        now = [start(first, text, countdown=0)["result"]["task_id"] for _ in range(2)]
        assert refused(start(first, text))["limit"] == "RPC_QUEUED_BYTES_PER_CLIENT"
        celery_worker(env, "--concurrency=1")
        for task_id in now:
            assert first.call("get_result", task_id=task_id, wait=20)["state"] == "SUCCESS"
        assert "result" in start(first, text)  # started tasks no longer count


def test_the_cluster_queue_bound_refuses_every_client(env, tmp_path):
    with web(env, tmp_path, RPC_MAX_QUEUED_TASKS=3) as url, \
         client(url) as first, client(url, "127.0.0.2") as second:
        for _ in range(3):
            assert "result" in start(first)
        assert refused(start(first))["limit"] == "RPC_MAX_QUEUED_TASKS"
        assert refused(start(second))["limit"] == "RPC_MAX_QUEUED_TASKS"


def test_long_polls_per_client(env, tmp_path):
    with web(env, tmp_path, RPC_MAX_WAITS_PER_CLIENT=2) as url, \
         client(url) as first, client(url, "127.0.0.2") as second:
        task_id = start(first)["result"]["task_id"]
        holders = [client(url) for _ in range(2)]

        def hold(rpc):  # refused while the probe below holds a slot: again, until it waits
            hold_wait = request_object("get_result", {"task_id": task_id, "wait": 25})
            while "error" in rpc.post(hold_wait):
                pass

        threads = [threading.Thread(target=hold, args=(rpc,), daemon=True) for rpc in holders]
        for thread in threads:
            thread.start()
        wait = request_object("get_result", {"task_id": task_id, "wait": 0.2})

        def first_refused():
            reply = first.post(wait)
            return "error" in reply and reply["error"]["code"] == -32007

        deadline = 50
        while not first_refused():  # until both holders are parked
            deadline -= 1
            assert deadline, "the first client's long-polls were never all held"
        data = refused(first.post(wait), code=-32007)
        assert data["max_waiters_per_client"] == 2 and data["retry_after"] <= 25
        assert second.post(wait)["result"]["state"] == "PENDING"  # the other one waits
        for rpc in holders:
            rpc.close()


@pytest.mark.parametrize("trusted", [0, 1])
def test_behind_a_trusted_proxy_the_client_is_the_forwarded_address(trusted, env,
                                                                     tmp_path):
    with web(env, tmp_path, RPC_TASKS_PER_MINUTE=2, RPC_TRUSTED_PROXIES=trusted) \
            as url, client(url, forwarded_for="10.0.0.1") as first, \
            client(url, forwarded_for="10.0.0.2") as second:
        assert "result" in start(first) and "result" in start(first)
        reply = start(second)
        if trusted:  # two clients behind one proxy
            assert "result" in reply
        else:  # the header is anyone's to send: one client, 127.0.0.1
            assert refused(reply)["limit"] == "RPC_TASKS_PER_MINUTE"


def test_a_refused_start_sends_nothing(env, tmp_path):
    with web(env, tmp_path, RPC_MAX_QUEUED_TASKS=1) as url, client(url) as first:
        assert "result" in start(first)
        task_id = str(uuid.uuid4())
        reply = first.post(first.request("echo", {"text": "x", "countdown": HOUR,
                                                  "task_id": task_id}))
        refused(reply)
        unknown = first.post(first.request("get_result", {"task_id": task_id}))
        assert unknown["error"]["code"] == -32004  # never recorded, never sent
