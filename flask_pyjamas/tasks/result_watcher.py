"""One thread per process that watches every task a long-poll waits for.

A waiting ``get_result(task_id, wait)`` parks a waiter (:meth:`ResultWatcher.park`) and its
request thread waits on it (:meth:`ResultWatcher.collect`): the waits of one batch are
parked first and collected together, so they run side by side. The watcher reads the
states of the watched ids in batches (:func:`.read_metas`: one SQL ``SELECT ... IN``, one
Redis ``MGET``) and wakes the waiters whose task is done, or whose revision (state and
progress, :func:`revision`) differs from the one the waiter knows (``since``). The backend
reads per second follow the read schedule, not the number of waiters: a thousand waiting
pages cost what one does.

Two ways to learn of a change:

* **polling** (any backend; the embedded SQLite one): each watched id is read after
  ``first_delay`` s, then ``growth`` times later each time, until the interval reaches
  ``max_interval``: from then on it is read on the process's shared beat, every
  ``max_interval`` s, in one batch with every other id there. A quick task (an echo,
  milliseconds) is seen quickly; the waiters of long ones share ``1 / max_interval`` reads a
  second. With a ``probe`` (SQLite's ``PRAGMA data_version``, :func:`.change_probe`) a
  read is skipped while nothing was committed to the database since the last one: waiters
  of tasks that do not change cost one cheap probe a beat, whatever their number.
* **notifications** (Redis, :mod:`.redis_notifier`): the watcher subscribes to each watched
  task's channel, reads its state once the subscription is confirmed, then hears of every
  state the worker stores (Celery's Redis backend publishes each one, progress included);
  it reads no state again except on a ``check_interval`` beat that would catch a lost
  message. A thousand waiters cost no CPU between their tasks' changes.

A waiter also ends when its request's client has gone (:meth:`ResultWatcher.release`) and,
for every waiter at once, when the server stops (:meth:`ResultWatcher.release_all`): its
request answers with the task's current state.
"""

import logging
import math
import os
import threading
import time
from collections.abc import Callable, Iterable

from celery.states import FAILURE, PENDING, READY_STATES

log = logging.getLogger(__name__)

# States that end a wait: done, or no record any more (forgotten or expired).
_FINAL = READY_STATES | {PENDING}
PROGRESS = "PROGRESS"


def revision(meta: dict) -> str:
    """The task's revision: changes whenever its state or progress changes (``state:current``,
    the progress only while ``PROGRESS``)."""
    state = meta["status"]
    result = meta.get("result")
    current = result.get("current", "") if state == PROGRESS and isinstance(result, dict) else ""
    return f"{state}:{current}"


def _answers(meta: dict) -> bool:
    """True if a meta read in a batch can answer a waiter as it is: not done yet, or done
    with its result read (a failure's exception is rebuilt by Celery's own read)."""
    return meta["status"] not in _FINAL or ("result" in meta and meta["status"] != FAILURE)


class TooManyWaiters(Exception):
    """The process already holds ``max_waiters`` waiting requests (``per_client`` False), or
    the client ``max_per_client``; ``retry_after``: seconds until one of them ends."""

    def __init__(self, limit: int, per_client: bool, retry_after: int):
        super().__init__(limit)
        self.limit, self.per_client, self.retry_after = limit, per_client, retry_after


class _Watch:
    """One watched task id: its waiters, when to read its state next, its last meta read."""

    __slots__ = ("waiters", "due", "interval", "meta")

    def __init__(self, due: float, interval: float):
        self.waiters: list[Waiter] = []
        self.due = due
        self.interval = interval
        self.meta: dict | None = None  # {"status", "result"} as last read or published


class Waiter:
    """One parked long-poll: set once its task changed, the server stops or its client went."""

    __slots__ = ("task_id", "since", "client", "deadline", "event", "error", "meta", "settled")

    def __init__(self, task_id: str, since: str | None, client, deadline: float):
        self.task_id = task_id
        self.since = since  # the revision the client knows; None: wait for the end
        self.client = client
        self.deadline = deadline  # time.monotonic() past which it answers as it is
        self.event = threading.Event()
        self.error: Exception | None = None
        # The meta to answer with, when the watcher has it whole (a notification, a
        # progress step, the last read at a timeout); None: read it.
        self.meta: dict | None = None
        self.settled = False  # the watcher answered it (a change, a release, an error)

    def wants(self, meta: dict) -> bool:
        """True if ``meta`` answers this waiter: the task is done, or changed since ``since``."""
        return meta["status"] in _FINAL or (
            self.since is not None and revision(meta) != self.since)


class ResultWatcher:
    """Waits for tasks to change on behalf of many request threads, with one reader thread.

    ``read_metas(ids)`` returns ``{task_id: meta}`` (``{"status", "result"}``; a bare state
    string stands for a meta without result) for the ids the backend has a record of;
    ``probe`` (optional) returns a token that changes whenever anything is committed to the
    backend; ``notifier`` (optional) is a :class:`.RedisNotifier`, whose ``listen`` gives
    ``{task_id: meta}`` of the states published. All are used from the watcher's thread only.
    """

    def __init__(self, read_metas: Callable[[list[str]], dict], *,
                 max_waiters: int, max_per_client: int | None = None,
                 first_delay: float = 0.001, growth: float = 1.5, max_interval: float = 0.025,
                 notifier=None, check_interval: float = 1.0, probe: Callable | None = None):
        self._read_metas = read_metas
        self._notifier = notifier
        self._probe = probe
        self._version = None  # the probe's token before the last read of every watched id
        self.max_waiters = max_waiters
        self.max_per_client = max_per_client
        self.first_delay = first_delay
        self.growth = growth
        self.max_interval = max_interval
        self.check_interval = check_interval
        self._lock = threading.Condition()
        self._watched: dict[str, _Watch] = {}
        self._unread: set[str] = set()  # watched ids not read since they were added
        self._added: set[str] = set()  # notifications: ids to subscribe to, and to drop
        self._removed: set[str] = set()
        self._per_client: dict = {}
        self._waiting = 0
        self._closing = False
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()

    @property
    def waiting(self) -> int:
        """Requests waiting now."""
        return self._waiting

    @property
    def closing(self) -> bool:
        """The server stops (:meth:`release_all`): a waiter parked now is answered at once."""
        return self._closing

    def waiting_for(self, client) -> int:
        """Requests of ``client`` waiting now."""
        return self._per_client.get(client, 0)

    # --- request threads ---------------------------------------------------------------

    def wait(self, task_id: str, timeout: float, since: str | None = None,
             client=None) -> tuple[bool, dict | None]:
        """Park and collect in one: ``(True, meta)`` once ``task_id`` is done, has no record
        or changed from ``since``, ``(False, meta)`` after ``timeout`` s. ``meta``: as
        :attr:`Waiter.meta`. Raises :class:`TooManyWaiters`, or the backend's error."""
        return self.collect(self.park(task_id, time.monotonic() + timeout, since, client))

    def park(self, task_id: str, deadline: float, since: str | None = None,
             client=None) -> Waiter:
        """Register a waiter for ``task_id`` until ``deadline`` (``time.monotonic()``) and
        return it at once; :meth:`collect` waits for it. Raises :class:`TooManyWaiters`."""
        waiter = Waiter(task_id, since, client, deadline)
        new = False
        with self._lock:
            if self._closing:  # the server stops: answer now, with the state as it is
                waiter.settled = True
                waiter.event.set()
                return waiter
            self._check_limits(client)
            self._start_thread()
            watch = self._watched.get(task_id)
            if watch is None:
                watch = self._watched[task_id] = self._new_watch(task_id)
                new = True
            watch.waiters.append(waiter)
            self._waiting += 1
            if client is not None:
                self._per_client[client] = self._per_client.get(client, 0) + 1
        if new and self._notifier is not None:
            self._notifier.wake()  # the listener subscribes to the new id
        return waiter

    def collect(self, waiter: Waiter) -> tuple[bool, dict | None]:
        """Block until ``waiter`` is answered or its deadline passed, then unregister it:
        ``(settled, meta)``; raises the backend's error if a read for it failed."""
        try:
            waiter.event.wait(max(waiter.deadline - time.monotonic(), 0.0))
        finally:
            with self._lock:
                self._forget(waiter)
        if waiter.error is not None:
            raise waiter.error
        return waiter.settled, waiter.meta

    def release(self, waiter: Waiter) -> None:
        """Answer ``waiter`` now (its client has gone), with the last state known."""
        with self._lock:
            watch = self._watched.get(waiter.task_id)
            if not waiter.settled and watch is not None:
                waiter.meta = watch.meta
            waiter.settled = True
            waiter.event.set()

    def release_all(self) -> None:
        """The server stops: answer every waiter now, and every later one at once."""
        with self._lock:
            self._closing = True
            for watch in self._watched.values():
                for waiter in watch.waiters:
                    waiter.settled = True
                    waiter.meta = None  # read the current state
                    waiter.event.set()

    def _check_limits(self, client) -> None:
        per_client = self.max_per_client
        if client is not None and per_client is not None and \
                self._per_client.get(client, 0) >= per_client:
            raise TooManyWaiters(per_client, True, self._retry_after(client))
        if self._waiting >= self.max_waiters:
            raise TooManyWaiters(self.max_waiters, False, self._retry_after(None))

    def _retry_after(self, client) -> int:
        """Whole seconds until the first waiter (of ``client``, or any) ends at the latest."""
        deadlines = [w.deadline for watch in self._watched.values() for w in watch.waiters
                     if client is None or w.client == client]
        soonest = min(deadlines, default=time.monotonic())
        return max(1, math.ceil(soonest - time.monotonic()))

    def _new_watch(self, task_id: str) -> _Watch:
        self._lock.notify()  # the watcher may sleep past this id's first read
        self._unread.add(task_id)
        if self._notifier is not None:  # read once its subscription is confirmed
            self._added.add(task_id)
            return _Watch(math.inf, self.check_interval)
        return _Watch(time.monotonic() + self.first_delay, self.first_delay)

    def _forget(self, waiter: Waiter) -> None:
        if waiter.meta is None and not waiter.settled:  # a timeout: the last state known
            watch = self._watched.get(waiter.task_id)
            waiter.meta = watch.meta if watch is not None else None
        watch = self._watched.get(waiter.task_id)
        if watch is None or waiter not in watch.waiters:
            return
        self._waiting -= 1
        if waiter.client is not None:
            left = self._per_client[waiter.client] - 1
            if left:
                self._per_client[waiter.client] = left
            else:
                del self._per_client[waiter.client]
        watch.waiters.remove(waiter)
        if not watch.waiters:
            del self._watched[waiter.task_id]
            self._unread.discard(waiter.task_id)
            if self._notifier is not None:  # its subscription goes too
                self._removed.add(waiter.task_id)

    def _start_thread(self) -> None:
        # A forked process (a gunicorn worker) inherits no thread: it starts its own.
        if self._thread is not None and self._pid == os.getpid():
            return
        if self._thread is not None and self._notifier is not None:
            self._notifier.reset()  # the parent's subscriptions are not this process's
        self._pid = os.getpid()
        self._watched.clear()
        self._unread.clear()
        self._added.clear()
        self._removed.clear()
        self._per_client.clear()
        self._waiting = 0
        self._version = None
        target = self._run_polling if self._notifier is None else self._run_notified
        self._thread = threading.Thread(target=target, name="result-watcher", daemon=True)
        self._thread.start()

    # --- the watcher's thread ---------------------------------------------------------------

    def _due_ids(self, now: float) -> list[str]:
        # Ids due within first_delay ride along: one read instead of two close ones.
        soon = now + self.first_delay
        return [task_id for task_id, watch in self._watched.items() if watch.due <= soon]

    def _next_due(self) -> float:
        return min((watch.due for watch in self._watched.values()), default=math.inf)

    def _run_polling(self) -> None:
        while True:
            with self._lock:
                while (delay := self._next_due() - time.monotonic()) > 0:
                    self._lock.wait(None if delay == math.inf else delay)
                due = self._due_ids(time.monotonic())
            self._read(due)

    def _run_notified(self) -> None:
        while True:
            with self._lock:
                while not (self._watched or self._removed):
                    self._lock.wait()  # nothing to listen for: leave Redis alone
                added = [i for i in self._added if i in self._watched]
                removed = [i for i in self._removed if i not in self._watched]
                self._added.clear()
                self._removed.clear()
                now = time.monotonic()
                due = self._due_ids(now)
                timeout = min(max(self._next_due() - now, 0.0), self.check_interval)
            try:
                self._notifier.update(added, removed)
                if due:
                    self._read(due)
                    timeout = 0.0
                confirmed, metas = self._notifier.listen(timeout)
            except Exception as exc:  # Redis is unreachable: every waiter answers so
                log.warning("Result notifications failed for %d waiting tasks: %s",
                            len(self._watched), exc)
                self._notifier.reset()
                with self._lock:
                    self._removed.clear()  # the subscriptions went with the connection
                    watched = list(self._watched)
                self._fail(watched, exc)
                with self._lock:
                    self._removed.clear()
                continue
            self._wake(metas, whole=True)
            with self._lock:
                for task_id in confirmed:
                    if (watch := self._watched.get(task_id)) is not None:
                        watch.due = time.monotonic()

    def _read(self, due: list[str]) -> None:
        try:
            to_read = self._worth_reading(due)
            metas = {task_id: meta if isinstance(meta, dict) else {"status": meta}
                     for task_id, meta in self._read_metas(to_read).items()} if to_read else {}
        except Exception as exc:  # the backend is down: every due waiter answers so
            log.warning("Result backend read of %d waiting tasks failed: %s", len(due), exc)
            self._version = None
            self._fail(due, exc)
            self._reschedule(due)  # failed waiters leave; others are read again on the beat
            return
        for task_id in to_read:  # no record: forgotten or expired
            metas.setdefault(task_id, {"status": PENDING})
        self._wake(metas, whole=False)
        self._reschedule(set(due).union(to_read))

    def _worth_reading(self, due: list[str]) -> list[str]:
        """With a probe: every watched id when anything was committed since the last read,
        else only the ids never read (their state may predate the last read)."""
        if self._probe is None:
            return due
        version = self._probe()
        with self._lock:
            if version == self._version:
                return [i for i in due if i in self._unread]
            self._version = version  # read below, after the probe: no commit is missed
            return list(self._watched)

    def _wake(self, metas: dict[str, dict], whole: bool) -> None:
        """Answer the waiters that ``metas`` settle. ``whole``: the metas carry the result
        (a notification), so a final one is answered with it, not read again."""
        with self._lock:
            for task_id, meta in metas.items():
                watch = self._watched.get(task_id)
                if watch is None:
                    continue
                self._unread.discard(task_id)
                watch.meta = meta if meta["status"] not in _FINAL else None
                for waiter in watch.waiters:
                    if not waiter.settled and waiter.wants(meta):
                        waiter.settled = True
                        waiter.meta = meta if whole or _answers(meta) else None
                        waiter.event.set()

    def _fail(self, task_ids: Iterable[str], error: Exception) -> None:
        with self._lock:
            for task_id in task_ids:
                watch = self._watched.get(task_id)
                for waiter in watch.waiters if watch is not None else ():
                    if not waiter.settled:
                        waiter.settled = True
                        waiter.error = error
                        waiter.event.set()

    def _reschedule(self, task_ids: Iterable[str]) -> None:
        beat = self.max_interval if self._notifier is None else self.check_interval
        with self._lock:
            now = time.monotonic()
            for task_id in task_ids:
                watch = self._watched.get(task_id)
                if watch is None:
                    continue
                if all(waiter.settled for waiter in watch.waiters):
                    watch.due = math.inf  # its waiters are leaving: read it no more
                    continue
                watch.interval = min(watch.interval * self.growth, beat)
                if watch.interval < beat:
                    watch.due = now + watch.interval
                else:  # the shared beat: every old id is read in the same batch
                    watch.due = (now // beat + 1) * beat
