"""Learn that a waiting request's client has gone: its connection closed while it waits.

A long-poll parks its request for up to ``RPC_MAX_WAIT`` seconds; a client that gives up
(a closed tab, a killed script) would hold its slot that long. :class:`HangupWatch` keeps
the connections of parked requests in one ``epoll`` set, watched by one thread, and calls
a request's ``on_hangup`` as soon as its peer closes (``EPOLLRDHUP``): the request is
answered at once and its slot freed. No thread wakes while nothing closes.

The socket comes from the WSGI environ (``gunicorn.socket``, ``werkzeug.socket``); on a
server that gives none, or without ``epoll`` (not Linux), requests are not watched and
wait out their time as before.
"""

import logging
import os
import select
import threading

from flask_pyjamas.web.connection import request_socket

log = logging.getLogger(__name__)

_EVENTS = getattr(select, "EPOLLRDHUP", 0) | getattr(select, "EPOLLHUP", 0)


class HangupWatch:
    """Sockets of parked requests, and what to call when their client closes."""

    def __init__(self):
        self._epoll = select.epoll()
        self._lock = threading.Lock()
        self._callbacks: dict[int, dict[int, object]] = {}  # fd -> {token: on_hangup}
        self._next_token = 0
        threading.Thread(target=self._run, name="hangup-watch", daemon=True).start()

    def watch(self, environ: dict, on_hangup) -> tuple[int, int] | None:
        """Call ``on_hangup()`` (once) if the client of the request of ``environ`` closes its
        connection; a token for :meth:`unwatch`, or None if it cannot be watched."""
        sock = request_socket(environ)
        try:
            fd = sock.fileno() if sock is not None else -1
        except OSError:
            return None
        if fd < 0:
            return None
        with self._lock:
            self._next_token += 1
            token = self._next_token
            callbacks = self._callbacks.setdefault(fd, {})
            if not callbacks:
                try:
                    self._epoll.register(fd, _EVENTS)
                except OSError:  # closed meanwhile
                    del self._callbacks[fd]
                    return None
            callbacks[token] = on_hangup
        return fd, token

    def unwatch(self, entry: tuple[int, int] | None) -> None:
        """Stop watching for the request of ``entry`` (before its connection is reused)."""
        if entry is None:
            return
        fd, token = entry
        with self._lock:
            callbacks = self._callbacks.get(fd)
            if callbacks is None or callbacks.pop(token, None) is None:
                return
            if not callbacks:
                del self._callbacks[fd]
                self._unregister(fd)

    def _unregister(self, fd: int) -> None:
        try:
            self._epoll.unregister(fd)
        except (OSError, ValueError):  # already gone with its socket
            pass

    def _run(self) -> None:
        while True:
            for fd, _ in self._epoll.poll():
                with self._lock:
                    callbacks = self._callbacks.pop(fd, {})
                    self._unregister(fd)  # level-triggered: it would fire again and again
                for on_hangup in callbacks.values():
                    try:
                        on_hangup()
                    except Exception:
                        log.exception("Releasing a request whose client has gone failed")


_watch: HangupWatch | None = None
_watch_lock = threading.Lock()


class _NoWatch:
    """Where ``epoll`` is missing: nothing is watched."""

    def watch(self, environ, on_hangup):
        return None

    def unwatch(self, entry) -> None:
        pass


def hangup_watch() -> "HangupWatch | _NoWatch":
    """The process's hangup watch, started on first use (a forked process starts its own)."""
    global _watch
    with _watch_lock:
        if _watch is None or _watch.pid != os.getpid():
            _watch = HangupWatch() if _EVENTS and hasattr(select, "epoll") else _NoWatch()
            _watch.pid = os.getpid()
        return _watch
