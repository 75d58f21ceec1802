"""Fair share between clients: no one client fills the queue, and the queue has a bound.

A *client* is the address a request comes from, as seen through ``RPC_TRUSTED_PROXIES``
trusted proxies (Werkzeug's ``ProxyFix``, applied by :func:`.init_rpc_app`). Before a task
is sent, :func:`admit_start` checks, and counts:

=================================  ===============================================
setting                            bound
=================================  ===============================================
``RPC_TASKS_PER_MINUTE``           tasks a client starts per minute (a fixed
                                   one-minute window)
``RPC_QUEUED_BYTES_PER_CLIENT``    bytes of task arguments (as JSON) a client has
                                   queued: sent, not yet started by a worker
``RPC_MAX_QUEUED_TASKS``           tasks queued across the cluster
``RPC_MAX_QUEUED_BYTES``           bytes of task arguments queued across the cluster
=================================  ===============================================

Past a bound the start is refused with -32006 (busy, try later), ``data`` =
``{"limit": <setting>, "retry_after": <seconds>}``, and nothing is sent. A queued task's
bytes count until a worker starts it (Celery's ``task_prerun`` signal, in the worker) or
it is cancelled (:func:`release_queued`); a task that no worker starts within
``countdown + QUEUED_GRACE`` seconds stops counting (a lost message cannot block a client
for ever). Long-polls held per client are bounded by the result watcher
(``RPC_MAX_WAITS_PER_CLIENT``, per web process: long-poll slots are a process's).

The counts must hold across web processes, so they live in the result backend every web
process and worker shares: on Redis, a sorted set and a hash updated by Lua scripts
(atomic); on a database (the embedded SQLite one), two tables of their own (a check and
its insert are not one transaction there: concurrent starts may pass a bound by the
requests in flight at that moment).

Why not Flask-Limiter: it counts *requests* per route, while one request may start several
tasks of very different sizes; it has nothing to release a count when a worker starts a
task; and it needs a storage of its own beside the embedded default, which has no Redis.
"""

import json
import logging
import math
import threading
import time

from celery.backends.database import DatabaseBackend
from celery.backends.redis import RedisBackend
from celery.signals import after_task_publish, task_prerun
from flask import after_this_request, current_app, g, has_request_context, request
from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    case,
    delete,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError, OperationalError

from flask_pyjamas.protocol.jsonrpc import ServerError
from flask_pyjamas.tasks.errors import BACKEND_ERRORS, BUSY, backend_unavailable, current_celery
from flask_pyjamas.tasks.result_store import database_engine, write_transaction

log = logging.getLogger(__name__)

# Seconds past its countdown after which a task no worker started stops counting.
QUEUED_GRACE = 3600.0
# What a refused client is told to wait when queued tasks must start first (no estimate).
QUEUE_RETRY_AFTER = 10
WINDOW = 60  # s: the window of RPC_TASKS_PER_MINUTE

_PREFIX = "flask-pyjamas-fair-"


# Threads of one process between admitting a task and publishing it. A burst of starts (a
# thousand pages arriving at once) would otherwise make as many threads runnable at once,
# and every other call of the process would wait its turn for the GIL behind them.
STARTS_AT_ONCE = 2
_starting = threading.BoundedSemaphore(STARTS_AT_ONCE)


def admit_start(task_id: str, args, countdown: float = 0.0) -> None:
    """Count a task about to be sent by this request's client, or raise -32006 (busy, with
    ``data.retry_after``) past a fair-share bound; -32003 if the backend cannot be read.

    Until the task is published (or the request ends), the thread holds one of the
    process's ``STARTS_AT_ONCE`` start slots. A task admitted but not sent by the end of
    the request (the broker was down, the heavy slots full) stops counting then."""
    unsent = _hold_start_slot()
    config = current_app.config
    limits = {name: config[name] for name in (
        "RPC_TASKS_PER_MINUTE", "RPC_QUEUED_BYTES_PER_CLIENT", "RPC_MAX_QUEUED_TASKS",
        "RPC_MAX_QUEUED_BYTES")}
    size = len(json.dumps(args, separators=(",", ":")).encode())
    now = time.time()
    try:
        refused = _store(current_celery().backend).admit(
            task_id, request.remote_addr or "?", size, now, now + countdown + QUEUED_GRACE,
            limits)
    except BACKEND_ERRORS as exc:
        _leave_start()
        raise backend_unavailable(exc) from None
    if refused is not None:
        _leave_start()
        limit, retry_after = refused
        raise ServerError("Busy, try later", code=BUSY,
                          data={"limit": limit, "retry_after": retry_after})
    unsent.add(task_id)


def _hold_start_slot() -> set:
    """Take a start slot for this thread (once until it is left); the request's set of
    admitted, unsent task ids, released when the request ends."""
    if not g.get("fair_share_starting"):
        _starting.acquire()
        g.fair_share_starting = True
    unsent = g.get("fair_share_unsent")
    if unsent is None:
        unsent = g.fair_share_unsent = set()
        backend = current_celery().backend

        @after_this_request
        def release_unsent(response):
            _leave_start()
            for unsent_id in unsent:
                try:
                    release_queued(backend, unsent_id)
                except BACKEND_ERRORS:
                    pass  # it stops counting after its grace time
            return response

    return unsent


@after_task_publish.connect
def _published(headers=None, **_) -> None:
    """Published: this thread's start slot is free (the task still counts as queued)."""
    if has_request_context() and headers and "fair_share_unsent" in g:
        g.fair_share_unsent.discard(headers.get("id"))
        _leave_start()


def _leave_start() -> None:
    if g.pop("fair_share_starting", False):
        _starting.release()


def release_queued(backend, task_id: str) -> None:
    """The task started (or was cancelled): its arguments no longer count as queued."""
    _store(backend).release(task_id)


@task_prerun.connect
def _started(task_id=None, task=None, **_) -> None:
    """In the worker: a task starting leaves the queue."""
    if task_id is not None and task is not None:
        try:
            release_queued(task.backend, task_id)
        except BACKEND_ERRORS:  # it stops counting after its grace time all the same
            pass


def _store(backend):
    if isinstance(backend, RedisBackend):
        return _RedisStore(backend)
    if isinstance(backend, DatabaseBackend):
        return _SqlStore(backend)
    return _Unbounded(backend)


class _Unbounded:
    """Another result backend (none the docs name): no shared counts to keep, every start
    admitted, and a warning once per process."""

    warned = False

    def __init__(self, backend):
        if not _Unbounded.warned:
            _Unbounded.warned = True
            log.warning("Fair share between clients needs a Redis or database result "
                        "backend; %s has no shared counts: starts are not bounded per client",
                        type(backend).__name__)

    def admit(self, *_):
        return None

    def release(self, _task_id):
        pass


# --- Redis: atomic Lua scripts --------------------------------------------------------------

_ADMIT = """
local queued, info, rate = KEYS[1], KEYS[2], KEYS[3]
local now, expires, task_id, client = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4]
local size, per_minute, client_bytes = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local max_tasks, max_bytes, window = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
for _, old in ipairs(redis.call('ZRANGEBYSCORE', queued, '-inf', now)) do
  redis.call('HDEL', info, old)
end
redis.call('ZREMRANGEBYSCORE', queued, '-inf', now)
local started = tonumber(redis.call('GET', rate) or '0')
if started >= per_minute then
  return {'RPC_TASKS_PER_MINUTE', redis.call('TTL', rate)}
end
local tasks, bytes, mine = 0, 0, 0
for _, value in ipairs(redis.call('HVALS', info)) do
  local sep = string.find(value, ' ', 1, true)
  local n = tonumber(string.sub(value, 1, sep - 1))
  tasks = tasks + 1
  bytes = bytes + n
  if string.sub(value, sep + 1) == client then mine = mine + n end
end
if mine + size > client_bytes then return {'RPC_QUEUED_BYTES_PER_CLIENT', -1} end
if tasks + 1 > max_tasks then return {'RPC_MAX_QUEUED_TASKS', -1} end
if bytes + size > max_bytes then return {'RPC_MAX_QUEUED_BYTES', -1} end
if redis.call('INCR', rate) == 1 then redis.call('EXPIRE', rate, window) end
redis.call('ZADD', queued, expires, task_id)
redis.call('HSET', info, task_id, size .. ' ' .. client)
return false
"""

_RELEASE = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
"""


class _RedisStore:
    def __init__(self, backend: RedisBackend):
        self.client = backend.client
        self.keys = [_PREFIX + "queued", _PREFIX + "queued-info"]

    def admit(self, task_id, client, size, now, expires, limits):
        window = math.floor(now / WINDOW)
        refused = self.client.eval(
            _ADMIT, 3, *self.keys, f"{_PREFIX}rate-{window}-{client}",
            now, expires, task_id, client, size, limits["RPC_TASKS_PER_MINUTE"],
            limits["RPC_QUEUED_BYTES_PER_CLIENT"], limits["RPC_MAX_QUEUED_TASKS"],
            limits["RPC_MAX_QUEUED_BYTES"], WINDOW)
        if not refused:
            return None
        limit, ttl = refused
        limit = limit.decode() if isinstance(limit, bytes) else limit
        return limit, int(ttl) if int(ttl) > 0 else QUEUE_RETRY_AFTER

    def release(self, task_id):
        self.client.eval(_RELEASE, 2, *self.keys, task_id)


# --- a database: two tables beside Celery's -------------------------------------------------

_metadata = MetaData()
_queued = Table(
    "flask_pyjamas_queued", _metadata,
    Column("task_id", String(155), primary_key=True),
    Column("client", String(255), index=True),
    Column("bytes", Integer, nullable=False),
    Column("expires", Float, nullable=False, index=True),
)
_starts = Table(
    "flask_pyjamas_starts", _metadata,
    Column("client", String(255), primary_key=True),
    Column("window", Integer, primary_key=True),
    Column("count", Integer, nullable=False),
)
_created: set = set()  # engines whose tables this process made sure of
_create_lock = threading.Lock()


def _create_tables(engine) -> None:
    try:
        _metadata.create_all(engine)
    except OperationalError:  # another process made them meanwhile
        _metadata.create_all(engine)
_swept: dict = {}  # engine url -> when expired rows were last deleted by this process
SWEEP_INTERVAL = 10.0  # s


class _SqlStore:
    def __init__(self, backend: DatabaseBackend):
        self.engine = database_engine(backend.url, backend.engine_options)
        if self.engine not in _created:
            with _create_lock:
                if self.engine not in _created:
                    _create_tables(self.engine)
                    _created.add(self.engine)

    def admit(self, task_id, client, size, now, expires, limits):
        window = math.floor(now / WINDOW)
        with write_transaction(self.engine) as db:
            if now - _swept.get(self.engine.url, 0.0) > SWEEP_INTERVAL:
                _swept[self.engine.url] = now
                db.execute(delete(_queued).where(_queued.c.expires <= now))
                db.execute(delete(_starts).where(_starts.c.window < window))
            # One statement for every count: the fewer round trips under the write lock,
            # the sooner the next start gets it.
            mine = func.coalesce(func.sum(case((_queued.c.client == client, _queued.c.bytes),
                                               else_=0)), 0)
            started_now = select(_starts.c.count).where(
                _starts.c.client == client, _starts.c.window == window).scalar_subquery()
            tasks, total, mine, started = db.execute(
                select(func.count(), func.coalesce(func.sum(_queued.c.bytes), 0), mine,
                       func.coalesce(started_now, 0))
                .where(_queued.c.expires > now)).one()
            if started >= limits["RPC_TASKS_PER_MINUTE"]:
                return "RPC_TASKS_PER_MINUTE", max(1, math.ceil((window + 1) * WINDOW - now))
            for limit, over in (("RPC_QUEUED_BYTES_PER_CLIENT", mine + size),
                                ("RPC_MAX_QUEUED_TASKS", tasks + 1),
                                ("RPC_MAX_QUEUED_BYTES", total + size)):
                if over > limits[limit]:
                    return limit, QUEUE_RETRY_AFTER
            counted = db.execute(_starts.update().where(
                _starts.c.client == client, _starts.c.window == window).values(
                count=_starts.c.count + 1)).rowcount
            if not counted:  # another web process may insert it first: then one uncounted
                try:
                    with db.begin_nested():
                        db.execute(_starts.insert().values(client=client, window=window,
                                                           count=1))
                except IntegrityError:
                    pass
            db.execute(_queued.insert().values(task_id=task_id, client=client, bytes=size,
                                               expires=expires))
        return None

    def release(self, task_id):
        with write_transaction(self.engine) as db:
            db.execute(delete(_queued).where(_queued.c.task_id == task_id))
