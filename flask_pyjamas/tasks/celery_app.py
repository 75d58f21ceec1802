"""Celery inside a Flask app, as in Flask's guide "Background Tasks with Celery".

:func:`celery_init_app` builds the Celery app from ``app.config["CELERY"]`` (see
:func:`.flask_celery_settings`); tasks run inside the Flask app context, and the
Celery app is ``app.extensions["celery"]``. Its workers delete expired results on backends
that do not expire them by themselves (:mod:`flask_pyjamas.tasks.result_expiry`).

Every task of the app is a ``FlaskTask``, which makes cancel work with plain Celery code: a
task cancelled (``cancel(task_id)``, :func:`.records.request_cancel`) before it starts never
runs; a running one stops at its next ``self.update_state(...)`` (its progress report), and
one that ends after its cancel stays ``REVOKED``, never ``SUCCESS``.
"""

from celery import Celery, Task
from flask import Flask

from flask_pyjamas.tasks.embedded_broker import prepare_embedded
from flask_pyjamas.tasks.records import stop_if_cancelled
from flask_pyjamas.tasks.result_expiry import ResultCleanup


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app of ``app`` from ``app.config["CELERY"]``; tasks run in its context."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                # A task cancelled while no worker held it is dropped when one receives it.
                stop_if_cancelled(self)
                result = self.run(*args, **kwargs)
                # Cancelled after its last progress report: REVOKED, not SUCCESS.
                stop_if_cancelled(self)
                return result

        def update_state(self, task_id=None, state=None, meta=None, **kwargs):
            """Celery's ``update_state``, which first stops the task (``Ignore``) if it was
            cancelled: each progress report is a point where a cancel takes effect."""
            if task_id is None or task_id == self.request.id:
                stop_if_cancelled(self)
            super().update_state(task_id, state, meta, **kwargs)

    prepare_embedded(app.config["CELERY"])
    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.steps["worker"].add(ResultCleanup)  # results expire with no beat running
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
