"""The flaskcors server: ``create_app()`` builds the Flask app with both echo endpoints.

``/json_echo/``
    blueprint ``json_echo``, a view function (``views.py``)
``/json_echo_class``
    ``JSONEchoView``, a class-based view (``method_views.py``)

Settings (the origin allow-list, body size...) come from the environment, then ``config``;
see :mod:`flask_pyjamas.settings`. In production, serve ``create_app()`` with gunicorn
(see the docs).
"""

from flask import Flask

from flask_pyjamas import JSONRPC

from .method_views import JSONEchoView
from .requests import JSONRPCRequest
from .views import json_echo


def create_app(config: dict | None = None) -> Flask:
    """Build the app; ``config`` overrides the environment, which overrides the defaults."""
    app = Flask(__name__)
    app.config.update(config or {})
    app.request_class = JSONRPCRequest  # reads Content-Type: application/json-rpc
    JSONRPC(app)  # settings, CORS and JSON-RPC error bodies for the JSON-RPC endpoints
    app.register_blueprint(json_echo)
    JSONEchoView.register(app, "/json_echo_class", "json_echo_class")
    return app
