"""The long-polls of one HTTP request share one budget of ``RPC_MAX_WAIT`` seconds
(``flask_pyjamas.tasks.waiting.wait_until_done``), a batch included: each ends by the
request's deadline.

A unit test of that one function: the watcher and the clock are fakes, so nothing waits.
"""

from types import SimpleNamespace

import pytest
from flask import Flask

from flask_pyjamas.tasks import waiting as celery_rpc

MAX_WAIT = 25.0


def app() -> Flask:
    app = Flask(__name__)
    app.config.update(RPC_MAX_WAIT=MAX_WAIT, RPC_MAX_TASKS=10)
    return app


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


class FakeWatcher:
    """Records each parked wait's timeout; collecting one lets it run out on the fake clock."""

    def __init__(self, clock: FakeClock):
        self.clock = clock
        self.timeouts: list[float] = []

    def park(self, task_id: str, deadline: float, since=None, client=None):
        self.timeouts.append(deadline - self.clock.now)
        return SimpleNamespace(task_id=task_id, deadline=deadline)

    def collect(self, waiter):
        self.clock.now = max(self.clock.now, waiter.deadline)
        return False, None


@pytest.fixture
def watcher(monkeypatch):
    clock = FakeClock()
    fake = FakeWatcher(clock)
    monkeypatch.setattr(celery_rpc.time, "monotonic", clock.monotonic)
    monkeypatch.setattr(celery_rpc, "result_watcher", lambda: fake)
    monkeypatch.setattr(celery_rpc, "task_meta", lambda task_id: {"status": "STARTED"})
    return fake


def test_the_waits_of_one_request_share_max_wait(watcher):
    with app().test_request_context():
        for wait in (20, 20, 20):
            meta = celery_rpc.wait_until_done("id", {"status": "SENT"}, wait)
            assert meta["status"] in ("SENT", "STARTED")
    assert watcher.timeouts == [20, MAX_WAIT - 20]  # the third had nothing left


def test_each_request_has_its_own_budget(watcher):
    for _ in range(2):
        with app().test_request_context():
            celery_rpc.wait_until_done("id", {"status": "SENT"}, 25)
    assert watcher.timeouts == [MAX_WAIT, MAX_WAIT]


def test_a_done_task_does_not_wait(watcher):
    with app().test_request_context():
        meta = celery_rpc.wait_until_done("id", {"status": "SUCCESS"}, 25)
    assert meta == {"status": "SUCCESS"} and watcher.timeouts == []
