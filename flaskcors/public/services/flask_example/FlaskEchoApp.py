"""The flaskcors server: ``create_app()`` builds the Flask app with both echo endpoints.

``/json_echo/``
    blueprint ``json_echo``, a view function (:mod:`.views`)
``/json_echo_class``
    ``JSONEchoView``, a class-based view (:mod:`.method_views`)
"""

from flask import Flask

from .method_views import JSONEchoView
from .rpc_http import init_rpc_app
from .views import json_echo

__all__ = ["create_app", "init_rpc_app"]


def create_app(config: dict | None = None, import_name: str = __name__) -> Flask:
    """Build the app. ``config`` overrides the environment, which overrides the defaults
    (see :mod:`.settings`). An app that builds on this one passes its own ``import_name``
    (Flask's name for the app, in its log and as the Celery app's name)."""
    app = Flask(import_name)
    init_rpc_app(app, config)
    app.register_blueprint(json_echo)
    JSONEchoView.register(app, "/json_echo_class", "json_echo_class")
    return app
