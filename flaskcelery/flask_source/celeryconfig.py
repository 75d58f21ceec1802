"""Settings of the Celery server: Flask's own, and Celery's inside ``app.config["CELERY"]``.

Celery's settings live in the Flask config under ``CELERY``, with Celery's lower-case names
(the pattern of Flask's "Background Tasks with Celery" guide), so one config object, built
once, configures both the web server and the workers. The environment is read first; a
``config`` dict given to ``create_app`` overrides it.

==========================  ======================================================  ===========
environment variable        meaning                                                 default
==========================  ======================================================  ===========
``CELERY_BROKER_URL``       broker URL (``amqp://...``, ``redis://...``, ...)       embedded
``BROKER_HOST``             RabbitMQ host: any ``BROKER_*`` name selects            ``localhost``
                            ``amqp://`` (the seed's names)
``BROKER_PORT``             RabbitMQ port                                           ``5672``
``BROKER_USER``             RabbitMQ user                                           ``guest``
``BROKER_PASSWORD``         RabbitMQ password                                       ``guest``
``BROKER_VHOST``            RabbitMQ virtual host                                   ``/``
``CELERY_RESULT_BACKEND``   result backend URL (``redis://...``, ``db+...``)        embedded
``CELERY_RESULT_EXPIRES``   seconds a result is kept                                ``86400``
``ECHO_COUNTDOWN``          seconds an echo task waits before it runs               ``5``
``FLASKCELERY_INSTANCE``    folder of the embedded broker and result database       see below
==========================  ======================================================  ===========

Embedded default (no server to install): kombu's **filesystem** transport (with atomic
writes: :mod:`.embedded_transport`) in
``<instance>/broker/`` and a SQLite result database ``<instance>/results.sqlite``, with
``<instance>`` = ``<repo>/instance/flaskcelery/``. The filesystem transport was measured
against kombu's SQLAlchemy transport on SQLite: both give round trips of tens of
milliseconds once their polling is tuned, but only the filesystem transport supports
broadcast (fanout) messages, which ``revoke``, ``celery inspect`` and Flower need, and it
deletes consumed messages where the SQLAlchemy one keeps every message forever.

Neither embedded transport keeps a message a worker has received but not acknowledged if that
worker is killed (kombu's virtual transports hold unacknowledged messages in the worker's
memory): ``task_acks_late`` redelivers after a ``SIGKILL`` only with a real broker (RabbitMQ).
"""

import os
from pathlib import Path
from urllib.parse import quote

from kombu.transport import TRANSPORT_ALIASES

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_INSTANCE = REPO_ROOT / "instance" / "flaskcelery"

DEFAULT_ECHO_COUNTDOWN = 5.0
DEFAULT_RESULT_EXPIRES = 24 * 3600

# kombu's filesystem transport, made safe for concurrent publishers (see the module), under
# a URL scheme of its own: a broker_url set elsewhere then selects its own transport.
EMBEDDED_SCHEME = "flaskcelery-fs"
TRANSPORT_ALIASES.setdefault(
    EMBEDDED_SCHEME, "flaskcelery.flask_source.embedded_transport:Transport"
)

# How often a worker looks for new messages on the embedded broker (kombu's default: 1 s).
EMBEDDED_POLLING_INTERVAL = 0.02

_AMQP_NAMES = ("BROKER_HOST", "BROKER_PORT", "BROKER_USER", "BROKER_PASSWORD", "BROKER_VHOST")


def instance_folder(environ=os.environ) -> Path:
    """The folder of the embedded broker and result database (``FLASKCELERY_INSTANCE``)."""
    return Path(environ.get("FLASKCELERY_INSTANCE") or DEFAULT_INSTANCE).resolve()


def amqp_url(environ=os.environ) -> str:
    """``amqp://user:password@host:port/vhost`` from the seed's ``BROKER_*`` names."""
    user = quote(environ.get("BROKER_USER", "guest"), safe="")
    password = quote(environ.get("BROKER_PASSWORD", "guest"), safe="")
    host = environ.get("BROKER_HOST", "localhost")
    port = int(environ.get("BROKER_PORT", "5672"))
    vhost = quote(environ.get("BROKER_VHOST", "/"), safe="")
    return f"amqp://{user}:{password}@{host}:{port}/{vhost}"


def embedded_broker(instance: Path) -> tuple[str, dict]:
    """URL and transport options of the embedded broker: kombu's filesystem transport."""
    queue_folder = str(instance / "broker" / "queue")
    return EMBEDDED_SCHEME + "://", {
        # One folder both ways: every process writes and reads the same queues.
        "data_folder_in": queue_folder,
        "data_folder_out": queue_folder,
        "control_folder": str(instance / "broker" / "control"),
        "polling_interval": EMBEDDED_POLLING_INTERVAL,
    }


def prepare_embedded(celery_config: dict) -> None:
    """Create what the embedded broker and result backend need on disk (kombu does not).

    For the filesystem transport that includes the exchange tables of Celery's exchanges:
    kombu creates a missing table by opening it with ``"wb"`` in each process that binds a
    queue, so two processes binding at once (workers starting, Flower's inspections) can
    leave a corrupt or truncated table. Created here once, atomically, kombu only updates
    them, under its file lock.
    """
    backend = str(celery_config.get("result_backend", ""))
    if backend.startswith("db+sqlite:///"):
        Path(backend.removeprefix("db+sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if not str(celery_config.get("broker_url", "")).startswith(EMBEDDED_SCHEME + ":"):
        return
    options = celery_config["broker_transport_options"]
    Path(options["data_folder_in"]).mkdir(parents=True, exist_ok=True)
    control = Path(options["control_folder"])
    control.mkdir(parents=True, exist_ok=True)
    exchanges = (
        celery_config.get("task_default_exchange") or "celery",
        celery_config.get("event_exchange") or "celeryev",
        "celery.pidbox",  # broadcasts to workers (revoke, inspect)
        "reply.celery.pidbox",  # their replies
    )
    for exchange in exchanges:
        _create_once(control / f"{exchange}.exchange", b"[]")


def _create_once(path: Path, content: bytes) -> None:
    """Create ``path`` with ``content`` unless it exists; never visible half-written."""
    staging = path.with_name(f".{path.name}.{os.getpid()}")
    staging.write_bytes(content)
    try:
        os.link(staging, path)
    except FileExistsError:
        pass
    finally:
        staging.unlink()


def celery_settings(environ=os.environ) -> dict:
    """Celery's settings (lower-case names) from the environment and the defaults."""
    instance = instance_folder(environ)
    transport_options: dict = {}
    if environ.get("CELERY_BROKER_URL"):
        broker = environ["CELERY_BROKER_URL"]
    elif any(environ.get(name) for name in _AMQP_NAMES):
        broker = amqp_url(environ)
    else:
        broker, transport_options = embedded_broker(instance)
    backend = environ.get("CELERY_RESULT_BACKEND") or f"db+sqlite:///{instance / 'results.sqlite'}"
    return {
        "broker_url": broker,
        "broker_transport_options": transport_options,
        "result_backend": backend,
        "result_expires": int(environ.get("CELERY_RESULT_EXPIRES", DEFAULT_RESULT_EXPIRES)),
        # JSON only: a pickled message would run code chosen by whoever can write to the queue.
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_accept_content": ["json"],
        # A task is acknowledged when it is done, and put back if its worker dies.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "task_track_started": True,
        # A dead broker is an answer within seconds, not a hung request: connect timeout
        # 1 s, two quick retries when publishing.
        "broker_connection_timeout": 1.0,
        "broker_connection_retry_on_startup": True,
        "task_publish_retry_policy": {
            "max_retries": 2,
            "interval_start": 0,
            "interval_step": 0.5,
            "interval_max": 0.5,
        },
        "redis_socket_connect_timeout": 2.0,
        "redis_socket_timeout": 5.0,
        "result_backend_transport_options": {"retry_policy": {"max_retries": 2}},
        "database_engine_options": {"connect_args": {"timeout": 30}},
    }


def flask_settings(config: dict | None = None, environ=os.environ) -> dict:
    """The settings ``create_app`` adds to the Flask config: ``ECHO_COUNTDOWN`` and ``CELERY``.

    ``config["CELERY"]``, when given, is merged over the Celery settings, name by name.
    """
    config = dict(config or {})
    celery = {**celery_settings(environ), **config.pop("CELERY", {})}
    countdown = float(environ.get("ECHO_COUNTDOWN", DEFAULT_ECHO_COUNTDOWN))
    return {"ECHO_COUNTDOWN": countdown, **config, "CELERY": celery}
