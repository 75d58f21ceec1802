"""Long-polls: a request waits for a task's change or end, parked on the process's result
watcher.

Every long-poll of one HTTP request (a batch included) ends by one deadline, ``RPC_MAX_WAIT``
seconds after the request arrived (:func:`~flask_pyjamas.web.connection.request_arrival`:
when its bytes came in, however late a busy process reads it). The waits of a batch run
side by side: each call parks its waiter when it runs (:func:`answer_when_changed` returns
a :class:`~flask_pyjamas.protocol.jsonrpc.Deferred`), and the request collects them all
once every call has run, so a batch of waits takes as long as its longest.

A parked request is answered early, with its task's state as it is, when its client closes
the connection (:mod:`flask_pyjamas.web.hangups`: the waiter is released at once) or when
the server stops (:func:`release_waiting_requests`, called on SIGTERM by the production
gunicorn config and by ``runserver``).
"""

import threading
import time
import weakref
from collections.abc import Callable

from celery.states import READY_STATES
from flask import current_app, g, request

from flask_pyjamas.protocol.jsonrpc import Deferred, ServerError
from flask_pyjamas.tasks.errors import (
    BACKEND_ERRORS,
    TOO_MANY_WAITERS,
    backend_unavailable,
    current_celery,
    task_meta,
)
from flask_pyjamas.tasks.redis_notifier import notifier_for
from flask_pyjamas.tasks.result_store import change_probe, read_metas
from flask_pyjamas.tasks.result_watcher import ResultWatcher, TooManyWaiters, Waiter, revision
from flask_pyjamas.web.connection import request_arrival
from flask_pyjamas.web.hangups import hangup_watch
from flask_pyjamas.web.stopping import on_stop

__all__ = ["answer_when_changed", "release_waiting_requests", "request_deadline",
           "result_watcher", "revision", "wait_for_change", "wait_until_done"]

# Seconds between reads of a waited-for task's state, when the backend does not notify (as
# Redis does): quick at first (an echo is done in a few milliseconds), 1.5 times longer each
# time, then every 25 ms, so the client learns of a change within about 25 ms. One read
# covers every waiting request of the process (result_watcher); on SQLite, a read is
# skipped while nothing was committed (result_store.change_probe).
FIRST_READ_DELAY, READ_GROWTH, MAX_READ_INTERVAL = 0.001, 1.5, 0.025

# Every watcher of this process, for release_waiting_requests.
_watchers: "weakref.WeakSet[ResultWatcher]" = weakref.WeakSet()
_watchers_lock = threading.Lock()
# The server began to stop: a watcher made from now on is closed from the start (a request
# that makes the process's first watcher after SIGTERM must not park for RPC_MAX_WAIT).
_stopping = False


def request_deadline() -> float:
    """The ``time.monotonic()`` past which no long-poll of this HTTP request waits:
    ``RPC_MAX_WAIT`` s after the request arrived (:func:`.connection.request_arrival`)."""
    deadline = g.get("long_poll_deadline")
    if deadline is None:  # counted from the request's arrival, not from its reading
        deadline = g.long_poll_deadline = (
            request_arrival(request.environ) + float(current_app.config["RPC_MAX_WAIT"]))
    return deadline


def result_watcher() -> ResultWatcher:
    """The app's result watcher (one per process), made on first use."""
    extensions = current_app.extensions
    watcher = extensions.get("result_watcher")
    if watcher is None:
        backend = current_celery().backend
        with _watchers_lock:
            watcher = extensions.get("result_watcher")
            if watcher is None:
                watcher = extensions["result_watcher"] = ResultWatcher(
                    lambda task_ids: read_metas(backend, task_ids),
                    max_waiters=current_app.config["LONG_POLL_MAX_WAITERS"],
                    max_per_client=current_app.config.get("RPC_MAX_WAITS_PER_CLIENT"),
                    first_delay=FIRST_READ_DELAY, growth=READ_GROWTH,
                    max_interval=MAX_READ_INTERVAL, notifier=notifier_for(backend),
                    probe=change_probe(backend))
                _watchers.add(watcher)
                # After the add: a stop that began before it is seen here, one that
                # begins after it finds the watcher in _watchers.
                if _stopping:
                    watcher.release_all()
    return watcher


def release_waiting_requests() -> None:
    """Answer every parked long-poll of this process now, with its task's current state, and
    every later one at once: call it when the server begins to stop (safe from a signal
    handler: it takes no lock, and the work is done on a thread of its own)."""
    global _stopping
    _stopping = True
    for watcher in list(_watchers):
        threading.Thread(target=watcher.release_all, name="release-waits").start()


on_stop(release_waiting_requests)


def client_address() -> str | None:
    """The client of this request: its address as seen through ``RPC_TRUSTED_PROXIES``
    (the library's ``ProxyFix`` rewrote ``remote_addr``)."""
    return request.remote_addr


def _must_wait(meta: dict, since_revision: str | None, timeout: float) -> bool:
    if timeout <= 0 or meta["status"] in READY_STATES:
        return False
    return since_revision is None or revision(meta) == since_revision


def _park(task_id: str, timeout: float, since_revision: str | None) -> tuple[Waiter, object]:
    """The waiter parked, and its entry in the hangup watch (released if the client goes)."""
    watcher = result_watcher()
    try:
        waiter = watcher.park(task_id, time.monotonic() + timeout, since_revision,
                              client_address())
    except TooManyWaiters as exc:
        message = ("Too many waiting requests from this client: try again later"
                   if exc.per_client else "Too many waiting requests: try again later")
        data = {"retry_after": exc.retry_after,
                "max_waiters_per_client" if exc.per_client else "max_waiters": exc.limit}
        raise ServerError(message, code=TOO_MANY_WAITERS, data=data) from None
    return waiter, hangup_watch().watch(request.environ, lambda: watcher.release(waiter))


def _collect(waiter: Waiter, hangup) -> dict:
    try:
        _, meta = result_watcher().collect(waiter)
    except BACKEND_ERRORS as exc:
        raise backend_unavailable(exc) from None
    finally:
        hangup_watch().unwatch(hangup)
    return meta if meta is not None else task_meta(waiter.task_id)


def answer_when_changed(task_id: str, meta: dict, wait: float, since_revision: str | None,
                        answer: Callable[[dict], object], error_data: dict | None = None):
    """``answer(meta)`` at once when there is nothing to wait for; else park a waiter now
    and return a :class:`~flask_pyjamas.protocol.jsonrpc.Deferred` whose ``resolve()``
    gives ``answer(new_meta)`` once the task is done, or its revision differs from
    ``since_revision`` (if given), or ``wait`` s (the request's ``RPC_MAX_WAIT`` at most) have
    passed. ``error_data`` is added to the ``data`` of a -32003/-32007 error."""
    timeout = min(wait, request_deadline() - time.monotonic())
    if not _must_wait(meta, since_revision, timeout):
        return answer(meta)
    try:
        waiter, hangup = _park(task_id, timeout, since_revision)
    except ServerError as exc:
        raise _with_data(exc, error_data) from None

    def resolve():
        try:
            new_meta = _collect(waiter, hangup)
        except ServerError as exc:
            raise _with_data(exc, error_data) from None
        return answer(new_meta)

    return Deferred(resolve)


def wait_for_change(task_id: str, meta: dict, wait: float,
                    since_revision: str | None = None) -> dict:
    """The task's meta once it is done, or its revision differs from ``since_revision``, or
    after ``wait`` s (less when the request's ``RPC_MAX_WAIT`` is spent); blocking."""
    timeout = min(wait, request_deadline() - time.monotonic())
    if not _must_wait(meta, since_revision, timeout):
        return meta
    reply = answer_when_changed(task_id, meta, wait, since_revision, lambda new: new)
    return reply.resolve() if isinstance(reply, Deferred) else reply


def wait_until_done(task_id: str, meta: dict, wait: float) -> dict:
    """:func:`wait_for_change` without a revision: the task's meta once it is done."""
    return wait_for_change(task_id, meta, wait)


def _with_data(exc: ServerError, data: dict | None) -> ServerError:
    if data:
        exc.data = {**(exc.data or {}), **data}
    return exc
