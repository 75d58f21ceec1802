"""Long-polls: a request waits for a task's end, parked on the process's result watcher.

Every long-poll of one HTTP request (a batch included) shares one deadline,
``RPC_MAX_WAIT`` seconds after the request began, so a batch of waits holds its thread no
longer than one wait.
"""

import time

from celery.states import READY_STATES
from flask import current_app, g

from flask_pyjamas.protocol.jsonrpc import ServerError
from flask_pyjamas.tasks.errors import (
    BACKEND_ERRORS,
    TOO_MANY_WAITERS,
    backend_unavailable,
    current_celery,
    task_meta,
)
from flask_pyjamas.tasks.redis_notifier import notifier_for
from flask_pyjamas.tasks.result_store import read_states
from flask_pyjamas.tasks.result_watcher import ResultWatcher, TooManyWaiters

# Seconds between reads of a waited-for task's state, when the backend does not notify (as
# Redis does): quick at first (an echo is done in a few milliseconds), 1.5 times longer each
# time, then every 25 ms, so the client learns of the end within about 25 ms. One read
# covers every waiting request of the process (result_watcher).
FIRST_READ_DELAY, READ_GROWTH, MAX_READ_INTERVAL = 0.001, 1.5, 0.025


def request_deadline() -> float:
    """The ``time.monotonic()`` past which no long-poll of this HTTP request waits."""
    deadline = g.get("long_poll_deadline")
    if deadline is None:
        deadline = g.long_poll_deadline = (
            time.monotonic() + float(current_app.config["RPC_MAX_WAIT"]))
    return deadline


def result_watcher() -> ResultWatcher:
    """The app's result watcher (one per process), made on first use."""
    extensions = current_app.extensions
    watcher = extensions.get("result_watcher")
    if watcher is None:
        backend = current_celery().backend
        watcher = extensions.setdefault("result_watcher", ResultWatcher(
            lambda task_ids: read_states(backend, task_ids),
            max_waiters=current_app.config["LONG_POLL_MAX_WAITERS"],
            first_delay=FIRST_READ_DELAY, growth=READ_GROWTH, max_interval=MAX_READ_INTERVAL,
            notifier=notifier_for(backend)))
    return watcher


def wait_until_done(task_id: str, meta: dict, wait: float) -> dict:
    """The task's meta once it is done, or after ``wait`` s (less when the request's shared
    wait budget, ``RPC_MAX_WAIT``, is spent): parked on the watcher, then read once."""
    timeout = min(wait, request_deadline() - time.monotonic())
    if meta["status"] in READY_STATES or timeout <= 0:
        return meta
    try:
        _, final_meta = result_watcher().wait(task_id, timeout)
    except TooManyWaiters as exc:
        raise ServerError("Too many waiting requests: try again later", code=TOO_MANY_WAITERS,
                          data={"max_waiters": exc.args[0]}) from None
    except BACKEND_ERRORS as exc:
        raise backend_unavailable(exc) from None
    return final_meta if final_meta is not None else task_meta(task_id)
