"""The JSON-RPC errors of tasks behind JSON-RPC (-32000..-32007), and the faults of the broker
and the result backend that become them. The table is in :mod:`.methods`."""

import logging

import redis.exceptions
import sqlalchemy.exc
from celery import Celery
from flask import current_app
from kombu.exceptions import ChannelError, OperationalError

from flask_pyjamas.protocol.jsonrpc import ServerError
from flask_pyjamas.tasks.result_store import read_meta

log = logging.getLogger(__name__)

BROKER_UNAVAILABLE = -32000
TASK_FAILED = -32001
BACKEND_UNAVAILABLE = -32003
UNKNOWN_TASK = -32004
TOO_MANY_TASKS = -32005
BUSY = -32006
TOO_MANY_WAITERS = -32007

BROKER_ERRORS = (OperationalError, ChannelError, OSError)
BACKEND_ERRORS = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    sqlalchemy.exc.OperationalError,
    OSError,
)


def current_celery() -> Celery:
    """The Celery app of the current Flask app (:func:`.celery_app.celery_init_app`)."""
    return current_app.extensions["celery"]


def backend_unavailable(exc: Exception) -> ServerError:
    """-32003, logged with its cause (the client gets no details of the server's network)."""
    log.warning("Result backend unavailable: %s", exc)
    return ServerError("Result backend unavailable", code=BACKEND_UNAVAILABLE)


def task_meta(task_id: str) -> dict:
    """The task's stored state and result (``PENDING`` for an id the backend has no record
    of); -32003 when the backend cannot be read."""
    try:
        return read_meta(current_celery().backend, task_id)
    except BACKEND_ERRORS as exc:
        raise backend_unavailable(exc) from None
