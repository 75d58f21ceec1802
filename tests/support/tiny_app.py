"""A tiny Flask app of the tests' own, built with the library's public API only: the
library's unit tests run against it, not against the examples.

``/json_echo/`` is a marked view function, ``/json_echo_class`` a :class:`JSONRPCView`,
both on :data:`tests.support.echo.echo_methods`; ``/hello`` and ``/boom`` are ordinary
routes of "the user's own", which the extension must leave alone.
"""

from flask import Blueprint, Flask, request

from flask_pyjamas import (
    JSONRPC,
    JSONRPCView,
    jsonrpc_endpoint,
    preflight_response,
    rpc_post_response,
)
from tests.support.echo import echo_methods

json_echo = Blueprint("json_echo", __name__, url_prefix="/json_echo")


@json_echo.route("/", methods=["POST", "OPTIONS"], strict_slashes=False,
                 provide_automatic_options=False)
@jsonrpc_endpoint
def echo_view():
    if request.method == "OPTIONS":
        return preflight_response()
    return rpc_post_response(echo_methods)


class EchoView(JSONRPCView):
    rpc_methods = echo_methods


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(config or {})
    JSONRPC(app)
    app.register_blueprint(json_echo)
    EchoView.register(app, "/json_echo_class", "json_echo_class")

    @app.get("/hello")
    def hello():
        return "<p>hello</p>"

    @app.get("/boom")
    def boom():
        raise RuntimeError("a bug in the user's own route")

    return app
