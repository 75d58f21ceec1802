"""Batch reads of task states from a Celery result backend, for :mod:`.result_watcher`.

Celery reads one task per query (``backend.get_task_meta``). :func:`read_metas` reads many
in one: a Redis ``MGET``, or one SQL ``SELECT task_id, status, result ... WHERE task_id IN
(...)`` on a database backend (the result decoded while ``PROGRESS`` and once ``SUCCESS``:
what a waiter's answer shows; a failure's exception is left to Celery's own read). Any other
backend falls back to one read per id. :func:`read_meta` reads one task the same way (each
``get_result``'s first read).

:func:`change_probe` gives, for an SQLite backend, a token that changes whenever any
connection commits to the database (``PRAGMA data_version``, one cheap statement on a
connection of the watcher's own): while it stays the same, nothing needs reading again.
"""

import functools
import os
import sqlite3
import threading
from contextlib import contextmanager

from celery.backends.database import DatabaseBackend
from celery.backends.database.session import SessionManager
from celery.backends.redis import RedisBackend
from celery.states import FAILURE, PENDING, SUCCESS
from sqlalchemy import bindparam, create_engine, event, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import sessionmaker

PROGRESS = "PROGRESS"
# The states whose result a waiter's answer shows: the progress, the return value.
_DECODED = {PROGRESS, SUCCESS}

# Ids per query: far below SQLite's 32,766 bound variables, and one query for the
# default LONG_POLL_MAX_WAITERS.
BATCH_SIZE = 5000


def read_states(backend, task_ids: list[str]) -> dict[str, str]:
    """``{task_id: state}`` for those of ``task_ids`` the backend has a record of."""
    return {task_id: meta["status"] for task_id, meta in read_metas(backend, task_ids).items()}


def read_meta(backend, task_id: str) -> dict:
    """One task's ``{"status", "result", ...}``, ``PENDING`` without a record, as Celery's
    ``backend.get_task_meta`` gives it, but read as :func:`read_metas` reads (on a database:
    one light query on the process's engine rather than an ORM session, a third of a
    ``get_result``'s time). A failure is read again by Celery, which rebuilds its exception."""
    meta = read_metas(backend, [task_id]).get(task_id)
    if meta is None:
        return {"status": PENDING, "result": None, "task_id": task_id}
    if meta["status"] == FAILURE:
        return backend.get_task_meta(task_id)
    return meta


def read_metas(backend, task_ids: list[str]) -> dict[str, dict]:
    """``{task_id: {"status", "result", ...}}`` for those of ``task_ids`` the backend has a
    record of; on a database, ``result`` only while ``PROGRESS`` and once ``SUCCESS`` (else
    None)."""
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
        with _engine(backend).connect() as connection:
            rows = connection.execute(_states_query(backend.task_cls.__table__),
                                      {"ids": task_ids}).all()
        return {task_id: {"status": status, "result": backend.decode(result)
                          if status in _DECODED and result is not None else None}
                for task_id, status, result in rows}
    return {task_id: backend.get_task_meta(task_id, cache=False) for task_id in task_ids}


@functools.cache
def _states_query(table):
    """``SELECT task_id, status, result FROM table WHERE task_id IN (:ids)``, built once:
    building it took as long as running it."""
    return select(table.c.task_id, table.c.status, table.c.result).where(
        table.c.task_id.in_(bindparam("ids", expanding=True)))


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


# Celery's database backend makes an engine (and opens a connection) per session in a web
# process (it caches them only in the forked processes of a worker's pool), and since the
# backend is not thread-safe, every server thread gets its own backend, which checks the
# tables on its first use: with a thousand threads parking long-polls, that is most of the
# server's CPU, held under the GIL while other calls wait. Instead, one engine per process
# and database, shared by every thread, the watcher's batch reads included.
_engines: dict[tuple[int, str], Engine] = {}
_engines_lock = threading.Lock()


def database_engine(url: str, options: dict) -> Engine:
    """This process's engine for ``url`` (made with ``options`` on first use). On SQLite:
    WAL journal (readers never wait for a writer; a setting of the database file, so every
    process's connections use it), commits synced at checkpoints, and a pool that never
    makes a thread wait."""
    key = (os.getpid(), url)
    engine = _engines.get(key)
    if engine is None:
        with _engines_lock:
            engine = _engines.get(key)
            if engine is None:
                engine = _engines[key] = _new_engine(url, options)
    return engine


def _new_engine(url: str, options: dict) -> Engine:
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, **options)
    options = {key: value for key, value in options.items()
               if not key.startswith("pool") and key != "max_overflow"}
    engine = create_engine(url, pool_size=8, max_overflow=-1, **options)
    event.listen(engine, "connect", _sqlite_wal)
    _one_writer_at_a_time(engine)
    return engine


def _one_writer_at_a_time(engine: Engine) -> None:
    """Let this process's threads write to SQLite one at a time, queued on a lock.

    SQLite has one writer at a time; a connection that finds the database locked sleeps
    in its busy handler, for up to 100 ms a time, whether or not the lock has long been
    free. With hundreds of threads starting tasks, that sleeping, not the writes, set the
    pace (about 40 starts a second). Queued on a lock, the next writer starts as soon as
    the last one commits. Reads (WAL) never wait.
    """
    lock = _write_locks[engine] = threading.Lock()

    def before_execute(conn, cursor, statement, *_):
        if not conn.info.get("writing") and statement.lstrip()[:6].upper() in _WRITES:
            lock.acquire()
            conn.info["writing"] = True

    def done(conn):
        if conn.info.pop("writing", False):
            lock.release()

    def checked_in(_dbapi_connection, record):  # returned without a commit or rollback
        if record.info.pop("writing", False):
            lock.release()

    event.listen(engine, "before_cursor_execute", before_execute)
    event.listen(engine, "commit", done)
    event.listen(engine, "rollback", done)
    event.listen(engine, "checkin", checked_in)


_WRITES = {"INSERT", "UPDATE", "DELETE", "REPLAC"}
_write_locks: dict[Engine, threading.Lock] = {}


@contextmanager
def write_transaction(engine: Engine):
    """A transaction (its connection) that holds this process's SQLite write lock from its
    first statement, reads included: a check and its write are one step among this
    process's threads. Elsewhere a plain transaction."""
    lock = _write_locks.get(engine)
    with engine.connect() as connection:
        if lock is not None:
            lock.acquire()
            connection.info["writing"] = True  # released at the commit or the rollback
        try:
            with connection.begin():
                yield connection
        finally:
            if connection.info.pop("writing", False):
                lock.release()


def _sqlite_wal(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA journal_mode=WAL")
    # In WAL mode, NORMAL syncs at checkpoints, not at each commit: a killed process loses
    # nothing (its commits are in the file system's cache); a power cut may lose the last
    # commits, never the database's consistency. A commit costs no fsync, so writers hold
    # the database's lock for microseconds, not milliseconds.
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def _engine(backend: DatabaseBackend) -> Engine:
    return database_engine(backend.url, backend.engine_options)


class ProcessSessions(SessionManager):
    """Celery's ``SessionManager`` with one engine and session factory per process and
    database (:func:`database_engine`), shared by every thread."""

    def __init__(self, engine_options: dict, engine_callback=None):
        super().__init__(engine_callback=engine_callback)
        self._options = engine_options
        self._makers: dict[tuple[int, str], sessionmaker] = {}

    def get_engine(self, dburi, **kwargs):
        return database_engine(dburi, self._options)

    def create_session(self, dburi, short_lived_sessions=False, **kwargs):
        key = (os.getpid(), dburi)
        maker = self._makers.get(key)
        if maker is None:
            engine = self.get_engine(dburi)
            if self.engine_callback is not None:
                self.engine_callback(engine)
            maker = self._makers[key] = sessionmaker(bind=engine)
        return maker.kw["bind"], maker

    def invalidate(self, dburi):
        """After a retryable error: a new engine next time."""
        self._makers.pop((os.getpid(), dburi), None)
        engine = _engines.pop((os.getpid(), dburi), None)
        if engine is not None:
            engine.dispose()


def share_database_backend(celery_app) -> None:
    """On a database result backend, make ``celery_app`` use one backend object, with one
    engine per process (:class:`ProcessSessions`), in every thread; other backends are left
    as they are."""
    backend = celery_app.backend
    if not isinstance(backend, DatabaseBackend):
        return
    backend.session_manager = ProcessSessions(backend.engine_options,
                                              backend.session_manager.engine_callback)
    backend.thread_safe = True  # so Celery keeps this one for every thread
    celery_app._backend = backend
