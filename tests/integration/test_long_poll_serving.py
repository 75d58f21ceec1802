"""Long-polls served over HTTP by real servers: the production gunicorn command and
``manage_celery.py runserver``, on the embedded broker and SQLite results.

* the waits of one batch run side by side;
* a stopped server (SIGTERM; gunicorn's graceful restart, SIGHUP) answers every parked wait
  with its task's current state before it exits, instead of dropping it;
* a wait whose client closed its connection is released at once (its slot is free again);
* ``get_result(..., since_revision=R)`` answers as soon as the task's progress moves.

No Celery worker runs where none is needed: a task nobody runs stays ``PENDING``, so a wait
for it can only end by its timeout, a release, or a stop. "Parked" is seen from outside:
with ``LONG_POLL_MAX_WAITERS`` = N, the next long-poll is refused (-32007) once N are held.
"""

import os
import signal
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.processes import PYTHON, read_log, running
from tests.support.rpc import RpcClient, request_object
from tests.support.services import MANAGE_CELERY
from tests.support.waiting import WaitTimeout, wait_for

GUNICORN = Path(PYTHON).with_name("gunicorn")
APP = "flaskcelery.flask_source.FlaskEchoApp:create_app()"
PATH = "/json_celery_class"
HELD = 3  # LONG_POLL_MAX_WAITERS of the servers here
WAIT = 25  # s: a parked wait's own end, far past anything the tests wait for


@contextmanager
def server(kind: str, env: dict, tmp_path, port: int, **settings):
    env = {**env, "LONG_POLL_MAX_WAITERS": str(HELD), **settings}
    if kind == "gunicorn":
        args = [GUNICORN, "-c", "python:flask_pyjamas.gunicorn_config",
                "--bind", f"127.0.0.1:{port}", APP]
    else:
        args = [PYTHON, MANAGE_CELERY, "runserver", "--port", port]
    log = tmp_path / f"{kind}.log"
    with running(args, port=port, env=env, log_path=log, timeout=60) as proc:
        proc.log = log
        yield f"http://127.0.0.1:{port}{PATH}", proc


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pending_task(url: str) -> str:
    """A task nobody runs: an echo with an hour's countdown (no worker is started)."""
    with RpcClient(url) as client:
        return client.call("echo", text="held", countdown=3600)["task_id"]


class ParkedWait(threading.Thread):
    """``get_result(task_id, wait)`` on a connection of its own; records when it was answered."""

    def __init__(self, url: str, task_id: str, wait: float = WAIT):
        super().__init__(daemon=True)
        self.client = RpcClient(url, timeout=WAIT + 30)
        self.task_id, self.wait = task_id, wait
        self.reply = self.answered = self.sent = None

    def run(self):
        self.sent = time.monotonic()
        try:
            self.reply = self.client.post(request_object(
                "get_result", {"task_id": self.task_id, "wait": self.wait}))
        except Exception as exc:  # the connection dropped: no answer
            self.reply = exc
        self.answered = time.monotonic()


def refused_wait(url: str) -> bool:
    """True if a long-poll is refused now (-32007): every slot is held."""
    with RpcClient(url) as client:
        reply = client.post(request_object("get_result",
                                           {"task_id": pending_task(url), "wait": 0.2}))
    return "error" in reply and reply["error"]["code"] == -32007


def until(condition, timeout: float, what: str) -> None:
    try:
        wait_for(condition, timeout, what)
    except WaitTimeout:
        raise WaitTimeout(f"timed out waiting for {what}") from None


def park_all(url: str) -> list[ParkedWait]:
    task_ids = [pending_task(url) for _ in range(HELD)]
    waits = [ParkedWait(url, task_id) for task_id in task_ids]
    for wait in waits:
        wait.start()
    until(lambda: refused_wait(url), 30, "every slot held by a parked wait")
    return waits


def assert_answered_pending_early(waits: list[ParkedWait]) -> None:
    for wait in waits:
        wait.join(WAIT + 30)
        assert isinstance(wait.reply, dict), wait.reply
        assert wait.reply["result"] == {"task_id": wait.task_id, "state": "PENDING",
                                        "revision": "SENT:"}
        # Answered by the stop, not by its wait running out.
        assert wait.answered - wait.sent < wait.wait


# --- the waits of a batch --------------------------------------------------------------------

def test_the_waits_of_a_batch_run_side_by_side(embedded_env, tmp_path):
    waits, wait = 5, 2.0
    with server("gunicorn", embedded_env, tmp_path, free_port(),
                LONG_POLL_MAX_WAITERS="10") as (url, _):
        task_ids = [pending_task(url) for _ in range(waits)]
        with RpcClient(url) as client:
            batch = [client.request("get_result", {"task_id": task_id, "wait": wait})
                     for task_id in task_ids]
            started = time.monotonic()
            replies = client.post(batch)
            took = time.monotonic() - started
    assert [reply["result"] for reply in replies] == [
        {"task_id": task_id, "state": "PENDING", "revision": "SENT:"} for task_id in task_ids]
    # One after the other, the waits would take waits × wait at the least (each ran out).
    assert wait <= took < waits * wait


def test_a_start_and_its_wait_in_one_batch_still_run_in_order(embedded_env, tmp_path):
    with server("gunicorn", embedded_env, tmp_path, free_port()) as (url, _):
        task_id = str(uuid.uuid4())
        with RpcClient(url) as client:
            start, wait = client.post([
                client.request("echo", {"text": "x", "countdown": 3600, "task_id": task_id}),
                client.request("get_result", {"task_id": task_id, "wait": 0.5})])
    assert start["result"] == {"task_id": task_id}
    assert wait["result"] == {"task_id": task_id, "state": "PENDING", "revision": "SENT:"}


# --- a stopped server answers its parked waits ------------------------------------------------

@pytest.mark.parametrize("kind", ["gunicorn", "runserver"])
def test_sigterm_answers_every_parked_wait_before_the_server_exits(kind, embedded_env,
                                                                   tmp_path):
    with server(kind, embedded_env, tmp_path, free_port()) as (url, proc):
        waits = park_all(url)
        os.kill(proc.pid, signal.SIGTERM)
        assert_answered_pending_early(waits)
        assert proc.wait(30) == 0, read_log(proc.log)


def test_a_graceful_gunicorn_restart_answers_the_old_workers_parked_waits(embedded_env,
                                                                          tmp_path):
    with server("gunicorn", embedded_env, tmp_path, free_port()) as (url, proc):
        waits = park_all(url)
        os.kill(proc.pid, signal.SIGHUP)  # new workers, the old ones stop gracefully
        assert_answered_pending_early(waits)
        assert proc.poll() is None
        with RpcClient(url) as client:  # the new worker serves
            assert client.call("get_result", task_id=waits[0].task_id)["state"] == "PENDING"


# --- a client that goes away ------------------------------------------------------------------

def test_a_wait_whose_client_closed_its_connection_is_released(embedded_env, tmp_path):
    with server("gunicorn", embedded_env, tmp_path, free_port()) as (url, _):
        waits = park_all(url)
        assert refused_wait(url)
        for wait in waits:
            wait.client.conn.sock.shutdown(socket.SHUT_RDWR)  # the page was closed
        # Their slots are free long before their waits (25 s) would have ended.
        until(lambda: not refused_wait(url), WAIT / 2, "the closed clients' slots freed")
