"""The two ways to expose a :class:`~.MethodRegistry` as an endpoint: a class-based
view (:class:`JSONRPCView`) or a view function (:func:`rpc_view`). Both answer the CORS
preflight (``OPTIONS``) themselves, then the ``POST``."""

from flask import Flask, request
from flask.views import MethodView

from flask_pyjamas.protocol.jsonrpc import MethodRegistry
from flask_pyjamas.web.extension import jsonrpc_endpoint
from flask_pyjamas.web.transport import preflight_response, rpc_post_response


class JSONRPCView(MethodView):
    """Subclass it and set ``rpc_methods`` to the registry the endpoint exposes."""

    rpc_methods = MethodRegistry()

    @classmethod
    def as_view(cls, name: str, *class_args, **class_kwargs):
        return jsonrpc_endpoint(super().as_view(name, *class_args, **class_kwargs))

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


def rpc_view(registry: MethodRegistry):
    """A view function answering ``OPTIONS`` and ``POST`` for ``registry``'s methods (route it
    with ``methods=["POST", "OPTIONS"], provide_automatic_options=False``)."""

    @jsonrpc_endpoint
    def view():
        if request.method == "OPTIONS":
            return preflight_response()
        return rpc_post_response(registry)

    return view
