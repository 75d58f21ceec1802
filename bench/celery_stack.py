"""The Celery side of figures 4-6: a broker, a worker, the flaskcelery app under gunicorn,
and the same Celery app in the benchmark process for the raw-Celery baselines.

Brokers: ``embedded`` (the default of ``celeryconfig.py``: kombu's filesystem transport and a
SQLite result database in a fresh instance folder) and ``rabbitmq`` (RabbitMQ + Redis
results, both started on free loopback ports). Servers and workers are started with the
plain helpers of ``tests/support/services.py`` (``RabbitMQ``, ``Redis``,
``celery_worker_process``), the same ones the test fixtures use.
"""

import datetime
import shutil
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from .servers import RpcClient, gunicorn

APP_SPEC = "flaskcelery.flask_source.FlaskEchoApp:create_app()"
PATH = "/json_celery_class"
BROKERS = ["embedded", "rabbitmq"]
BROKER_LABELS = {"embedded": "embedded broker (filesystem + SQLite)",
                 "rabbitmq": "RabbitMQ + Redis"}
WORKER_ARGS = ("--concurrency=2",)  # celery_worker_process logs at INFO: it waits for "ready."
# The web server: the documented production command (flask_pyjamas/gunicorn_config.py).
WEB_SETUP = ("gunicorn -c python:flask_pyjamas.gunicorn_config (gthread, 1 worker process × "
             "LONG_POLL_MAX_WAITERS + 64 threads)")
RAW_GET_INTERVAL = 0.01  # s between result reads of raw AsyncResult.get (Celery's default: 0.5)


def reread_schedule() -> str:
    """How a waiting ``get_result(wait)`` learns of the task's end, from celery_rpc's own
    constants (flask_pyjamas/tasks/result_watcher.py)."""
    from flask_pyjamas.tasks import waiting as celery_rpc

    first, cap = celery_rpc.FIRST_READ_DELAY, celery_rpc.MAX_READ_INTERVAL
    steps, t = [], first
    while t < cap:
        steps.append(f"{t * 1000:.2g}")
        t *= celery_rpc.READ_GROWTH
    return ("on Redis from the state the worker's store publishes (pub/sub: one confirming "
            "read per waiting id, then a 1-s check beat); on the embedded SQLite backend by "
            f"reads at intervals of {', '.join(steps)} ms, then on the process's shared "
            f"{cap * 1000:g}-ms beat, one batch read for every waiting id, skipped while "
            "SQLite's PRAGMA data_version shows no commit since the last")


class Missing(Exception):
    """What a benchmark needs is not here (a server binary, the flaskcelery package)."""


def missing(broker: str) -> str | None:
    """Why ``broker`` cannot be benchmarked here, or None."""
    try:
        import flaskcelery.flask_source.FlaskEchoApp  # noqa: F401
        import tests.support.services  # noqa: F401
    except ImportError as exc:
        return f"flaskcelery cannot be imported: {exc}"
    if broker == "rabbitmq":
        from tests.support.services import RABBITMQ_SERVER

        if not RABBITMQ_SERVER.exists() or shutil.which("epmd") is None:
            return "rabbitmq-server is not installed (apt-get install -y rabbitmq-server)"
        if shutil.which("redis-server") is None:
            return "redis-server is not installed (apt-get install -y redis-server)"
    return None


@contextmanager
def broker_env(broker: str, workdir: Path):
    """Start ``broker`` (nothing to start for ``embedded``); yield the environment that
    points the app and the workers at it."""
    from tests.support.services import RabbitMQ, Redis, clean_env

    reason = missing(broker)
    if reason:
        raise Missing(reason)
    if broker == "embedded":
        yield clean_env(FLASKCELERY_INSTANCE=str(workdir / "instance"))
        return
    with ExitStack() as stack:
        for name, cls in (("rabbitmq", RabbitMQ), ("redis", Redis)):
            folder = workdir / name
            folder.mkdir()
            server = cls(folder)
            stack.callback(server.close)
            server.start()
            if name == "rabbitmq":
                rabbit = server
            else:
                redis = server
        yield clean_env(BROKER_HOST="127.0.0.1", BROKER_PORT=str(rabbit.port),
                        CELERY_RESULT_BACKEND=redis.url)


@dataclass
class Stack:
    """A running worker and web server on one broker, and the Celery app of this process."""

    broker: str
    api_url: str
    celery: object
    web: object  # the gunicorn master process (subprocess.Popen)
    worker: object  # the Celery worker's main process (subprocess.Popen)

    def client(self) -> RpcClient:
        return RpcClient(self.api_url + PATH)

    def raw_echo(self, text: str, timeout: float = 30.0, with_id: bool = False):
        """Raw Celery: ``celery_echo.delay("echo", text).get()``, result polled every
        ``RAW_GET_INTERVAL`` s (a Redis backend is not polled: it subscribes); with
        ``with_id``, ``(result, task_id)``."""
        result = self.celery.tasks["celery_echo"].delay("echo", text)
        value = result.get(timeout=timeout, interval=RAW_GET_INTERVAL)
        return (value, result.id) if with_id else value

    def date_done(self, task_id: str) -> float:
        """When the worker stored the task's result (epoch seconds), from the backend."""
        done = self.celery.backend.get_task_meta(task_id)["date_done"]
        if isinstance(done, str):
            done = datetime.datetime.fromisoformat(done)
        if done.tzinfo is None:
            done = done.replace(tzinfo=datetime.UTC)
        return done.timestamp()


def shared_stack(ctx, broker: str) -> Stack:
    """The :func:`celery_stack` of ``broker`` for this run: started by the first Celery
    benchmark that asks, used by the others, stopped when the run ends. Raises Missing."""
    return ctx.shared(("celery", broker), lambda folder: celery_stack(broker, folder))


@contextmanager
def celery_stack(broker: str, workdir: Path, *, countdown: float = 0.0):
    """Broker, one worker (prefork, concurrency 2), gunicorn (the production setup) serving
    the flaskcelery app with ``ECHO_COUNTDOWN=countdown`` and ``RPC_MAX_TASKS=100``;
    yields a :class:`Stack`."""
    from flaskcelery.flask_source.FlaskEchoApp import create_app
    from tests.support.services import app_config, celery_worker_process

    workdir.mkdir(parents=True, exist_ok=True)
    with broker_env(broker, workdir) as env:
        # Figure 5 starts its tasks in batches of 100: the per-request task limit (10 by
        # default, against hostile clients) is raised to that for the benchmark's own client.
        env = {**env, "ECHO_COUNTDOWN": str(countdown), "RPC_MAX_TASKS": "100",
               # The benchmarks' load comes from one address, standing for many clients:
               # the fair share between clients is not what they measure.
               "RPC_TASKS_PER_MINUTE": "1000000", "RPC_MAX_WAITS_PER_CLIENT": "100000",
               "RPC_QUEUED_BYTES_PER_CLIENT": "1000000000", "RPC_MAX_QUEUED_TASKS": "100000"}
        app = create_app(app_config(env))  # also creates the embedded broker's folders
        with celery_worker_process(env, *WORKER_ARGS, log_dir=workdir) as worker, \
             gunicorn(APP_SPEC, env=env, log_path=workdir / "web.log",
                      production=True) as (url, proc):
            stack = Stack(broker, url, app.extensions["celery"], proc, worker.proc)
            _warm_up(stack)
            yield stack


def _warm_up(stack: Stack) -> None:
    """One call each way, so connections and pools exist before anything is timed."""
    with stack.client() as client:
        task_id = client.call("echo", text="warm-up", countdown=0)["task_id"]
        reply = client.call("get_result", task_id=task_id, wait=20)
        if reply.get("echo") != "warm-up":
            raise RuntimeError(f"warm-up task did not succeed: {reply}")
    if stack.raw_echo("warm-up") != "warm-up":
        raise RuntimeError("raw Celery warm-up failed")
