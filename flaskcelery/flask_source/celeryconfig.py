"""The Celery configuration of the flaskcelery server.

Celery's settings live in the Flask config under ``CELERY``, with Celery's lower-case names,
so one config object configures both the web server and the workers. They are read from the
environment (:mod:`flask_pyjamas.settings` has the table: ``CELERY_BROKER_URL``, the seed's
``BROKER_HOST``, ``BROKER_PORT``, ``BROKER_USER``, ``BROKER_PASSWORD``, ...), and a ``config``
given to ``create_app`` overrides them.

With nothing set, the broker is the embedded one (files, :mod:`flask_pyjamas.tasks.embedded_broker`)
and results go to SQLite, both in the app's instance folder, ``instance/<package>/`` (a copy of
the example under another name has its own): no server to install. JSON is the only
serializer, a task is acknowledged when it is done and put back if its worker dies.

The example's own setting: ``ECHO_COUNTDOWN``, the seconds an echo task waits before it runs
(default 5, as in the original), from ``config``, else the environment.
"""

import os

from flask import Flask

from flask_pyjamas.settings import SettingError, flask_celery_settings

DEFAULT_ECHO_COUNTDOWN = 5.0


def celery_config(app: Flask) -> dict:
    """``ECHO_COUNTDOWN``, the Celery endpoint's limits and ``CELERY`` for ``app.config``."""
    return {**flask_celery_settings(app.config, app.instance_path, import_name=app.import_name),
            "ECHO_COUNTDOWN": echo_countdown(app.config)}


def echo_countdown(config, environ=os.environ) -> float:
    """``ECHO_COUNTDOWN``: ``config``'s, else the environment's (blank is unset), else 5."""
    value = config.get("ECHO_COUNTDOWN", environ.get("ECHO_COUNTDOWN", "").strip() or None)
    if value is None:
        return DEFAULT_ECHO_COUNTDOWN
    try:
        return float(value)
    except ValueError:
        raise SettingError(f"ECHO_COUNTDOWN={value!r} is not a valid float") from None
