"""Celery inside a Flask app, as in Flask's guide "Background Tasks with Celery".

:func:`celery_init_app` builds the Celery app from ``app.config["CELERY"]`` (see
:func:`.flask_celery_settings`); tasks run inside the Flask app context, and the
Celery app is ``app.extensions["celery"]``. Its workers delete expired results on backends
that do not expire them by themselves (:mod:`flask_pyjamas.tasks.result_expiry`).
"""

from celery import Celery, Task
from flask import Flask

from flask_pyjamas.tasks.embedded_broker import prepare_embedded
from flask_pyjamas.tasks.records import stop_if_cancelled
from flask_pyjamas.tasks.result_expiry import ResultCleanup
from flask_pyjamas.tasks.result_store import share_database_backend


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
    celery_app.steps["worker"].add(ResultCleanup)  # results expire with no beat running
    celery_app.set_default()
    share_database_backend(celery_app)  # one engine per process, not one per query
    app.extensions["celery"] = celery_app
    return celery_app
