"""Unit tests of the task follower's choice between the events stream and the long-poll, with
the runtime's ``EventSource`` and the JSON-RPC service replaced by recorders (in a browser
the same code runs on ``EventSource``: tests/test_task_follower_browser.py)."""

import pytest

from flask_pyjamas.client import runtime
from flask_pyjamas.client.task_follower import MAX_STREAM_FAILURES, TaskFollower

TASK = "1b4e28ba-2fa1-4d2c-883f-0016d3cca427"


class Service:
    """Records each JSON-RPC call; the test answers it by hand."""

    url = "http://localhost:5000/json_celery_class"

    def __init__(self):
        self.calls = []

    def callMethod(self, method, params, handler):
        self.calls.append((method, params, handler))


class Stream:
    def __init__(self, url, handler):
        self.url = url
        self.handler = handler
        self.closed = False

    def close(self):
        self.closed = True


class Page:
    def __init__(self):
        self.heard = []

    def __getattr__(self, name):
        if not name.startswith("onTask"):
            raise AttributeError(name)
        return lambda follower, *args: self.heard.append((name, *args))


@pytest.fixture
def streams(monkeypatch):
    opened = []

    def open_event_stream(url, handler):
        opened.append(Stream(url, handler))
        return opened[-1]

    monkeypatch.setattr(runtime, "event_stream_available", lambda: True)
    monkeypatch.setattr(runtime, "open_event_stream", open_event_stream)
    return opened


def answer(state, revision, **more):
    return {"task_id": TASK, "state": state, "revision": revision, **more}


def test_after_the_start_one_stream_carries_every_change(streams):
    service, page = Service(), Page()
    follower = TaskFollower(service, page)
    follower.start("count_primes", {"n": 10})
    method, params, handler = service.calls[0]
    assert method == "count_primes" and params["wait"] > 0
    handler.onRemoteResponse(answer("STARTED", "STARTED:"), None)

    assert len(streams) == 1 and len(service.calls) == 1
    url = streams[0].url
    assert url.startswith(Service.url + "/events?task_id=" + follower.task_id)
    assert "since_revision=STARTED%3A" in url and "&wait=" in url
    for current in (1, 2, 3):
        streams[0].handler.onStreamEvent(
            "message", answer("PROGRESS", f"PROGRESS:{current}",
                              progress={"current": current, "total": 3}))
    streams[0].handler.onStreamEvent("message", answer("SUCCESS", "SUCCESS:", result=4))

    assert [call[0] for call in page.heard].count("onTaskAnswer") == 4
    assert page.heard[-1] == ("onTaskDone", 4)
    assert streams[0].closed and len(streams) == 1 and len(service.calls) == 1
    assert follower.requests == 2 and follower.elapsed_text().endswith("(2 requests)")


def test_an_error_event_ends_the_job_as_the_same_error_of_get_result(streams):
    page = Page()
    follower = TaskFollower(Service(), page)
    follower.follow(TASK)
    streams[0].handler.onStreamEvent("error", {"code": -32004, "message": "Unknown task id"})
    assert page.heard[-1][0] == "onTaskError" and "unknown" in page.heard[-1][1]
    assert streams[0].closed and not follower.active


def test_a_stream_that_ends_after_its_wait_is_opened_again_from_the_last_revision(streams):
    follower = TaskFollower(Service(), Page())
    follower.follow(TASK)
    streams[0].handler.onStreamEvent("message", answer("PROGRESS", "PROGRESS:7",
                                                       progress={"current": 7, "total": 9}))
    streams[0].handler.onStreamEvent("reconnect", {})
    assert streams[0].closed and len(streams) == 2
    assert "since_revision=PROGRESS%3A7" in streams[1].url


def test_a_failed_stream_is_followed_by_a_long_poll_then_the_stream_again(streams):
    service = Service()
    follower = TaskFollower(service, Page())
    follower.follow(TASK)
    streams[0].handler.onStreamEvent("message", answer("PROGRESS", "PROGRESS:1"))
    streams[0].handler.onStreamFailed()

    method, params, handler = service.calls[-1]
    assert method == "get_result" and params["since_revision"] == "PROGRESS:1"
    handler.onRemoteResponse(answer("PROGRESS", "PROGRESS:2"), None)
    assert len(streams) == 2 and "since_revision=PROGRESS%3A2" in streams[1].url


def test_streams_that_keep_failing_give_way_to_the_long_poll_for_good(streams):
    service = Service()
    follower = TaskFollower(service, Page())
    follower.follow(TASK)
    for step in range(MAX_STREAM_FAILURES):
        streams[-1].handler.onStreamFailed()  # e.g. a proxy that buffers: never an event
        service.calls[-1][2].onRemoteResponse(answer("PROGRESS", f"PROGRESS:{step}"), None)
    assert len(streams) == MAX_STREAM_FAILURES
    assert [call[0] for call in service.calls] == ["get_result"] * (MAX_STREAM_FAILURES + 1)


def test_no_stream_where_there_is_no_event_source_or_it_is_turned_off(streams, monkeypatch):
    service = Service()
    TaskFollower(service, Page(), events_url="").follow(TASK)
    monkeypatch.setattr(runtime, "event_stream_available", lambda: False)
    TaskFollower(service, Page()).follow(TASK)
    assert streams == [] and [call[0] for call in service.calls] == ["get_result"] * 2
