"""Batch reads of task states from a Celery result backend, for :mod:`.result_watcher`.

Celery reads one task per query (``backend.get_task_meta``). :func:`read_states` reads many
in one: a Redis ``MGET``, or one SQL ``SELECT task_id, status ... WHERE task_id IN (...)`` on
a database backend. Any other backend falls back to one read per id.
"""

import os

from celery.backends.database import DatabaseBackend
from celery.backends.redis import RedisBackend
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine

# Ids per query: far below SQLite's 32,766 bound variables, and one query for the
# default LONG_POLL_MAX_WAITERS.
BATCH_SIZE = 5000


def read_states(backend, task_ids: list[str]) -> dict[str, str]:
    """``{task_id: state}`` for those of ``task_ids`` the backend has a record of."""
    states: dict[str, str] = {}
    for start in range(0, len(task_ids), BATCH_SIZE):
        states.update(_read_batch(backend, task_ids[start:start + BATCH_SIZE]))
    return states


def _read_batch(backend, task_ids: list[str]) -> dict[str, str]:
    if isinstance(backend, RedisBackend):
        values = backend.mget([backend.get_key_for_task(task_id) for task_id in task_ids])
        return {task_id: backend.decode_result(value)["status"]
                for task_id, value in zip(task_ids, values, strict=True) if value}
    if isinstance(backend, DatabaseBackend):
        table = backend.task_cls.__table__
        query = select(table.c.task_id, table.c.status).where(table.c.task_id.in_(task_ids))
        with _engine(backend).connect() as connection:
            return dict(connection.execute(query).all())
    return {task_id: backend.get_task_meta(task_id, cache=False)["status"]
            for task_id in task_ids}


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
