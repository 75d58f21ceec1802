"""The flaskcelery server: ``create_app()`` is the flaskcors app plus Celery.

Routes: flaskcors's ``/json_echo/`` and ``/json_echo_class``, and ``/json_celery_class``
(:class:`.CeleryEchoView`), whose methods run on Celery workers.

Celery is set up as in Flask's guide "Background Tasks with Celery": its settings are
``app.config["CELERY"]`` (:mod:`.celeryconfig`), tasks run inside the Flask app context, and
the Celery app is ``app.extensions["celery"]``. A worker finds it through this module too::

    celery -A flaskcelery.flask_source.FlaskEchoApp:celery_app worker --loglevel=INFO

(``celery_app`` is built on first access, from the environment.)
"""

from celery import Celery, Task
from flask import Flask

from flaskcors.public.services.flask_example.FlaskEchoApp import create_app as create_cors_app

from . import celery_tasks  # noqa: F401  (registers the shared tasks)
from .celery_tasks import stop_if_cancelled
from .celery_views import CeleryEchoView
from .celeryconfig import flask_settings, prepare_embedded

__all__ = ["create_app", "celery_init_app"]


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app of ``app`` from ``app.config["CELERY"]``; tasks run in its context."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                # A task cancelled while no worker held it is dropped when one receives it.
                stop_if_cancelled(self)
                return self.run(*args, **kwargs)

    prepare_embedded(app.config["CELERY"])
    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def create_app(config: dict | None = None) -> Flask:
    """Build the app. ``config`` overrides the environment, which overrides the defaults;
    ``config["CELERY"]`` is merged over the Celery settings (see :mod:`.celeryconfig`)."""
    app = create_cors_app(flask_settings(config), import_name=__name__)
    celery_init_app(app)
    CeleryEchoView.register(app, "/json_celery_class", "json_celery_class")
    return app


def __getattr__(name: str):
    # `celery_app` for `celery -A ...FlaskEchoApp:celery_app`, built only when asked for.
    if name == "celery_app":
        global celery_app
        celery_app = create_app().extensions["celery"]
        return celery_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
