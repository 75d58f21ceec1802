"""The records the library keeps beside a task's result, in the result backend.

Every web process and every worker reads the same result backend (Redis, SQLite or another
SQL database), so the records live there, with the results, and expire with them:

* **issued** (:func:`record_issued`): a web process sent the task, named ``task``. The
  backend answers ``PENDING`` for any id it has no record of, so this is how the server tells
  a task waiting for a worker (state ``PENDING`` to clients) from an id never issued or
  expired (error -32004). It also names the task, for :meth:`.CeleryMethods.result_alias`.
* **cancel requested** (:func:`request_cancel`): a running task checks it at each
  ``update_state`` and stops (:mod:`.celery_app`), and a worker drops a queued one.

Each record is stored under an id of its own, ``flask-pyjamas-<kind>-<task id>``
(:func:`record_id`). That is no UUID, and every task id is one (the server's own are
random, a client may choose only a new random one, version 4): no task id, chosen by
anyone, names a record, so no client can overwrite another task's records through its own
(its cancel cannot free another task's heavy-task slot, :mod:`.task_slots`).
"""

from celery.exceptions import Ignore
from celery.states import REVOKED

ISSUED = "ISSUED"  # the state of an issued record (never a task's own state)


def record_id(kind: str, task_id: str) -> str:
    """The backend id of the ``kind`` record of ``task_id``: never a UUID, so never a task's.

    >>> record_id("cancel", "6f1d2c4e-8a3b-4c5d-9e7f-0a1b2c3d4e5f")
    'flask-pyjamas-cancel-6f1d2c4e-8a3b-4c5d-9e7f-0a1b2c3d4e5f'
    """
    return f"flask-pyjamas-{kind}-{task_id}"


def record_issued(backend, task_id: str, task_name: str) -> None:
    """Record that ``task_id`` was issued, for the task named ``task_name``."""
    backend.store_result(record_id("issued", task_id), {"task": task_name}, ISSUED)


def issued_task_name(backend, task_id: str) -> str | None:
    """The name of the task issued as ``task_id``; None when it was never recorded (or its
    record expired)."""
    meta = backend.get_task_meta(record_id("issued", task_id))
    if meta["status"] != ISSUED or not isinstance(meta["result"], dict):
        return None
    return str(meta["result"].get("task", ""))


def forget_issued(backend, task_id: str) -> None:
    """Delete the issued record of a task that was not sent after all."""
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
