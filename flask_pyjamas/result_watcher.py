"""One thread per process that watches every task a long-poll waits for.

A waiting ``get_result(task_id, wait)`` parks its request thread on an event
(:meth:`ResultWatcher.wait`); the watcher reads the states of all watched ids in one batch
(:func:`.result_store.read_states`: one SQL ``SELECT ... IN``, one Redis ``MGET``) and wakes
the requests whose task is done. So the backend reads per second depend on the read
schedule, not on the number of waiters: a thousand waiting pages cost what one does.

Each watched id is read again after ``first_delay`` s, then ``growth`` times longer each
time, until
the interval reaches ``max_interval``: from then on it is read on the process's shared beat,
every ``max_interval`` s, in one batch with every other id there. A quick task (an echo,
milliseconds) is seen quickly; the waiters of long ones cost ``1 / max_interval`` reads a
second together, however many they are.
"""

import logging
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
    __slots__ = ("event", "error")

    def __init__(self):
        self.event = threading.Event()
        self.error: Exception | None = None


class ResultWatcher:
    """Waits for tasks to be done on behalf of many request threads, with one reader thread.

    ``read_states(ids)`` returns ``{task_id: state}`` for the ids the backend has a record
    of; it is called from the watcher's thread only, with the due ids of one tick.
    """

    def __init__(self, read_states: Callable[[list[str]], dict[str, str]], *,
                 max_waiters: int, first_delay: float = 0.001, growth: float = 1.5,
                 max_interval: float = 0.025):
        self._read_states = read_states
        self.max_waiters = max_waiters
        self.first_delay = first_delay
        self.growth = growth
        self.max_interval = max_interval
        self._lock = threading.Condition()
        self._watched: dict[str, _Watch] = {}
        self._waiting = 0
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()

    @property
    def waiting(self) -> int:
        """Requests waiting now."""
        return self._waiting

    def wait(self, task_id: str, timeout: float) -> bool:
        """Block until ``task_id`` is done or has no record (True), or ``timeout`` s passed
        (False). Raises :class:`TooManyWaiters`, or the backend's error if a read failed."""
        waiter = _Waiter()
        with self._lock:
            if self._waiting >= self.max_waiters:
                raise TooManyWaiters(self.max_waiters)
            self._start_thread()
            watch = self._watched.get(task_id)
            if watch is None:
                watch = self._watched[task_id] = _Watch(
                    time.monotonic() + self.first_delay, self.first_delay)
                self._lock.notify()  # the watcher may sleep past this id's first read
            watch.waiters.append(waiter)
            self._waiting += 1
        try:
            done = waiter.event.wait(timeout)
        finally:
            with self._lock:
                self._waiting -= 1
                self._forget(task_id, waiter)
        if waiter.error is not None:
            raise waiter.error
        return done

    def _forget(self, task_id: str, waiter: _Waiter) -> None:
        watch = self._watched.get(task_id)
        if watch is not None and waiter in watch.waiters:
            watch.waiters.remove(waiter)
            if not watch.waiters:
                del self._watched[task_id]

    def _start_thread(self) -> None:
        # A forked process (a gunicorn worker) inherits no thread: it starts its own.
        if self._thread is not None and self._pid == os.getpid():
            return
        self._pid = os.getpid()
        self._watched.clear()
        self._waiting = 0
        self._thread = threading.Thread(target=self._run, name="result-watcher", daemon=True)
        self._thread.start()

    def _due_ids(self) -> list[str]:
        """Sleep until some watched id is due, then return the due ids (lock held)."""
        while True:
            if not self._watched:
                self._lock.wait()
                continue
            now = time.monotonic()
            next_due = min(watch.due for watch in self._watched.values())
            if next_due > now:
                self._lock.wait(next_due - now)
                continue
            # Ids due within first_delay ride along: one read instead of two close ones.
            soon = now + self.first_delay
            return [task_id for task_id, watch in self._watched.items() if watch.due <= soon]

    def _run(self) -> None:
        while True:
            with self._lock:
                due = self._due_ids()
            try:
                states = self._read_states(due)
            except Exception as exc:  # the backend is down: every due waiter answers so
                log.warning("Result backend read of %d waiting tasks failed: %s", len(due), exc)
                self._wake(due, error=exc)
                continue
            self._wake([i for i in due if states.get(i, PENDING) in _FINAL])
            self._reschedule(due)

    def _wake(self, task_ids: Iterable[str], error: Exception | None = None) -> None:
        with self._lock:
            for task_id in task_ids:
                watch = self._watched.pop(task_id, None)
                for waiter in watch.waiters if watch else ():
                    waiter.error = error
                    waiter.event.set()

    def _reschedule(self, task_ids: Iterable[str]) -> None:
        with self._lock:
            now = time.monotonic()
            for task_id in task_ids:
                watch = self._watched.get(task_id)
                if watch is None:
                    continue
                watch.interval = min(watch.interval * self.growth, self.max_interval)
                if watch.interval < self.max_interval:
                    watch.due = now + watch.interval
                else:  # the shared beat: every old id is read in the same batch
                    watch.due = (now // self.max_interval + 1) * self.max_interval
