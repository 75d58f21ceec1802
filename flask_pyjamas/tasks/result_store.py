"""Batch reads of task states from a Celery result backend, for :mod:`.result_watcher`.

Celery reads one task per query (``backend.get_task_meta``). :func:`read_metas` reads many
in one: a Redis ``MGET``, or one SQL ``SELECT task_id, status, result ... WHERE task_id IN
(...)`` on a database backend (the result decoded only while ``PROGRESS``: the progress is
all a waiter needs before the end). Any other backend falls back to one read per id.

:func:`change_probe` gives, for an SQLite backend, a token that changes whenever any
connection commits to the database (``PRAGMA data_version``, one cheap statement on a
connection of the watcher's own): while it stays the same, nothing needs reading again.
"""

import os
import sqlite3

from celery.backends.database import DatabaseBackend
from celery.backends.redis import RedisBackend
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine, make_url

PROGRESS = "PROGRESS"

# Ids per query: far below SQLite's 32,766 bound variables, and one query for the
# default LONG_POLL_MAX_WAITERS.
BATCH_SIZE = 5000


def read_states(backend, task_ids: list[str]) -> dict[str, str]:
    """``{task_id: state}`` for those of ``task_ids`` the backend has a record of."""
    return {task_id: meta["status"] for task_id, meta in read_metas(backend, task_ids).items()}


def read_metas(backend, task_ids: list[str]) -> dict[str, dict]:
    """``{task_id: {"status", "result", ...}}`` for those of ``task_ids`` the backend has a
    record of; on a database, ``result`` only while ``PROGRESS`` (else None)."""
    metas: dict[str, dict] = {}
    for start in range(0, len(task_ids), BATCH_SIZE):
        metas.update(_read_batch(backend, task_ids[start:start + BATCH_SIZE]))
    return metas


def _read_batch(backend, task_ids: list[str]) -> dict[str, dict]:
    if isinstance(backend, RedisBackend):
        values = backend.mget([backend.get_key_for_task(task_id) for task_id in task_ids])
        return {task_id: backend.decode_result(value)
                for task_id, value in zip(task_ids, values, strict=True) if value}
    if isinstance(backend, DatabaseBackend):
        table = backend.task_cls.__table__
        query = select(table.c.task_id, table.c.status, table.c.result).where(
            table.c.task_id.in_(task_ids))
        with _engine(backend).connect() as connection:
            rows = connection.execute(query).all()
        return {task_id: {"status": status, "result": backend.decode(result)
                          if status == PROGRESS and result is not None else None}
                for task_id, status, result in rows}
    return {task_id: backend.get_task_meta(task_id, cache=False) for task_id in task_ids}


def change_probe(backend):
    """A function returning a token that changes whenever anything is committed to the
    backend's database, for an SQLite backend; else None (no cheap way to know)."""
    if not isinstance(backend, DatabaseBackend):
        return None
    url = make_url(backend.url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    connections: dict[int, sqlite3.Connection] = {}  # by process: a fork opens its own

    def data_version() -> int:
        connection = connections.get(os.getpid())
        if connection is None:  # opened by the watcher's thread, which alone uses it
            connection = connections[os.getpid()] = sqlite3.connect(
                url.database, timeout=30, check_same_thread=False)
        return connection.execute("PRAGMA data_version").fetchone()[0]

    return data_version


# Celery's database backend makes an engine per session in a web process (it caches them
# only in forked workers): ten times the cost of the query on SQLite. One engine per
# process and database here.
_engines: dict[tuple[int, str], Engine] = {}


def _engine(backend: DatabaseBackend) -> Engine:
    key = (os.getpid(), backend.url)
    engine = _engines.get(key)
    if engine is None:
        engine = _engines[key] = create_engine(backend.url, **backend.engine_options)
    return engine
