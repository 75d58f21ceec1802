"""``/json_celery_class`` against a real worker process: embedded broker, and RabbitMQ + Redis.

The Flask app runs in the test process (test client); the worker is a separate process
started by ``manage_celery.py celeryd``, sharing the broker and result backend.
"""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from flask_pyjamas.tasks.records import record_issued
from flaskcelery.flask_source.FlaskEchoApp import create_app
from tests.support.echo import echo_methods
from tests.support.rpc import rpc
from tests.support.services import app_config, celery_worker_process
from tests.support.waiting import WaitTimeout, wait_for

PRIMES_BELOW_2E8 = 11_078_937


@pytest.fixture(scope="module")
def worker(celery_env, tmp_path_factory):
    with celery_worker_process(celery_env, "--concurrency=2",
                               log_dir=tmp_path_factory.mktemp("workers")) as process:
        yield process


@pytest.fixture(scope="module")
def app(celery_env, worker):
    return create_app(app_config(celery_env, ECHO_COUNTDOWN=0))


@pytest.fixture
def client(app):
    return app.test_client()


def result_of(reply: dict) -> dict:
    assert "error" not in reply, reply
    return reply["result"]


def done(task_id: str, result, echo: bool = True) -> dict:
    """A SUCCESS reply: the result under "result", and under "echo" too for the echo tasks
    (the 2012 client reads it)."""
    reply = {"task_id": task_id, "state": "SUCCESS", "revision": "SUCCESS:", "result": result}
    return {**reply, "echo": result} if echo else reply


def start(client, method: str, *params, **named) -> str:
    return result_of(rpc(client, method, named or list(params)))["task_id"]


def poll_until_done(client, task_id: str, timeout: float = 60.0) -> list[dict]:
    """``get_result`` (no wait) every 20 ms until the task is done: every reply seen."""
    seen = []

    def done_now():
        reply = rpc(client, "get_result", {"task_id": task_id, "bogus": "blue"})
        seen.append(reply)
        return "error" in reply or reply["result"]["state"] in ("SUCCESS", "REVOKED")

    try:
        wait_for(done_now, timeout, f"task {task_id} to be done")
    except WaitTimeout:
        raise WaitTimeout(f"task {task_id} not done within {timeout} s: {seen[-1]}") from None
    return seen


@pytest.mark.parametrize("method", echo_methods.names())
def test_each_echo_method_runs_on_the_worker(client, method):
    task_id = start(client, method, "Hello Celery")
    final = poll_until_done(client, task_id)[-1]
    expected = echo_methods.function(method)("Hello Celery")
    assert result_of(final) == done(task_id, expected)


def test_tasks_published_at_once_all_complete(app, worker):
    """Many web threads publishing together: each task runs once, and the worker lives on
    (kombu's own filesystem transport let a worker read a half-written message and stop)."""
    def start_one(i):
        return start(app.test_client(), "echo", text=f"burst {i}", countdown=0.2)

    with ThreadPoolExecutor(max_workers=12) as pool:
        task_ids = list(pool.map(start_one, range(24)))
    client = app.test_client()
    for i, task_id in enumerate(task_ids):
        reply = result_of(rpc(client, "get_result", {"task_id": task_id, "wait": 20}))
        assert reply == done(task_id, f"burst {i}")
    assert worker.proc.poll() is None, worker.log()


def test_a_countdown_task_is_pending_then_succeeds(client):
    task_id = start(client, "echo", text="later", countdown=1)
    replies = poll_until_done(client, task_id)
    assert result_of(replies[0]) == {"task_id": task_id, "state": "PENDING",
                                     "revision": "SENT:"}
    assert result_of(replies[-1])["echo"] == "later"


def test_long_poll_answers_when_the_task_is_done(client):
    task_id = start(client, "uppercase", text="one request", countdown=0.5)
    reply = rpc(client, "get_result", {"task_id": task_id, "wait": 20})
    assert result_of(reply) == done(task_id, "ONE REQUEST")


def test_get_result_takes_a_list(client):
    task_id = start(client, "reverse", "abc")
    poll_until_done(client, task_id)
    assert result_of(rpc(client, "get_result", [task_id]))["echo"] == "cba"


def test_the_heavy_task_reports_progress(client):
    task_id = start(client, "count_primes", 2 * 10**8)
    replies = [result_of(reply) for reply in poll_until_done(client, task_id)]
    progress = [reply["progress"] for reply in replies if reply["state"] == "PROGRESS"]
    assert progress, replies
    assert all(p["total"] == 2 * 10**8 and 0 < p["current"] <= p["total"] for p in progress)
    assert [p["current"] for p in progress] == sorted(p["current"] for p in progress)
    assert replies[-1] == done(task_id, PRIMES_BELOW_2E8, echo=False)
    revisions = [reply["revision"] for reply in replies]
    assert all(revision == f"PROGRESS:{p['current']}"
               for p, revision in zip(progress, [r for r in revisions if "PROGRESS" in r],
                                      strict=True))


def wait_for_dropped(worker, task_id: str, timeout: float = 30.0) -> str:
    """Wait until the worker's log says it dropped ``task_id``: discarded on arrival (a
    revoke it heard of), or stopped as cancelled (``Ignore``). The log line."""
    def dropped():
        for line in worker.log().splitlines():
            if task_id in line and ("Discarding revoked task" in line or "ignored" in line):
                return line
        return None

    try:
        return wait_for(dropped, timeout, f"the worker to drop {task_id}")
    except WaitTimeout:
        raise WaitTimeout(f"the worker never dropped {task_id}:\n{worker.log()}") from None


def test_cancel_before_the_task_runs(client, worker):
    task_id = start(client, "echo", text="never", countdown=1)
    assert result_of(rpc(client, "cancel", [task_id])) == {"task_id": task_id, "state": "REVOKED"}
    wait_for_dropped(worker, task_id)  # its countdown over, the worker did not run it
    assert result_of(rpc(client, "get_result", [task_id])) == {
        "task_id": task_id, "state": "REVOKED", "revision": "REVOKED:"}


def test_cancel_stops_a_running_task(client, worker):
    task_id = start(client, "count_primes", 10**10)  # a minute or more of work
    try:
        wait_for(lambda: result_of(rpc(client, "get_result", [task_id]))["state"] == "PROGRESS",
                 30, "count_primes to report progress")
    except WaitTimeout:
        raise WaitTimeout("count_primes never reported progress") from None
    assert result_of(rpc(client, "cancel", {"task_id": task_id}))["state"] == "REVOKED"
    assert "ignored" in wait_for_dropped(worker, task_id)  # stopped at its next step
    assert result_of(rpc(client, "get_result", [task_id]))["state"] == "REVOKED"


def test_cancel_of_a_finished_task_keeps_its_state(client):
    task_id = start(client, "lowercase", "DONE")
    poll_until_done(client, task_id)
    assert result_of(rpc(client, "cancel", [task_id])) == {"task_id": task_id, "state": "SUCCESS"}


def test_a_failed_task_is_a_server_error_without_traceback(app, client):
    # A message from another client asking for a method the worker does not have.
    celery = app.extensions["celery"]
    task_id = str(uuid.uuid4())
    record_issued(celery.backend, task_id, "celery_echo")
    celery.send_task("celery_echo", args=("no_such_method", "text"), task_id=task_id)
    reply = rpc(client, "get_result", {"task_id": task_id, "wait": 20})
    assert reply["error"]["code"] == -32001
    assert reply["error"]["data"] == {"task_id": task_id, "state": "FAILURE",
                                      "exception": "MethodNotFound"}
    assert "Traceback" not in str(reply)


def test_an_id_never_issued_is_an_error(client):
    never = str(uuid.uuid4())
    for method in ("get_result", "cancel"):
        reply = rpc(client, method, [never])
        assert reply["error"]["code"] == -32004, reply
        assert reply["error"]["data"] == {"task_id": never}


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "", "1234", 42, None, ["x"]])
def test_a_malformed_id_is_invalid_params(client, bad_id):
    for method in ("get_result", "cancel"):
        assert rpc(client, method, [bad_id])["error"]["code"] == -32602


@pytest.mark.parametrize(("method", "params"), [
    ("echo", [42]),
    ("echo", {"text": "x", "countdown": "soon"}),
    ("echo", {"text": "x", "countdown": 10**310}),  # no float holds it: not -32603
    ("echo", {"text": "x", "countdown": True}),
    ("count_primes", [-1]),
    ("count_primes", [10**11]),
    ("count_primes", ["many"]),
])
def test_bad_arguments_start_no_task(client, method, params):
    assert rpc(client, method, params)["error"]["code"] == -32602


def test_workers_receive_broadcasts(app):
    # revoke, `celery inspect` and Flower need broadcasts: the embedded broker carries them.
    replies = app.extensions["celery"].control.ping(timeout=2.0)
    assert any("ok" in reply for answer in replies for reply in answer.values()), replies


def test_preflight_for_the_page_origin(client):
    response = client.options("/json_celery_class", headers={
        "Origin": "http://localhost:8000", "Access-Control-Request-Method": "POST"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:8000"


# --- one HTTP request per job ----------------------------------------------------------------

def post_batch(client, calls: list[tuple[str, dict]]) -> list[dict]:
    body = [{"jsonrpc": "2.0", "id": f"ID{i}", "method": method, "params": params}
            for i, (method, params) in enumerate(calls, 1)]
    response = client.post("/json_celery_class", json=body, content_type="application/json-rpc")
    assert response.status_code == 200, response.data
    return sorted(response.get_json(), key=lambda reply: reply["id"])


@pytest.mark.parametrize("method", ["echo", "count_primes"])
def test_a_start_with_wait_answers_with_the_result(client, method):
    params = {"text": "one trip", "countdown": 0} if method == "echo" else {"n": 100}
    reply = result_of(rpc(client, method, {**params, "wait": 20}))
    expected = "one trip" if method == "echo" else 25
    assert reply == done(reply["task_id"], expected, echo=method == "echo")
    assert result_of(rpc(client, "get_result", [reply["task_id"]]))["state"] == "SUCCESS"


def test_a_start_whose_wait_ends_first_gives_the_id_to_poll(client):
    reply = result_of(rpc(client, "echo", {"text": "later", "countdown": 3, "wait": 0.05}))
    assert reply == {"task_id": reply["task_id"], "state": "PENDING", "revision": "SENT:"}
    final = result_of(rpc(client, "get_result", {"task_id": reply["task_id"], "wait": 20}))
    assert final["echo"] == "later"


def test_start_and_long_poll_in_one_batch_with_a_client_chosen_id(client):
    task_id = str(uuid.uuid4())
    started, finished = post_batch(client, [
        ("reverse", {"text": "batch", "countdown": 0, "task_id": task_id}),
        ("get_result", {"task_id": task_id, "wait": 20, "bogus": "blue"}),
    ])
    assert result_of(started) == {"task_id": task_id}
    assert result_of(finished) == done(task_id, "hctab")


def test_a_client_chosen_id_already_known_is_refused(client):
    task_id = str(uuid.uuid4())
    assert result_of(rpc(client, "echo", {"text": "first", "countdown": 0, "wait": 20,
                                          "task_id": task_id}))["echo"] == "first"
    again = rpc(client, "echo", {"text": "second", "countdown": 0, "task_id": task_id})
    assert again["error"]["code"] == -32602
    assert "already in use" in again["error"]["data"]
    reply = result_of(rpc(client, "get_result", {"task_id": task_id, "wait": 1}))
    assert reply["echo"] == "first"  # the first task's result was not overwritten


@pytest.mark.parametrize("bad_id", [  # null: the server chooses
    "not-a-uuid", "", 42, ["x"],
    str(uuid.uuid1()), str(uuid.uuid5(uuid.NAMESPACE_DNS, "x")),  # not random: guessable
])
def test_a_malformed_client_chosen_id_is_invalid_params(client, bad_id):
    for method, params in (("echo", {"text": "x"}), ("count_primes", {"n": 10})):
        reply = rpc(client, method, {**params, "task_id": bad_id})
        assert reply["error"]["code"] == -32602, reply


def test_a_start_with_a_bad_wait_is_invalid_params(client):
    assert rpc(client, "echo", {"text": "x", "wait": "soon"})["error"]["code"] == -32602


def test_past_the_waiter_limit_a_start_answers_minus_32007_with_its_task_id(celery_env, worker):
    app = create_app(app_config(celery_env, LONG_POLL_MAX_WAITERS=1))
    client = app.test_client()
    held = start(client, "echo", text="held", countdown=60)
    holder = threading.Thread(target=rpc, args=(app.test_client(), "get_result",
                                                {"task_id": held, "wait": 25}))
    holder.start()
    try:
        wait_for(lambda: getattr(app.extensions.get("result_watcher"), "waiting", 0) >= 1, 30,
                 "the first long-poll to wait")
    except WaitTimeout:
        raise WaitTimeout("the first long-poll never waited") from None
    reply = rpc(client, "echo", {"text": "refused wait", "countdown": 0, "wait": 20})
    assert reply["error"]["code"] == -32007
    assert reply["error"]["data"]["max_waiters"] == 1
    task_id = reply["error"]["data"]["task_id"]  # the task was sent all the same
    rpc(client, "cancel", [held])  # ends the first long-poll: REVOKED is a final state
    holder.join(30)
    assert not holder.is_alive()
    final = result_of(rpc(client, "get_result", {"task_id": task_id, "wait": 20}))
    assert final["echo"] == "refused wait"
