"""A user's own task, as the docs say to add one: ``flaskcelery/`` copied away under another
name, a plain Celery task with ``update_state`` progress added to its ``celery_tasks.py`` and
one line each in ``celery_views.py`` (``celery_methods.task(...)``), nothing changed in the
library. Driven over HTTP against ``manage_celery.py runserver`` and ``celeryd`` started from
the copy (embedded broker, in the copy's own instance folder).

And two copies side by side under different names: each has its own instance folder, so a
task sent to one is never run by the other's worker.
"""

import shutil
import uuid
from pathlib import Path

import pytest
from celery import shared_task

from flask_pyjamas import CeleryMethods
from tests.integration.test_copy_away import user_env
from tests.support.processes import PYTHON, REPO_ROOT, free_port, running
from tests.support.rpc import RpcClient
from tests.support.services import CeleryWorker, wait_until_ready
from tests.support.waiting import WaitTimeout, wait_for

MAX_TASKS, MAX_HEAVY = 3, 2

# What the user adds to celery_tasks.py: plain Celery, Celery's own progress reports.
USER_TASK = '''

import time


@shared_task(bind=True)
def slow_steps(self, steps: int, pause: float = 0.05) -> str:
    """Count to ``steps``, pausing ``pause`` seconds at each, reporting progress."""
    for done in range(1, steps + 1):
        time.sleep(pause)
        self.update_state(state="PROGRESS", meta={"current": done, "total": steps})
    return f"{steps} steps"
'''
# ... and to celery_views.py: one line per method.
USER_REGISTRATION = '''
celery_methods.task(celery_tasks.slow_steps)
celery_methods.task(celery_tasks.slow_steps, name="heavy_steps", heavy=True)
'''
LONG = {"steps": 2000, "pause": 0.05}  # 100 s: cancelled long before its end

# The namespace of the cancel records' ids before they got an id space of their own.
OLD_CANCEL_NAMESPACE = uuid.UUID("6f1d2c4e-8a3b-4c5d-9e7f-0a1b2c3d4e5f")


def copy_as(name: str, folder: Path) -> Path:
    """``flaskcelery/`` copied into ``folder`` as ``name``, as a user would."""
    folder.mkdir(exist_ok=True)
    copy = folder / name
    shutil.copytree(REPO_ROOT / "flaskcelery", copy,
                    ignore=shutil.ignore_patterns("output", "__pycache__", ".build.*"))
    return copy


def add_user_task(copy: Path) -> None:
    source = copy / "flask_source"
    with open(source / "celery_tasks.py", "a") as tasks:
        tasks.write(USER_TASK)
    with open(source / "celery_views.py", "a") as views:
        views.write(USER_REGISTRATION)


class Server:
    """A copy's ``runserver`` and (once started) ``celeryd``, and a JSON-RPC client."""

    def __init__(self, copy: Path, stack, logs: Path):
        self.copy, self.stack, self.logs = copy, stack, logs
        self.env = user_env(ECHO_COUNTDOWN="0", RPC_MAX_TASKS=str(MAX_TASKS),
                            RPC_MAX_HEAVY_TASKS=str(MAX_HEAVY))
        port = free_port()
        stack.enter_context(running(
            [PYTHON, "manage_celery.py", "runserver", "--port", port], cwd=self.source,
            env=self.env, port=port, log_path=logs / f"{copy.name}-runserver.log"))
        self.client = stack.enter_context(RpcClient(f"http://127.0.0.1:{port}/json_celery_class"))
        self.worker = None

    @property
    def source(self) -> Path:
        return self.copy / "flask_source"

    def start_worker(self) -> CeleryWorker:
        name = f"{self.copy.name}@%h"
        log_path = self.logs / f"{self.copy.name}-celeryd.log"
        proc = self.stack.enter_context(running(
            [PYTHON, "manage_celery.py", "celeryd", "--loglevel=INFO", "--concurrency=4",
             "-n", name], cwd=self.source, env=self.env, log_path=log_path))
        self.worker = CeleryWorker(proc, name, log_path)
        wait_until_ready(self.worker)
        return self.worker

    def call(self, method: str, **params) -> dict:
        """One call: its whole reply (``result`` or ``error``)."""
        return self.client.post(self.client.request(method, params))

    def result(self, method: str, **params):
        reply = self.call(method, **params)
        assert "result" in reply, reply
        return reply["result"]

    def batch(self, *calls: tuple[str, dict]) -> list[dict]:
        """One HTTP request; the replies in the order of the calls."""
        requests = [self.client.request(method, params) for method, params in calls]
        replies = {reply["id"]: reply for reply in self.client.post(requests)}
        return [replies[request["id"]] for request in requests]


def until(condition, what: str, timeout: float = 60.0):
    """``condition()``'s first true value (:func:`wait_for`); fails after ``timeout`` s."""
    try:
        return wait_for(condition, timeout, what)
    except WaitTimeout:
        raise WaitTimeout(f"{what}: not within {timeout} s") from None


@pytest.fixture(scope="module")
def side(tmp_path_factory) -> Path:
    """The folder the copies sit in, side by side."""
    return tmp_path_factory.mktemp("side")


@pytest.fixture(scope="module")
def server(side, tmp_path_factory):
    from contextlib import ExitStack

    copy = copy_as("pitask", side)
    add_user_task(copy)
    with ExitStack() as stack:
        server = Server(copy, stack, tmp_path_factory.mktemp("logs"))
        server.start_worker()
        yield server


def test_the_copy_keeps_its_queue_and_results_in_a_folder_named_after_it(server, side):
    assert (side / "instance" / "pitask" / "results.sqlite").is_file()
    assert (side / "instance" / "pitask" / "broker").is_dir()
    assert not (side / "instance" / "flaskcelery").exists()


def test_rpc_discover_lists_the_task_with_its_parameter_types(server):
    methods = {m["name"]: m for m in server.result("rpc.discover")["methods"]}
    assert {"slow_steps", "heavy_steps", "echo", "count_primes", "get_result",
            "cancel"} <= set(methods)
    assert methods["slow_steps"]["params"] == [
        {"name": "steps", "schema": {"type": "integer"}, "required": True},
        {"name": "pause", "schema": {"type": "number"}, "required": False},
        {"name": "wait", "schema": {"type": "number"}, "required": False},
        {"name": "task_id", "schema": {"type": ["string", "null"]}, "required": False},
    ]
    assert methods["slow_steps"]["summary"] == (
        "Count to ``steps``, pausing ``pause`` seconds at each, reporting progress.")


def test_start_then_progress_then_the_result(server):
    task_id = server.result("slow_steps", steps=20, pause=0.05)["task_id"]
    seen = []

    def finished():
        seen.append(server.result("get_result", task_id=task_id))
        return seen[-1]["state"] == "SUCCESS"

    until(finished, "slow_steps(20) done")
    progress = [reply["progress"] for reply in seen if reply["state"] == "PROGRESS"]
    assert progress, seen
    assert all(p["total"] == 20 and 1 <= p["current"] <= 20 for p in progress)
    assert len({reply["revision"] for reply in seen if reply["state"] == "PROGRESS"}) == \
        len({p["current"] for p in progress})  # a new revision for each new progress
    assert seen[-1] == {"task_id": task_id, "state": "SUCCESS", "revision": "SUCCESS:",
                        "result": "20 steps"}  # no "echo": that is the echo tasks' alias


def test_the_one_request_path(server):
    reply = server.result("slow_steps", steps=2, pause=0.01, wait=20)
    assert reply == {"task_id": reply["task_id"], "state": "SUCCESS", "revision": "SUCCESS:",
                     "result": "2 steps"}


def test_a_batch_with_a_client_chosen_id(server):
    task_id = str(uuid.uuid4())
    started, done = server.batch(
        ("slow_steps", {"steps": 1, "pause": 0, "task_id": task_id}),
        ("get_result", {"task_id": task_id, "wait": 20, "bogus": "blue"}))
    assert started["result"] == {"task_id": task_id}
    assert done["result"]["result"] == "1 steps"
    again = server.call("slow_steps", steps=1, task_id=task_id)
    assert again["error"]["code"] == -32602  # an id in use is never taken twice


def worker_dropped(server: Server, task_id: str) -> str | None:
    """The worker's log line saying it stopped ``task_id`` as cancelled (``Ignore``)."""
    for line in server.worker.log().splitlines():
        if task_id in line and "ignored" in line:
            return line
    return None


def cancel_running(server: Server, task_id: str) -> None:
    """Cancel a running task; wait until the worker has stopped it."""
    until(lambda: server.result("get_result", task_id=task_id)["state"] == "PROGRESS",
          "the task reports progress")
    assert server.result("cancel", task_id=task_id) == {"task_id": task_id, "state": "REVOKED"}
    until(lambda: worker_dropped(server, task_id), "the worker stopped the task")


def test_cancel_stops_a_running_task(server):
    task_id = server.result("slow_steps", **LONG)["task_id"]
    cancel_running(server, task_id)
    assert server.result("get_result", task_id=task_id)["state"] == "REVOKED"
    log = server.worker.log()
    assert not [line for line in log.splitlines() if task_id in line and "succeeded" in line]


@pytest.mark.parametrize("params", [
    {"steps": "many"}, {"steps": 1.5}, {"steps": True}, {"steps": 3, "pause": "long"},
    {"steps": 3, "wait": "soon"}, {"steps": 3, "task_id": "not-a-uuid"}, {},
    {"steps": 3, "stpes": 4},
])
def test_a_wrong_parameter_is_invalid_params_and_starts_nothing(server, params):
    reply = server.call("slow_steps", **params)
    assert reply["error"]["code"] == -32602, reply


def test_the_per_request_task_limit_at_its_edge(server):
    at_limit = server.batch(*[("slow_steps", {"steps": 1, "pause": 0})] * MAX_TASKS)
    assert all("result" in reply for reply in at_limit), at_limit
    past = server.batch(*[("slow_steps", {"steps": 1, "pause": 0})] * (MAX_TASKS + 1))
    assert all("result" in reply for reply in past[:MAX_TASKS]), past
    assert past[MAX_TASKS]["error"]["code"] == -32005
    assert past[MAX_TASKS]["error"]["data"] == {"max_tasks": MAX_TASKS}


def test_the_heavy_task_limit_at_its_edge(server):
    held = [server.result("heavy_steps", **LONG)["task_id"] for _ in range(MAX_HEAVY)]
    try:
        refused = server.call("heavy_steps", **LONG)
        assert refused["error"]["code"] == -32006
        assert refused["error"]["data"] == {"max_heavy_tasks": MAX_HEAVY}
        assert server.call("slow_steps", steps=1, pause=0)["result"]  # not heavy: not limited
        cancel_running(server, held.pop())
        held.append(server.result("heavy_steps", **LONG)["task_id"])  # its slot is free
    finally:
        for task_id in held:
            server.call("cancel", task_id=task_id)


def test_a_cancel_never_frees_another_tasks_slot(server):
    """Issue 18's attack: a client-chosen id derived from another's no longer reaches a
    record of it; the heavy tasks keep their slots, and each can still be cancelled."""
    echo_id = str(uuid.uuid4())
    derived = str(uuid.uuid5(OLD_CANCEL_NAMESPACE, echo_id))
    echo, derived_heavy, cancel = server.batch(
        ("echo", {"text": "held", "countdown": 3600, "task_id": echo_id}),
        ("heavy_steps", {**LONG, "task_id": derived}),
        ("cancel", {"task_id": echo_id}))
    assert echo["result"] == {"task_id": echo_id}
    assert derived_heavy["error"]["code"] == -32602  # not a random UUID
    assert cancel["result"] == {"task_id": echo_id, "state": "REVOKED"}
    # Both slots taken by heavy tasks of random ids; cancelling anything else frees neither.
    held = []

    def take_a_slot() -> bool:
        # (the module's server is shared: an earlier test's cancelled heavy task may hold its
        # slot a moment longer, until its worker has stopped it)
        task_id = str(uuid.uuid4())
        reply = server.call("heavy_steps", **LONG, task_id=task_id)
        if reply.get("error", {}).get("code") == -32006:
            return False
        assert reply["result"] == {"task_id": task_id}, reply
        held.append(task_id)
        return True

    try:
        for _ in range(MAX_HEAVY):
            wait_for(take_a_slot, 60, "a free heavy-task slot")
        others = [server.result("echo", text="x", countdown=3600)["task_id"] for _ in range(2)]
        for task_id in others:
            assert server.result("cancel", task_id=task_id)["state"] == "REVOKED"
        assert server.call("heavy_steps", **LONG)["error"]["code"] == -32006
        cancel_running(server, held[0])  # and each heavy task can still be cancelled
        assert server.result("get_result", task_id=held[0])["state"] == "REVOKED"
    finally:
        for task_id in held:
            server.call("cancel", task_id=task_id)


def test_two_copies_side_by_side_never_share_a_queue(server, side, tmp_path):
    from contextlib import ExitStack

    other_copy = copy_as("apptwo", side)
    with ExitStack() as stack:
        other = Server(other_copy, stack, tmp_path)
        waiting = other.result("echo", text="for apptwo", countdown=0)["task_id"]
        # pitask's worker runs pitask's tasks, and would have taken apptwo's, sent first
        mine = server.result("echo", text="for pitask", countdown=0, wait=20)
        assert mine["result"] == "for pitask"
        assert other.result("get_result", task_id=waiting)["state"] == "PENDING"
        assert waiting not in server.worker.log()
        other.start_worker()
        done = other.result("get_result", task_id=waiting, wait=20)
        assert done["result"] == done["echo"] == "for apptwo"
        assert mine["task_id"] not in other.worker.log()
    assert (side / "instance" / "apptwo" / "results.sqlite").is_file()


# --- the registration API, in one process (no worker needed) ---------------------------------

def test_task_works_as_a_decorator_on_top_of_shared_task():
    methods = CeleryMethods(title="decorators")

    @methods.task
    @shared_task(name="tests.decorated_plain")
    def decorated_plain(a: str, b: int = 2) -> str:
        return a * b

    @methods.task(heavy=True, name="renamed")
    @shared_task(bind=True, name="tests.decorated_bound")
    def decorated_bound(self, *, samples: int) -> int:
        return samples

    assert decorated_plain("x") == "xx"  # the task itself, unchanged
    document = {m["name"]: m for m in methods.openrpc()["methods"]}
    assert [p["name"] for p in document["decorated_plain"]["params"]] == \
        ["a", "b", "wait", "task_id"]
    assert [p["name"] for p in document["renamed"]["params"]] == \
        ["samples", "wait", "task_id"]
    assert "busy (-32006)" in document["renamed"]["description"]


def test_a_task_parameter_named_like_a_start_parameter_is_refused():
    @shared_task(name="tests.clash")
    def clash(wait: int) -> int:
        return wait

    with pytest.raises(ValueError, match="wait"):
        CeleryMethods().task(clash)
