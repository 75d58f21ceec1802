"""Hostile clients against real server processes: Werkzeug's (``run_flask_server.py``,
``manage_celery.py runserver``) and gunicorn (1 worker x 4 threads), as README starts them.

Every case must get its status, a JSON-RPC error body a page can read (CORS headers
included), and cost the server bounded memory and CPU: a limit is refused at once, not after
the work. The limits are tested at their edges (limit accepted, limit + 1 refused). The
cases that already held before the request limits (origin tricks, dunder method names, deep nesting,
huge numbers, path traversal on the page server) are kept here too.
"""

import json
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flask_pyjamas.build.pyjsbuild import build_if_stale
from tests.support.browser import run_demo
from tests.support.processes import (
    PYTHON,
    REPO_ROOT,
    cpu_seconds,
    descendants,
    free_port,
    memory_mib,
    peak_memory_mib,
    require,
    reset_peak_memory,
    running,
)
from tests.support.raw_http import (
    PAGE_ORIGIN,
    call,
    exchange,
    post,
    post_chunked,
    request_head,
    rpc_bytes,
)
from tests.support.services import MANAGE_CELERY, clean_env
from tests.support.waiting import WaitTimeout, wait_for

GUNICORN = Path(PYTHON).with_name("gunicorn")
RUN_FLASK_SERVER = REPO_ROOT / "flaskcors/public/services/flask_example/run_flask_server.py"
APPS = {
    "flaskcors": "flaskcors.public.services.flask_example.FlaskEchoApp:create_app()",
    "flaskcelery": "flaskcelery.flask_source.FlaskEchoApp:create_app()",
}
KINDS = ["werkzeug", "gunicorn"]
MIB = 1024 * 1024
MAX_BATCH = 100  # the default
# The Celery endpoint's limits, small so their edges are cheap to reach.
MAX_TASKS, MAX_HEAVY, MAX_WAIT = 3, 2, 1.0


@dataclass
class Server:
    kind: str
    port: int
    pid: int  # the process that answers requests (gunicorn's worker, not its master)

    def post(self, path, payload, **options):
        body = payload if isinstance(payload, bytes) else rpc_bytes(payload)
        return post(self.port, path, body, **options)


@contextmanager
def serve(kind: str, example: str, env: dict, log_path: Path):
    require(kind != "gunicorn" or GUNICORN.exists(), "gunicorn is not installed in .venv")
    port = free_port()
    if kind == "werkzeug":
        script = RUN_FLASK_SERVER if example == "flaskcors" else MANAGE_CELERY
        args = [PYTHON, script, *(["runserver"] if example == "flaskcelery" else []),
                "--port", port]
    else:
        args = [GUNICORN, "-w", "1", "--threads", "4", "-k", "gthread", "-b",
                f"127.0.0.1:{port}", "--chdir", REPO_ROOT, APPS[example]]
    with running(args, port=port, env=env, log_path=log_path) as proc:
        pid = proc.pid
        if kind == "gunicorn":  # the worker is forked after the master listens
            with suppress(WaitTimeout):  # as before: no worker is an IndexError below
                wait_for(lambda: descendants(proc.pid), 30, "gunicorn's worker process")
            pid = descendants(proc.pid)[0]
        yield Server(kind, port, pid)


@pytest.fixture(scope="module", params=KINDS)
def server(request, tmp_path_factory):
    """The flaskcors server, on each WSGI server in turn."""
    log = tmp_path_factory.mktemp("hostile") / f"{request.param}.log"
    with serve(request.param, "flaskcors", {}, log) as running_server:
        yield running_server


@pytest.fixture(scope="module")
def celery_env(tmp_path_factory):
    """Both Celery servers share one instance folder (broker and results), as two web
    processes of one cluster; no worker runs, so tasks stay queued."""
    return clean_env(
        FLASKCELERY_INSTANCE=str(tmp_path_factory.mktemp("instance")),
        ECHO_COUNTDOWN="3600",
        RPC_MAX_TASKS=str(MAX_TASKS),
        RPC_MAX_HEAVY_TASKS=str(MAX_HEAVY),
        RPC_MAX_WAIT=str(MAX_WAIT),
    )


@pytest.fixture(scope="module")
def celery_servers(celery_env, tmp_path_factory):
    logs = tmp_path_factory.mktemp("hostile-celery")
    with serve("werkzeug", "flaskcelery", celery_env, logs / "werkzeug.log") as werkzeug, \
            serve("gunicorn", "flaskcelery", celery_env, logs / "gunicorn.log") as gunicorn:
        yield {"werkzeug": werkzeug, "gunicorn": gunicorn}


@pytest.fixture(params=KINDS)
def celery_server(request, celery_servers):
    return celery_servers[request.param]


def assert_error(reply, status, code, request_id=None):
    """``reply`` has ``status``, CORS headers, and one JSON-RPC error ``code``; the error."""
    assert reply.status == status, reply.body[:300]
    assert reply.headers["Access-Control-Allow-Origin"] == PAGE_ORIGIN
    assert "Origin" in reply.headers["Vary"]
    assert reply.headers.get_content_type() == "application/json"
    body = reply.json()
    assert body["jsonrpc"] == "2.0" and body["id"] == request_id
    assert body["error"]["code"] == code, body
    return body["error"]


# -- batches -------------------------------------------------------------------------------

def test_a_batch_at_the_limit_is_answered(server):
    batch = [call("echo", f"n{i}", request_id=i) for i in range(MAX_BATCH)]
    replies = server.post("/json_echo/", batch).json()
    assert [r["result"] for r in replies] == [f"n{i}" for i in range(MAX_BATCH)]


def test_one_call_past_the_limit_refuses_the_batch(server):
    batch = [call("echo", "x", request_id=i) for i in range(MAX_BATCH + 1)]
    error = assert_error(server.post("/json_echo/", batch), 200, -32600)
    assert error["message"] == "Batch too large"
    assert error["data"] == {"max_batch": MAX_BATCH}


NOTIFICATION = b'{"jsonrpc":"2.0","method":"echo","params":["x"]}'


@pytest.mark.parametrize("element", [b"0", b"{}", NOTIFICATION])
def test_a_1_mib_batch_is_refused_at_once(server, element):
    """524k invalid calls (or notifications, which would run) in 1 MiB: refused after the
    101st, with a reply of a few bytes, without the memory or CPU they used to take
    (436 MiB and 2 s of CPU for the first, before)."""
    count = (MIB - 2) // (len(element) + 1)
    body = b"[" + b",".join([element] * count) + b"]"
    assert len(body) <= MIB
    reset_peak_memory(server.pid)
    before_mib, before_cpu = memory_mib(server.pid), cpu_seconds(server.pid)
    reply = server.post("/json_echo/", body)
    assert_error(reply, 200, -32600)
    assert len(reply.body) < 200
    # the body itself, as bytes and as text, is all the memory it may take
    assert peak_memory_mib(server.pid) - before_mib < 16
    assert cpu_seconds(server.pid) - before_cpu < 0.5


# -- bodies past MAX_CONTENT_LENGTH, framing --------------------------------------------------

def test_a_chunked_body_past_the_limit_is_413(server):
    """A valid call, padding to 1 MiB, then trailing garbage, with no Content-Length: it
    used to be cut at 1 MiB and run."""
    valid = rpc_bytes(call("echo", "ran"))
    padding = b" " * (MIB - len(valid))
    reply = post_chunked(server.port, "/json_echo/", [valid, padding, b"garbage"])
    error = assert_error(reply, 413, -32600)
    assert error["data"] == {"http_status": 413}


def test_a_chunked_body_of_exactly_the_limit_is_read(server):
    valid = rpc_bytes(call("echo", "ran"))
    padding = b" " * (MIB - len(valid))
    reply = post_chunked(server.port, "/json_echo/", [valid, padding[:1000], padding[1000:]])
    assert reply.status == 200
    assert reply.json()["result"] == "ran"


def test_a_small_chunked_body_is_answered(server):
    body = rpc_bytes(call("reverse", "chunked"))
    reply = post_chunked(server.port, "/json_echo/", [body[:7], body[7:20], body[20:]])
    assert reply.json() == {"jsonrpc": "2.0", "id": "ID1", "result": "chunked"[::-1]}


def test_a_content_length_past_the_limit_is_413_before_the_body(server):
    head = request_head("/json_echo/", {"Origin": PAGE_ORIGIN, "Content-Length": str(2 * MIB),
                                        "Content-Type": "application/json-rpc"})
    assert_error(exchange(server.port, head + b"[", close_write=True), 413, -32600)


def test_a_body_shorter_than_its_content_length_is_400(server):
    """A lying Content-Length: the client stops early."""
    head = request_head("/json_echo/", {"Origin": PAGE_ORIGIN, "Content-Length": "500",
                                        "Content-Type": "application/json-rpc"})
    reply = exchange(server.port, head + rpc_bytes(call("echo", "x")), close_write=True)
    assert "ended after" in assert_error(reply, 400, -32600)["message"]


@pytest.mark.parametrize("framing", [b"zz\r\n{}\r\n0\r\n\r\n", b"-5\r\nabc\r\n0\r\n\r\n"])
def test_a_malformed_chunk_is_400(server, framing):
    head = request_head("/json_echo/", {"Origin": PAGE_ORIGIN, "Transfer-Encoding": "chunked",
                                        "Content-Type": "application/json-rpc"})
    reply = exchange(server.port, head + framing, close_write=True)
    assert "malformed" in assert_error(reply, 400, -32600)["message"]


# -- charsets ------------------------------------------------------------------------------

@pytest.mark.parametrize("parameter", ["", "; charset=utf-8", "; charset=UTF-8", "; charset=utf8",
                                       "; charset=Utf8", '; charset="utf-8"'])
def test_utf8_bodies_are_read(server, parameter):
    reply = server.post("/json_echo/", json.dumps(call("echo", "é€"), ensure_ascii=False)
                        .encode(), content_type="application/json-rpc" + parameter)
    assert reply.json()["result"] == "é€"


@pytest.mark.parametrize("parameter", [
    "; charset=utf-7", "; charset=cp037", "; charset=unicode_escape", "; charset=undefined",
    "; charset=latin-1", "; charset=utf-16", "; charset=klingon",
    "; charset*=utf-8''utf%00", "; charset*=utf-8''utf-8", "; charset=utf-8; charset=utf-7",
])
def test_other_charsets_are_415(server, parameter):
    reply = server.post("/json_echo/", rpc_bytes(call("echo", "x")),
                        content_type="application/json-rpc" + parameter)
    error = assert_error(reply, 415, -32600)
    assert "charset" in error["message"]


# -- replies JSON cannot carry ----------------------------------------------------------------

def test_a_lone_surrogate_spoils_only_its_own_call(server):
    batch = [call("echo", "\ud800", request_id=1), call("echo", "fine", request_id=2)]
    replies = server.post("/json_echo/", batch).json()
    assert replies[0]["id"] == 1 and replies[0]["error"]["code"] == -32603
    assert "cannot be sent as JSON" in replies[0]["error"]["message"]
    assert replies[1] == {"jsonrpc": "2.0", "id": 2, "result": "fine"}


@pytest.mark.parametrize("raw_id", [b"1e400", b"-1e400", b"[1]", b"true"])
def test_an_id_json_cannot_echo_is_invalid(server, raw_id):
    body = b'{"jsonrpc": "2.0", "method": "echo", "params": ["x"], "id": ' + raw_id + b"}"
    assert_error(server.post("/json_echo/", body), 200, -32600)


def test_exact_numeric_ids_are_echoed(server):
    body = b'[{"jsonrpc":"2.0","method":"echo","params":["x"],"id":1.5e300},' \
           b'{"jsonrpc":"2.0","method":"echo","params":["x"],"id":-7}]'
    assert [r["id"] for r in server.post("/json_echo/", body).json()] == [1.5e300, -7]


def test_nan_is_a_parse_error(server):
    body = b'{"jsonrpc": "2.0", "method": "echo", "params": ["x"], "id": NaN}'
    assert_error(server.post("/json_echo/", body), 200, -32700)


def test_rpc_discover_answers_on_the_real_server(server):
    document = server.post("/json_echo/", call("rpc.discover")).json()["result"]
    assert document["openrpc"].startswith("1.")
    assert [m["name"] for m in document["methods"]] == ["echo", "lowercase", "reverse",
                                                         "uppercase"]


# -- what held before the limits, kept ------------------------------------------------------------

@pytest.mark.parametrize("origin", ["http://localhost:8000.evil.example", "null",
                                    "http://localhost:8000/", "http://LOCALHOST:8000",
                                    "https://localhost:8000", "http://localhost:80000"])
def test_origin_tricks_are_refused(server, origin):
    reply = server.post("/json_echo/", call("echo", "x"), origin=origin)
    assert reply.status == 403
    assert "Access-Control-Allow-Origin" not in reply.headers
    assert reply.json()["error"]["data"] == {"http_status": 403}


@pytest.mark.parametrize("method", ["__init__", "__class__", "options", "dispatch_request",
                                    "rpc.nothing", "echo.__globals__"])
def test_only_registered_methods_are_reachable(server, method):
    assert_error(server.post("/json_echo/", call(method, "x")), 200, -32601, "ID1")


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
                                  b'{"jsonrpc":"2.0","id":1,"method":"echo","params":[' +
                                  b"9" * 5000 + b"]}"])
def test_deep_nesting_and_huge_numbers_are_parse_errors(server, body):
    assert_error(server.post("/json_echo/", body), 200, -32700)


@pytest.fixture(scope="module")
def page_server(tmp_path_factory):
    build_if_stale(REPO_ROOT / "flaskcors" / "Flask_JSONRPC_CORS.py")
    with run_demo("flaskcors", log_path=tmp_path_factory.mktemp("demo") / "demo.log") as demo:
        yield demo


@pytest.mark.parametrize("path", ["/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                                  "/..%2f..%2fetc%2fpasswd", "/js/../../Flask_JSONRPC_CORS.py",
                                  "/services/EchoService.py/../../FlaskEchoApp.py"])
def test_the_page_server_serves_nothing_outside_output(page_server, path):
    raw = f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    reply = exchange(page_server.page_port, raw.encode())
    assert reply.status in (404, 405)
    assert b"root:" not in reply.body and b"import" not in reply.body
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in reply.headers["Content-Security-Policy"]


# -- anything at all -------------------------------------------------------------------------

content_types = st.sampled_from(["application/json-rpc", "application/json", "text/plain", ""]) \
    .flatmap(lambda base: st.one_of(
        st.just(base),
        st.builds(lambda name, value: f"{base}; {name}={value}",
                  st.sampled_from(["charset", "charset*", "CHARSET", "boundary"]),
                  st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=20)),
    ))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=st.binary(max_size=300) | st.sampled_from([b"[", b'{"id":1e999}', b"[0]" * 3]),
       content_type=content_types)
def test_any_bytes_and_content_type_get_a_json_answer(server, body, content_type):
    reply = server.post("/json_echo/", body, content_type=content_type)
    assert reply.status < 500
    if reply.status != 204:
        assert reply.headers.get_content_type() == "application/json"
        reply.json()  # strict JSON, no NaN or Infinity


# -- the Celery endpoint: tasks and waits per request, heavy tasks per cluster ---------------

CELERY = "/json_celery_class"


def start_echo(server, text="x") -> str:
    return server.post(CELERY, call("echo", text)).json()["result"]["task_id"]


def test_waits_in_a_batch_share_one_deadline(celery_server):
    """Five 2 s waits in one batch hold the request about RPC_MAX_WAIT (1 s), not 10 s."""
    task_id = start_echo(celery_server)
    batch = [call("get_result", task_id, 2, request_id=i) for i in range(5)]
    started = time.monotonic()
    replies = celery_server.post(CELERY, batch).json()
    elapsed = time.monotonic() - started
    assert [r["result"]["state"] for r in replies] == ["PENDING"] * 5
    assert elapsed < 4 * MAX_WAIT


def test_a_request_may_start_up_to_its_task_budget(celery_server):
    batch = [call("echo", "x", request_id=i) for i in range(MAX_TASKS)]
    replies = celery_server.post(CELERY, batch).json()
    assert all("task_id" in r["result"] for r in replies)


def test_one_task_past_the_budget_is_refused(celery_server):
    batch = [call("echo", "x", request_id=i) for i in range(MAX_TASKS + 1)]
    replies = celery_server.post(CELERY, batch).json()
    assert all("task_id" in r["result"] for r in replies[:MAX_TASKS])
    assert replies[MAX_TASKS]["error"]["code"] == -32005
    assert replies[MAX_TASKS]["error"]["data"] == {"max_tasks": MAX_TASKS}
    # the budget is per request: the next one starts again
    assert "task_id" in celery_server.post(CELERY, call("echo", "x")).json()["result"]


def test_heavy_tasks_are_capped_across_web_processes(celery_servers):
    """RPC_MAX_HEAVY_TASKS (2) count_primes queued at once, whichever process took them; a
    full queue answers busy at once; a cancelled one frees its place."""
    werkzeug, gunicorn = celery_servers["werkzeug"], celery_servers["gunicorn"]
    started = []

    def count_primes(server):
        reply = server.post(CELERY, call("count_primes", 10**6)).json()
        if "result" in reply:
            started.append((server, reply["result"]["task_id"]))
        return reply

    try:
        assert "result" in count_primes(werkzeug)
        assert "result" in count_primes(gunicorn)  # the limit: accepted
        for server in (werkzeug, gunicorn):  # limit + 1: refused, on both processes
            error = count_primes(server)["error"]
            assert error["code"] == -32006 and error["data"] == {"max_heavy_tasks": MAX_HEAVY}
            assert "try later" in error["message"]
        server, task_id = started.pop(0)
        assert server.post(CELERY, call("cancel", task_id)).json()["result"]["state"] \
            == "REVOKED"
        assert "result" in count_primes(gunicorn)
    finally:
        for server, task_id in started:
            server.post(CELERY, call("cancel", task_id))


def test_a_1_mib_batch_of_task_starts_is_refused_at_once(celery_server):
    """It used to start ~17k tasks."""
    element = json.dumps(call("count_primes", 10**10)).encode()
    body = b"[" + b",".join([element] * ((MIB - 2) // (len(element) + 1))) + b"]"
    assert_error(celery_server.post(CELERY, body), 200, -32600)
    probe = celery_server.post(CELERY, call("count_primes", 1)).json()
    assert probe["result"]  # no slot was taken by the refused batch
    celery_server.post(CELERY, call("cancel", probe["result"]["task_id"]))


def test_an_unencodable_task_result_fails_only_its_call(celery_servers, celery_env,
                                                        celery_worker):
    """A task whose result holds a lone surrogate: get_result answers -32603 for that call,
    every time, and the rest of the batch is answered."""
    celery_worker(celery_env, "--pool=solo")
    server = celery_servers["gunicorn"]
    bad = server.post(CELERY, call("echo", "\ud800", 0)).json()["result"]["task_id"]
    good = server.post(CELERY, call("echo", "good", 0)).json()["result"]["task_id"]
    replies = {}

    def both_answered():
        batch = [call("get_result", bad, 1, request_id="bad"),
                 call("get_result", good, 1, request_id="good")]
        replies.clear()
        replies.update({r["id"]: r for r in server.post(CELERY, batch).json()})
        return "error" in replies["bad"] and replies["good"]["result"]["state"] == "SUCCESS"

    try:
        wait_for(both_answered, 60, "the bad task's error and the good task's success",
                 interval=0, max_interval=0)  # as before: asked again at once
    except WaitTimeout:
        raise WaitTimeout(replies) from None
    assert replies["bad"]["error"]["code"] == -32603
    assert replies["good"]["result"]["echo"] == "good"
    again = server.post(CELERY, call("get_result", bad)).json()
    assert again["error"]["code"] == -32603
