"""The long-poll watcher (flask_pyjamas.tasks.result_watcher), its batch reads (result_store) and
its Redis notifications (redis_notifier).

The polling watcher is driven by a fake ``read_states`` that records every call; the batch
reads run against a real SQLite result backend (queries counted by SQLAlchemy's cursor
events) and a real Redis server (commands counted by ``INFO commandstats``); the notified
watcher against a real Redis server, with the states stored as a worker stores them.
"""

import os
import threading
import time
import uuid

import pytest
import redis
from celery import Celery
from celery.states import STARTED, SUCCESS
from sqlalchemy import event
from sqlalchemy.engine import Engine

from flask_pyjamas.tasks.redis_notifier import notifier_for
from flask_pyjamas.tasks.result_store import change_probe, read_meta, read_metas, read_states
from flask_pyjamas.tasks.result_watcher import ResultWatcher, TooManyWaiters, revision
from tests.support.services import Redis
from tests.support.waiting import wait_for

FIRST, BEAT = 0.001, 0.01  # fast schedule: the tests wait for conditions, never for time


class FakeBackend:
    """``read_states`` over a dict of states, recording the ids of every call."""

    def __init__(self):
        self.states: dict[str, str] = {}
        self.calls: list[list[str]] = []
        self.error: Exception | None = None
        self.lock = threading.Lock()

    def read_states(self, task_ids: list[str]) -> dict[str, str]:
        with self.lock:
            self.calls.append(list(task_ids))
            if self.error is not None:
                raise self.error
            return {i: self.states[i] for i in task_ids if i in self.states}


@pytest.fixture
def backend():
    return FakeBackend()


def new_watcher(backend, max_waiters: int = 2000) -> ResultWatcher:
    return ResultWatcher(backend.read_states, max_waiters=max_waiters, first_delay=FIRST,
                         max_interval=BEAT)


def park(watcher, task_ids, timeout: float = 30.0):
    """One thread per id waiting on ``watcher``; returns (threads, outcomes by id)."""
    outcomes: dict[str, object] = {}

    def wait(task_id):
        try:
            outcomes[task_id] = watcher.wait(task_id, timeout)[0]
        except Exception as exc:
            outcomes[task_id] = exc

    threads = [threading.Thread(target=wait, args=(i,), daemon=True) for i in task_ids]
    for thread in threads:
        thread.start()
    wait_for(lambda: watcher.waiting == len(task_ids), what="every waiter parked")
    return threads, outcomes


def join(threads):
    for thread in threads:
        thread.join(10)
    assert not any(thread.is_alive() for thread in threads)


@pytest.mark.parametrize("waiters", [1, 300])
def test_one_read_per_beat_covers_every_waiter(backend, waiters):
    ids = [str(uuid.uuid4()) for _ in range(waiters)]
    backend.states.update(dict.fromkeys(ids, STARTED))
    watcher = new_watcher(backend)
    threads, outcomes = park(watcher, ids)

    # Once past their first quick reads, every waiting id is read in each call: one read a
    # beat for all of them, as many reads for 300 waiters as for one.
    def last_calls_cover_all(n=5):
        with backend.lock:
            recent = backend.calls[-n:]
        return len(recent) == n and all(set(call) == set(ids) for call in recent)

    wait_for(last_calls_cover_all, what="reads that cover every waiting id")
    with backend.lock:
        assert all(len(call) == len(set(call)) for call in backend.calls)  # no id read twice

    backend.states.update(dict.fromkeys(ids, SUCCESS))
    join(threads)
    assert outcomes == dict.fromkeys(ids, True)
    assert watcher.waiting == 0


def test_waiters_of_one_task_share_its_reads(backend):
    task_id = str(uuid.uuid4())
    backend.states[task_id] = STARTED
    watcher = new_watcher(backend)
    threads, outcomes = park(watcher, [task_id] * 20)
    wait_for(lambda: len(backend.calls) >= 3, what="a few reads")
    with backend.lock:
        assert all(call == [task_id] for call in backend.calls)
    backend.states[task_id] = SUCCESS
    join(threads)
    assert outcomes == {task_id: True}


def test_a_wait_that_times_out_is_false_and_leaves_nothing_watched(backend):
    task_id = str(uuid.uuid4())
    backend.states[task_id] = STARTED
    watcher = new_watcher(backend)
    # It carries the last state read: answering the timeout needs no read of its own.
    assert watcher.wait(task_id, 0.05) == (False, {"status": STARTED})
    assert watcher.waiting == 0
    calls = len(backend.calls)
    other = str(uuid.uuid4())
    backend.states[other] = SUCCESS
    assert watcher.wait(other, 30)[0] is True
    assert all(task_id not in call for call in backend.calls[calls:])  # no longer read


def test_an_id_without_record_ends_the_wait(backend):
    watcher = new_watcher(backend)  # the fake has no record of it: forgotten or expired
    assert watcher.wait(str(uuid.uuid4()), 30) == (True, None)


def test_waiters_past_the_limit_are_refused(backend):
    backend.states["a"] = backend.states["b"] = STARTED
    watcher = new_watcher(backend, max_waiters=2)
    threads, outcomes = park(watcher, ["a", "b"])
    with pytest.raises(TooManyWaiters):
        watcher.wait("c", 30)
    backend.states["a"] = backend.states["b"] = SUCCESS
    join(threads)
    assert outcomes == {"a": True, "b": True}


def test_a_failed_read_is_raised_in_every_waiting_request(backend):
    ids = [str(uuid.uuid4()) for _ in range(3)]
    backend.states.update(dict.fromkeys(ids, STARTED))
    watcher = new_watcher(backend)
    threads, outcomes = park(watcher, ids)
    backend.error = ConnectionError("backend down")
    join(threads)
    assert all(isinstance(outcome, ConnectionError) for outcome in outcomes.values())
    backend.error = None
    backend.states[ids[0]] = SUCCESS  # the watcher goes on with the next waiters
    assert watcher.wait(ids[0], 30)[0] is True


# --- batch reads on real backends ---------------------------------------------------------

def stored_ids(celery_app, n: int) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(n)]
    for i, task_id in enumerate(ids):
        celery_app.backend.store_result(task_id, i, SUCCESS if i % 2 else STARTED)
    return ids


def expected_states(ids):
    """What stored_ids stored; ids without a record are left out."""
    return {task_id: SUCCESS if i % 2 else STARTED for i, task_id in enumerate(ids)}


def test_sqlite_states_are_read_in_one_select(tmp_path):
    celery_app = Celery("t", backend=f"db+sqlite:///{tmp_path / 'results.sqlite'}")
    ids = stored_ids(celery_app, 600)
    unknown = [str(uuid.uuid4()) for _ in range(5)]
    statements = []

    def record(conn, cursor, statement, *rest):
        statements.append(statement)

    # Celery makes an engine per session (until it forks): listen on every engine.
    event.listen(Engine, "before_cursor_execute", record)
    try:
        assert read_states(celery_app.backend, ids + unknown) == expected_states(ids)
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


def test_redis_states_are_read_in_one_mget(redis_server):
    celery_app = Celery("t", backend=redis_server.url)
    ids = stored_ids(celery_app, 600)
    unknown = [str(uuid.uuid4()) for _ in range(5)]
    client = redis.Redis.from_url(redis_server.url)
    client.config_resetstat()
    assert read_states(celery_app.backend, ids + unknown) == expected_states(ids)
    stats = client.info("commandstats")
    assert stats["cmdstat_mget"]["calls"] == 1
    assert "cmdstat_get" not in stats


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_read_meta_answers_as_celerys_own_read(kind, tmp_path, request):
    """One task's read (get_result's) gives what ``backend.get_task_meta`` gives: state and
    the result a reply shows, PENDING without a record, a failure's exception rebuilt."""
    url = (f"db+sqlite:///{tmp_path / 'results.sqlite'}" if kind == "sqlite"
           else request.getfixturevalue("redis_server").url)
    backend = Celery("t", backend=url).backend
    stored = {"PROGRESS": {"current": 3, "total": 10}, SUCCESS: [1, "two"], STARTED: None,
              "REVOKED": None, "FAILURE": ValueError("bad input")}
    ids = {state: str(uuid.uuid4()) for state in stored}
    for state, result in stored.items():
        backend.store_result(ids[state], result, state)
    for state, task_id in ids.items():
        meta, celerys = read_meta(backend, task_id), backend.get_task_meta(task_id)
        assert meta["status"] == celerys["status"] == state
        if state == "FAILURE":
            assert isinstance(meta["result"], ValueError) and str(meta["result"]) == "bad input"
        elif state in ("PROGRESS", SUCCESS):
            assert meta["result"] == celerys["result"] == stored[state]
    unknown = str(uuid.uuid4())
    assert read_meta(backend, unknown)["status"] == backend.get_task_meta(unknown)["status"] \
        == "PENDING"


# --- notifications: Redis pub/sub ---------------------------------------------------------

@pytest.fixture
def redis_app(redis_server):
    return Celery("t", backend=redis_server.url)


class CountingReads:
    """read_metas on a real backend (what the app's watcher reads), recording the ids of
    every call."""

    def __init__(self, backend):
        self.backend = backend
        self.calls: list[list[str]] = []

    def __call__(self, task_ids):
        self.calls.append(list(task_ids))
        return read_metas(self.backend, task_ids)

    def ids_read(self) -> set[str]:
        return {task_id for call in list(self.calls) for task_id in call}


def notified_watcher(backend, reads, check_interval=60.0) -> ResultWatcher:
    return ResultWatcher(reads, max_waiters=2000, notifier=notifier_for(backend),
                         check_interval=check_interval)


def running_tasks(backend, n: int) -> list[str]:
    """``n`` new ids stored as STARTED, as a worker does when it starts a task."""
    ids = [str(uuid.uuid4()) for _ in range(n)]
    for task_id in ids:
        backend.store_result(task_id, None, STARTED)
    return ids


def finish(backend, task_ids) -> None:
    for task_id in task_ids:
        backend.store_result(task_id, "done", SUCCESS)  # what the worker does: it publishes


def test_notified_waiters_wake_on_the_published_state_without_reads(redis_app):
    backend = redis_app.backend
    ids = running_tasks(backend, 200)
    reads = CountingReads(backend)
    watcher = notified_watcher(backend, reads)
    threads, outcomes = park(watcher, ids)
    # Each id is read once its subscription is confirmed; then the task's end is heard.
    wait_for(lambda: reads.ids_read() == set(ids), what="every subscription confirmed")
    calls = len(reads.calls)
    finish(backend, ids)
    join(threads)
    assert outcomes == dict.fromkeys(ids, True)
    assert len(reads.calls) == calls  # no read was needed to learn of the ends


def test_a_task_done_before_its_subscription_is_seen_by_the_first_read(redis_app):
    backend = redis_app.backend
    task_id = str(uuid.uuid4())
    backend.store_result(task_id, "early", SUCCESS)  # published before anyone listened
    watcher = notified_watcher(backend, CountingReads(backend))
    done, meta = watcher.wait(task_id, 30)  # seen by the read, which carries the result
    assert done and meta["status"] == SUCCESS and meta["result"] == "early"


def test_notified_reads_per_beat_cover_every_waiter(redis_app):
    backend = redis_app.backend
    ids = running_tasks(backend, 300)
    reads = CountingReads(backend)
    watcher = notified_watcher(backend, reads, check_interval=BEAT)
    threads, outcomes = park(watcher, ids)

    def last_calls_cover_all(n=3):
        recent = reads.calls[-n:]
        return len(recent) == n and all(set(call) == set(ids) for call in recent)

    wait_for(last_calls_cover_all, what="beat reads that cover every waiting id")
    finish(backend, ids)
    join(threads)
    assert outcomes == dict.fromkeys(ids, True)


def test_a_notification_carries_the_final_meta(redis_app):
    backend = redis_app.backend
    [task_id] = running_tasks(backend, 1)
    reads = CountingReads(backend)
    watcher = notified_watcher(backend, reads)
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.update(wait=watcher.wait(task_id, 30)))
    thread.start()
    wait_for(lambda: task_id in reads.ids_read(), what="the subscription confirmed")
    finish(backend, [task_id])
    join([thread])
    done, meta = outcome["wait"]
    assert done and meta["status"] == SUCCESS and meta["result"] == "done"


def test_a_lost_redis_connection_is_raised_in_every_waiting_request(redis_server, tmp_path):
    # redis_server skips (or fails under CI=true) without redis-server; the server stopped
    # under the waiters is this test's own.
    own = Redis(tmp_path)
    own.start()
    try:
        backend = Celery("t", backend=own.url).backend
        ids = running_tasks(backend, 5)
        reads = CountingReads(backend)
        watcher = notified_watcher(backend, reads)
        threads, outcomes = park(watcher, ids)
        wait_for(lambda: reads.ids_read() == set(ids), what="every subscription confirmed")
        own.close()
        join(threads)
    finally:
        own.close()
    assert all(isinstance(outcome, redis.exceptions.ConnectionError)
               for outcome in outcomes.values()), outcomes
    assert watcher.waiting == 0


def test_notifications_work_past_descriptor_1024(redis_app):
    # A server holding a thousand connections gives its Redis socket a descriptor past
    # select()'s limit of 1024.
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1200:
        pytest.skip(f"only {soft} open files allowed here")
    filler = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        backend = redis_app.backend
        [task_id] = running_tasks(backend, 1)
        watcher = notified_watcher(backend, CountingReads(backend))
        threads, outcomes = park(watcher, [task_id])
        finish(backend, [task_id])
        join(threads)
    finally:
        for fd in filler:
            os.close(fd)
    assert outcomes == {task_id: True}


# --- revisions, probes, limits per client, releases --------------------------------------

def progress(current: int) -> dict:
    return {"status": "PROGRESS", "result": {"current": current, "total": 10}}


def test_a_waiter_with_since_wakes_on_a_progress_step_with_its_meta(backend):
    task_id = str(uuid.uuid4())
    backend.states[task_id] = progress(1)
    watcher = new_watcher(backend)
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.update(
        wait=watcher.wait(task_id, 30, since=revision(progress(1)))))
    thread.start()
    wait_for(lambda: len(backend.calls) >= 3, what="a few reads of the unchanged task")
    assert thread.is_alive()  # the same revision: it waits on
    backend.states[task_id] = progress(2)
    join([thread])
    assert outcome["wait"] == (True, progress(2))


def test_a_waiter_without_since_waits_past_progress_steps(backend):
    task_id = str(uuid.uuid4())
    backend.states[task_id] = progress(1)
    watcher = new_watcher(backend)
    threads, outcomes = park(watcher, [task_id])
    backend.states[task_id] = progress(2)
    calls = len(backend.calls)
    wait_for(lambda: len(backend.calls) >= calls + 3, what="reads after the step")
    assert threads[0].is_alive()
    backend.states[task_id] = SUCCESS
    join(threads)
    assert outcomes == {task_id: True}


def test_with_a_probe_nothing_is_read_again_until_a_commit(backend):
    ids = [str(uuid.uuid4()) for _ in range(50)]
    backend.states.update(dict.fromkeys(ids, STARTED))
    version = [0]
    probes = []

    def probe():
        probes.append(version[0])
        return version[0]

    watcher = ResultWatcher(backend.read_states, max_waiters=100, first_delay=FIRST,
                            max_interval=BEAT, probe=probe)
    threads, outcomes = park(watcher, ids)

    def every_id_read():
        with backend.lock:
            return {i for call in backend.calls for i in call} == set(ids)

    wait_for(every_id_read, what="a first read of every id")
    reads, probed = len(backend.calls), len(probes)
    wait_for(lambda: len(probes) >= probed + 20, what="more probes on the beat")
    assert len(backend.calls) == reads  # nothing committed: no read
    backend.states.update(dict.fromkeys(ids, SUCCESS))
    version[0] += 1  # a commit
    join(threads)
    assert outcomes == dict.fromkeys(ids, True)


def test_sqlite_data_version_changes_with_a_commit_elsewhere(tmp_path):
    celery_app = Celery("t", backend=f"db+sqlite:///{tmp_path / 'results.sqlite'}")
    [task_id] = stored_ids(celery_app, 1)
    probe = change_probe(celery_app.backend)
    first = probe()
    assert probe() == first
    celery_app.backend.store_result(task_id, None, SUCCESS)
    assert probe() != first
    assert change_probe(Celery("t", backend="redis://127.0.0.1:1/0").backend) is None


def test_the_database_read_carries_the_progress(tmp_path):
    celery_app = Celery("t", backend=f"db+sqlite:///{tmp_path / 'results.sqlite'}")
    task_id = str(uuid.uuid4())
    celery_app.backend.store_result(task_id, {"current": 3, "total": 9}, "PROGRESS")
    meta = read_metas(celery_app.backend, [task_id])[task_id]
    assert revision(meta) == "PROGRESS:3"


def test_waiters_past_the_limit_of_their_client_are_refused_with_retry_after(backend):
    backend.states.update(a=STARTED, b=STARTED, c=STARTED)
    watcher = ResultWatcher(backend.read_states, max_waiters=10, max_per_client=1,
                            first_delay=FIRST, max_interval=BEAT)
    first = watcher.park("a", time.monotonic() + 5, client="10.0.0.1")
    with pytest.raises(TooManyWaiters) as refused:
        watcher.park("b", time.monotonic() + 5, client="10.0.0.1")
    assert refused.value.per_client and 1 <= refused.value.retry_after <= 5
    other = watcher.park("c", time.monotonic() + 5, client="10.0.0.2")  # another client
    watcher.release(first)
    watcher.release(other)
    assert watcher.collect(first)[0] and watcher.collect(other)[0]
    assert watcher.waiting == 0 and watcher.waiting_for("10.0.0.1") == 0


def test_release_all_answers_every_waiter_and_every_later_one(backend):
    ids = [str(uuid.uuid4()) for _ in range(5)]
    backend.states.update(dict.fromkeys(ids, STARTED))
    watcher = new_watcher(backend)
    threads, outcomes = park(watcher, ids)
    watcher.release_all()
    join(threads)
    assert outcomes == dict.fromkeys(ids, True)
    assert watcher.wait(ids[0], 30) == (True, None)  # at once: the server stops


def test_notified_waiters_with_since_wake_on_a_published_progress_step(redis_app):
    backend = redis_app.backend
    [task_id] = running_tasks(backend, 1)
    backend.store_result(task_id, {"current": 1, "total": 10}, "PROGRESS")
    reads = CountingReads(backend)
    watcher = notified_watcher(backend, reads)
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.update(
        wait=watcher.wait(task_id, 30, since="PROGRESS:1")))
    thread.start()
    wait_for(lambda: task_id in reads.ids_read(), what="the subscription confirmed")
    calls = len(reads.calls)
    backend.store_result(task_id, {"current": 2, "total": 10}, "PROGRESS")
    join([thread])
    done, meta = outcome["wait"]
    assert done and revision(meta) == "PROGRESS:2", meta
    assert len(reads.calls) == calls  # heard, not read
