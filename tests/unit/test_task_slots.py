"""The cluster-wide cap on heavy tasks, on both kinds of result backend: SQLite (the
embedded default) and a real Redis server. Task states are written as a worker would."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from celery import Celery
from celery.states import STARTED, SUCCESS

from flask_pyjamas.tasks.records import forget_issued, record_issued, request_cancel
from flask_pyjamas.tasks.task_slots import UnsupportedBackend, claim_slot

LIMIT = 2


@pytest.fixture(params=["sqlite", "redis"])
def backend(request, tmp_path):
    if request.param == "sqlite":
        url = f"db+sqlite:///{tmp_path / 'results.sqlite'}"
    else:
        url = request.getfixturevalue("redis_server").url
    app = Celery("slots", backend=url, broker="memory://")
    yield app.backend
    if request.param == "redis":
        app.backend.client.flushdb()


def sent(backend, task_id: str) -> str:
    record_issued(backend, task_id, "heavy")
    return task_id


def test_the_limit_is_accepted_and_one_more_refused(backend):
    assert claim_slot(backend, sent(backend, "a"), LIMIT)
    assert claim_slot(backend, sent(backend, "b"), LIMIT)
    assert not claim_slot(backend, sent(backend, "c"), LIMIT)


def test_a_running_task_keeps_its_slot_and_a_finished_one_frees_it(backend):
    for task_id in ("a", "b"):
        assert claim_slot(backend, sent(backend, task_id), LIMIT)
    backend.store_result("a", None, STARTED)
    assert not claim_slot(backend, sent(backend, "c"), LIMIT)
    backend.store_result("a", 42, SUCCESS)
    assert claim_slot(backend, "c", LIMIT)
    assert not claim_slot(backend, sent(backend, "d"), LIMIT)


def test_a_forgotten_or_expired_task_frees_its_slot(backend):
    for task_id in ("a", "b"):
        assert claim_slot(backend, sent(backend, task_id), LIMIT)
    forget_issued(backend, "b")
    assert claim_slot(backend, sent(backend, "c"), LIMIT)


def test_a_queued_task_keeps_its_slot_whatever_is_cancelled_around_it(backend):
    """The records of one task are out of reach of every task id: cancelling other tasks
    never frees a slot (a cancel record used to live under an id derived from the task's)."""
    for task_id in ("a", "b"):
        assert claim_slot(backend, sent(backend, task_id), LIMIT)
    request_cancel(backend, "e")
    assert not claim_slot(backend, sent(backend, "c"), LIMIT)
    request_cancel(backend, "a")  # its own cancel: REVOKED, a final state
    assert claim_slot(backend, "c", LIMIT)


def test_concurrent_claims_never_exceed_the_limit(backend):
    ids = [sent(backend, f"t{i}") for i in range(20)]
    with ThreadPoolExecutor(8) as pool:
        claimed = list(pool.map(lambda task_id: claim_slot(backend, task_id, LIMIT), ids))
    assert claimed.count(True) == LIMIT


def test_a_backend_with_no_atomic_operation_is_refused_clearly(tmp_path):
    app = Celery("slots", backend="cache+memory://", broker="memory://")
    with pytest.raises(UnsupportedBackend, match="Redis or SQL"):
        claim_slot(app.backend, "a", LIMIT)
