"""A server that begins to stop answers its waits at once: those parked already, and those
of a process whose result watcher is made only after the stop began (the first wait of a
fresh server, reaching the watcher just after SIGTERM). Unit tests of
``flask_pyjamas.tasks.waiting``: the watcher's backend is a fake, nothing else."""

from types import SimpleNamespace

import pytest
from flask import Flask

from flask_pyjamas.tasks import waiting


@pytest.fixture
def app(monkeypatch):
    monkeypatch.setattr(waiting, "_stopping", False)  # this test's stop only
    backend = SimpleNamespace()  # neither Redis nor SQLite: a polling watcher, no probe
    monkeypatch.setattr(waiting, "current_celery", lambda: SimpleNamespace(backend=backend))
    app = Flask(__name__)
    app.config.update(LONG_POLL_MAX_WAITERS=10)
    return app


def test_a_watcher_made_after_the_stop_began_answers_at_once(app):
    waiting.release_waiting_requests()
    with app.app_context():
        watcher = waiting.result_watcher()
        assert watcher.closing
        assert watcher.wait("a-task", timeout=30) == (True, None)  # not 30 s: at once


def test_a_watcher_made_before_the_stop_is_closed_by_it(app):
    with app.app_context():
        watcher = waiting.result_watcher()
        assert not watcher.closing
        waiting.release_waiting_requests()  # releases on a thread of its own
        assert watcher.wait("a-task", timeout=30)[0]  # answered by the release, not timeout
        assert watcher.closing
