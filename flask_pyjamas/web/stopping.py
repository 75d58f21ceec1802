"""Stop a server without dropping its requests: parked long-polls answer first.

A server that stops (SIGTERM: a deploy, ``gunicorn``'s graceful restart, Ctrl-C) calls
:func:`begin_stop`: every callback registered with :func:`on_stop` runs, among them
the release of every parked long-poll (:mod:`flask_pyjamas.tasks.waiting`), which then
answers with its task's current state. The server stops accepting, waits until every
request in flight has been answered, and exits.

* The production gunicorn config (:mod:`flask_pyjamas.gunicorn_config`) calls
  :func:`begin_stop` from its workers' SIGTERM handler; gunicorn's own graceful stop then
  waits for the requests in flight.
* :func:`serve_until_stopped` does all of it for Werkzeug's development server
  (``manage_celery.py runserver``).
"""

import logging
import signal
import threading
import time
from collections.abc import Callable

from werkzeug.serving import make_server
from werkzeug.wsgi import ClosingIterator

log = logging.getLogger(__name__)

_callbacks: list[Callable[[], None]] = []


def on_stop(callback: Callable[[], None]) -> None:
    """Have ``callback()`` run when the server begins to stop (once per callback)."""
    if callback not in _callbacks:
        _callbacks.append(callback)


def begin_stop() -> None:
    """Run every :func:`on_stop` callback (from a signal handler too: they must not block)."""
    for callback in list(_callbacks):
        try:
            callback()
        except Exception:
            log.exception("A stop callback failed")


class InFlightRequests:
    """WSGI middleware counting the requests being answered (until their body is sent)."""

    def __init__(self, app):
        self.app = app
        self.count = 0
        self._idle = threading.Condition()

    def __call__(self, environ, start_response):
        with self._idle:
            self.count += 1
        try:
            body = self.app(environ, start_response)
        except BaseException:
            self._done()
            raise
        return ClosingIterator(body, self._done)

    def _done(self) -> None:
        with self._idle:
            self.count -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no request is in flight (True), at most ``timeout`` s (False)."""
        with self._idle:
            return self._idle.wait_for(lambda: self.count == 0, timeout)


def serve_until_stopped(app, host: str, port: int, grace: float = 30.0,
                        request_handler=None) -> None:
    """Serve ``app`` (a Flask app) with Werkzeug's threaded server (``request_handler``: its
    handler class, Werkzeug's by default) until SIGTERM or SIGINT; then :func:`begin_stop`,
    stop accepting, and wait up to ``grace`` s for the requests in flight (parked long-polls
    answer at once) before returning."""
    in_flight = InFlightRequests(app.wsgi_app)
    app.wsgi_app = in_flight
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set())
                for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        server = make_server(host, port, app, threaded=True, request_handler=request_handler)
        server.log_startup()
        thread = threading.Thread(target=server.serve_forever, name="dev-server", daemon=True)
        thread.start()
        while not stop.wait(0.5):  # a timeout keeps the main thread responsive to signals
            pass
        started = time.monotonic()
        begin_stop()
        server.shutdown()  # no new connection is accepted
        if not in_flight.wait_idle(grace):
            log.warning("Stopped with %d requests unanswered after %g s",
                        in_flight.count, time.monotonic() - started)
        server.server_close()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
