"""A cap, shared by every web process, on the heavy tasks queued or running at once.

The cap is ``limit`` numbered slots kept in the result backend, which every web process
reads. A slot holds the id of the task it was taken for, and is free again as soon as that
task is done (a ready state) or unknown to the backend (its record forgotten or expired): a
slot is never released explicitly, so a crash cannot leak one, and a task whose worker died
keeps its slot until it is redelivered and finishes. Taking a slot is one atomic
compare-and-set, so two web processes never take the same one: a Lua script on Redis, an
``UPDATE ... WHERE task_id = :old`` (or an ``INSERT`` of a new row) on an SQL database.
"""

import threading
import weakref

import sqlalchemy as sa
from celery.backends.database import DatabaseBackend
from celery.backends.redis import RedisBackend
from celery.states import PENDING, READY_STATES


class UnsupportedBackend(Exception):
    """The result backend has no atomic operation this module knows how to use."""


def claim_slot(backend, task_id: str, limit: int) -> bool:
    """Take one of the ``limit`` slots for ``task_id`` (already recorded in ``backend``);
    False when all are held by tasks still queued or running."""
    slots = _slots(backend)
    for slot, holder in enumerate(slots.holders(limit)):
        if (holder is None or _finished(backend, holder)) and slots.swap(slot, holder, task_id):
            return True
    return False


def _finished(backend, task_id: str) -> bool:
    status = backend.get_task_meta(task_id)["status"]
    return status in READY_STATES or status == PENDING


_KEY_PREFIX = "flask-pyjamas-task-slot-"
# Set KEYS[1] to ARGV[2] if it holds ARGV[1] ("" = the key does not exist).
_SWAP_SCRIPT = """
local held = redis.call('GET', KEYS[1])
if (held == false and ARGV[1] == '') or held == ARGV[1] then
    redis.call('SET', KEYS[1], ARGV[2])
    return 1
end
return 0
"""


class RedisSlots:
    """Slots as Redis keys ``flask-pyjamas-task-slot-<n>``."""

    def __init__(self, client):
        self.client = client
        self._swap = client.register_script(_SWAP_SCRIPT)

    def holders(self, limit: int) -> list[str | None]:
        values = self.client.mget([_KEY_PREFIX + str(slot) for slot in range(limit)])
        return [None if value is None else value.decode() for value in values]

    def swap(self, slot: int, old: str | None, new: str) -> bool:
        return bool(self._swap(keys=[_KEY_PREFIX + str(slot)], args=[old or "", new]))


_METADATA = sa.MetaData()
_TABLE = sa.Table(
    "flask_pyjamas_task_slots", _METADATA,
    sa.Column("slot", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("task_id", sa.String(155), nullable=False),
)


class SQLSlots:
    """Slots as rows of the table ``flask_pyjamas_task_slots`` in the result database."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        try:
            _METADATA.create_all(engine)
        except sa.exc.DBAPIError:  # another process created it between check and create
            if not sa.inspect(engine).has_table(_TABLE.name):
                raise

    def holders(self, limit: int) -> list[str | None]:
        with self.engine.connect() as connection:
            query = sa.select(_TABLE.c.slot, _TABLE.c.task_id).where(_TABLE.c.slot < limit)
            held = {slot: task_id for slot, task_id in connection.execute(query)}
        return [held.get(slot) for slot in range(limit)]

    def swap(self, slot: int, old: str | None, new: str) -> bool:
        try:
            with self.engine.begin() as connection:
                if old is None:
                    connection.execute(sa.insert(_TABLE).values(slot=slot, task_id=new))
                    return True
                result = connection.execute(
                    sa.update(_TABLE).where(_TABLE.c.slot == slot, _TABLE.c.task_id == old)
                    .values(task_id=new))
                return result.rowcount == 1
        except sa.exc.IntegrityError:  # another process inserted that slot first
            return False


_stores: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_stores_lock = threading.Lock()


def _slots(backend) -> RedisSlots | SQLSlots:
    """The slot store of ``backend``, made once per Celery app (each thread has a backend
    object of its own; the Redis client and the SQLAlchemy engine are thread-safe)."""
    with _stores_lock:
        return _stores.get(backend.app) or _new_store(backend)


def _new_store(backend) -> RedisSlots | SQLSlots:
    if isinstance(backend, RedisBackend):
        store = RedisSlots(backend.client)
    elif isinstance(backend, DatabaseBackend):
        store = SQLSlots(sa.create_engine(backend.url, **backend.engine_options))
    else:
        raise UnsupportedBackend(
            f"a cap on heavy tasks needs a Redis or SQL result backend, not "
            f"{type(backend).__name__}")
    _stores[backend.app] = store
    return store
