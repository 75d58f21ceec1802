"""The Flask extension: ``JSONRPC(app)``, or ``jsonrpc = JSONRPC()`` then
``jsonrpc.init_app(app)`` in an app factory, as Flask's extensions do.

It reads the settings (:mod:`flask_pyjamas.settings`: what ``app.config`` sets wins over the
environment, which wins over the defaults), installs the request class that reads
``application/json-rpc`` (:class:`~flask_pyjamas.web.request.JSONRPCRequest`, or the app's own
subclass of it), and makes every answer of its JSON-RPC endpoints readable by an allowed page:
CORS headers, and a JSON-RPC error body for an HTTP error (405, 413, 415, a method's bug...),
never an HTML page or a traceback.

It touches only JSON-RPC endpoints: views made by :class:`~flask_pyjamas.web.views.JSONRPCView`
or :func:`~flask_pyjamas.web.views.rpc_view`, and view functions marked with
:func:`jsonrpc_endpoint`. The app's other routes keep Flask's own behaviour: its HTML error
pages, no CORS headers.
"""

import logging
from collections.abc import Callable

import flask
from flask import Flask, Response, current_app, request
from werkzeug.exceptions import (
    HTTPException,
    MethodNotAllowed,
    RequestEntityTooLarge,
    UnsupportedMediaType,
)
from werkzeug.middleware.proxy_fix import ProxyFix

from flask_pyjamas.protocol.cors import CorsPolicy
from flask_pyjamas.protocol.jsonrpc import INTERNAL_ERROR
from flask_pyjamas.settings import RPC_DEFAULTS, rpc_settings
from flask_pyjamas.web.request import JSONRPCRequest, MalformedBody
from flask_pyjamas.web.transport import EXTENSION_KEY, cors_policy, transport_error

log = logging.getLogger(__name__)

_MARK = "jsonrpc_endpoint"


def jsonrpc_endpoint(view: Callable) -> Callable:
    """Mark a view function as a JSON-RPC endpoint (one that answers through
    :func:`.preflight_response` and :func:`.rpc_post_response`), so that its HTTP errors get
    JSON-RPC bodies and CORS headers. :class:`.JSONRPCView` and :func:`.rpc_view` mark their
    views themselves."""
    setattr(view, _MARK, True)
    return view


class JSONRPC:
    """JSON-RPC endpoints with CORS in a Flask app.

    >>> from flask import Flask
    >>> from flask_pyjamas import JSONRPC, MethodRegistry, rpc_view
    >>> methods = MethodRegistry()
    >>> app = Flask("demo")
    >>> JSONRPC(app)  # doctest: +ELLIPSIS
    <flask_pyjamas.web.extension.JSONRPC object at ...>
    >>> app.add_url_rule("/rpc", view_func=rpc_view(methods), methods=["POST", "OPTIONS"],
    ...                  provide_automatic_options=False)
    """

    def __init__(self, app: Flask | None = None):
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Set ``app`` up: settings, request class, CORS and error bodies for its JSON-RPC
        endpoints. A request class of the app's own must subclass
        :class:`~flask_pyjamas.web.request.JSONRPCRequest`. With ``RPC_TRUSTED_PROXIES`` = N
        > 0, a request's ``remote_addr`` (the client of the per-client limits) is the
        address N hops back in ``X-Forwarded-For`` (Werkzeug's ``ProxyFix``)."""
        given = {name: app.config[name] for name in RPC_DEFAULTS
                 if app.config.get(name) is not None}
        app.config.update(rpc_settings(given))
        if app.request_class is flask.Request:
            app.request_class = JSONRPCRequest
        elif not issubclass(app.request_class, JSONRPCRequest):
            raise TypeError(f"{app.name}: app.request_class must be a subclass of "
                            "flask_pyjamas.JSONRPCRequest to read application/json-rpc")
        if app.config["RPC_TRUSTED_PROXIES"]:  # the client is who the proxies saw
            app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["RPC_TRUSTED_PROXIES"])
        app.extensions[EXTENSION_KEY] = CorsPolicy.from_config(app.config)
        app.after_request(_add_cors_headers)
        app.register_error_handler(HTTPException, _http_error)
        app.register_error_handler(Exception, _unexpected_error)


def is_jsonrpc_request() -> bool:
    """Whether the current request is for one of the app's JSON-RPC endpoints (a wrong verb
    on one included)."""
    app = current_app._get_current_object()
    rule = request.url_rule
    if rule is None:  # no route matched: a wrong verb on an endpoint, or an unknown path
        wrong_verb = request.routing_exception
        if not isinstance(wrong_verb, MethodNotAllowed):
            return False
        # the endpoint under a verb it takes (POST for most, GET for an events stream)
        adapter = app.url_map.bind_to_environ(request.environ)
        for method in wrong_verb.valid_methods or ["POST"]:
            try:
                endpoint, _ = adapter.match(method=method)
                break
            except HTTPException:
                continue
        else:
            return False
    else:
        endpoint = rule.endpoint
    return getattr(app.view_functions.get(endpoint), _MARK, False)


def _add_cors_headers(response: Response) -> Response:
    if getattr(response, "cors_added", False) or not is_jsonrpc_request():
        return response
    headers = response.headers
    present = {name.lower() for name in headers.keys()}  # one pass, not one per lookup
    for name, value in cors_policy().response_headers(request.headers.get("Origin")).items():
        if name.lower() not in present:
            headers.add(name, value)
        elif name == "Vary":  # merge with the view's own Vary; other headers it set are kept
            response.vary.add(value)
    return response


def _http_error(exc: HTTPException):
    if not is_jsonrpc_request():
        return exc  # Flask's own answer (its HTML error page)
    if isinstance(exc, RequestEntityTooLarge):
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        response = transport_error(413, f"Request body is larger than {limit} bytes")
    elif isinstance(exc, UnsupportedMediaType | MalformedBody):
        response = transport_error(exc.code, exc.description)
    else:
        response = transport_error(exc.code or 500, f"{exc.name}: {request.method} {request.path}")
    if exc.code == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _unexpected_error(exc: Exception):
    if not is_jsonrpc_request():
        raise exc  # Flask handles it as it would without this extension: a logged 500
    log.exception("Unhandled error answering %s %s", request.method, request.path)
    return transport_error(500, "Internal error", code=INTERNAL_ERROR)
