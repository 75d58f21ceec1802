"""Redis pub/sub for :mod:`.result_watcher`: learn of a task's end without reading its state.

Celery's Redis result backend publishes every state it stores on a channel named like the
task's key (``celery-task-meta-<id>``). :class:`RedisNotifier` subscribes to the keys of the
tasks requests wait for, on one connection per process, so the watcher reads a task's
state once (when its subscription is confirmed: a state stored before is not published
again) and then hears of its end, however many tasks are watched.

It is used by the watcher's thread only, except :meth:`RedisNotifier.wake`, which writes to
a pipe the listening thread selects on beside the subscription's socket: a new waiter wakes
it without a round trip to Redis or a connection of its own.
"""

import os
import select

from celery.backends.redis import RedisBackend


def notifier_for(backend) -> "RedisNotifier | None":
    """A notifier for ``backend`` if it publishes its states (Redis), else None."""
    return RedisNotifier(backend) if isinstance(backend, RedisBackend) else None


class RedisNotifier:
    """Subscriptions to task keys, and a pipe to wake the listening thread."""

    def __init__(self, backend: RedisBackend):
        self._backend = backend
        self._pubsub = None
        self._ids: dict[bytes, str] = {}  # subscribed key -> task id
        self._wake_in, self._wake_out = os.pipe()
        os.set_blocking(self._wake_in, False)
        os.set_blocking(self._wake_out, False)

    def wake(self) -> None:
        """Make :meth:`listen` return (from any thread): there are ids to subscribe."""
        try:
            os.write(self._wake_out, b"\0")
        except BlockingIOError:  # the pipe is full of wake-ups the listener has yet to read
            pass

    def reset(self) -> None:
        """Drop the connection and the subscriptions (after a connection error)."""
        if self._pubsub is not None:
            try:
                self._pubsub.close()
            except Exception:  # the connection is already broken: nothing to close cleanly
                pass
        self._pubsub = None
        self._ids.clear()

    def update(self, added: list[str], removed: list[str]) -> None:
        """Subscribe to the keys of ``added`` and unsubscribe from those of ``removed``."""
        if self._pubsub is None:
            self._pubsub = self._backend.client.pubsub()
        gone = [key for key in map(self._key, removed) if self._ids.pop(key, None) is not None]
        if gone:
            self._pubsub.unsubscribe(*gone)
        keys = {self._key(task_id): task_id for task_id in added}
        self._ids.update(keys)
        if keys:
            self._pubsub.subscribe(*keys)

    def listen(self, timeout: float) -> tuple[list[str], dict[str, dict]]:
        """Wait up to ``timeout`` s for messages, then take every one there is: the ids whose
        subscription was confirmed, and ``{task_id: meta}`` for the states published (the
        meta as ``backend.get_task_meta`` gives it)."""
        confirmed: list[str] = []
        metas: dict[str, dict] = {}
        message = self._pubsub.get_message() if self._ids else None  # read ahead already?
        if message is None:
            message = self._wait(timeout)
        while message is not None:
            task_id = self._ids.get(message["channel"])
            if task_id is not None:
                if message["type"] == "subscribe":
                    confirmed.append(task_id)
                elif message["type"] == "message":
                    metas[task_id] = self._backend.decode_result(message["data"])
            message = self._pubsub.get_message(timeout=0)
        return confirmed, metas

    def _wait(self, timeout: float):
        """The first message within ``timeout`` s, or None (also when woken by :meth:`wake`)."""
        # poll, not select: a server with a thousand connections has descriptors past
        # select's 1024. redis-py offers no public way to wait on a PubSub's socket.
        poller = select.poll()
        poller.register(self._wake_in, select.POLLIN)
        connection = self._pubsub.connection
        if connection is not None and connection._sock is not None:
            poller.register(connection._sock, select.POLLIN)
        ready = [fd for fd, _ in poller.poll(timeout * 1000)]
        if self._wake_in in ready:
            self._drain_wake_ups()
        if any(fd != self._wake_in for fd in ready):
            return self._pubsub.get_message()
        return None

    def _drain_wake_ups(self) -> None:
        try:
            while os.read(self._wake_in, 4096):
                pass
        except BlockingIOError:  # empty: every wake-up is read
            pass

    def _key(self, task_id: str) -> bytes:
        return bytes(self._backend.get_key_for_task(task_id))
