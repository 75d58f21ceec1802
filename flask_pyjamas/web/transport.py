"""JSON-RPC over HTTP for Flask: the preflight, the POST, and the transport faults between them.

Every JSON-RPC endpoint (the examples' view functions and class views, the page server's
services) answers through :func:`preflight_response` and :func:`rpc_post_response`; the
:class:`~flask_pyjamas.web.extension.JSONRPC` extension gives the endpoints' other answers
(HTTP errors) JSON-RPC bodies and CORS headers.
"""

from flask import Response, current_app, request

from flask_pyjamas.protocol.cors import CorsPolicy
from flask_pyjamas.protocol.jsonrpc import (
    INVALID_REQUEST,
    MethodRegistry,
    RPCError,
    dispatch,
    encode_reply,
    error_reply,
)
from flask_pyjamas.web.request import UnsupportedCharset

JSON_MIMETYPE = "application/json"
EXTENSION_KEY = "jsonrpc_cors"  # app.extensions[EXTENSION_KEY]: the app's CorsPolicy


def cors_policy() -> CorsPolicy:
    """The origin policy of the current app (set up by :class:`.JSONRPC`)."""
    return current_app.extensions[EXTENSION_KEY]


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


def origin_refused(origin: str | None) -> Response:
    """403 for a page origin the CORS policy refuses, with a JSON-RPC error body."""
    return transport_error(403, f"Origin {origin!r} is not allowed to call this server")


def preflight_response() -> Response:
    """Answer a CORS preflight (``OPTIONS``): allowed origins get the Access-Control-* headers."""
    origin = request.headers.get("Origin")
    if not cors_policy().allows(origin):
        return origin_refused(origin)
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
    policy = app.extensions[EXTENSION_KEY]
    origin = req.environ.get("HTTP_ORIGIN")
    if not policy.allows(origin):
        return origin_refused(origin)
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
    response.cors_added = True  # nothing left for the extension's after_request to do
    return response


