"""One thread per process that watches every task a long-poll waits for.

A waiting ``get_result(task_id, wait)`` parks its request thread on an event
(:meth:`ResultWatcher.wait`); the watcher reads the states of the watched ids in batches
(:func:`.read_states`: one SQL ``SELECT ... IN``, one Redis ``MGET``) and wakes
the requests whose task is done. The backend reads per second follow the read schedule,
not the number of waiters: a thousand waiting pages cost what one does.

Two ways to learn of a task's end:

* **polling** (any backend; the embedded SQLite one): each watched id is read after
  ``first_delay`` s, then ``growth`` times later each time, until the interval reaches
  ``max_interval``: from then on it is read on the process's shared beat, every
  ``max_interval`` s, in one batch with every other id there. A quick task (an echo,
  milliseconds) is seen quickly; the waiters of long ones share ``1 / max_interval`` reads a
  second.
* **notifications** (Redis, :mod:`.redis_notifier`): the watcher subscribes to each watched
  task's channel, reads its state once the subscription is confirmed, then hears of its end
  from the message the worker's store publishes; it reads no state again except on a
  ``check_interval`` beat that would catch a lost message. A thousand waiters cost no CPU
  between their tasks' ends.
"""

import logging
import math
import os
import threading
import time
from collections.abc import Callable, Iterable

from celery.states import PENDING, READY_STATES

log = logging.getLogger(__name__)

# States that end a wait: done, or no record any more (forgotten or expired).
_FINAL = READY_STATES | {PENDING}


class TooManyWaiters(Exception):
    """The process already holds ``max_waiters`` waiting requests."""


class _Watch:
    """One watched task id: the events of its waiters and when to read its state next."""

    __slots__ = ("waiters", "due", "interval")

    def __init__(self, due: float, interval: float):
        self.waiters: list[_Waiter] = []
        self.due = due
        self.interval = interval


class _Waiter:
    __slots__ = ("event", "error", "meta")

    def __init__(self):
        self.event = threading.Event()
        self.error: Exception | None = None
        self.meta: dict | None = None  # the final meta, when a notification carried it


class ResultWatcher:
    """Waits for tasks to be done on behalf of many request threads, with one reader thread.

    ``read_states(ids)`` returns ``{task_id: state}`` for the ids the backend has a record
    of; ``notifier`` (optional) is a :class:`.RedisNotifier`, whose
    ``listen`` gives ``{task_id: meta}`` of the states published. Both are used from the
    watcher's thread only.
    """

    def __init__(self, read_states: Callable[[list[str]], dict[str, str]], *,
                 max_waiters: int, first_delay: float = 0.001, growth: float = 1.5,
                 max_interval: float = 0.025, notifier=None, check_interval: float = 1.0):
        self._read_states = read_states
        self._notifier = notifier
        self.max_waiters = max_waiters
        self.first_delay = first_delay
        self.growth = growth
        self.max_interval = max_interval
        self.check_interval = check_interval
        self._lock = threading.Condition()
        self._watched: dict[str, _Watch] = {}
        self._added: set[str] = set()  # notifications: ids to subscribe to, and to drop
        self._removed: set[str] = set()
        self._waiting = 0
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()

    @property
    def waiting(self) -> int:
        """Requests waiting now."""
        return self._waiting

    def wait(self, task_id: str, timeout: float) -> tuple[bool, dict | None]:
        """Block until ``task_id`` is done or has no record (``(True, meta)``), or ``timeout``
        s passed (``(False, None)``). ``meta`` is the task's final meta when a notification
        carried it, else None (read it). Raises :class:`TooManyWaiters`, or the backend's
        error if a read failed."""
        waiter = _Waiter()
        new = False
        with self._lock:
            if self._waiting >= self.max_waiters:
                raise TooManyWaiters(self.max_waiters)
            self._start_thread()
            watch = self._watched.get(task_id)
            if watch is None:
                watch = self._watched[task_id] = self._new_watch(task_id)
                new = True
            watch.waiters.append(waiter)
            self._waiting += 1
        if new and self._notifier is not None:
            self._notifier.wake()  # the listener subscribes to the new id
        try:
            done = waiter.event.wait(timeout)
        finally:
            with self._lock:
                self._waiting -= 1
                self._forget(task_id, waiter)
        if waiter.error is not None:
            raise waiter.error
        return done, waiter.meta

    def _new_watch(self, task_id: str) -> _Watch:
        self._lock.notify()  # the watcher may sleep past this id's first read
        if self._notifier is not None:  # read once its subscription is confirmed
            self._added.add(task_id)
            return _Watch(math.inf, self.check_interval)
        return _Watch(time.monotonic() + self.first_delay, self.first_delay)

    def _forget(self, task_id: str, waiter: _Waiter) -> None:
        watch = self._watched.get(task_id)
        if watch is not None and waiter in watch.waiters:
            watch.waiters.remove(waiter)
            if not watch.waiters:
                del self._watched[task_id]
                self._unwatched(task_id)

    def _unwatched(self, task_id: str) -> None:
        if self._notifier is not None:  # its subscription goes too
            self._removed.add(task_id)

    def _start_thread(self) -> None:
        # A forked process (a gunicorn worker) inherits no thread: it starts its own.
        if self._thread is not None and self._pid == os.getpid():
            return
        if self._thread is not None and self._notifier is not None:
            self._notifier.reset()  # the parent's subscriptions are not this process's
        self._pid = os.getpid()
        self._watched.clear()
        self._added.clear()
        self._removed.clear()
        self._waiting = 0
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
                self._wake(watched, error=exc)
                with self._lock:
                    self._removed.clear()
                continue
            final = {i: meta for i, meta in metas.items() if meta["status"] in _FINAL}
            self._wake(final, metas=final)
            with self._lock:
                for task_id in confirmed:
                    if (watch := self._watched.get(task_id)) is not None:
                        watch.due = time.monotonic()

    def _read(self, due: list[str]) -> None:
        try:
            states = self._read_states(due)
        except Exception as exc:  # the backend is down: every due waiter answers so
            log.warning("Result backend read of %d waiting tasks failed: %s", len(due), exc)
            self._wake(due, error=exc)
            return
        self._wake([i for i in due if states.get(i, PENDING) in _FINAL])
        self._reschedule(due)

    def _wake(self, task_ids: Iterable[str], error: Exception | None = None,
              metas: dict[str, dict] | None = None) -> None:
        with self._lock:
            for task_id in task_ids:
                watch = self._watched.pop(task_id, None)
                if watch is None:
                    continue
                self._unwatched(task_id)
                for waiter in watch.waiters:
                    waiter.error = error
                    waiter.meta = metas.get(task_id) if metas else None
                    waiter.event.set()

    def _reschedule(self, task_ids: Iterable[str]) -> None:
        beat = self.max_interval if self._notifier is None else self.check_interval
        with self._lock:
            now = time.monotonic()
            for task_id in task_ids:
                watch = self._watched.get(task_id)
                if watch is None:
                    continue
                watch.interval = min(watch.interval * self.growth, beat)
                if watch.interval < beat:
                    watch.due = now + watch.interval
                else:  # the shared beat: every old id is read in the same batch
                    watch.due = (now // beat + 1) * beat
