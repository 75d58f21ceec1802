"""The Tk glue on its own (Xvfb): each pyjamas.ui widget drawn by Tk, what the user does read
back, Timer on ``after``, JSONService answers on the Tk thread, and the headless glue back
after a window."""

import threading

import pytest

from pyjamas import _platform, _python
from pyjamas.desktop import desktop_window
from pyjamas.JSONService import JSONProxy
from pyjamas.Timer import Timer
from pyjamas.ui.Button import Button
from pyjamas.ui.HorizontalPanel import HorizontalPanel
from pyjamas.ui.HTML import HTML
from pyjamas.ui.Label import Label
from pyjamas.ui.ListBox import ListBox
from pyjamas.ui.RootPanel import RootPanel
from pyjamas.ui.TextArea import TextArea
from pyjamas.ui.VerticalPanel import VerticalPanel
from tests.integration import test_pyjamas_ui
from tests.support.desktop import wait_until
from tests.support.processes import require_module

tkinter = require_module("tkinter", "python3-tk")
ttk = require_module("tkinter.ttk", "python3-tk")

pytestmark = pytest.mark.desktop

api_url = test_pyjamas_ui.api_url  # the same fixture: run_flask_server.py on a free port


class Page:
    """A page of one of each widget, in nested panels."""

    def onModuleLoad(self):
        self.label = Label("a label")
        self.html = HTML('<h2>Title</h2><p>text and <a href="http://example.org/">a link</a></p>')
        self.text = TextArea()
        self.text.setCharacterWidth(30)
        self.text.setVisibleLines(3)
        self.text.setText("typed")
        self.drop_down = ListBox()
        self.rows = ListBox()
        self.rows.setVisibleItemCount(3)
        for name in ("one", "two", "three"):
            self.drop_down.addItem(name)
            self.rows.addItem(name)
        self.drop_down.setSelectedIndex(1)
        self.clicks = []
        self.button = Button("Press <b>me</b>", lambda sender: self.clicks.append(sender))
        row = HorizontalPanel()
        row.setSpacing(8)
        row.add(self.drop_down)
        row.add(self.rows)
        row.add(self.button)
        column = VerticalPanel()
        for widget in (self.label, self.html, self.text, row):
            column.add(widget)
        RootPanel().add(column)
        self.row, self.column = row, column


@pytest.fixture
def window(x_display):
    with desktop_window(Page, "http://localhost:8000/Page.html") as window:
        yield window


def tk_of(widget):
    return widget.getElement().widget()


def test_each_widget_is_drawn_by_tk_in_its_panel(window):
    page = window.page
    assert isinstance(tk_of(page.label), ttk.Label) and tk_of(page.label).cget("text") == "a label"
    assert isinstance(tk_of(page.html), tkinter.Text)
    assert tk_of(page.html).get("1.0", "end-1c") == "Title\ntext and a link"
    assert isinstance(tk_of(page.drop_down), ttk.Combobox)
    assert isinstance(tk_of(page.rows), tkinter.Listbox)
    assert tk_of(page.button).cget("text") == "Press <b>me</b>"  # a label is text, as on the page
    assert (int(tk_of(page.text).cget("width")), int(tk_of(page.text).cget("height"))) == (30, 3)
    # the Tk widgets nest as the panels do, the row's children side by side
    assert tk_of(page.row).winfo_parent() == str(tk_of(page.column))
    assert tk_of(page.button).winfo_parent() == str(tk_of(page.row))
    window.root.update()
    xs = [tk_of(widget).winfo_x() for widget in (page.drop_down, page.rows, page.button)]
    assert xs == sorted(xs) and len(set(xs)) == 3 and xs[1] - xs[0] > 8  # 8 px apart, at least
    ys = [tk_of(widget).winfo_y() for widget in (page.label, page.html, page.text, page.row)]
    assert ys == sorted(ys) and len(set(ys)) == 4  # the column's children one below the other


def test_what_the_user_does_is_what_the_widgets_read(window):
    page = window.page
    tk_of(page.text).insert("end", " more")
    assert page.text.getText() == "typed more"
    assert page.drop_down.getSelectedIndex() == 1
    tk_of(page.drop_down).current(2)
    assert page.drop_down.getSelectedIndex() == 2
    assert page.rows.getSelectedIndex() == -1
    tk_of(page.rows).selection_set(0)
    assert page.rows.getSelectedIndex() == 0
    tk_of(page.button).invoke()
    assert page.clicks == [page.button]


def test_changes_after_showing_reach_tk(window):
    page = window.page
    page.label.setText("changed")
    page.rows.addItem("four")
    page.rows.setSelectedIndex(3)
    page.text.setText("replaced")
    page.html.setHTML("<b>bold</b> only")
    assert tk_of(page.label).cget("text") == "changed"
    assert tk_of(page.rows).get(0, "end") == ("one", "two", "three", "four")
    assert tk_of(page.rows).curselection() == (3,)
    assert tk_of(page.text).get("1.0", "end-1c") == "replaced"
    assert tk_of(page.html).get("1.0", "end-1c") == "bold only"
    assert "bold" in tk_of(page.html).tag_names("1.0")


def test_text_stays_text_and_only_web_links_open(window):
    page = window.page
    page.button.setText('x/<img src=x onerror="alert(1)">')
    page.label.setText("<b>not bold</b>")
    assert tk_of(page.button).cget("text") == 'x/<img src=x onerror="alert(1)">'
    assert tk_of(page.label).cget("text") == "<b>not bold</b>"
    page.button.setHTML("Press <b>me</b>")  # the page's own markup: its text is shown
    assert tk_of(page.button).cget("text") == "Press me"
    page.html.setHTML('<a href="javascript:alert(1)">js</a> <a href="file:///etc/passwd">f</a>'
                      ' <a href="https://example.org/">web</a>')
    html = tk_of(page.html)
    assert html.get("1.0", "end-1c") == "js f web"
    assert "link" not in html.tag_names("1.0") and "link" not in html.tag_names("1.3")
    assert "link" in html.tag_names("1.5")


def test_timers_fire_on_the_tk_loop_and_cancel(window):
    ticks, fired = [], []

    class Ticker(Timer):
        def run(self):
            ticks.append(threading.get_ident())
            if len(ticks) == 3:
                self.cancel()

    ticker = Ticker()
    ticker.scheduleRepeating(5)
    once = Timer(notify=lambda timer: fired.append("once"))
    once.schedule(10)
    never = Timer(notify=lambda timer: fired.append("never"))
    never.schedule(10)
    never.cancel()
    wait_until(window.root, lambda: len(ticks) == 3 and fired, what="the timers")
    last = Timer(notify=lambda timer: fired.append("last"))
    last.schedule(60)  # later than more ticks would come, had the cancel not worked
    wait_until(window.root, lambda: "last" in fired, what="the last timer")
    assert ticks == [threading.get_ident()] * 3
    assert fired == ["once", "last"]
    assert not ticker.isScheduled() and not once.isScheduled()


def test_wait_runs_the_loop_until_the_handlers_ran(window, api_url):
    answers = []

    class Handler:
        def onRemoteResponse(self, result, request_info):
            answers.append((result, threading.get_ident()))

        def onRemoteError(self, code, error, request_info):
            answers.append((error["message"], threading.get_ident()))

    proxy = JSONProxy(api_url + "/json_echo/", ["echo", "reverse"])
    proxy.echo("one", Handler())
    proxy.reverse("owt", Handler())
    assert proxy.wait(10)
    assert sorted(answers) == [("one", threading.get_ident()), ("two", threading.get_ident())]


def test_a_failing_handler_is_reported_and_the_window_goes_on(window, api_url, monkeypatch):
    reported = []
    monkeypatch.setattr(window.root, "report_callback_exception",
                        lambda kind, value, tb: reported.append(value))

    class Broken:
        def onRemoteResponse(self, result, request_info):
            raise ValueError("handler bug")

    proxy = JSONProxy(api_url + "/json_echo/", ["echo"])
    proxy.echo("x", Broken())
    assert proxy.wait(10)
    assert [str(error) for error in reported] == ["handler bug"]
    window.page.label.setText("still alive")
    assert tk_of(window.page.label).cget("text") == "still alive"


def test_the_headless_glue_is_back_after_the_window(x_display):
    with desktop_window(Page, ""):
        assert _platform.glue.selected is not _python
    assert _platform.glue.selected is _python
    label = Label("headless")
    RootPanel().add(label)
    assert label.getElement() in _python.get_body().children
