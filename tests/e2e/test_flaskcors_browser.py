"""The compiled flaskcors page in headless Chromium: page on http://localhost:P, Flask on
http://localhost:Q (another origin), both served by ``python -m flaskcors``."""

import pytest

from flask_pyjamas.build.pyjsbuild import build_if_stale
from tests.support.browser import run_demo, wait_for_status
from tests.support.processes import REPO_ROOT

pytestmark = pytest.mark.browser

PAGE = "Flask_JSONRPC_CORS.html"
# as the original pre-filled it: a tab, newlines, quotes and a backslash
ORIGINAL_TEXT = "{'Test'} [\"String\"]\n\tTest Tab\nTest Newline\n\nafter newline\n" \
    "Literal String:\n{'Test'} [\\\"String\\\"]\n"
BUTTONS = {
    "send-python": "Send to Python Service",
    "send-flask-view": "Send to Flask view function (localhost:{port})",
    "send-flask-methodview": "Send to Flask methodview (localhost:{port})",
}
METHODS = {
    "Echo": lambda text: text,
    "Reverse": lambda text: text[::-1],
    "UPPERCASE": str.upper,
    "lowercase": str.lower,
    "Non existant": lambda text: "JSONRPC Error -32601: Method not found",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    build_if_stale(REPO_ROOT / "flaskcors" / "Flask_JSONRPC_CORS.py")
    with run_demo("flaskcors", log_path=tmp_path_factory.mktemp("demo") / "demo.log") as demo:
        yield demo


@pytest.fixture(scope="module")
def demo_page(browser_context, demo):
    """One tab on the page for all button x method tests (they restore what they change)."""
    tab = browser_context.new_page()
    tab.goto(demo.url(PAGE))
    tab.wait_for_selector("#status", state="attached")
    yield tab
    tab.close()


def click_and_wait(page, button, method_label):
    page.select_option("#method", label=method_label)
    page.click("#" + button)
    return wait_for_status(page)


def test_page_is_as_the_original(demo_page, demo):
    assert demo_page.title() == "Flask JSON-RPC CORS Example"
    assert demo_page.input_value("#text") == ORIGINAL_TEXT
    assert demo_page.eval_on_selector("#text", "e => [e.cols, e.rows]") == [80, 8]
    options = demo_page.eval_on_selector_all("#method option", "os => os.map(o => o.text)")
    assert options == list(METHODS)
    assert demo_page.eval_on_selector("#method", "e => e.value") == "Echo"
    for button, label in BUTTONS.items():
        assert demo_page.text_content("#" + button) == label.format(port=demo.api_port)
    assert demo_page.text_content("h2") == "JSON-RPC Example"
    assert demo_page.text_content("#status") == ""


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("button", list(BUTTONS))
def test_each_button_and_method_shows_the_answer(demo_page, button, method):
    assert click_and_wait(demo_page, button, method) == METHODS[method](ORIGINAL_TEXT)


def test_status_says_waiting_until_the_answer_comes(demo_page):
    # hold the answer back: the page keeps "Waiting for response..." until it arrives
    demo_page.evaluate("""() => {
        window.__held = [];
        const send = XMLHttpRequest.prototype.send;
        XMLHttpRequest.prototype.send = function (body) {
            window.__held.push(() => send.call(this, body));
        };
        window.__restore = () => { XMLHttpRequest.prototype.send = send; };
    }""")
    try:
        demo_page.select_option("#method", label="Reverse")
        demo_page.click("#send-flask-view")
        assert demo_page.text_content("#status") == "Waiting for response..."
        demo_page.evaluate("() => { window.__restore(); window.__held.forEach(f => f()); }")
        assert wait_for_status(demo_page) == ORIGINAL_TEXT[::-1]
    finally:
        demo_page.evaluate("() => window.__restore()")


def test_edited_text_is_sent(demo_page):
    demo_page.fill("#text", "Ünïcode ✓ text")
    try:
        assert click_and_wait(demo_page, "send-flask-methodview", "UPPERCASE") == \
            "ÜNÏCODE ✓ TEXT"
    finally:
        demo_page.fill("#text", ORIGINAL_TEXT)


def test_cross_origin_calls_are_preflighted(page, start_demo):
    fresh = start_demo("flaskcors")  # new ports: nothing cached in the browser
    page.goto(fresh.url(PAGE))
    page.wait_for_selector("#status", state="attached")
    assert fresh.count('"OPTIONS /json_echo/ ') == 0
    assert click_and_wait(page, "send-flask-view", "Echo") == ORIGINAL_TEXT
    log = fresh.log()
    preflight = log.index('"OPTIONS /json_echo/ HTTP/1.1" 204')
    assert log.index('"POST /json_echo/ HTTP/1.1" 200') > preflight
    # the same-origin service needs no preflight
    assert click_and_wait(page, "send-python", "Echo") == ORIGINAL_TEXT
    assert fresh.count('"POST /services/EchoService.py HTTP/1.1" 200') == 1
    assert fresh.count('"OPTIONS /services/EchoService.py') == 0


@pytest.mark.parametrize("button", ["send-flask-view", "send-flask-methodview"])
def test_a_refused_origin_cannot_read_the_answer(page, demo, button):
    # the same page from http://127.0.0.1:P: another origin, not in CORS_ALLOWED_ORIGINS
    page.goto(demo.url(PAGE, host="127.0.0.1"))
    page.wait_for_selector("#status", state="attached")
    posts_before = demo.count('"POST /json_echo')
    status = click_and_wait(page, button, "Echo")
    assert status.startswith("HTTP error 0: ")
    assert ORIGINAL_TEXT not in status
    assert demo.count('"POST /json_echo') == posts_before  # refused at the preflight
    assert demo.count('" 403') >= 1
    # its own origin's service still answers it
    assert click_and_wait(page, "send-python", "lowercase") == ORIGINAL_TEXT.lower()


def test_an_unreachable_server_is_an_http_error(page, demo):
    page.goto(demo.url(PAGE, server="http://localhost:9"))
    page.wait_for_selector("#status", state="attached")
    assert click_and_wait(page, "send-flask-view", "Echo").startswith("HTTP error 0: ")


def test_index_keeps_the_server_parameter(page, demo):
    page.goto(demo.url("index.html"))
    page.wait_for_url(lambda url: url == demo.url(PAGE))
    page.wait_for_selector("#status", state="attached")
    assert click_and_wait(page, "send-flask-methodview", "Reverse") == ORIGINAL_TEXT[::-1]
