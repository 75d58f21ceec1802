"""The task events stream (``GET /json_celery_class/events``, Server-Sent Events) over HTTP.

The production gunicorn command (gthread: a stream holds a thread, as a long-poll does) and
a real worker on the embedded broker: a task's answers arrive in order on one request, a
stream resumes from ``Last-Event-ID``, errors are ``event: error`` with JSON-RPC error
objects, a refused origin is a 403, and a graceful stop (SIGTERM) ends a waiting stream, under
gunicorn and under ``manage_celery.py runserver``.
"""

import http.client
import json
import signal
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.support.processes import PYTHON, free_port, read_log, running
from tests.support.rpc import PAGE_ORIGIN, RpcClient
from tests.support.services import MANAGE_CELERY

GUNICORN = Path(PYTHON).with_name("gunicorn")
APP = "flaskcelery.flask_source.FlaskEchoApp:create_app()"
N = 10**9  # primes below it: about 50 progress steps over a few seconds
MAX_WAIT = 60  # longer than any test waits: a stream that ends early did not time out


def gunicorn(env, log, port):
    return running([GUNICORN, "-c", "python:flask_pyjamas.gunicorn_config",
                    "--bind", f"127.0.0.1:{port}", APP],
                   port=port, env={**env, "RPC_MAX_WAIT": str(MAX_WAIT)}, log_path=log,
                   timeout=60)


@pytest.fixture(scope="module")
def server(embedded_env, tmp_path_factory):
    log = tmp_path_factory.mktemp("task-events") / "web.log"
    port = free_port()
    with gunicorn(embedded_env, log, port) as web:
        yield port
        assert web.poll() is None, read_log(log)


class EventStream:
    """One ``GET`` of the events endpoint, read event by event."""

    def __init__(self, port, origin=PAGE_ORIGIN, headers=None, timeout=60, **params):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        headers = {"Accept": "text/event-stream", **(headers or {})}
        if origin is not None:
            headers["Origin"] = origin
        self.connection.request("GET", "/json_celery_class/events?" + urlencode(params),
                                headers=headers)
        self.response = self.connection.getresponse()

    def events(self):
        """``(name, id, data)`` of each event until the server ends the stream."""
        name, event_id, data = "message", None, []
        for raw in self.response:
            line = raw.decode().rstrip("\n")
            if line == "":
                if data:
                    yield name, event_id, json.loads("\n".join(data))
                name, event_id, data = "message", None, []
            elif line.startswith("event: "):
                name = line[7:]
            elif line.startswith("id: "):
                event_id = line[4:]
            elif line.startswith("data: "):
                data.append(line[6:])

    def close(self):
        self.connection.close()


def start_primes(port) -> str:
    with RpcClient(f"http://127.0.0.1:{port}/json_celery_class") as client:
        return client.call("count_primes", n=N)["task_id"]


def test_one_request_streams_every_step_in_order_to_success(server, embedded_env,
                                                            celery_worker):
    celery_worker(embedded_env, "--concurrency=1")
    task_id = start_primes(server)
    stream = EventStream(server, task_id=task_id)
    assert stream.response.status == 200
    headers = stream.response.headers
    assert headers["Content-Type"].startswith("text/event-stream")
    assert headers["Cache-Control"] == "no-cache"
    assert headers["X-Accel-Buffering"] == "no"
    assert headers["Access-Control-Allow-Origin"] == PAGE_ORIGIN
    assert "Origin" in headers["Vary"]
    events = list(stream.events())
    stream.close()
    assert {name for name, _, _ in events} == {"message"}, events
    answers = [data for _, _, data in events]
    assert [event_id for _, event_id, _ in events] == [a["revision"] for a in answers]
    assert all(a["task_id"] == task_id for a in answers)
    steps = [a["progress"]["current"] for a in answers if a["state"] == "PROGRESS"]
    assert len(steps) >= 5, answers  # live progress, one event per change
    assert steps == sorted(set(steps))
    assert len({a["revision"] for a in answers}) == len(answers)
    assert answers[-1]["state"] == "SUCCESS" and answers[-1]["result"] > 0


def test_a_stream_resumes_from_last_event_id(server, embedded_env, celery_worker):
    celery_worker(embedded_env, "--concurrency=1")
    task_id = start_primes(server)
    first = EventStream(server, task_id=task_id)
    seen = []
    for event in first.events():
        seen.append(event)
        if event[2]["state"] == "PROGRESS":
            break
    first.close()
    last_id, last = seen[-1][1], seen[-1][2]
    # The header wins over a stale since_revision in the URL (EventSource keeps its URL).
    again = EventStream(server, headers={"Last-Event-ID": last_id}, task_id=task_id,
                        since_revision="stale")
    name, event_id, answer = next(again.events())
    again.close()
    assert name == "message"
    assert event_id != last_id  # not the step the client has: the next one (or the end)
    assert answer["state"] == "SUCCESS" or (
        answer["progress"]["current"] > last["progress"]["current"])


def test_a_finished_task_streams_its_end_even_to_a_client_that_has_it(server, embedded_env,
                                                                      celery_worker):
    celery_worker(embedded_env, "--concurrency=1")
    task_id = start_primes(server)
    stream = EventStream(server, task_id=task_id)
    final = list(stream.events())[-1]
    stream.close()
    again = EventStream(server, headers={"Last-Event-ID": final[1]}, task_id=task_id)
    assert list(again.events()) == [final]
    again.close()


@pytest.mark.parametrize(("task_id", "code"), [(str(uuid.uuid4()), -32004),
                                               ("not-a-uuid", -32602)])
def test_errors_are_error_events_with_json_rpc_objects(server, task_id, code):
    stream = EventStream(server, task_id=task_id)
    assert stream.response.status == 200
    events = list(stream.events())
    stream.close()
    assert len(events) == 1, events
    name, _, error = events[0]
    assert name == "error"
    assert error["code"] == code and error["message"]


def test_a_refused_origin_gets_403_with_a_json_rpc_error_and_no_cors(server):
    stream = EventStream(server, origin="http://evil.example", task_id=str(uuid.uuid4()))
    assert stream.response.status == 403
    assert "Access-Control-Allow-Origin" not in stream.response.headers
    body = json.loads(stream.response.read())
    stream.close()
    assert body["error"]["code"] == -32600
    assert "evil.example" in body["error"]["message"]


def test_a_wrong_verb_gets_a_json_rpc_405_with_cors(server):
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=30)
    connection.request("POST", "/json_celery_class/events", body=b"{}",
                       headers={"Origin": PAGE_ORIGIN, "Content-Type": "application/json-rpc"})
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()
    assert response.status == 405
    assert "GET" in response.headers["Allow"]
    assert response.headers["Access-Control-Allow-Origin"] == PAGE_ORIGIN
    assert body["error"]["data"]["http_status"] == 405


def test_a_stream_ends_after_its_wait_with_reconnect(server, embedded_env):
    with RpcClient(f"http://127.0.0.1:{server}/json_celery_class") as client:
        task_id = client.call("echo", text="later", countdown=3600)["task_id"]
    stream = EventStream(server, task_id=task_id, wait=0.5)
    events = list(stream.events())
    stream.close()
    assert [name for name, _, _ in events] == ["message", "reconnect"], events
    assert events[0][2]["state"] == "PENDING"


def runserver(env, log, port):
    return running([PYTHON, MANAGE_CELERY, "runserver", "--port", str(port)], port=port,
                   env={**env, "RPC_MAX_WAIT": str(MAX_WAIT)}, log_path=log, timeout=60)


@pytest.mark.parametrize("serve", [gunicorn, runserver])
def test_a_graceful_stop_ends_a_waiting_stream(embedded_env, tmp_path, serve):
    log = tmp_path / "web.log"
    port = free_port()
    with serve(embedded_env, log, port) as web:
        with RpcClient(f"http://127.0.0.1:{port}/json_celery_class") as client:
            task_id = client.call("echo", text="later", countdown=3600)["task_id"]
        stream = EventStream(port, task_id=task_id, timeout=30)
        events = stream.events()
        assert next(events)[2]["state"] == "PENDING"  # parked now, for up to MAX_WAIT s
        web.send_signal(signal.SIGTERM)
        rest = list(events)  # ends well before MAX_WAIT (the read times out at 30 s)
        stream.close()
        assert [name for name, _, _ in rest] == ["reconnect"], (rest, read_log(log))
        assert web.wait(30) == 0, read_log(log)
