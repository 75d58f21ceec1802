"""JSON-RPC over HTTP for Flask: the preflight, the POST, and the transport faults between them.

Every view (the examples' view functions and class views, the page server's services)
answers through
:func:`preflight_response` and :func:`rpc_post_response`; :func:`init_rpc_app` installs the
pieces every response needs (CORS headers, JSON-RPC bodies for HTTP errors).
"""

import logging

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, UnsupportedMediaType
from werkzeug.middleware.proxy_fix import ProxyFix

from flask_pyjamas.protocol.cors import CorsPolicy
from flask_pyjamas.protocol.jsonrpc import (
    INTERNAL_ERROR,
    INVALID_REQUEST,
    MethodRegistry,
    RPCError,
    dispatch,
    encode_reply,
    error_reply,
)
from flask_pyjamas.settings import rpc_settings
from flask_pyjamas.web.request import JSONRPCRequest, MalformedBody, UnsupportedCharset

log = logging.getLogger(__name__)

JSON_MIMETYPE = "application/json"
_EXTENSION = "jsonrpc_cors"


def init_rpc_app(app: Flask, config: dict | None = None,
                 request_class: type[JSONRPCRequest] = JSONRPCRequest) -> Flask:
    """Make ``app`` a JSON-RPC server: request class, settings (``config`` over the
    environment over the defaults), CORS on every response, and JSON-RPC error bodies (never
    HTML, never a traceback) for every HTTP error. With ``RPC_TRUSTED_PROXIES`` = N > 0, a
    request's ``remote_addr`` (the client of the per-client limits) is the address N hops
    back in ``X-Forwarded-For`` (Werkzeug's ``ProxyFix``)."""
    app.request_class = request_class
    app.config.update(rpc_settings(config))
    if app.config["RPC_TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["RPC_TRUSTED_PROXIES"])
    app.extensions[_EXTENSION] = CorsPolicy.from_config(app.config)
    app.after_request(_add_cors_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    return app


def cors_policy() -> CorsPolicy:
    return current_app.extensions[_EXTENSION]


def no_content() -> Response:
    """HTTP 204: the answer to a preflight, a notification, or a batch of notifications."""
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response


def json_response(reply, status: int = 200, headers=()) -> Response:
    """Serialise a JSON-RPC reply (compact UTF-8; a result JSON cannot carry fails alone, as
    -32603 for its call: :func:`~.encode_reply`), with ``headers`` added."""
    response = Response(encode_reply(reply), status=status, mimetype=JSON_MIMETYPE)
    for name, value in headers:  # faster than Response(headers=...), which copies them twice
        response.headers.add(name, value)
    return response


def transport_error(status: int, message: str, code: int = INVALID_REQUEST) -> Response:
    """An HTTP error whose body is still a JSON-RPC error the page can read."""
    reply = error_reply(RPCError(message, data={"http_status": status}, code=code))
    return json_response(reply, status)


def _origin_refused(origin: str | None) -> Response:
    return transport_error(403, f"Origin {origin!r} is not allowed to call this server")


def preflight_response() -> Response:
    """Answer a CORS preflight (``OPTIONS``): allowed origins get the Access-Control-* headers."""
    origin = request.headers.get("Origin")
    if not cors_policy().allows(origin):
        return _origin_refused(origin)
    response = no_content()
    response.headers.update(cors_policy().preflight_headers(origin))
    return response


def rpc_post_response(methods: MethodRegistry) -> Response:
    """Answer a JSON-RPC ``POST``: origin first (403 before any method runs), then media type
    (415: a CORS-"simple" ``text/plain`` or form post never reaches a method) and charset
    (415 unless UTF-8), size (413), framing (400), JSON (-32700), batch size (-32600), and
    the calls themselves."""
    # The hot path of every call: the request and app are looked up once (each access
    # through Flask's proxies costs), and the answer gets its CORS headers here, in one go.
    req = request._get_current_object()
    app = current_app._get_current_object()
    policy = app.extensions[_EXTENSION]
    origin = req.environ.get("HTTP_ORIGIN")
    if not policy.allows(origin):
        return _origin_refused(origin)
    if not req.is_jsonrpc:
        return transport_error(
            415, f"Content-Type must be application/json-rpc, not {req.mimetype or 'none'!r}"
        )
    max_batch = app.config["RPC_MAX_BATCH"]
    try:
        payload = req.rpc_payload(max_batch)
    except UnsupportedCharset as exc:
        return transport_error(415, str(exc))
    except RPCError as exc:  # parse error, batch too large: HTTP 200, as Pyjamas reads it
        return json_response(error_reply(exc))
    reply = dispatch(payload, methods, debug=app.debug, max_batch=max_batch)
    if reply is None:
        return no_content()
    response = json_response(reply, headers=policy.response_headers(origin).items())
    response.cors_added = True  # nothing left for _add_cors_headers to do
    return response


def _add_cors_headers(response: Response) -> Response:
    if getattr(response, "cors_added", False):
        return response
    headers = response.headers
    present = {name.lower() for name in headers.keys()}  # one pass, not one per lookup
    for name, value in cors_policy().response_headers(request.headers.get("Origin")).items():
        if name.lower() not in present:
            headers.add(name, value)
        elif name == "Vary":  # merge with the view's own Vary; other headers it set are kept
            response.vary.add(value)
    return response


def _http_error(exc: HTTPException) -> Response:
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


def _unexpected_error(exc: Exception) -> Response:
    log.exception("Unhandled error answering %s %s", request.method, request.path)
    return transport_error(500, "Internal error", code=INTERNAL_ERROR)
