"""The flaskcelery server: ``create_app()`` builds the Flask app with Celery.

Routes: ``/json_echo/`` (``views.py``) and ``/json_echo_class`` (``method_views.py``) answer
at once, as in flaskcors; ``/json_celery_class`` (``celery_views.py``) hands the work to
Celery workers, and ``/json_celery_class/events`` streams a task's answers (Server-Sent Events).

Celery is set up as in Flask's guide "Background Tasks with Celery": its settings are
``app.config["CELERY"]`` (``celeryconfig.py``), tasks (``celery_tasks.py``) run inside the
Flask app context, and the Celery app is ``app.extensions["celery"]``. A worker finds it
through this module too, from any directory::

    celery -A flaskcelery.flask_source.FlaskEchoApp:celery_app worker --loglevel=INFO

(``celery_app`` is built on first access, from the environment.)
"""

from flask import Flask

from flask_pyjamas import JSONRPC, celery_init_app, task_events_view

from . import celery_tasks  # noqa: F401  (registers the tasks)
from .celery_views import CeleryEchoView, celery_methods
from .celeryconfig import celery_config
from .method_views import JSONEchoView
from .requests import JSONRPCRequest
from .views import json_echo


def create_app(config: dict | None = None) -> Flask:
    """Build the app. ``config`` overrides the environment, which overrides the defaults;
    ``config["CELERY"]`` is merged over the Celery settings (see ``celeryconfig.py``)."""
    app = Flask(__name__)
    app.config.update(config or {})
    app.request_class = JSONRPCRequest  # reads Content-Type: application/json-rpc
    JSONRPC(app)  # settings, CORS and JSON-RPC error bodies for the JSON-RPC endpoints
    app.config.update(celery_config(app))
    celery_init_app(app)
    app.register_blueprint(json_echo)
    JSONEchoView.register(app, "/json_echo_class", "json_echo_class")
    CeleryEchoView.register(app, "/json_celery_class", "json_celery_class")
    # the same tasks' answers as Server-Sent Events: one GET per followed task
    app.add_url_rule("/json_celery_class/events", "json_celery_events",
                     task_events_view(celery_methods), methods=["GET"])
    return app


def __getattr__(name: str):
    # `celery_app` for `celery -A ...FlaskEchoApp:celery_app`, built only when asked for.
    if name == "celery_app":
        global celery_app
        celery_app = create_app().extensions["celery"]
        return celery_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
