"""The flaskcors page module as a desktop window (Tk on Xvfb), against ``python -m flaskcors``.

Buttons are pressed through Tk (``invoke``), the method is chosen in the Tk combobox, and
every answer is read back from the Tk label, while the event loop runs until it is there.
"""

import re
import signal
import subprocess
import threading

import pytest

from flask_pyjamas.build.pyjsbuild import build_if_stale
from flaskcors.__main__ import PAGE
from flaskcors.Flask_JSONRPC_CORS import Flask_JSONRPC_CORS
from pyjamas.desktop import desktop_window, page_href
from pyjamas.JSONService import JSONProxy
from tests.e2e.test_flaskcors_browser import BUTTONS, METHODS, ORIGINAL_TEXT
from tests.support.browser import STATUS_WAITING, run_demo
from tests.support.desktop import (
    close_demo_window,
    screenshot,
    tk_applications,
    wait_for_tk_application,
    wait_until,
)
from tests.support.processes import PYTHON, free_port, require_module, running

tkinter = require_module("tkinter", "python3-tk")

pytestmark = pytest.mark.desktop


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    build_if_stale(PAGE)
    with run_demo("flaskcors", log_path=tmp_path_factory.mktemp("demo") / "demo.log") as demo:
        yield demo


def page_server(demo):
    return f"http://localhost:{demo.page_port}"


@pytest.fixture(scope="module")
def window(x_display, demo):
    href = page_href(Flask_JSONRPC_CORS, demo.api_url, page_server(demo))
    with desktop_window(Flask_JSONRPC_CORS, href) as window:
        yield window


def status_text(window):
    return window.widget("status").cget("text")


def press(window, button, method=None):
    """Choose ``method`` in the combobox, press ``button``; the status once answered."""
    if method is not None:
        window.widget("method").current(list(METHODS).index(method))
    window.widget(button).invoke()
    assert status_text(window) == STATUS_WAITING
    return wait_until(window.root, lambda: status_text(window) != STATUS_WAITING
                      and status_text(window), what="an answer")


def test_window_shows_the_page(window, demo):
    text_area = window.widget("text")
    assert text_area.get("1.0", "end-1c") == ORIGINAL_TEXT
    assert (int(text_area.cget("width")), int(text_area.cget("height"))) == (80, 8)
    assert list(window.widget("method").cget("values")) == list(METHODS)
    assert window.widget("method").get() == "Echo"
    for button, label in BUTTONS.items():
        assert window.widget(button).cget("text") == label.format(port=demo.api_port)
    assert window.root.title() == "Flask JSON-RPC CORS Example"  # the HTML page's title


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("button", list(BUTTONS))
def test_each_button_and_method_shows_the_answer(window, button, method):
    assert press(window, button, method) == METHODS[method](ORIGINAL_TEXT)


def test_text_typed_in_the_window_is_sent(window):
    text_area = window.widget("text")
    text_area.delete("1.0", "end")
    text_area.insert("1.0", "typed in Tk")
    try:
        assert press(window, "send-flask-methodview", "Reverse") == "kT ni depyt"
    finally:
        text_area.delete("1.0", "end")
        text_area.insert("1.0", ORIGINAL_TEXT)


def test_answers_are_handled_on_the_tk_thread(window, demo):
    threads = []

    class Handler:
        def onRemoteResponse(self, result, request_info):
            threads.append(threading.get_ident())

    JSONProxy(demo.api_url + "/json_echo/", ["echo"]).echo("x", Handler())
    wait_until(window.root, lambda: threads, what="the answer")
    assert threads == [threading.get_ident()]  # the thread running the window's loop


def test_widgets_refuse_other_threads(window):
    errors = []
    worker = threading.Thread(target=lambda: _set_status(window, errors))
    worker.start()
    worker.join()
    assert errors and "Tk widgets belong to the thread" in errors[0]
    assert status_text(window) != "from another thread"


def _set_status(window, errors):
    try:
        window.page.status.setText("from another thread")
    except RuntimeError as error:
        errors.append(str(error))


def test_python_service_says_when_no_page_server_runs(x_display, demo):
    nobody = f"http://localhost:{free_port()}"
    with desktop_window(Flask_JSONRPC_CORS,
                        page_href(Flask_JSONRPC_CORS, demo.api_url, nobody)) as window:
        text = press(window, "send-python")
    assert text.startswith(f"HTTP error 0: no page server answers at {nobody} ("), text
    assert "--page-server URL" in text


def test_unreachable_flask_server_is_an_http_error(x_display, demo):
    down = f"http://localhost:{free_port()}"
    with desktop_window(Flask_JSONRPC_CORS,
                        page_href(Flask_JSONRPC_CORS, down, page_server(demo))) as window:
        assert press(window, "send-flask-view").startswith("HTTP error 0: ")
        assert press(window, "send-python") == ORIGINAL_TEXT  # the page server still answers


def test_html_links_open_in_the_system_browser(window, monkeypatch):
    opened = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    info = _info_text(window)
    first, _ = info.tag_ranges("link")[:2]
    x, y, _, _ = info.bbox(first)
    # the pointer moves onto the link (Tk's "current" mark follows it), then clicks
    info.event_generate("<Motion>", x=x + 1, y=y + 1)
    info.event_generate("<Button-1>", x=x + 1, y=y + 1)
    window.root.update()
    assert opened == ["http://json-rpc.org/"]


def _info_text(window):
    """The page's heading and introduction: the first HTML widget on the window."""
    pending = [window.root]
    while pending:
        widget = pending.pop(0)
        if isinstance(widget, tkinter.Text) and widget.tag_ranges("link"):
            return widget
        pending.extend(widget.winfo_children())
    raise LookupError("no HTML text with a link on the window")


def test_screenshot_shows_the_window(window, tmp_path):
    press(window, "send-flask-view", "Echo")
    colours = screenshot(window.root, tmp_path / "desktop-flaskcors.png")
    assert colours >= 16, f"the window looks blank: {colours} colours"


def test_page_module_run_as_a_program_opens_a_window(x_display, demo, tmp_path):
    command = [PYTHON, PAGE, "--server", demo.api_url, "--page-server", page_server(demo)]
    before = tk_applications()  # this process's own windows have the same name
    with running(command, log_path=tmp_path / "window.log") as process:
        wait_for_tk_application("flask_jsonrpc_cors", ignore=before)
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0


def test_page_module_without_a_display_says_so():
    result = subprocess.run([PYTHON, PAGE], env={"PATH": "/usr/bin:/bin"}, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert re.search(r"cannot open a window \(.*display", result.stderr), result.stderr


def test_demo_opens_the_desktop_window_and_stops_when_it_closes(x_display, tmp_path):
    close_demo_window("flaskcors", PAGE, tmp_path / "demo.log")
