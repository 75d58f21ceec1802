"""``celery_methods``: JSON-RPC methods that hand their work to Celery workers.

They start the tasks named ``celery_echo`` and ``count_primes`` (defined by the example's
``celery_tasks.py``) on the Celery app of the current Flask app.

===========================================  =================================================
method                                       result
===========================================  =================================================
``echo``, ``reverse``, ``uppercase``,        ``{"task_id"}``: a ``celery_echo`` task, run after
``lowercase``: ``(text, countdown=None,``    ``countdown`` s (default ``ECHO_COUNTDOWN``)
``wait=0, task_id=None)``
``count_primes(n, wait=0, task_id=None)``    ``{"task_id"}``: primes below ``n``, with progress
``get_result(task_id, wait=0)``              ``{"task_id", "state"}``, plus ``"echo"`` (the
                                             result) on ``SUCCESS`` and ``"progress"``
                                             ``{"current", "total"}`` while ``PROGRESS``;
                                             ``wait`` s to answer as soon as the task is
                                             done (all calls of one HTTP request share
                                             ``RPC_MAX_WAIT``, 25 s)
``cancel(task_id)``                          ``{"task_id", "state": "REVOKED"}`` (or the final
                                             state of a task that is already done)
===========================================  =================================================

One HTTP request per job: a start method given ``wait`` > 0 answers like
``get_result(task_id, wait)``, with the result if the task is done in time (and the task id
either way). Or the client chooses the id (``task_id``, a UUID; one already known is refused,
-32602) and sends the start and ``get_result(task_id, wait)`` in one batch. The long-polls of
one HTTP request share one budget of 25 s (a batch included).

A task waiting for a worker is ``PENDING``. Errors: a malformed task id is -32602; and

======  ============================================================================
code    meaning
======  ============================================================================
-32000  broker unavailable: the task was not sent
-32001  the task failed; ``data`` = ``{"task_id", "state": "FAILURE", "exception"}``
-32003  result backend unavailable
-32004  unknown task id: never issued, or its result expired
-32005  this HTTP request already started ``RPC_MAX_TASKS`` tasks; ``data`` =
        ``{"max_tasks"}``
-32006  busy, try later: ``RPC_MAX_HEAVY_TASKS`` ``count_primes`` tasks are queued or
        running across the cluster; ``data`` = ``{"max_heavy_tasks"}``
-32007  too many waiting requests: the process holds ``LONG_POLL_MAX_WAITERS`` already
======  ============================================================================

The limits are per HTTP request (a batch shares them) and, for heavy tasks, per cluster
(:mod:`flask_pyjamas.tasks.task_slots` counts them in the result backend).

An id is known once its web process has recorded it (:func:`.record_sent`)
in the result backend, which every web process reads. Waiting requests are parked on the
process's :class:`.ResultWatcher`, which learns of their tasks' ends for all
of them at once (one batch read per tick, or Redis's notifications). An error of a start
given ``wait`` carries the task id in its ``data`` once the task was sent (-32007 included):
poll it with ``get_result``.
"""

import logging
import uuid

from celery.states import FAILURE, PENDING, READY_STATES, REVOKED, SUCCESS
from flask import current_app, g

from flask_pyjamas.protocol.jsonrpc import InvalidParams, MethodRegistry, ServerError
from flask_pyjamas.tasks.errors import (
    BACKEND_ERRORS,
    BROKER_ERRORS,
    BROKER_UNAVAILABLE,
    BUSY,
    TASK_FAILED,
    TOO_MANY_TASKS,
    UNKNOWN_TASK,
    backend_unavailable,
    current_celery,
    task_meta,
)
from flask_pyjamas.tasks.fair_share import admit_start, release_queued
from flask_pyjamas.tasks.records import MAX_PRIMES_N, PROGRESS, SENT, record_sent, request_cancel
from flask_pyjamas.tasks.task_slots import claim_slot
from flask_pyjamas.tasks.waiting import answer_when_changed

log = logging.getLogger(__name__)

MAX_COUNTDOWN = 3600.0
celery_methods = MethodRegistry(title="Flask + Celery JSON-RPC service")


def _take_task_from_budget() -> None:
    """Count one more task started by this HTTP request: -32005 past ``RPC_MAX_TASKS``."""
    started = g.get("tasks_started", 0)
    limit = current_app.config["RPC_MAX_TASKS"]
    if started >= limit:
        raise ServerError("Too many tasks in one request", code=TOO_MANY_TASKS,
                          data={"max_tasks": limit})
    g.tasks_started = started + 1


def _start(task_name: str, args: tuple, countdown: float, wait: float = 0,
           task_id: str | None = None, heavy: bool = False) -> dict:
    """Record the task id (``task_id``, or a new one), then publish the task:
    ``{"task_id"}``, or -32000/-32003, or -32005 past the request's task budget, or
    -32006 for a ``heavy`` task when all the cluster's heavy-task slots are taken. With
    ``wait`` > 0, the answer of ``get_result(task_id, wait)``."""
    _take_task_from_budget()
    celery = current_celery()
    if task_id is None:
        task_id = str(uuid.uuid4())
    else:
        task_id = _unused_id(task_id)
    admit_start(task_id, args, countdown)  # fair share between clients: -32006 past it
    try:
        record_sent(celery.backend, task_id)
        if heavy and not claim_slot(celery.backend, task_id, _max_heavy()):
            celery.backend.forget(task_id)
            raise ServerError("Busy: too many heavy tasks queued or running, try later",
                              code=BUSY, data={"max_heavy_tasks": _max_heavy()})
    except BACKEND_ERRORS as exc:
        raise backend_unavailable(exc) from None
    try:
        celery.tasks[task_name].apply_async(args, task_id=task_id, countdown=countdown)
    except BROKER_ERRORS as exc:
        log.warning("Broker unavailable, %s not sent: %s", task_name, exc)
        try:
            celery.backend.forget(task_id)
        except BACKEND_ERRORS:
            pass  # the id was never given out: a stale record is harmless, and expires
        raise ServerError("Broker unavailable", code=BROKER_UNAVAILABLE) from None
    if wait > 0:  # an error's data carries the id: the task is on its way
        return answer_when_changed(task_id, {"status": SENT}, wait, None,
                                   lambda meta: _reply(task_id, meta), {"task_id": task_id})
    return {"task_id": task_id}


def _unused_id(task_id) -> str:
    """A client-chosen id, checked: a UUID the backend has no record of, else -32602.

    Check, then record, is not atomic: two starts racing with one id both run, and share one
    result record. Only the client that chose the id (a secret, random UUID) can cause that,
    and only its own task is affected.
    """
    task_id = _checked_id(task_id)
    if task_meta(task_id)["status"] != PENDING:
        raise InvalidParams(data="task_id is already in use: choose a new UUID")
    return task_id


def _countdown(value) -> float:
    if value is None:
        return float(current_app.config["ECHO_COUNTDOWN"])
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidParams(data="countdown must be a number of seconds")
    return min(max(float(value), 0.0), MAX_COUNTDOWN)


def _echo_starter(method: str):
    def start(text: str, countdown=None, wait: float = 0, task_id: str | None = None) -> dict:
        return _start("celery_echo", (method, text), _countdown(countdown), wait, task_id)

    start.__name__ = start.__qualname__ = method
    start.__doc__ = (
        f"Start ``celery_echo({method!r}, text)`` after ``countdown`` seconds "
        "(default ``ECHO_COUNTDOWN``, at most an hour): ``{\"task_id\"}``; with ``wait``, "
        "the answer of ``get_result(task_id, wait)``; ``task_id``: an id of the client's "
        "choice (a new UUID)."
    )
    return start


# One starter per echo method: the worker runs the function the flaskcors server registered.
for _method in ("echo", "reverse", "uppercase", "lowercase"):
    celery_methods.method(_echo_starter(_method), name=_method)


@celery_methods.method
def count_primes(n: int, wait: float = 0, task_id: str | None = None) -> dict:
    """Start counting the primes below ``n`` (0..10**10): ``{"task_id"}``; ``wait`` and
    ``task_id`` as for ``echo``."""
    if not 0 <= n <= MAX_PRIMES_N:
        raise InvalidParams(data=f"n must be between 0 and {MAX_PRIMES_N}")
    return _start("count_primes", (n,), 0, wait, task_id, heavy=True)


def _max_heavy() -> int:
    return int(current_app.config["RPC_MAX_HEAVY_TASKS"])


def _checked_id(task_id) -> str:
    try:
        return str(uuid.UUID(task_id))
    except (ValueError, TypeError, AttributeError):
        raise InvalidParams(data="task_id must be a UUID string") from None


def _known_meta(task_id: str) -> dict:
    """The task's stored state and result; -32004 for an id the backend has no record of."""
    meta = task_meta(task_id)
    if meta["status"] == PENDING:
        raise ServerError("Unknown task id", code=UNKNOWN_TASK, data={"task_id": task_id})
    return meta


def _reply(task_id: str, meta: dict) -> dict:
    state = meta["status"]
    if state == FAILURE:
        raise ServerError(
            "Celery task failed",
            code=TASK_FAILED,
            data={"task_id": task_id, "state": state, "exception": type(meta["result"]).__name__},
        )
    reply = {"task_id": task_id, "state": PENDING if state == SENT else state}
    if state == SUCCESS:
        reply["echo"] = meta["result"]
    elif state == PROGRESS and isinstance(meta["result"], dict):
        reply["progress"] = {k: meta["result"].get(k) for k in ("current", "total")}
    return reply


# The 2012 Pyjamas client sends get_result(handler, task_id=..., bogus="blue").
@celery_methods.method(ignore_unknown_params=True)
def get_result(task_id: str, wait: float = 0, since_revision: str | None = None) -> dict:
    """The task's state (``{"task_id", "state"}``), with ``"echo"`` once it succeeded and
    ``"progress"`` while it runs. With ``wait`` (seconds) the answer comes as soon as the task
    is done, or when ``wait`` is over; all calls of one HTTP request share ``RPC_MAX_WAIT``
    seconds (25) of waiting. With ``since_revision`` (the revision of the state last seen:
    ``"state:current"``), it answers as soon as the task's state or progress differs."""
    task_id = _checked_id(task_id)
    return answer_when_changed(task_id, _known_meta(task_id), wait, since_revision,
                               lambda meta: _reply(task_id, meta))


@celery_methods.method
def cancel(task_id: str) -> dict:
    """Cancel the task: a waiting task never runs, ``count_primes`` stops at its next step.

    ``{"task_id", "state": "REVOKED"}``; a task that is already done keeps (and gives) its
    final state. The cancel is recorded in the result backend, which every worker checks, so it
    holds even when the broadcast to the workers cannot be sent.
    """
    task_id = _checked_id(task_id)
    state = _known_meta(task_id)["status"]
    if state in READY_STATES:
        return {"task_id": task_id, "state": state}
    celery = current_celery()
    try:
        request_cancel(celery.backend, task_id)
        release_queued(celery.backend, task_id)
    except BACKEND_ERRORS as exc:
        raise backend_unavailable(exc) from None
    try:
        celery.control.revoke(task_id)  # workers holding it (a countdown) drop it at once
    except BROKER_ERRORS as exc:
        log.warning("Revoke of %s not broadcast (broker unavailable): %s", task_id, exc)
    return {"task_id": task_id, "state": REVOKED}

