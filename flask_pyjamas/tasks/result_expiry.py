"""Results expire on every backend, with no ``celery beat`` to run: the worker cleans up.

Redis (and the other key-value backends) stores each result with a TTL of
``result_expires`` (``CELERY_RESULT_EXPIRES``), so it expires by itself. A database backend,
such as the embedded SQLite one, keeps rows until something calls its ``cleanup()``; Celery
leaves that to its beat scheduler (``celery.backend_cleanup``, once a day), which this bundle
does not run. :class:`ResultCleanup` is a worker bootstep that calls it instead, when the
worker starts and then every :func:`cleanup_interval` seconds. The worker is the process a
Celery deployment always has; with several of them each cleans, and one ``DELETE ... WHERE
date_done < now - expires`` that finds nothing costs little. A result (and the bundle's own
records of :mod:`flask_pyjamas.tasks.records`: sent, issued, cancel) is gone between
``result_expires`` and ``result_expires + cleanup_interval`` after it was stored; then
``get_result`` answers -32004 (unknown task id).
"""

import logging
from datetime import timedelta

from celery import bootsteps

log = logging.getLogger(__name__)

MIN_CLEANUP_INTERVAL, MAX_CLEANUP_INTERVAL = 1.0, 600.0


def cleanup_interval(expires: float) -> float:
    """Seconds between cleanups for results kept ``expires`` seconds: a tenth of it, within
    1 s .. 10 min, so a result outlives its expiry by at most a tenth (or 10 minutes).

    >>> cleanup_interval(86400), cleanup_interval(60), cleanup_interval(2)
    (600.0, 6.0, 1.0)
    """
    return min(max(expires / 10, MIN_CLEANUP_INTERVAL), MAX_CLEANUP_INTERVAL)


def expiry_seconds(expires) -> float:
    """``result_expires`` (seconds, a ``timedelta`` or None) in seconds; 0 = never."""
    if isinstance(expires, timedelta):
        return expires.total_seconds()
    return float(expires or 0)


class ResultCleanup(bootsteps.StartStopStep):
    """Delete expired results in a worker, for backends that do not expire them by themselves."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.tref = None

    def include_if(self, worker):
        backend = worker.app.backend
        return not backend.supports_autoexpire and expiry_seconds(backend.expires) > 0

    def start(self, worker):
        backend = worker.app.backend
        interval = cleanup_interval(expiry_seconds(backend.expires))
        log.info("Deleting results older than %g s every %g s", expiry_seconds(backend.expires),
                 interval)
        self.cleanup(backend)
        self.tref = worker.timer.call_repeatedly(interval, self.cleanup, (backend,))

    def stop(self, worker):
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None

    @staticmethod
    def cleanup(backend) -> None:
        try:
            backend.cleanup()
        except Exception as exc:  # a backend down now is tried again at the next tick
            log.warning("Expired results not deleted: %s", exc)
