r"""The production gunicorn setup of the flaskcelery app (and of flaskcors), as a config module::

    gunicorn -c python:flask_pyjamas.gunicorn_config \
        'flaskcelery.flask_source.FlaskEchoApp:create_app()'

gunicorn's ``gthread`` worker: a long-poll parks one thread on the process's result watcher
(:mod:`.result_watcher`), which costs memory but no CPU and no backend reads, so each worker
process gets a thread for every long-poll it may hold (``LONG_POLL_MAX_WAITERS``) plus
``WEB_SPARE_THREADS`` (64) that keep the other calls fast while they wait
(:func:`flask_pyjamas.settings.web_threads`). Command-line options
win over these, e.g. ``--bind``. Worker processes: gunicorn's default, ``WEB_CONCURRENCY``
or 1 (one per core; the benchmarks run one on their 2-core machine).

A stopped worker (SIGTERM: ``kill -TERM``, ``systemctl stop``, and gunicorn's graceful
restart, ``kill -HUP <master>``) answers its parked long-polls at once with their tasks'
current state before it exits (:func:`post_worker_init`).
"""

import signal

from flask_pyjamas.settings import web_threads
from flask_pyjamas.web.stopping import begin_stop

bind = "127.0.0.1:5000"
worker_class = "gthread"
threads = web_threads()
# Each thread's client, plus as many idle keep-alive connections.
worker_connections = 2 * threads
keepalive = 30  # s: a page long-polls again on the same connection
graceful_timeout = 30  # s: on restart, the requests in flight still get their answer


def post_worker_init(worker) -> None:
    """On SIGTERM (a graceful stop or restart), parked long-polls answer at once with their
    task's current state (:func:`.begin_stop`), then gunicorn waits for the requests in
    flight as usual."""
    stop = signal.getsignal(signal.SIGTERM)

    def answer_waits_then_stop(sig, frame):
        begin_stop()
        stop(sig, frame)

    signal.signal(signal.SIGTERM, answer_waits_then_stop)
    signal.siginterrupt(signal.SIGTERM, False)
