"""Every setting of both examples, read from the environment in this one place.

Each value comes from, last one winning: the defaults below, the environment (read by
:func:`from_environment`; a blank variable counts as unset), then the ``config`` dict given to
``create_app``. The Celery settings use Celery's own lower-case names and live in the Flask
config under ``CELERY``, as in Flask's guide "Background Tasks with Celery".

===========================  =====================================================  ==============
environment variable         meaning                                                default
===========================  =====================================================  ==============
``CORS_ALLOWED_ORIGINS``     page origins allowed to call (comma-separated; ``*``   the demo page
                             = any origin)                                          on :8000
``CORS_ALLOW_HEADERS``       request headers a preflight may ask for                ``Content-Type``
``CORS_MAX_AGE``             seconds a browser may cache a preflight                ``86400``
``MAX_CONTENT_LENGTH``       largest request body in bytes (larger: HTTP 413)       ``1048576``
``RPC_MAX_BATCH``            calls in one batch (more: one -32600 error, and no     ``100``
                             call runs)
``RPC_MAX_WAIT``             seconds of long-poll waiting one HTTP request may      ``25``
                             hold, shared by all ``get_result`` calls of a batch
``RPC_MAX_TASKS``            tasks one HTTP request may start (more: -32005 for     ``10``
                             each call past it)
``RPC_MAX_HEAVY_TASKS``      heavy tasks (``CeleryMethods.task(..., heavy=True)``)  ``4``
                             queued or running at once, across all web processes
                             (more: -32006, busy)
``CELERY_BROKER_URL``        broker URL (``amqp://...``, ``redis://...``)           embedded
``BROKER_HOST``              RabbitMQ host: any ``BROKER_*`` name selects           ``localhost``
                             ``amqp://`` (the seed's names)
``BROKER_PORT``              RabbitMQ port                                          ``5672``
``BROKER_USER``              RabbitMQ user                                          ``guest``
``BROKER_PASSWORD``          RabbitMQ password                                      ``guest``
``BROKER_VHOST``             RabbitMQ virtual host                                  ``/``
``CELERY_RESULT_BACKEND``    result backend URL (``redis://...``, ``db+...``)       embedded
``CELERY_RESULT_EXPIRES``    seconds a result is kept (Redis: its TTL; a database:  ``86400``
                             workers delete older ones, :mod:`.result_expiry`)
``LONG_POLL_MAX_WAITERS``    long-polls one server process holds at once (more:     ``1000``
                             error -32007); the production gunicorn config gives
                             each process this many threads + 64
``FLASKCELERY_INSTANCE``     folder of the embedded broker and result database      see below
                             (an absolute path)
===========================  =====================================================  ==============

The embedded broker and result database live in ``<instance>/<package>/``, where
``<instance>`` is the Flask app's ``instance_path`` (``instance/`` beside the example's
top folder, or ``<prefix>/var/...-instance`` for an installed copy) and ``<package>`` the
top package of the app's import name (``flaskcelery``; a copy under another name has a
folder, and so a queue, of its own), unless ``FLASKCELERY_INSTANCE`` names an absolute
folder. A relative one is refused: the web server
and a worker started in another directory would resolve it to two different folders.
"""

import os
from pathlib import Path
from urllib.parse import quote

DEFAULT_ORIGINS = ["http://localhost:8000", "http://127.0.0.1:8000"]

RPC_DEFAULTS = {
    "CORS_ALLOWED_ORIGINS": DEFAULT_ORIGINS,
    "CORS_ALLOW_HEADERS": ["Content-Type"],
    "CORS_MAX_AGE": 86400,
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "RPC_MAX_BATCH": 100,
}

# The Celery endpoint's limits (see the table above).
CELERY_LIMIT_DEFAULTS = {
    "RPC_MAX_WAIT": 25.0,  # below the 30 s timeout common in proxies
    "RPC_MAX_TASKS": 10,
    "RPC_MAX_HEAVY_TASKS": 4,
}

DEFAULT_RESULT_EXPIRES = 24 * 3600
# Long-polls a server process holds at once: each parks one thread (see gunicorn_config),
# beside WEB_SPARE_THREADS for the calls that do not wait.
DEFAULT_LONG_POLL_MAX_WAITERS = 1000
WEB_SPARE_THREADS = 64

# The embedded broker: kombu's filesystem transport with atomic writes
# (:mod:`.embedded_broker`), under a URL scheme of its own.
EMBEDDED_SCHEME = "flaskcelery-fs"
# How often a worker looks for new messages on the embedded broker (kombu's default: 1 s).
EMBEDDED_POLLING_INTERVAL = 0.02
# How often a running worker returns the unacknowledged messages of dead workers to their
# queues (a starting one does it at once): how late a killed worker's tasks start again.
EMBEDDED_ORPHAN_CHECK_INTERVAL = 2.0

_AMQP_NAMES = ("BROKER_HOST", "BROKER_PORT", "BROKER_USER", "BROKER_PASSWORD", "BROKER_VHOST")


def split_list(value: str) -> list[str]:
    """``"a, b,,c"`` -> ``["a", "b", "c"]``."""
    return [item.strip() for item in value.split(",") if item.strip()]


# Every variable any part of the bundle reads, with the conversion of its text.
ENVIRONMENT = {
    "CORS_ALLOWED_ORIGINS": split_list,
    "CORS_ALLOW_HEADERS": split_list,
    "CORS_MAX_AGE": int,
    "MAX_CONTENT_LENGTH": int,
    "RPC_MAX_BATCH": int,
    "RPC_MAX_WAIT": float,
    "RPC_MAX_TASKS": int,
    "RPC_MAX_HEAVY_TASKS": int,
    "CELERY_BROKER_URL": str,
    "BROKER_HOST": str,
    "BROKER_PORT": int,
    "BROKER_USER": str,
    "BROKER_PASSWORD": str,
    "BROKER_VHOST": str,
    "CELERY_RESULT_BACKEND": str,
    "CELERY_RESULT_EXPIRES": int,
    "LONG_POLL_MAX_WAITERS": int,
    "FLASKCELERY_INSTANCE": str,
}


class SettingError(ValueError):
    """A setting whose value cannot be used; the message names it."""


def from_environment(environ=os.environ) -> dict:
    """The settings set (not blank) in ``environ``, converted to their types.

    >>> from_environment({"CORS_MAX_AGE": "600", "BROKER_HOST": "", "HOME": "/root"})
    {'CORS_MAX_AGE': 600}
    >>> from_environment({"CORS_MAX_AGE": "ten minutes"})
    Traceback (most recent call last):
    ...
    flask_pyjamas.settings.SettingError: CORS_MAX_AGE='ten minutes' is not a valid int
    """
    settings = {}
    for name, convert in ENVIRONMENT.items():
        text = environ.get(name, "").strip()
        if not text:
            continue
        try:
            settings[name] = convert(text)
        except ValueError:
            raise SettingError(f"{name}={text!r} is not a valid {convert.__name__}") from None
    return settings


def rpc_settings(config: dict | None = None, environ=os.environ) -> dict:
    """The JSON-RPC server's Flask settings: defaults, then the environment, then ``config``."""
    env = from_environment(environ)
    settings = {**RPC_DEFAULTS, **{k: env[k] for k in RPC_DEFAULTS if k in env}, **(config or {})}
    if isinstance(settings["CORS_ALLOWED_ORIGINS"], str):
        settings["CORS_ALLOWED_ORIGINS"] = split_list(settings["CORS_ALLOWED_ORIGINS"])
    for name in ("MAX_CONTENT_LENGTH", "RPC_MAX_BATCH"):
        settings[name] = int(_limit(name, settings[name]))
    return settings


def instance_folder(instance_path, environ=os.environ, *, import_name: str) -> Path:
    """The folder of the embedded broker and results: ``FLASKCELERY_INSTANCE`` (absolute) or
    ``<instance_path>/<package>``, ``<package>`` being the top package of the app's
    ``import_name`` (two apps copied side by side never share a queue)."""
    configured = from_environment(environ).get("FLASKCELERY_INSTANCE")
    if configured is None:
        return Path(instance_path) / import_name.split(".")[0]
    if not Path(configured).is_absolute():
        raise SettingError(
            f"FLASKCELERY_INSTANCE must be an absolute path, not {configured!r}: the server and "
            "the workers must find the same folder wherever they are started"
        )
    return Path(configured)


def amqp_url(environ=os.environ) -> str:
    """``amqp://user:password@host:port/vhost`` from the seed's ``BROKER_*`` names.

    >>> amqp_url({"BROKER_HOST": "rabbit.lan", "BROKER_USER": "flask", "BROKER_PASSWORD": "p@ss"})
    'amqp://flask:p%40ss@rabbit.lan:5672/%2F'
    """
    env = from_environment(environ)
    user = quote(env.get("BROKER_USER", "guest"), safe="")
    password = quote(env.get("BROKER_PASSWORD", "guest"), safe="")
    host = env.get("BROKER_HOST", "localhost")
    vhost = quote(env.get("BROKER_VHOST", "/"), safe="")
    return f"amqp://{user}:{password}@{host}:{env.get('BROKER_PORT', 5672)}/{vhost}"


def embedded_broker(instance: Path) -> tuple[str, dict]:
    """URL and transport options of the embedded broker: kombu's filesystem transport."""
    queue_folder = str(instance / "broker" / "queue")
    return EMBEDDED_SCHEME + "://", {
        # One folder both ways: every process writes and reads the same queues.
        "data_folder_in": queue_folder,
        "data_folder_out": queue_folder,
        # Delivered, unacknowledged messages; on the queue's file system (moved by rename).
        "unacked_folder": str(instance / "broker" / "unacked"),
        "orphan_check_interval": EMBEDDED_ORPHAN_CHECK_INTERVAL,
        "control_folder": str(instance / "broker" / "control"),
        "polling_interval": EMBEDDED_POLLING_INTERVAL,
    }


def celery_settings(instance_path, environ=os.environ, *, import_name: str) -> dict:
    """Celery's settings (lower-case names) from the environment and the defaults, for the
    app imported as ``import_name`` (:func:`instance_folder`)."""
    env = from_environment(environ)
    instance = instance_folder(instance_path, environ, import_name=import_name)
    transport_options: dict = {}
    if "CELERY_BROKER_URL" in env:
        broker = env["CELERY_BROKER_URL"]
    elif any(name in env for name in _AMQP_NAMES):
        broker = amqp_url(environ)
    else:
        broker, transport_options = embedded_broker(instance)
    backend = env.get("CELERY_RESULT_BACKEND", f"db+sqlite:///{instance / 'results.sqlite'}")
    return {
        "broker_url": broker,
        "broker_transport_options": transport_options,
        "result_backend": backend,
        "result_expires": env.get("CELERY_RESULT_EXPIRES", DEFAULT_RESULT_EXPIRES),
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
        # One Redis connection per server thread at the most (redis-py's default pool of
        # 100 refuses the 101st concurrent request with "Too many connections").
        "redis_max_connections": web_threads(environ),
        "redis_socket_timeout": 5.0,
        "result_backend_transport_options": {"retry_policy": {"max_retries": 2}},
        "database_engine_options": {"connect_args": {"timeout": 30}},
    }


def long_poll_max_waiters(config: dict | None = None, environ=os.environ) -> int:
    """``LONG_POLL_MAX_WAITERS``: ``config``, else the environment, else the default; at
    least 1."""
    env = from_environment(environ)
    value = (config or {}).get("LONG_POLL_MAX_WAITERS",
                               env.get("LONG_POLL_MAX_WAITERS", DEFAULT_LONG_POLL_MAX_WAITERS))
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SettingError(f"LONG_POLL_MAX_WAITERS must be a whole number >= 1, not {value!r}")
    return value


def web_threads(environ=os.environ) -> int:
    """Threads of a production server process: a long-poll slot each, and spare ones."""
    return long_poll_max_waiters(environ=environ) + WEB_SPARE_THREADS


def flask_celery_settings(config: dict, instance_path, environ=os.environ, *,
                          import_name: str) -> dict:
    """The Celery endpoint's limits (``LONG_POLL_MAX_WAITERS`` among them) and ``CELERY``
    for the Flask config of the app imported as ``import_name`` (``app.import_name``):
    ``config``'s own values win, and ``config["CELERY"]`` is merged over the Celery settings,
    name by name."""
    env = from_environment(environ)
    limits = {name: _limit(name, config.get(name, env.get(name, default)))
              for name, default in CELERY_LIMIT_DEFAULTS.items()}
    celery = {**celery_settings(instance_path, environ, import_name=import_name),
              **config.get("CELERY", {})}
    return {**limits,
            "LONG_POLL_MAX_WAITERS": long_poll_max_waiters(config, environ),
            "CELERY": celery}


def _limit(name: str, value):
    """A limit's value, refused unless it is a positive number (0 would refuse everything)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise SettingError(f"{name}={value!r} must be a positive number")
    return value


def allowed_origins_from_environment(environ=os.environ) -> list[str] | None:
    """``CORS_ALLOWED_ORIGINS`` when the environment sets it, else None."""
    return from_environment(environ).get("CORS_ALLOWED_ORIGINS")
