"""JSON-RPC client proxies, as Pyjamas' ``pyjamas.JSONService``.

A call is a JSON-RPC 2.0 request POSTed with ``Content-Type`` and ``Accept``
``application/json-rpc``::

    {"jsonrpc": "2.0", "id": "ID1", "method": "echo", "params": ["text"]}

Ids are ``ID1``, ``ID2``, ... from one counter per program. Keyword arguments are sent as
named params: ``proxy.get_result(handler, task_id=x, bogus="blue")`` sends
``"params": {"task_id": x, "bogus": "blue"}``. A call without a handler is a notification
(no ``id``, plus ``"version": "1.1"``, as Pyjamas sent).

The handler implements::

    onRemoteResponse(result, request_info)
    onRemoteError(code, error, request_info)

``request_info`` has ``id``, ``method`` and ``handler``. ``error`` is a dict with ``code``,
``message`` and ``data``. ``code`` is 0 for a JSON-RPC error object (the server answered
HTTP 200 with an ``error``; its code is ``error["code"]``), otherwise the HTTP status of a
failed request, with ``error["code"]`` equal to it and ``error["message"]`` the message of
the JSON-RPC error in the body if there is one, else the body or status text. A status of 0
(so ``error["code"] == 0`` too) means no response could be read at all: server unreachable,
or, in a browser, the page's origin refused by the server's CORS policy.

Under CPython the requests run on threads and the handler is called from them; call
:meth:`JSONService.wait` to block until the answers have been handled.
"""

from pyjamas import _browser as _runtime

# __pragma__ ('skip')
from pyjamas._platform import glue as _runtime  # noqa: F811  (CPython)

# __pragma__ ('noskip')
from pyjamas.HTTPRequest import HTTPRequest

_request_counter = [0]  # one counter for every service, as Pyjamas had


def nextRequestID():
    """The next request id: ``"ID1"``, ``"ID2"``, ..."""
    _request_counter[0] += 1
    return "ID" + str(_request_counter[0])


class JSONServiceError(Exception):
    """A call the client cannot send, e.g. positional and keyword params mixed."""


class JSONRequestInfo:
    """What a handler learns about the request it is answered for."""

    def __init__(self, id, method, handler):
        self.id = id
        self.method = method
        self.handler = handler


class JSONService:
    """A JSON-RPC endpoint at ``url``; ``handler`` answers the calls made without one."""

    content_type = "application/json-rpc"
    accept = "application/json-rpc"

    # __pragma__ ('kwargs')
    def __init__(self, url, handler=None, headers=None):
        self.url = url
        self.handler = handler
        self.headers = {} if headers is None else headers
        if not self.headers.get("Accept"):
            self.headers["Accept"] = self.accept
        self._requests = []  # in flight, for wait()
    # __pragma__ ('nokwargs')

    def callMethod(self, method, params, handler=None):
        """Call ``method`` with ``params`` (a list, or a dict of named params). Without a
        handler (here or the service's) the call is a notification. Returns the request id
        (1 for a notification), or -1 if the request could not be sent."""
        if handler is None:
            handler = self.handler
        if handler is None:
            return self.sendNotify(method, params)
        return self.sendRequest(method, params, handler)

    def sendNotify(self, method, params):
        """Send a notification: no id, no answer expected. Returns 1, or -1 on failure."""
        message = {"jsonrpc": "2.0", "version": "1.1", "method": method, "params": params}
        if self._post(message, self) is None:
            return -1
        return 1

    def sendRequest(self, method, params, handler):
        """Send a request answered to ``handler``. Returns its id, or -1 on failure."""
        request_id = nextRequestID()
        message = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}
        info = JSONRequestInfo(request_id, method, handler)
        if self._post(message, JSONResponseTextHandler(info)) is None:
            return -1
        return request_id

    def wait(self, timeout=None):
        """CPython: block until every request sent through this service so far has been
        answered and its handler has returned, or ``timeout`` seconds have passed. Returns
        True if none is left in flight. (In a browser it cannot block: it only tells.)"""
        done = _runtime.wait(list(self._requests), timeout)
        _prune(self._requests)
        return done

    def onCompletion(self, response):
        """A notification's answer: ignored."""

    def onError(self, text, code):
        """A notification's failure: ignored (nobody is waiting for it)."""

    def _post(self, message, handler):
        _prune(self._requests)
        request = HTTPRequest().asyncPost(self.url, _runtime.dumps(message), handler,
                                          False, self.content_type, self.headers)
        if request is not None:
            self._requests.append(request)
        return request


def _prune(requests):
    """Drop the answered requests, in place: a proxy's method proxies share the list."""
    for request in list(requests):
        if not _runtime.is_pending(request):
            requests.remove(request)


class JSONResponseTextHandler:
    """Turns the HTTP answer to one request into ``onRemoteResponse`` / ``onRemoteError``."""

    def __init__(self, request):
        self.request = request

    def onCompletion(self, json_str):
        handler = self.request.handler
        try:
            response = _runtime.loads(json_str)
        except ValueError:
            self._error(0, -32700, "Parse error while decoding response")
            return
        if not isinstance(response, dict):
            self._error(0, -32603, "No result or error in response", response)
        elif response.get("error") is not None:
            error = response["error"]
            if isinstance(error, dict):
                self._error(0, error.get("code", 0), error.get("message", ""), error.get("data"))
            else:  # JSON-RPC 1.0: the error is any value
                self._error(0, 0, error)
        elif "result" in response:
            handler.onRemoteResponse(response["result"], self.request)
        else:
            self._error(0, -32603, "No result or error in response", response)

    def onError(self, error_str, error_code):
        message = error_str
        data = None
        try:  # the server may explain a transport fault with a JSON-RPC error body
            body = _runtime.loads(error_str)
            if isinstance(body, dict) and isinstance(body.get("error"), dict):
                message = body["error"].get("message", error_str)
                data = body["error"]
        except ValueError:
            pass
        self._error(error_code, error_code, message, data)

    def _error(self, code, error_code, message, data=None):
        error = {"code": error_code, "message": message, "data": data}
        self.request.handler.onRemoteError(code, error, self.request)


class ServiceProxy(JSONService):
    """One remote method: calling the proxy calls it.

    A positional argument with ``onRemoteResponse`` (the first or the last) is the handler;
    the others are the params, or the keyword arguments are (not both). No handler: a
    notification."""

    # __pragma__ ('kwargs')
    def __init__(self, serviceURL, serviceName=None, headers=None):
        JSONService.__init__(self, serviceURL, None, headers)
        self._serviceName = serviceName
    # __pragma__ ('nokwargs')

    # __pragma__ ('kwargs')
    def __call__(self, *params, **kwargs):
        params = list(params)
        handler = None
        # len() tests: an empty JS array or object is truthy in the browser
        if len(params) > 0 and hasattr(params[0], "onRemoteResponse"):
            handler = params.pop(0)
        elif len(params) > 0 and hasattr(params[len(params) - 1], "onRemoteResponse"):
            handler = params.pop()
        if len(kwargs) > 0:
            if len(params) > 0:
                raise JSONServiceError("Cannot mix positional and keyword arguments")
            params = kwargs
        if handler is None:
            return self.sendNotify(self._serviceName, params)
        return self.sendRequest(self._serviceName, params, handler)
    # __pragma__ ('nokwargs')


class JSONProxy(JSONService):
    """A service whose ``methods`` are attributes: ``proxy.echo(text, handler)``.

    ``callMethod``, ``sendRequest``, ``sendNotify``, ``wait``, ``onCompletion`` and
    ``onError`` are reserved names."""

    # __pragma__ ('kwargs')
    def __init__(self, url, methods=None, headers=None):
        JSONService.__init__(self, url, None, headers)
        self._serviceURL = url
        self.methods = methods
        self._registerMethods(methods)
    # __pragma__ ('nokwargs')

    def _registerMethods(self, methods):
        # an instance attribute holding a bound __call__ (Transcrypt cannot bind functions
        # set on the class); the proxies share this service's headers and in-flight list
        if methods:
            for method in methods:
                proxy = ServiceProxy(self._serviceURL, method, self.headers)
                proxy._requests = self._requests
                setattr(self, method, proxy.__call__)
