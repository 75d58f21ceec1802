"""pyjamas.JSONService and pyjamas.HTTPRequest under CPython: the wire format, and calls to the
real flaskcors server running as its own process."""

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pyjamas.HTTPRequest import HTTPRequest
from pyjamas.JSONService import JSONProxy, JSONService, JSONServiceError, ServiceProxy
from tests.support.processes import PYTHON, REPO_ROOT, free_port, running

SERVER_DIR = REPO_ROOT / "flaskcors/public/services/flask_example"
METHODS = ["echo", "reverse", "uppercase", "lowercase", "nonexistant"]


class Recorder:
    """A handler that keeps every answer it gets."""

    def __init__(self):
        self.responses = []
        self.errors = []

    def onRemoteResponse(self, result, request_info):
        self.responses.append((result, request_info.id, request_info.method))

    def onRemoteError(self, code, error, request_info):
        self.errors.append((code, error, request_info.id))


@pytest.fixture(scope="module")
def server_url():
    """The real server, ``run_flask_server.py --port P``, as a user starts it."""
    port = free_port()
    with running([PYTHON, "run_flask_server.py", "--port", port], cwd=SERVER_DIR, port=port):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(params=["/json_echo/", "/json_echo_class"])
def proxy(request, server_url):
    return JSONProxy(server_url + request.param, METHODS)


def call(proxy, name, *args):
    """Call a remote method (handler last), wait for its answer, return the Recorder."""
    recorder = Recorder()
    request_id = getattr(proxy, name)(*args, recorder)
    assert re.fullmatch(r"ID\d+", request_id)
    assert proxy.wait(10)
    return recorder


@pytest.mark.parametrize(
    "method, expected",
    [("echo", "Hello\tWorld\n"), ("reverse", "\ndlroW\tolleH"),
     ("uppercase", "HELLO\tWORLD\n"), ("lowercase", "hello\tworld\n")],
)
def test_echo_methods_answer_through_both_views(proxy, method, expected):
    recorder = call(proxy, method, "Hello\tWorld\n")
    assert [r[0] for r in recorder.responses] == [expected]
    assert recorder.errors == []


def test_handler_may_come_first_or_last(proxy):
    first, last = Recorder(), Recorder()
    proxy.reverse(first, "abc")
    proxy.reverse("xyz", last)
    assert proxy.wait(10)
    assert [r[0] for r in first.responses] == ["cba"]
    assert [r[0] for r in last.responses] == ["zyx"]


def test_unknown_method_is_a_jsonrpc_error_with_code_0(proxy):
    recorder = call(proxy, "nonexistant", "text")
    assert recorder.responses == []
    [(code, error, _)] = recorder.errors
    assert code == 0
    assert error["code"] == -32601
    assert error["message"] == "Method not found"


def test_wrong_params_are_invalid_params(proxy):
    recorder = call(proxy, "echo", 42)
    [(code, error, _)] = recorder.errors
    assert (code, error["code"]) == (0, -32602)


def test_keyword_arguments_are_named_params(proxy):
    recorder = Recorder()
    proxy.uppercase(recorder, text="named")
    assert proxy.wait(10)
    assert [r[0] for r in recorder.responses] == ["NAMED"]


def test_ids_count_up_and_reach_the_handler(proxy):
    recorder = Recorder()
    first = proxy.echo("a", recorder)
    second = proxy.callMethod("echo", ["b"], recorder)
    assert int(second[2:]) == int(first[2:]) + 1
    assert proxy.wait(10)
    assert sorted((r[1], r[0], r[2]) for r in recorder.responses) == [
        (first, "a", "echo"), (second, "b", "echo")]


def test_a_notification_gets_no_answer(server_url):
    service = JSONService(server_url + "/json_echo/")
    assert service.callMethod("echo", ["ignored"]) == 1
    assert service.wait(10)


def test_a_refused_origin_is_an_http_error_with_the_servers_message(server_url):
    proxy = JSONProxy(server_url + "/json_echo/", METHODS,
                      headers={"Origin": "http://evil.example"})
    recorder = call(proxy, "echo", "text")
    [(code, error, _)] = recorder.errors
    assert code == 403 and error["code"] == 403
    assert "http://evil.example" in error["message"]
    assert error["data"]["code"] == -32600  # the JSON-RPC error the body carried


def test_an_unreachable_server_is_http_status_0():
    proxy = JSONProxy(f"http://127.0.0.1:{free_port()}/json_echo/", METHODS)
    recorder = call(proxy, "echo", "text")
    [(code, error, _)] = recorder.errors
    assert code == 0 and error["code"] == 0 and error["message"]


class Capture:
    """A local HTTP server that records each request and answers ``reply`` (status, body)."""

    def __init__(self, reply=(200, "")):
        self.requests = []
        self.reply = reply
        capture = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                self._answer(body)

            def do_GET(self):
                self._answer(None)

            def _answer(self, body):
                capture.requests.append((self.command, self.path, dict(self.headers), body))
                status, text = capture.reply
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/rpc"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def capture():
    server = Capture()
    yield server
    server.close()


def test_request_on_the_wire(capture):
    capture.reply = (200, json.dumps({"jsonrpc": "2.0", "id": "x", "result": {"state": "OK"}}))
    proxy = JSONProxy(capture.url, ["get_result"])
    recorder = Recorder()
    request_id = proxy.get_result(recorder, task_id="abc", bogus="blue")
    assert proxy.wait(10)
    [(method, path, headers, body)] = capture.requests
    assert (method, path) == ("POST", "/rpc")
    assert headers["Content-Type"] == "application/json-rpc"
    assert headers["Accept"] == "application/json-rpc"
    assert json.loads(body) == {"jsonrpc": "2.0", "id": request_id, "method": "get_result",
                                "params": {"task_id": "abc", "bogus": "blue"}}
    assert "__jsonclass__" not in body
    assert recorder.responses == [({"state": "OK"}, request_id, "get_result")]


def test_notification_on_the_wire(capture):
    capture.reply = (204, "")
    notify = ServiceProxy(capture.url, "echo")
    assert notify("text") == 1
    assert notify.wait(10)
    [(_, _, _, body)] = capture.requests
    assert json.loads(body) == {"jsonrpc": "2.0", "version": "1.1", "method": "echo",
                                "params": ["text"]}


@pytest.mark.parametrize(
    "reply, expected",
    [
        ((200, "not json"), (0, -32700)),
        ((200, json.dumps({"jsonrpc": "2.0", "id": "x"})), (0, -32603)),
        ((500, "Internal Server Error page"), (500, 500)),
    ],
)
def test_bad_answers_are_errors(capture, reply, expected):
    capture.reply = reply
    proxy = JSONProxy(capture.url, ["echo"])
    recorder = call(proxy, "echo", "text")
    [(code, error, _)] = recorder.errors
    assert (code, error["code"]) == expected
    if code == 500:
        assert error["message"] == "Internal Server Error page"


def test_positional_and_keyword_params_do_not_mix(capture):
    proxy = JSONProxy(capture.url, ["echo"])
    with pytest.raises(JSONServiceError):
        proxy.echo(Recorder(), "text", text="text")
    assert capture.requests == []


class TextHandler:
    def __init__(self):
        self.done = threading.Event()
        self.result = None

    def onCompletion(self, text):
        self.result = ("ok", text)
        self.done.set()

    def onError(self, text, code):
        self.result = ("error", text, code)
        self.done.set()


def test_http_request_post_and_get(capture):
    capture.reply = (200, "fine")
    posted, got = TextHandler(), TextHandler()
    HTTPRequest().asyncPost(capture.url, "data", posted, content_type="text/x-test",
                            headers={"X-Extra": "1"})
    HTTPRequest().asyncGet(capture.url + "?q=1", got)
    assert posted.done.wait(10) and got.done.wait(10)
    assert posted.result == got.result == ("ok", "fine")
    by_method = {r[0]: r for r in capture.requests}
    assert by_method["POST"][2]["Content-Type"] == "text/x-test"
    assert by_method["POST"][2]["X-Extra"] == "1"
    assert by_method["POST"][3] == "data"
    assert by_method["GET"][1] == "/rpc?q=1"


def test_http_request_error_gets_body_and_status(capture):
    capture.reply = (404, "no such thing")
    handler = TextHandler()
    HTTPRequest().asyncPost(capture.url, "data", handler)
    assert handler.done.wait(10)
    assert handler.result == ("error", "no such thing", 404)


def test_service_handler_answers_calls_made_without_one(server_url):
    recorder = Recorder()
    service = JSONService(server_url + "/json_echo/", recorder)
    request_id = service.callMethod("lowercase", ["ABC"])
    assert service.wait(10)
    assert recorder.responses == [("abc", request_id, "lowercase")]
