"""Class-based JSON-RPC views: ``JSONRPCView`` answers OPTIONS and POST for its ``rpc_methods``."""

from flask import Flask
from flask.views import MethodView

from .echo_methods import echo_methods
from .jsonrpc import MethodRegistry
from .rpc_http import preflight_response, rpc_post_response


class JSONRPCView(MethodView):
    """Subclass it and set ``rpc_methods`` to the registry the endpoint exposes."""

    rpc_methods = MethodRegistry()

    def options(self):
        return preflight_response()

    def post(self):
        return rpc_post_response(self.rpc_methods)

    @classmethod
    def register(cls, app: Flask, path: str, endpoint: str) -> None:
        """Route ``path`` and ``path/`` to the view, with no redirect between them (a browser
        refuses to follow a redirected preflight)."""
        view = cls.as_view(endpoint)
        app.add_url_rule(path, view_func=view)
        app.add_url_rule(path + "/", view_func=view, endpoint=endpoint + "_slash")


class JSONEchoView(JSONRPCView):
    """The echo service as a method view, at ``/json_echo_class``."""

    rpc_methods = echo_methods
