"""The pyjamas modules compiled by Transcrypt and run in headless Chromium: JSON-RPC calls
(ids, handler first or last, named params, JS objects turned into dicts and lists, errors,
notifications), HTTPRequest, and Timer alone and in ``LabelTimer(Timer, Label)``."""

import json

import pytest

from flask_pyjamas.devtools.page_server import BackgroundServer, create_page_app, page_origins
from flask_pyjamas.protocol.jsonrpc import MethodRegistry
from tests.integration.test_build import build
from tests.support.processes import free_port

pytestmark = pytest.mark.browser

PROBE = '''
# __pragma__ ('kwargs')
from pyjamas.HTTPRequest import HTTPRequest
from pyjamas.JSONService import JSONProxy
from pyjamas.Timer import Timer
from pyjamas.ui.Label import Label
from pyjamas.ui.RootPanel import RootPanel

results = {}
pending = [0]


def expect(*names):
    pending[0] += len(names)


def record(name, value):
    results[name] = value
    pending[0] -= 1
    if pending[0] == 0:
        window.probe = JSON.stringify(results)
        document.title = "done"


class Handler:
    def __init__(self, name):
        self.name = name

    def onRemoteResponse(self, result, info):
        record(self.name, {"result": result, "id": info.id, "method": info.method})

    def onRemoteError(self, code, error, info):
        record(self.name, {"code": code, "error_code": error["code"],
                           "message": error["message"]})


class Structure(Handler):
    def onRemoteResponse(self, result, info):
        items = result["items"]
        record(self.name, [isinstance(result, dict), "items" in result, "nope" in result,
                           isinstance(items, list), isinstance(items[1], dict),
                           items[1]["a"] is None, result["n"] + 1, len(items)])


class Text:
    def onCompletion(self, text):
        record("get", "<title>Probe</title>" in text)

    def onError(self, text, code):
        record("get", code)


class Counter(Timer):
    def __init__(self, name, stop_at):
        Timer.__init__(self)
        self.name = name
        self.count = 0
        self.stop_at = stop_at

    def run(self):
        self.count += 1
        if self.count == self.stop_at:
            self.cancel()
            Timer(notify=self.check).schedule(80)  # no more ticks after cancel()

    def check(self, timer):
        record(self.name, [self.count, self.isScheduled()])


class LabelTimer(Timer, Label):
    def __init__(self):
        Timer.__init__(self)
        Label.__init__(self, "start")

    def run(self):
        Label.setText(self, "fired")
        record("label_timer", [self.getText(), self.getStyleName(), self.isScheduled()])


expect("handler_last", "handler_first", "structure", "named", "nonexistant", "get",
       "once", "repeating", "cancelled", "label_timer")
proxy = JSONProxy("rpc", ["echo", "structure", "named", "nonexistant"])
results["ids"] = [proxy.echo("last", Handler("handler_last")),
                  proxy.echo(Handler("handler_first"), "first")]
proxy.structure(Structure("structure"))
proxy.named(Handler("named"), task_id="t1", bogus="blue")
proxy.nonexistant("x", Handler("nonexistant"))
results["notify"] = proxy.echo("nobody")
HTTPRequest().asyncGet("Probe.html", Text())

Counter("once", 1).schedule(10)
Counter("repeating", 3).scheduleRepeating(10)
cancelled = Counter("cancelled", 1)
cancelled.schedule(30)
cancelled.cancel()
Timer(notify=lambda timer: record("cancelled", [cancelled.count, cancelled.isScheduled()]),
      delayMillis=120)
label = LabelTimer()
label.setID("label")
RootPanel().add(label)
label.schedule(10)
'''

HTML = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Probe</title>
<link rel="icon" href="data:,"><script type="module" src="js/Probe.js"></script></head>
<body></body></html>"""

methods = MethodRegistry()


@methods.method
def echo(text: str) -> str:
    return text


@methods.method
def structure() -> dict:
    return {"items": [1, {"a": None}], "n": 2}


@methods.method(ignore_unknown_params=True)  # as get_result, for the 2012 client's bogus
def named(task_id: str) -> list:
    return [task_id, "extra names ignored"]


@pytest.fixture(scope="module")
def probe_url(tmp_path_factory):
    example = tmp_path_factory.mktemp("probe")
    (example / "public").mkdir()
    (example / "public" / "Probe.html").write_text(HTML)
    (example / "Probe.py").write_text(PROBE)
    result = build(example, "Probe")
    assert result.returncode == 0, result.stdout + result.stderr
    port = free_port()
    app = create_page_app(example / "output", page_origins("127.0.0.1", port),
                          services={"/rpc": methods})
    server = BackgroundServer(app, "127.0.0.1", port).start()
    yield f"http://localhost:{port}/Probe.html"
    server.stop()


@pytest.fixture(scope="module")
def probe(browser_context, probe_url):
    tab = browser_context.new_page()
    errors = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(probe_url)
    # a function, not an expression: the page server's CSP forbids eval of a string
    tab.wait_for_function("() => document.title === 'done'")
    results = json.loads(tab.evaluate("window.probe"))
    results["label_text"] = tab.text_content("#label")
    tab.close()
    assert not errors
    return results


def test_ids_count_up_and_the_handler_may_come_first_or_last(probe):
    first, second = probe["ids"]
    assert first.startswith("ID") and int(second[2:]) == int(first[2:]) + 1
    assert probe["handler_last"] == {"result": "last", "id": first, "method": "echo"}
    assert probe["handler_first"] == {"result": "first", "id": second, "method": "echo"}
    assert probe["notify"] == 1


def test_results_are_python_dicts_and_lists(probe):
    assert probe["structure"] == [True, True, False, True, True, True, 3, 2]


def test_keyword_arguments_are_named_params(probe):
    assert probe["named"]["result"] == ["t1", "extra names ignored"]


def test_jsonrpc_error(probe):
    assert probe["nonexistant"] == {"code": 0, "error_code": -32601,
                                    "message": "Method not found"}


def test_http_request_get(probe):
    assert probe["get"] is True


def test_timers(probe):
    assert probe["once"] == [1, False]
    assert probe["repeating"] == [3, False]
    assert probe["cancelled"] == [0, False]


def test_label_timer(probe):
    assert probe["label_timer"] == ["fired", "gwt-Label", False]
    assert probe["label_text"] == "fired"

