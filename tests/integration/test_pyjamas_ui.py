"""pyjamas.ui widgets and pyjamas.Window under CPython, and the flaskcors page's logic run
there against the real server (the widgets keep their state in stand-in elements)."""

import pytest

from flask_pyjamas.client import page_url
from flaskcors.Flask_JSONRPC_CORS import Flask_JSONRPC_CORS
from pyjamas import DOM, Window, _python
from pyjamas.ui.Button import Button
from pyjamas.ui.HorizontalPanel import HorizontalPanel
from pyjamas.ui.HTML import HTML
from pyjamas.ui.Label import Label
from pyjamas.ui.ListBox import ListBox
from pyjamas.ui.RootPanel import RootPanel
from pyjamas.ui.TextArea import TextArea
from pyjamas.ui.VerticalPanel import VerticalPanel
from tests.support.processes import PYTHON, REPO_ROOT, free_port, running


@pytest.fixture
def location():
    yield _python.set_location_href
    _python.set_location_href("")


def test_button_calls_listeners_with_itself():
    clicks = []

    class Listener:
        def onClick(self, sender):
            clicks.append(("listener", sender))

    button = Button("Send <b>now</b>", Listener())
    button.addClickListener(lambda sender: clicks.append(("function", sender)))
    button.getElement().click()
    assert clicks == [("listener", button), ("function", button)]
    assert button.getElement().getAttribute("type") == "button"


def test_a_button_label_is_text_and_only_set_html_sets_markup():
    hostile = 'Send (http://x/<img src=x onerror="alert(1)">)'
    button = Button(hostile)
    assert (button.getText(), button.getElement().innerHTML) == (hostile, "")
    button.setText("<b>again</b>")
    assert (button.getText(), button.getElement().innerHTML) == ("<b>again</b>", "")
    button.setHTML("Send <b>now</b>")  # the page's own markup, asked for by name
    assert button.getHTML() == "Send <b>now</b>"


def test_text_widgets():
    area = TextArea()
    area.setText("line 1\nline 2")
    area.setCharacterWidth(80)
    area.setVisibleLines(8)
    assert area.getText() == "line 1\nline 2"
    assert area.getElement().attributes == {"cols": "80", "rows": "8"}
    label = Label("status")
    label.setID("status")
    assert (label.getText(), label.getID(), label.getStyleName()) == ("status", "status",
                                                                      "gwt-Label")
    assert HTML("<h2>Title</h2>").getHTML() == "<h2>Title</h2>"


def test_list_box():
    box = ListBox()
    for item in ["Echo", "Reverse"]:
        box.addItem(item)
    box.addItem("Shout", "uppercase")
    box.setSelectedIndex(2)
    box.setVisibleItemCount(1)
    box.setName("hello")
    assert box.getItemCount() == 3
    assert box.getSelectedIndex() == 2
    assert (box.getItemText(2), box.getValue(2), box.getValue(0)) == ("Shout", "uppercase",
                                                                      "Echo")
    assert [o.textContent for o in box.getElement().children] == ["Echo", "Reverse", "Shout"]
    assert box.getElement().attributes == {"size": "1", "name": "hello"}


def test_panels_and_root_panel():
    row, column = HorizontalPanel(), VerticalPanel()
    first, second = Label("a"), Label("b")
    row.add(first)
    row.add(second)
    row.setSpacing(8)
    column.add(row)
    assert row.getChildren() == [first, second]
    assert row.getElement().children == [first.getElement(), second.getElement()]
    assert (row.getElement().style.flexDirection, row.getElement().style.gap) == ("row", "8px")
    assert column.getElement().style.flexDirection == "column"
    root = RootPanel()
    assert root is RootPanel()
    root.add(column)
    assert root.getElement() is DOM.getBodyElement()
    column.setID("panel-under-test")
    assert RootPanel("panel-under-test").getElement() is column.getElement()
    with pytest.raises(ValueError):
        RootPanel("no-such-id")


def test_location_search_vars(location):
    location("http://localhost:8000/page.html?server=http%3A%2F%2Fhost%3A5001&x=a+b&flag#top")
    here = Window.getLocation()
    assert here.getSearch() == "?server=http%3A%2F%2Fhost%3A5001&x=a+b&flag"
    assert here.getSearchVar("server") == "http://host:5001"
    assert here.getSearchVar("x") == "a b"
    assert here.getSearchVar("flag") == ""
    assert here.getSearchVar("missing") is None
    location("")
    assert Window.getLocation().getSearchVar("server") is None


def test_page_defaults_to_localhost_5000(location):
    assert page_url.flask_server() == "http://localhost:5000"
    location("http://localhost:8000/Flask_JSONRPC_CORS.html?server=http://example.org:81/")
    assert page_url.flask_server() == "http://example.org:81"
    assert page_url.server_name("http://example.org:81") == "example.org:81"


@pytest.mark.parametrize("query, expected", [
    ("", 0), ("?poll=250", 250), ("?poll=0", 0), ("?poll=-5", 0), ("?poll=1e3", 0),
    ("?poll=abc", 0), ("?poll=9999999999", 0), ("?poll=", 0),
])
def test_search_millis_takes_positive_whole_numbers_only(location, query, expected):
    location("http://localhost:8000/FLASKCELERYExample.html" + query)
    assert page_url.search_millis("poll", 0) == expected


def record_texts(label) -> list[str]:
    """Every text ``label`` is given from now on, in order (the page calls ``setText``)."""
    shown = []
    set_text = label.setText

    def recording_set_text(text):
        shown.append(text)
        set_text(text)

    label.setText = recording_set_text
    return shown


@pytest.fixture(scope="module")
def api_url():
    port = free_port()
    server_dir = REPO_ROOT / "flaskcors/public/services/flask_example"
    with running([PYTHON, "run_flask_server.py", "--port", port], cwd=server_dir, port=port):
        yield f"http://localhost:{port}"


@pytest.mark.parametrize(
    "label, expected",
    [("Echo", "Hi There"), ("Reverse", "erehT iH"), ("UPPERCASE", "HI THERE"),
     ("lowercase", "hi there"), ("Non existant", "JSONRPC Error -32601: Method not found")],
)
@pytest.mark.parametrize("button", [1, 2])
def test_page_logic_against_the_server(location, api_url, label, expected, button):
    location("http://localhost:8000/Flask_JSONRPC_CORS.html?server=" + api_url)
    app = Flask_JSONRPC_CORS()
    app.onModuleLoad()
    sender, proxy = [(app.button_flask_view, app.remote_flask_view),
                     (app.button_flask_methodview, app.remote_flask_methodview)][button - 1]
    assert sender.getText().endswith("(" + api_url[len("http://"):] + ")")
    app.text_area.setText("Hi There")
    app.method_list.setSelectedIndex(app.methods.index(label))
    shown = record_texts(app.status)
    sender.getElement().click()
    assert proxy.wait(10)
    # every text the status showed, in order: the answer may come before any look at it
    assert shown == ["Waiting for response...", expected]
    assert app.status.getText() == expected


def test_page_shows_http_errors(location):
    location(f"http://localhost:8000/?server=http://127.0.0.1:{free_port()}")
    app = Flask_JSONRPC_CORS()
    app.onModuleLoad()
    sender, proxy = app.button_flask_view, app.remote_flask_view
    sender.getElement().click()
    assert proxy.wait(10)
    assert app.status.getText().startswith("HTTP error 0: ")
    app.onRemoteError(403, {"code": 403, "message": "Origin refused", "data": None}, None)
    assert app.status.getText() == "HTTP error 403: Origin refused"


@pytest.mark.parametrize("page_class", ["flaskcors", "flaskcelery"])
def test_labels_from_the_url_are_text_not_html(location, page_class):
    from flaskcelery.FLASKCELERYExample import FLASKCELERYExample

    server = "http://<img src=x onerror=alert(1)>:5000"
    location("http://localhost:8000/page.html?server=" + server.replace(" ", "%20"))
    app = {"flaskcors": Flask_JSONRPC_CORS, "flaskcelery": FLASKCELERYExample}[page_class]()
    app.onModuleLoad()
    element = app.button_flask_view.getElement()
    assert element.innerHTML == ""  # never set as HTML
    assert element.textContent == "Send to Flask view function (<img src=x onerror=alert(1)>:5000)"
