"""``CeleryMethods``: a JSON-RPC method registry whose methods hand their work to Celery.

An app makes one, registers its tasks on it, and serves it from a view::

    celery_methods = CeleryMethods(title="My service")
    celery_methods.task(celery_tasks.count_primes, heavy=True)

    @celery_methods.task            # or as a decorator, on top of @shared_task
    @shared_task(bind=True)
    def monte_carlo_pi(self, samples: int) -> float:
        ...
        self.update_state(state="PROGRESS", meta={"current": done, "total": samples})

===========================================  =================================================
method                                       result
===========================================  =================================================
``<task>(<its params>..., wait=0,``          ``{"task_id"}``: the task, sent to the workers;
``task_id=None)``, one per task registered   with ``wait`` > 0, the answer of
with :meth:`~CeleryMethods.task`             ``get_result(task_id, wait)``
``get_result(task_id, wait=0,``              ``{"task_id", "state", "revision"}``, plus
``since_revision=None)``                     ``"result"`` on ``SUCCESS`` and ``"progress"``
                                             ``{"current", "total"}`` while ``PROGRESS``;
                                             ``wait`` s to answer as soon as the task is done
                                             (or, given ``since_revision``, as soon as its
                                             ``revision`` differs); all calls of one HTTP
                                             request share ``RPC_MAX_WAIT`` (25 s)
``cancel(task_id)``                          ``{"task_id", "state": "REVOKED"}`` (or the final
                                             state of a task that is already done)
===========================================  =================================================

A task's parameters are those of its function (without ``self`` for a bound task), checked
against their annotations (``str``, ``int``, ``float``, ``bool``, ``list``, ``dict``: a JSON
value of another type is -32602) and listed by ``rpc.discover``. ``revision`` is an opaque
string that changes whenever the state or the progress does (:func:`.states.revision`).

One HTTP request per job: a start given ``wait`` > 0 answers like ``get_result(task_id,
wait)``, with the result if the task is done in time (and the task id either way). Or the
client chooses the id (``task_id``: a new random UUID, version 4; any other, or one already
known, is -32602) and sends the start and ``get_result(task_id, wait)`` in one batch.

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
-32006  busy, try later: ``RPC_MAX_HEAVY_TASKS`` heavy tasks (registered with
        ``heavy=True``) are queued or running across the cluster; ``data`` =
        ``{"max_heavy_tasks"}``
-32007  too many waiting requests: the process holds ``LONG_POLL_MAX_WAITERS`` already
======  ============================================================================

The limits are per HTTP request (a batch shares them) and, for heavy tasks, per cluster
(:mod:`flask_pyjamas.tasks.task_slots` counts them in the result backend).

An id is known once its web process has recorded it (:func:`.records.record_issued`, in one
round trip before the publish) in the result backend, which every web process reads.
Waiting requests are parked on the process's :class:`.ResultWatcher`. An error of a start
given ``wait`` carries the task id in its ``data`` once the task was sent (-32007 included):
poll it with ``get_result``.
"""

import inspect
import logging
import uuid
from collections.abc import Callable

from celery.states import FAILURE, PENDING, READY_STATES, REVOKED, SUCCESS
from flask import current_app, g

from flask_pyjamas.protocol.jsonrpc import InvalidParams, MethodRegistry, ServerError
from flask_pyjamas.tasks import waiting
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
from flask_pyjamas.tasks.records import (
    forget_issued,
    issued_task_name,
    record_issued,
    request_cancel,
)
from flask_pyjamas.tasks.result_watcher import revision
from flask_pyjamas.tasks.states import SENT, client_state, progress
from flask_pyjamas.tasks.task_slots import claim_slot

log = logging.getLogger(__name__)

# The parameters every start method adds to its task's.
START_PARAMS = ("wait", "task_id")


class CeleryMethods(MethodRegistry):
    """A :class:`.MethodRegistry` that also answers ``get_result`` and ``cancel``, and turns
    Celery tasks into JSON-RPC methods (:meth:`task`) that start them."""

    def __init__(self, *others: MethodRegistry, title: str = "Celery JSON-RPC service"):
        super().__init__(*others, title=title)
        self._result_aliases: dict[str, str] = {}  # task name -> a second key for its result
        # The 2012 Pyjamas client sends get_result(handler, task_id=..., bogus="blue").
        self.method(self.get_result, name="get_result", ignore_unknown_params=True)
        self.method(self.cancel, name="cancel")

    # --- registering tasks ---------------------------------------------------------------

    def task(self, celery_task=None, *, heavy: bool = False, name: str | None = None,
             check: Callable | None = None):
        """Expose ``celery_task`` as a JSON-RPC method that starts it: named ``name``, or
        after the task (the last part of its Celery name), taking the task's parameters
        plus ``wait`` and ``task_id``. Usable as a decorator, ``@methods.task`` or
        ``@methods.task(heavy=True)``, on top of ``@shared_task``; returns the task.

        ``heavy=True``: each start takes one of the cluster's ``RPC_MAX_HEAVY_TASKS`` slots
        until the task is done (-32006 when none is free). ``check``: called with the task's
        arguments before it is sent, to refuse values the task would refuse (raise
        :class:`.InvalidParams`).
        """

        def register(task):
            method_name = name or task.name.rsplit(".", 1)[-1]
            self.method(self._starter(task, method_name, heavy, check), name=method_name)
            return task

        return register(celery_task) if celery_task is not None else register

    def result_alias(self, celery_task, key: str) -> None:
        """Answer the result of ``celery_task`` under ``key`` too, beside ``"result"`` (the
        2012 Pyjamas client reads its echo tasks' results under ``"echo"``)."""
        self._result_aliases[_task_name(celery_task)] = key

    def _starter(self, task, method_name: str, heavy: bool, check: Callable | None):
        """The start method of ``task``: the task's signature plus ``wait`` and ``task_id``."""
        task_signature = inspect.signature(task.run, eval_str=True)
        params = list(task_signature.parameters.values())
        if clash := [p.name for p in params if p.name in START_PARAMS]:
            raise ValueError(f"{method_name}: a task parameter may not be named {clash}")
        # Positional wait and task_id after the task's own, unless the task has keyword-only
        # or variadic parameters.
        simple = all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)
        kind = inspect.Parameter.POSITIONAL_OR_KEYWORD if simple else inspect.Parameter.KEYWORD_ONLY
        added = [inspect.Parameter("wait", kind, default=0, annotation=float),
                 inspect.Parameter("task_id", kind, default=None, annotation=str | None)]
        variadic = [p for p in params if p.kind is p.VAR_KEYWORD]
        signature = inspect.Signature(
            [p for p in params if p.kind is not p.VAR_KEYWORD] + added + variadic,
            return_annotation=dict)

        def start(*args, **kwargs) -> dict:
            arguments = signature.bind(*args, **kwargs).arguments
            wait = arguments.pop("wait", 0)
            task_id = arguments.pop("task_id", None)
            task_args, task_kwargs = _split_arguments(params, arguments)
            if check is not None:
                check(*task_args, **task_kwargs)
            return self.start_task(task, task_args, task_kwargs, wait=wait, task_id=task_id,
                                   heavy=heavy)

        start.__name__ = start.__qualname__ = method_name
        start.__signature__ = signature
        start.__doc__ = (
            f"{inspect.getdoc(task.run) or f'The task {task.name}.'}\n\n"
            f"Starts the Celery task ``{task.name}``: ``{{\"task_id\"}}``; with ``wait`` "
            "(seconds), the answer of ``get_result(task_id, wait)``; ``task_id``: an id of the "
            "client's choice (a new random UUID)."
            + (" A heavy task: busy (-32006) past ``RPC_MAX_HEAVY_TASKS``." if heavy else ""))
        return start

    # --- starting a task -----------------------------------------------------------------

    def start_task(self, task, args=(), kwargs: dict | None = None, countdown: float = 0,
                   wait: float = 0, task_id: str | None = None, heavy: bool = False) -> dict:
        """Send ``task`` (a Celery task, or its name) with ``args`` and ``kwargs`` to run in
        ``countdown`` seconds: ``{"task_id"}``; with ``wait`` > 0, the answer of
        ``get_result(task_id, wait)``. For hand-written start methods: the methods made by
        :meth:`task` call it.

        ``task_id``: the client's (-32602 unless a new random UUID), else a new one. Errors:
        -32005 past the request's ``RPC_MAX_TASKS``, -32006 past a fair-share bound or, for
        a ``heavy`` task, when the cluster's heavy-task slots are all taken, -32000/-32003
        when the broker or the result backend is unavailable. With ``wait``, the answer may
        be a deferred one (:func:`.waiting.answer_when_changed`): return it as it is.
        """
        name = _task_name(task)
        task_id = str(uuid.uuid4()) if task_id is None else _random_id(task_id)
        self._admit(task_id, args, kwargs, countdown)
        celery = current_celery()
        # recorded only if nothing else is: a client-chosen id must be new
        if not self._record(celery.backend, task_id, name):
            raise InvalidParams(data="task_id is already in use: choose a new UUID")
        if heavy:
            self._take_heavy_slot(celery.backend, task_id)
        try:
            celery.tasks[name].apply_async(args, kwargs, task_id=task_id,
                                           countdown=countdown or None)
        except BROKER_ERRORS as exc:
            log.warning("Broker unavailable, %s not sent: %s", name, exc)
            _forget_quietly(celery.backend, task_id)
            raise ServerError("Broker unavailable", code=BROKER_UNAVAILABLE) from None
        if wait > 0:  # an error's data carries the id: the task is on its way
            return waiting.answer_when_changed(
                task_id, {"status": SENT, "result": None}, wait, None,
                lambda meta: self.result_reply(task_id, meta, name), {"task_id": task_id})
        return {"task_id": task_id}

    def _admit(self, task_id: str, args, kwargs: dict | None, countdown: float) -> None:
        """The one place a start is admitted, before anything is recorded or sent (every
        limit on starting tasks belongs here): -32005 past the request's ``RPC_MAX_TASKS``,
        then the fair share between clients (:func:`.fair_share.admit_start`, -32006)."""
        started = g.get("tasks_started", 0)
        limit = current_app.config["RPC_MAX_TASKS"]
        if started >= limit:
            raise ServerError("Too many tasks in one request", code=TOO_MANY_TASKS,
                              data={"max_tasks": limit})
        g.tasks_started = started + 1
        admit_start(task_id, [args, kwargs] if kwargs else args, countdown)

    @staticmethod
    def _record(backend, task_id: str, name: str) -> bool:
        """Record ``task_id`` as sent (False: it is known already); -32003 when the backend
        is unavailable."""
        try:
            return record_issued(backend, task_id, name)
        except BACKEND_ERRORS as exc:
            raise backend_unavailable(exc) from None

    @staticmethod
    def _take_heavy_slot(backend, task_id: str) -> None:
        limit = int(current_app.config["RPC_MAX_HEAVY_TASKS"])
        try:
            taken = claim_slot(backend, task_id, limit)
        except BACKEND_ERRORS as exc:
            raise backend_unavailable(exc) from None
        if not taken:
            _forget_quietly(backend, task_id)
            raise ServerError("Busy: too many heavy tasks queued or running, try later",
                              code=BUSY, data={"max_heavy_tasks": limit})

    # --- following and cancelling --------------------------------------------------------

    def get_result(self, task_id: str, wait: float = 0,
                   since_revision: str | None = None) -> dict:
        """The task's state (``{"task_id", "state", "revision"}``), with ``"result"`` once it
        succeeded and ``"progress"`` while it runs.

        With ``wait`` (seconds) the answer comes as soon as the task is done (given
        ``since_revision``: as soon as its ``revision`` differs from it), or when ``wait`` is
        over; all calls of one HTTP request share ``RPC_MAX_WAIT`` seconds (25) of waiting.
        """
        task_id = checked_id(task_id)
        if since_revision is not None and not isinstance(since_revision, str):
            raise InvalidParams(data="since_revision must be a string")
        return waiting.answer_when_changed(
            task_id, self.known_meta(task_id), wait, since_revision,
            lambda meta: self.result_reply(task_id, meta))

    def cancel(self, task_id: str) -> dict:
        """Cancel the task: a waiting task never runs, a running one stops at its next
        progress report (``update_state``).

        ``{"task_id", "state": "REVOKED"}``; a task that is already done keeps (and gives) its
        final state. The cancel is recorded in the result backend, which every worker checks,
        so it holds even when the broadcast to the workers cannot be sent.
        """
        task_id = checked_id(task_id)
        state = self.known_meta(task_id)["status"]
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

    @staticmethod
    def known_meta(task_id: str) -> dict:
        """The task's stored state and result (``{"status", "result"}``); -32004 for an id
        never issued."""
        meta = task_meta(task_id)
        if meta["status"] == PENDING:
            raise ServerError("Unknown task id", code=UNKNOWN_TASK, data={"task_id": task_id})
        return meta

    def result_reply(self, task_id: str, meta: dict, name: str | None = None) -> dict:
        """What ``get_result`` answers for ``meta`` (``{"status", "result"}``), the task's
        (``name``: when known); raises -32001 for a failed task. The events stream
        (:func:`.events.task_events_view`) sends the same objects."""
        state = meta["status"]
        if state == FAILURE:
            raise ServerError(
                "Celery task failed",
                code=TASK_FAILED,
                data={"task_id": task_id, "state": state,
                      "exception": type(meta["result"]).__name__},
            )
        reply = {"task_id": task_id, "state": client_state(meta), "revision": revision(meta)}
        if state == SUCCESS:
            reply["result"] = meta["result"]
            if self._result_aliases and name is None:
                name = _issued_name(task_id)
            alias = self._result_aliases.get(name)
            if alias:
                reply[alias] = meta["result"]
        elif (done := progress(meta)) is not None:
            reply["progress"] = done
        return reply


def _issued_name(task_id: str) -> str | None:
    try:
        return issued_task_name(current_celery().backend, task_id)
    except BACKEND_ERRORS as exc:
        raise backend_unavailable(exc) from None


def _task_name(task) -> str:
    return task if isinstance(task, str) else task.name


def _split_arguments(params: list[inspect.Parameter], arguments: dict) -> tuple[tuple, dict]:
    """The task's positional and named arguments, from bound JSON-RPC params."""
    args, kwargs = [], {}
    for param in params:
        if param.name not in arguments:
            continue
        value = arguments[param.name]
        if param.kind is param.POSITIONAL_ONLY:
            args.append(value)
        elif param.kind is param.VAR_POSITIONAL:
            args.extend(value)
        elif param.kind is param.VAR_KEYWORD:
            kwargs.update(value)
        else:
            kwargs[param.name] = value
    return tuple(args), kwargs


def checked_id(task_id) -> str:
    """A task id given by a client, as a UUID string; -32602 when it is none."""
    try:
        return str(uuid.UUID(task_id))
    except (ValueError, TypeError, AttributeError):
        raise InvalidParams(data="task_id must be a UUID string") from None


def _random_id(task_id) -> str:
    """A client-chosen id, checked: a random UUID (version 4), else -32602 (any other is
    guessable, or derived from another id)."""
    task_id = checked_id(task_id)
    if uuid.UUID(task_id).version != 4:
        raise InvalidParams(data="task_id must be a new random UUID (version 4)")
    return task_id


def _forget_quietly(backend, task_id: str) -> None:
    try:
        forget_issued(backend, task_id)
    except BACKEND_ERRORS:
        pass  # the id was never given out: a stale record is harmless, and expires
