"""The Celery configuration of the flaskcelery server.

Celery's settings live in the Flask config under ``CELERY``, with Celery's lower-case names,
so one config object configures both the web server and the workers. They are read from the
environment (:mod:`flask_pyjamas.settings` has the table: ``CELERY_BROKER_URL``, the seed's
``BROKER_HOST``, ``BROKER_PORT``, ``BROKER_USER``, ``BROKER_PASSWORD``, ...), and a ``config``
given to ``create_app`` overrides them.

With nothing set, the broker is the embedded one (files, :mod:`flask_pyjamas.tasks.embedded_broker`)
and results go to SQLite, both in the app's instance folder: no server to install. JSON is
the only serializer, a task is acknowledged when it is done and put back if its worker dies.
"""

from flask import Flask

from flask_pyjamas.settings import flask_celery_settings


def celery_config(app: Flask) -> dict:
    """``ECHO_COUNTDOWN`` and ``CELERY`` for ``app.config``."""
    return flask_celery_settings(app.config, app.instance_path)
