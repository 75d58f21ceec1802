"""Real services for tests: RabbitMQ, Redis and Celery worker processes, on loopback ports.

Fixtures (registered for every test module by ``tests/conftest.py``):

``embedded_env`` (session)
    The environment of the embedded broker (kombu's filesystem transport) and SQLite result
    backend, in a fresh instance folder: ``{"FLASKCELERY_INSTANCE": ..., ...}``. It blanks
    the ``CELERY_*``/``BROKER_*`` variables a developer may have set.
``rabbitmq`` (session)
    A :class:`RabbitMQ` server (Debian's ``rabbitmq-server``): ``.port``, ``.url``,
    ``.stop()`` and ``.start()`` (same ports and data, for fault tests).
``redis_server`` (session)
    A :class:`Redis` server: ``.port``, ``.url``.
``rabbitmq_env`` (session)
    RabbitMQ through the seed's ``BROKER_HOST``/``BROKER_PORT`` (``guest``/``guest``), Redis as
    result backend.
``celery_env`` (module, parametrized)
    ``embedded_env``, then ``rabbitmq_env`` (marked ``rabbitmq``): a module's tests run on both.
``celery_worker`` (function)
    A factory: ``celery_worker(env, *worker_args, name=None, prefix=()) -> CeleryWorker``
    starts a real worker, ``python flaskcelery/flask_source/manage_celery.py celeryd
    --loglevel=INFO ...``, with ``env`` added to the environment (and ``prefix`` before the
    command), waits until it is ready, and stops it after the test. ``worker_args`` go to
    ``celery worker`` (``--concurrency=1``, ``--pool=solo``...).

For a worker that outlives one test, use the :func:`celery_worker_process` context manager in
a fixture of the scope you need. :func:`app_config` turns an env into the ``config`` for
``create_app`` in the test process, so the app and the workers share the broker and backend::

    app = create_app(app_config(embedded_env, ECHO_COUNTDOWN=0))

:func:`tests.support.rpc.rpc` posts one JSON-RPC call through a Flask test client.

A missing server binary is a skip, or a failure with ``CI=true`` (:func:`require`).
"""

import itertools
import os
import shutil
import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest

from flask_pyjamas.settings import celery_settings

from .processes import PYTHON, REPO_ROOT, free_port, require, stop_process, wait_for_port

RABBITMQ_SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
RABBITMQCTL = RABBITMQ_SERVER.with_name("rabbitmqctl")
LOOPBACK = ("127.0.0.1",)
MANAGE_CELERY = REPO_ROOT / "flaskcelery" / "flask_source" / "manage_celery.py"

# Settings a developer's shell may carry; a test environment names its own.
CELERY_ENV_NAMES = (
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "BROKER_HOST",
    "BROKER_PORT",
    "BROKER_USER",
    "BROKER_PASSWORD",
    "BROKER_VHOST",
    "FLASKCELERY_INSTANCE",
)

_worker_numbers = itertools.count(1)


def clean_env(**settings: str) -> dict:
    """``settings`` over blanked Celery variables (blank is unset in flask_pyjamas.settings)."""
    return {**dict.fromkeys(CELERY_ENV_NAMES, ""), **settings}


def app_config(env: dict, **config) -> dict:
    """``create_app`` config for the test process, with the Celery settings of ``env``."""
    # instance_path only matters when env names no instance folder and no broker
    return {**config, "CELERY": celery_settings(REPO_ROOT / "instance", {**os.environ, **env},
                                                     import_name="flaskcelery")}


class RabbitMQ:
    """A RabbitMQ node of its own: own epmd, ports, data and logs under ``base``.

    Debian's server starts ``epmd -daemon``, which would outlive it: this one runs its own
    epmd on a free port (``ERL_EPMD_PORT``), and stops both by process id. AMQP listens on
    ``addresses`` (loopback unless told otherwise), epmd on loopback only.
    """

    def __init__(self, base: Path, addresses=LOOPBACK):
        self.base = base
        self.addresses = tuple(addresses)
        self.port = free_port()
        self.dist_port = free_port()
        self.epmd_port = free_port()
        self.log_path = base / "rabbitmq.out"
        self._epmd = None
        self._server = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    @property
    def node(self) -> str:
        return f"test{self.port}@localhost"

    def _env(self) -> dict:
        plugins = self.base / "enabled_plugins"
        plugins.write_text("[].\n")
        # One address fits RABBITMQ_NODE_IP_ADDRESS; several need listeners in a config file.
        config = self.base / "rabbitmq.conf"
        config.write_text("".join(f"listeners.tcp.{i} = {address}:{self.port}\n"
                                  for i, address in enumerate(self.addresses, 1)))
        return {
            **os.environ,
            "HOME": str(self.base),
            "ERL_EPMD_PORT": str(self.epmd_port),
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_CONFIG_FILE": str(config),
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.base / "log"),
            "RABBITMQ_PID_FILE": str(self.base / "rabbitmq.pid"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(plugins),
        }

    def start(self, timeout: float = 60.0) -> None:
        """Start the node (and epmd, the first time); return once it accepts AMQP clients."""
        env = self._env()
        if self._epmd is None:
            self._epmd = _spawn(
                ["epmd", "-port", str(self.epmd_port), "-address", "127.0.0.1"], env, None
            )
            wait_for_port(self.epmd_port, self._epmd, timeout=10)
        self._server = _spawn([str(RABBITMQ_SERVER)], env, self.log_path)
        wait_for_port(self.port, self._server, timeout=timeout)

    def ctl(self, *args: str) -> str:
        """Run ``rabbitmqctl -n NODE ARGS...`` against this node; its output."""
        return subprocess.run([str(RABBITMQCTL), "-n", self.node, *args], env=self._env(),
                              capture_output=True, text=True, check=True, timeout=60).stdout

    def add_user(self, user: str, password: str) -> None:
        """A user with every permission on vhost ``/`` (``guest`` works from loopback only)."""
        self.ctl("add_user", user, password)
        self.ctl("set_permissions", "-p", "/", user, ".*", ".*", ".*")

    def stop(self) -> None:
        """Stop the node (epmd keeps running for a later :meth:`start`)."""
        if self._server is not None:
            stop_process(self._server, timeout=30)
            self._server = None

    def close(self) -> None:
        self.stop()
        if self._epmd is not None:
            stop_process(self._epmd)
            self._epmd = None


class Redis:
    """A Redis server on a free port of ``addresses`` (loopback unless told otherwise), with
    no persistence, and ``password`` if given."""

    def __init__(self, base: Path, addresses=LOOPBACK, password: str | None = None):
        self.port = free_port()
        self.addresses, self.password = tuple(addresses), password
        self.log_path = base / "redis.out"
        self._proc = None

    @property
    def url(self) -> str:
        return self.url_at(self.addresses[0])

    def url_at(self, address: str) -> str:
        auth = f":{quote(self.password, safe='')}@" if self.password else ""
        return f"redis://{auth}{address}:{self.port}/0"

    def start(self) -> None:
        args = ["redis-server", "--bind", *self.addresses, "--port", str(self.port),
                "--save", "", "--appendonly", "no"]
        if self.password:
            args += ["--requirepass", self.password]
        self._proc = _spawn(args, dict(os.environ), self.log_path)
        wait_for_port(self.port, self._proc, timeout=10)

    def close(self) -> None:
        if self._proc is not None:
            stop_process(self._proc)
            self._proc = None


class CeleryWorker:
    """A running ``manage_celery.py celeryd`` process: ``.name``, ``.log()``, ``.kill()``."""

    def __init__(self, proc: subprocess.Popen, name: str, log_path: Path):
        self.proc, self.name, self.log_path = proc, name, log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes, as when its machine dies."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(10)

    def stop(self) -> None:
        """Warm shutdown (SIGTERM), SIGKILL after 20 s."""
        stop_process(self.proc, timeout=20)


def _spawn(args, env, log_path: Path | None) -> subprocess.Popen:
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL
    try:
        return subprocess.Popen(
            [str(a) for a in args], env=env, cwd=REPO_ROOT, stdin=subprocess.DEVNULL,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    finally:
        if log_path:
            log.close()


@contextmanager
def celery_worker_process(env: dict, *worker_args: str, log_dir: Path, name: str | None = None,
                          timeout: float = 60.0, prefix=()):
    """Run a worker with ``env``; yield a :class:`CeleryWorker` once it is ready; stop it.

    ``prefix`` goes before the command, e.g. ``("ip", "netns", "exec", NS)`` to run it in a
    network namespace (``ip netns exec`` execs it: signals still reach the worker)."""
    name = name or f"worker{next(_worker_numbers)}@%h"
    log_path = log_dir / f"{name.split('@')[0]}.log"
    args = [*prefix, PYTHON, MANAGE_CELERY, "celeryd", "--loglevel=INFO", "-n", name,
            *worker_args]
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **env}
    worker = CeleryWorker(_spawn(args, full_env, log_path), name, log_path)
    try:
        wait_until_ready(worker, timeout)
        yield worker
    finally:
        worker.stop()


def wait_until_ready(worker: CeleryWorker, timeout: float = 60.0) -> None:
    """Block until the worker logs ``<name> ready.`` (INFO: it consumes from its queues)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker.proc.poll() is not None:
            raise RuntimeError(f"worker exited with {worker.proc.returncode}:\n{worker.log()}")
        if " ready." in worker.log():
            return
        time.sleep(0.05)
    raise TimeoutError(f"worker not ready within {timeout} s:\n{worker.log()}")


@pytest.fixture(scope="session")
def embedded_env(tmp_path_factory) -> dict:
    return clean_env(FLASKCELERY_INSTANCE=str(tmp_path_factory.mktemp("flaskcelery-instance")))


def _serve(server_class, tmp_path_factory, installed: bool, reason: str):
    """Start a server of ``server_class`` in a fresh folder for the session, then close it."""
    require(installed, reason)
    server = server_class(tmp_path_factory.mktemp(server_class.__name__.lower()))
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def rabbitmq(tmp_path_factory):
    yield from _serve(RabbitMQ, tmp_path_factory,
                      RABBITMQ_SERVER.exists() and shutil.which("epmd") is not None,
                      "rabbitmq-server is not installed (apt-get install -y rabbitmq-server)")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    yield from _serve(Redis, tmp_path_factory, shutil.which("redis-server") is not None,
                      "redis-server is not installed (apt-get install -y redis-server)")


@pytest.fixture(scope="session")
def rabbitmq_env(rabbitmq, redis_server) -> dict:
    return clean_env(
        BROKER_HOST="127.0.0.1",
        BROKER_PORT=str(rabbitmq.port),
        CELERY_RESULT_BACKEND=redis_server.url,
    )


@pytest.fixture(scope="module",
                params=["embedded", pytest.param("rabbitmq", marks=pytest.mark.rabbitmq)])
def celery_env(request) -> dict:
    """The broker + backend pair under test, once each: embedded files, or RabbitMQ + Redis."""
    return request.getfixturevalue(f"{request.param}_env")


@pytest.fixture
def celery_worker(tmp_path):
    """Factory: ``celery_worker(env, *worker_args, name=None)``; workers stop after the test."""
    with _WorkerPool(tmp_path) as pool:
        yield pool.start


class _WorkerPool:
    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self._contexts = []

    def start(self, env: dict, *worker_args: str, name: str | None = None,
              prefix=()) -> CeleryWorker:
        context = celery_worker_process(env, *worker_args, log_dir=self.log_dir, name=name,
                                        prefix=prefix)
        worker = context.__enter__()
        self._contexts.append(context)
        return worker

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        while self._contexts:
            self._contexts.pop().__exit__(None, None, None)
