"""The records the library keeps about a task, in the result backend.

Every web process and every worker reads the same result backend (Redis, SQLite or another
SQL database), so the records live there, with the results, and expire with them:

* **sent** (:func:`record_issued`): before a web process publishes a task, it stores the
  state ``SENT`` as the task's own result (a worker's ``STARTED``, ``PROGRESS``... replace
  it). The backend answers ``PENDING`` for any id it has no record of, so the server tells a
  task waiting for a worker (``SENT``, shown to clients as ``PENDING``) from an id never
  issued or expired (error -32004).
* **issued**, written with it in the same round trip (one Redis pipeline, one SQL
  transaction): the task's name (:func:`issued_task_name`), for
  :meth:`.CeleryMethods.result_alias`.
* **cancel requested** (:func:`request_cancel`): a running task checks it at each
  ``update_state`` and stops (:mod:`.celery_app`), and a worker drops a queued one.

The issued and cancel records are stored under ids of their own,
``flask-pyjamas-<kind>-<task id>`` (:func:`record_id`). That is no UUID, and every task id
is one (the server's own are random, and a client may choose only a new random one, version
4): no task id, chosen by anyone, names a record, so no client reaches another task's records
through its own (a cancel cannot free another task's heavy-task slot, :mod:`.task_slots`).
"""

import os

import sqlalchemy as sa
from celery.backends.database import DatabaseBackend
from celery.backends.redis import RedisBackend
from celery.exceptions import Ignore
from celery.states import PENDING, REVOKED
from kombu.utils.encoding import ensure_bytes

from flask_pyjamas.tasks.states import SENT

ISSUED = "ISSUED"  # the state of an issued record (never a task's own state)


def record_id(kind: str, task_id: str) -> str:
    """The backend id of the ``kind`` record of ``task_id``: never a UUID, so never a task's.

    >>> record_id("cancel", "6f1d2c4e-8a3b-4c5d-9e7f-0a1b2c3d4e5f")
    'flask-pyjamas-cancel-6f1d2c4e-8a3b-4c5d-9e7f-0a1b2c3d4e5f'
    """
    return f"flask-pyjamas-{kind}-{task_id}"


def record_issued(backend, task_id: str, task_name: str) -> bool:
    """Record ``task_id`` as sent, for the task named ``task_name`` (before publishing it);
    False, and nothing recorded, when the backend already has a record of that id (on Redis
    and SQL databases the check is atomic)."""
    records = {task_id: (SENT, None), record_id("issued", task_id): (ISSUED, {"task": task_name})}
    if isinstance(backend, RedisBackend):
        return _redis_insert(backend, records)
    if isinstance(backend, DatabaseBackend):
        return _sql_insert(backend, records)
    if any(backend.get_task_meta(key)["status"] != PENDING for key in records):
        return False
    for key, (state, result) in records.items():
        backend.store_result(key, result, state)
    return True


def issued_task_name(backend, task_id: str) -> str | None:
    """The name of the task issued as ``task_id``; None when it was never recorded (or its
    record expired)."""
    meta = backend.get_task_meta(record_id("issued", task_id))
    if meta["status"] != ISSUED or not isinstance(meta["result"], dict):
        return None
    return str(meta["result"].get("task", ""))


def forget_issued(backend, task_id: str) -> None:
    """Delete the records of a task that was not sent after all."""
    backend.forget(task_id)
    backend.forget(record_id("issued", task_id))


def request_cancel(backend, task_id: str) -> None:
    """Ask workers to drop ``task_id``, or stop it at its next ``update_state``; it is
    ``REVOKED`` from now on."""
    backend.store_result(record_id("cancel", task_id), None, REVOKED)
    backend.mark_as_revoked(task_id, reason="cancelled")


def cancel_requested(backend, task_id: str) -> bool:
    """True once :func:`request_cancel` was called for ``task_id``."""
    return backend.get_task_meta(record_id("cancel", task_id))["status"] == REVOKED


def stop_if_cancelled(task) -> None:
    """In a running task: if it was cancelled, keep it ``REVOKED`` and stop it (``Ignore``:
    Celery stores nothing more for it). Does nothing when the task is called directly."""
    task_id = task.request.id
    if task_id and cancel_requested(task.backend, task_id):
        task.backend.mark_as_revoked(task_id, reason="cancelled", request=task.request)
        raise Ignore()


def _meta(key: str, state: str, result) -> dict:
    """A record as Celery stores a result (what ``backend.get_task_meta`` reads back)."""
    return {"status": state, "result": result, "traceback": None, "children": [],
            "date_done": None, "task_id": key}


def _redis_insert(backend: RedisBackend, records: dict) -> bool:
    """``SET ... NX`` each record, in one pipeline (one round trip)."""
    pipe = backend.client.pipeline(transaction=False)
    for key, (state, result) in records.items():
        pipe.set(backend.get_key_for_task(key), backend.encode(_meta(key, state, result)),
                 nx=True, ex=backend.expires)
    return all(pipe.execute())


def _sql_insert(backend: DatabaseBackend, records: dict) -> bool:
    """One ``INSERT`` of every record, in one transaction; False when a row exists."""
    table = backend.task_cls.__table__
    # date_done: the column's default (now), as Celery's own writes; results expire by it
    rows = [{"task_id": key, "status": state, "result": ensure_bytes(backend.encode(result))}
            for key, (state, result) in records.items()]
    try:
        with sql_engine(backend).begin() as connection:
            connection.execute(sa.insert(table), rows)
    except sa.exc.IntegrityError:  # task_id is unique
        return False
    return True


# Celery's database backend makes an engine per session in a web process (it caches them
# only in forked workers): three times the cost of the insert on SQLite. One engine per
# process and database here, with Celery's tables made on first use.
_engines: dict[tuple[int, str], sa.Engine] = {}


def sql_engine(backend: DatabaseBackend) -> sa.Engine:
    """The process's SQLAlchemy engine for ``backend``'s database."""
    key = (os.getpid(), backend.url)
    engine = _engines.get(key)
    if engine is None:
        backend.ResultSession().close()  # Celery creates its tables if they are missing
        engine = _engines[key] = sa.create_engine(backend.url, **backend.engine_options)
    return engine
