"""JSON-RPC 2.0, framework-free: validate requests, dispatch them to registered methods.

Only functions registered in a :class:`MethodRegistry` can be called: a method name is a key
in that registry, never an attribute looked up on a module or a view.
"""

import inspect
import json
import logging
import math
import traceback
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version

from flask_pyjamas.protocol.openrpc import DISCOVER, openrpc_document

log = logging.getLogger(__name__)

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
SERVER_ERROR = -32000  # -32000..-32099: implementation-defined server errors


class RPCError(Exception):
    """An error to send back as a JSON-RPC error object."""

    code = INTERNAL_ERROR
    message = "Internal error"

    def __init__(self, message=None, data=None, code=None):
        self.message = message or self.message
        self.data = data
        if code is not None:
            self.code = code
        super().__init__(self.message)

    def to_dict(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


class ParseError(RPCError):
    code, message = PARSE_ERROR, "Parse error"


class InvalidRequest(RPCError):
    code, message = INVALID_REQUEST, "Invalid Request"


class MethodNotFound(RPCError):
    code, message = METHOD_NOT_FOUND, "Method not found"


class InvalidParams(RPCError):
    code, message = INVALID_PARAMS, "Invalid params"


class InternalError(RPCError):
    code, message = INTERNAL_ERROR, "Internal error"


class ServerError(RPCError):
    """A fault of the server's own (a broker down, a task failed): code -32000..-32099."""

    code, message = SERVER_ERROR, "Server error"


class Deferred:
    """A method's result that is not ready yet: ``resolve()`` gives it (or raises an
    :class:`RPCError`), blocking until it is.

    :func:`dispatch` runs every call of a batch in order first, then resolves their deferred
    results, so waits that each call started (a long-poll parks its waiter when its call
    runs) go on side by side: a batch of waits takes as long as its longest.
    """

    __slots__ = ("resolve",)

    def __init__(self, resolve: Callable[[], object]):
        self.resolve = resolve


# Annotations that are checked before a call: a JSON value of another type is -32602.
_CHECKED_TYPES = (str, int, float, bool, list, dict)


class _Method:
    """A registered function with its signature, inspected once at registration."""

    __slots__ = ("function", "signature", "checks", "takes_any_keyword", "arity",
                 "positional_checks", "ignore_unknown_params")

    def __init__(self, function: Callable, ignore_unknown_params: bool = False):
        self.function = function
        self.ignore_unknown_params = ignore_unknown_params
        self.signature = inspect.signature(function)
        params = self.signature.parameters.values()
        self.checks = {
            p.name: p.annotation for p in params if p.annotation in _CHECKED_TYPES
        }
        self.takes_any_keyword = any(p.kind is p.VAR_KEYWORD for p in params)
        # The common case, a list of exactly the parameters a plain function takes, is bound
        # without inspect.Signature.bind (the costliest step of a call: see bench/RESULTS.md).
        simple = all(p.kind is p.POSITIONAL_OR_KEYWORD and p.default is p.empty
                     for p in params)
        self.arity = len(self.signature.parameters) if simple else None
        self.positional_checks = tuple(
            (i, p.name, p.annotation) for i, p in enumerate(params)
            if p.annotation in _CHECKED_TYPES
        )

    def invoke(self, params):
        """Call the function with JSON params (a list or an object); InvalidParams when they
        do not fit it. Same outcome as :meth:`bind` then a call, faster for a plain list."""
        if type(params) is list and len(params) == self.arity:
            for index, name, expected in self.positional_checks:
                if not _is_json_type(params[index], expected):
                    raise InvalidParams(data=f"{name} must be of type {expected.__name__}")
            return self.function(*params)
        bound = self.bind(params)
        return self.function(*bound.args, **bound.kwargs)

    def bind(self, params) -> inspect.BoundArguments:
        """Bind JSON params (a list or an object) to the function, or raise InvalidParams.

        A name the function does not take is -32602 with the name in ``data`` (a client that
        misspells ``wait`` learns it did not wait), unless the method was registered with
        ``ignore_unknown_params`` (the 2012 Pyjamas client sends
        ``get_result(handler, task_id=..., bogus="blue")``).
        """
        try:
            if isinstance(params, dict):
                if not self.takes_any_keyword:
                    known = self.signature.parameters
                    unknown = [k for k in params if k not in known]
                    if unknown and not self.ignore_unknown_params:
                        raise InvalidParams(data={"unknown_params": unknown})
                    if unknown:
                        params = {k: v for k, v in params.items() if k in known}
                bound = self.signature.bind(**params)
            else:
                bound = self.signature.bind(*params)
        except TypeError as exc:
            raise InvalidParams(data=str(exc)) from None
        for name, expected in self.checks.items():
            if name in bound.arguments and not _is_json_type(bound.arguments[name], expected):
                raise InvalidParams(data=f"{name} must be of type {expected.__name__}")
        return bound


def _is_json_type(value, expected: type) -> bool:
    if expected is bool:
        return isinstance(value, bool)
    if expected is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, expected) and not (
        expected is int and isinstance(value, bool)
    )


class MethodRegistry:
    """The methods an endpoint exposes, by JSON-RPC name.

    >>> methods = MethodRegistry()
    >>> @methods.method
    ... def add(a: int, b: int) -> int:
    ...     return a + b
    >>> dispatch({"jsonrpc": "2.0", "id": 1, "method": "add", "params": [2, 3]}, methods)
    {'jsonrpc': '2.0', 'id': 1, 'result': 5}
    """

    def __init__(self, *others: "MethodRegistry", title: str = "JSON-RPC service"):
        self.title = title
        self._methods: dict[str, _Method] = {}
        self._discover: _Method | None = None
        for other in others:
            self._methods.update(other._methods)

    def method(self, function: Callable | None = None, *, name: str | None = None,
               ignore_unknown_params: bool = False):
        """Register ``function`` under ``name`` (default: its own name); usable as a decorator
        (``@methods.method`` or ``@methods.method(name=..., ...)``).

        Named params the function does not take are -32602, unless ``ignore_unknown_params``
        (for a client that sends extras, as the 2012 Pyjamas client's ``bogus``).
        """

        def register(fn: Callable) -> Callable:
            method_name = name or fn.__name__
            if method_name.startswith("rpc."):
                raise ValueError(f"{method_name!r}: names starting with 'rpc.' are reserved")
            self._methods[method_name] = _Method(fn, ignore_unknown_params)
            self._discover = None  # the OpenRPC document changed
            return fn

        return register(function) if function is not None else register

    def function(self, name: str) -> Callable:
        """The function registered as ``name``, or MethodNotFound."""
        return self._lookup(name).function

    def _lookup(self, name: str) -> _Method:
        try:
            return self._methods[name]
        except KeyError:
            if name == DISCOVER:
                return self._discover_method()
            raise MethodNotFound(data=f"no method named {name!r}") from None

    def _discover_method(self) -> _Method:
        """``rpc.discover``: this registry's OpenRPC document, built once."""
        if self._discover is None:
            document = self.openrpc()

            def discover() -> dict:
                return document

            self._discover = _Method(discover)
        return self._discover

    def openrpc(self) -> dict:
        """The OpenRPC document of the registered methods (what ``rpc.discover`` answers)."""
        functions = {name: method.function for name, method in self._methods.items()}
        return openrpc_document(functions, self.title, _library_version())

    def names(self) -> list[str]:
        return sorted(self._methods)

    def __contains__(self, name) -> bool:
        return name in self._methods


def _library_version() -> str:
    try:
        return version("flaskexamples")
    except PackageNotFoundError:  # run from a copied source tree
        return "0"


_ID_TYPES = (str, int, type(None))


def _valid_id(request) -> bool:
    """A string, an integer, a finite number or null: 1e400 parses to inf, which no JSON
    reply can carry, so it is no id."""
    value = request.get("id")
    if type(value) is float:
        return math.isfinite(value)
    return isinstance(value, _ID_TYPES) and not isinstance(value, bool)


def _error(request_id, error: RPCError) -> dict:
    return {"jsonrpc": "2.0", "id": request_id, "error": error.to_dict()}


def _check_request(request) -> None:
    """Raise InvalidRequest unless ``request`` is a well-formed request object.

    Besides JSON-RPC 2.0 (``"jsonrpc": "2.0"``), JSON-RPC 1.1 objects (``"version": "1.1"``,
    what Pyjamas sends for notifications) are accepted; replies are always 2.0.
    """
    if not isinstance(request, dict):
        raise InvalidRequest(data="a request must be a JSON object")
    if "jsonrpc" in request:
        if request["jsonrpc"] != "2.0":
            raise InvalidRequest(data='"jsonrpc" must be "2.0"')
    elif request.get("version") != "1.1":
        raise InvalidRequest(data='missing "jsonrpc": "2.0"')
    if not isinstance(request.get("method"), str):
        raise InvalidRequest(data='"method" must be a string')
    if not isinstance(request.get("params", []), list | dict):
        raise InvalidRequest(data='"params" must be an array or an object')
    if not _valid_id(request):
        raise InvalidRequest(data='"id" must be a string, a number or null')


def call(request, registry: MethodRegistry, *, debug: bool = False) -> dict | None:
    """Answer one request object; None for a notification (which is run all the same)."""
    is_notification, reply = _run(request, registry, debug)
    reply = _resolve(reply, debug)
    return None if is_notification else reply


def _run(request, registry: MethodRegistry, debug: bool) -> tuple[bool, dict]:
    """Run one request object: (is it a notification, its reply, whose result may be a
    :class:`Deferred`)."""
    try:
        _check_request(request)
    except InvalidRequest as exc:
        request_id = request.get("id") if isinstance(request, dict) and _valid_id(request) else None
        return False, _error(request_id, exc)

    request_id = request.get("id")
    try:
        method = registry._lookup(request["method"])
        result = method.invoke(request.get("params", []))
    except Exception as exc:
        reply = _failure(request_id, request["method"], exc, debug)
    else:
        reply = {"jsonrpc": "2.0", "id": request_id, "result": result}
    return "id" not in request, reply


def _resolve(reply: dict, debug: bool) -> dict:
    """``reply`` with its deferred result (if any) resolved."""
    result = reply.get("result")
    if type(result) is not Deferred:
        return reply
    try:
        return {**reply, "result": result.resolve()}
    except Exception as exc:
        return _failure(reply["id"], "(deferred)", exc, debug)


def _failure(request_id, method: str, exc: Exception, debug: bool) -> dict:
    """The error reply for a call that raised ``exc``."""
    if isinstance(exc, RPCError):
        return _error(request_id, exc)
    # A bug in a method: log it, tell the client no more than needed.
    log.error("JSON-RPC method %r failed", method, exc_info=exc)
    data = (
        {"type": type(exc).__name__, "message": str(exc),
         "traceback": "".join(traceback.format_exception(exc))}
        if debug
        else None
    )
    return _error(request_id, InternalError(data=data))


def dispatch(payload, registry: MethodRegistry, *, debug: bool = False,
             max_batch: int | None = None) -> dict | list | None:
    """Answer a parsed JSON-RPC payload: one request or a batch (of at most ``max_batch``
    calls: a longer one is a single -32600 error, and no call runs).

    The calls of a batch run in order; then their :class:`Deferred` results are resolved,
    so the waits they started run side by side.

    Returns the reply to serialise, or None when nothing is to be sent back (a notification,
    or a batch of notifications only).
    """
    if isinstance(payload, list):
        if not payload:
            return _error(None, InvalidRequest(data="an empty batch"))
        if max_batch is not None and len(payload) > max_batch:
            return _error(None, batch_too_large(max_batch))
        runs = [_run(request, registry, debug) for request in payload]
        replies = [_resolve(reply, debug) for _, reply in runs]
        replies = [reply for (notification, _), reply in zip(runs, replies, strict=True)
                   if not notification]
        return replies or None
    return call(payload, registry, debug=debug)


def batch_too_large(max_batch: int) -> InvalidRequest:
    """The error for a batch of more than ``max_batch`` calls (``RPC_MAX_BATCH``)."""
    return InvalidRequest("Batch too large", data={"max_batch": max_batch})


def error_reply(error: RPCError, request_id=None) -> dict:
    """A complete reply carrying ``error`` (for faults found before dispatch)."""
    return _error(request_id, error)


# Built once: json.dumps with options builds a new encoder on every call. allow_nan=False:
# NaN and Infinity are not JSON, and a reply that carried them would not parse.
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
# What encoding a value that JSON cannot carry raises: an object (TypeError), NaN, a lone
# surrogate (UnicodeEncodeError, a ValueError), a cycle (ValueError), deep nesting.
_UNENCODABLE = (TypeError, ValueError, RecursionError)


def encode_reply(reply: dict | list) -> bytes:
    """A reply (one or a batch) as compact UTF-8 JSON. A call whose result cannot be sent
    fails alone: its reply becomes a -32603 error for its id, the rest are sent as they are.

    >>> import json
    >>> for reply in json.loads(encode_reply([{"jsonrpc": "2.0", "id": 1, "result": float("nan")},
    ...                                       {"jsonrpc": "2.0", "id": 2, "result": "ok"}])):
    ...     print(reply["id"], reply.get("result"), reply.get("error", {}).get("code"))
    1 None -32603
    2 ok None
    """
    try:
        return _ENCODER.encode(reply).encode()
    except _UNENCODABLE:
        pass
    if isinstance(reply, list):
        return b"[" + b",".join(_encode_one(item) for item in reply) + b"]"
    return _encode_one(reply)


def _encode_one(reply: dict) -> bytes:
    try:
        return _ENCODER.encode(reply).encode()
    except _UNENCODABLE as exc:
        log.warning("JSON-RPC reply to id %r cannot be sent as JSON: %s", reply.get("id"), exc)
        error = InternalError("Internal error: the result cannot be sent as JSON",
                              data=type(exc).__name__)
    try:
        return _ENCODER.encode(_error(reply.get("id"), error)).encode()
    except _UNENCODABLE:  # the id itself holds a lone surrogate
        return _ENCODER.encode(_error(None, error)).encode()
