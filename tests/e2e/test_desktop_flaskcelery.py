"""The flaskcelery page module as a desktop window (Tk on Xvfb), against ``python -m
flaskcelery``: its Flask app and its own Celery worker on the embedded broker.

The demo is the browser tests' (``celery_demo``). Echo tasks wait ``ECHO_COUNTDOWN`` = 1 s
and the window polls every 200 ms (``poll=200`` in
its page URL), so each echo takes several polls. Each heavy task gets a row of its own
(``job-K``, ``progress-K``, ``cancel-K``). The texts are read from the Tk widgets,
recorded on every turn of the event loop.
"""

import re

import pytest

from flaskcelery.__main__ import PAGE
from flaskcelery.FLASKCELERYExample import FLASKCELERYExample
from pyjamas.desktop import desktop_window, page_href
from tests.e2e import test_flaskcelery_browser as browser_tests
from tests.e2e.test_flaskcelery_browser import TASK_ID, TEXT
from tests.support.browser import STATUS_WAITING
from tests.support.desktop import close_demo_window, screenshot, wait_until
from tests.support.services import clean_env

pytestmark = pytest.mark.desktop

celery_demo = browser_tests.celery_demo  # the same fixture: python -m flaskcelery, its worker

METHODS = ["Echo", "Reverse", "UPPERCASE", "lowercase", "Non existant"]
EXPECTED = {"Echo": TEXT, "Reverse": TEXT[::-1], "UPPERCASE": TEXT.upper(),
            "lowercase": TEXT.lower()}


@pytest.fixture(scope="module")
def window(x_display, celery_demo):
    href = page_href(FLASKCELERYExample, celery_demo.api_url,
                     f"http://localhost:{celery_demo.page_port}", poll=200)
    with desktop_window(FLASKCELERYExample, href) as window:
        yield window


class Recorder:
    """Runs the window's loop and records each new text of the status label, of the row of
    the next heavy task (``job``, ``progress-text``) and each new value of its bar."""

    def __init__(self, window):
        self.window = window
        row = len(window.page.jobs) + 1  # the row the next heavy task will get
        self.ids = {"status": "status", "job": f"job-{row}",
                    "progress-text": f"progress-{row}-text", "progress": f"progress-{row}"}
        self.seen = {key: [] for key in self.ids}

    def read(self, key):
        try:
            widget = self.window.widget(self.ids[key])
        except LookupError:  # the row is not there yet
            return None
        return float(widget.cget("value")) if key == "progress" else widget.cget("text")

    def record(self):
        for key, values in self.seen.items():
            value = self.read(key)
            if value is not None and (not values or values[-1] != value):
                values.append(value)

    def until(self, element_id, pattern, timeout=30.0):
        """Run the loop until ``element_id``'s text matches ``pattern``; the text."""
        def matched():
            self.record()
            text = self.read(element_id)
            return text if text is not None and re.search(pattern, text) else None

        return wait_until(self.window.root, matched, timeout, f"{element_id} ~ {pattern!r}")


def set_text(window, text):
    text_area = window.widget("text")
    text_area.delete("1.0", "end")
    text_area.insert("1.0", text)


@pytest.mark.parametrize("method", list(EXPECTED))
def test_celery_button_polls_until_the_worker_echoes(window, method):
    set_text(window, TEXT)
    window.widget("method").current(METHODS.index(method))
    recorder = Recorder(window)
    window.widget("send-celery").invoke()

    waiting = recorder.until("status", "^Waiting for Celery id: " + TASK_ID + "$")
    task_id = waiting.removeprefix("Waiting for Celery id: ")
    final = recorder.until("status", "^Celery echo: ")

    match = re.fullmatch(r"Celery echo: (.*)\nElapsed Time: \d+ ms \((\d+) polls\)", final,
                         re.DOTALL)
    assert match, final
    assert match.group(1) == EXPECTED[method]
    polls = int(match.group(2))
    assert polls >= 2  # a 1 s countdown polled every 200 ms
    prefix = f"Waiting for Celery (id, checkno): {task_id}, "
    texts = recorder.seen["status"]
    checks = [int(text.removeprefix(prefix)) for text in texts if text.startswith(prefix)]
    assert checks and checks == sorted(checks) and set(checks) <= set(range(1, polls + 1))
    assert texts.index(waiting) < texts.index(prefix + str(checks[0])) < texts.index(final)


def test_unknown_method_on_the_celery_view_is_a_jsonrpc_error(window):
    window.widget("method").current(METHODS.index("Non existant"))
    window.widget("send-celery").invoke()
    recorder = Recorder(window)
    # (the status names the task's id first: the page chooses it before it asks)
    assert recorder.until("status", "^(?!" + re.escape(STATUS_WAITING) + "|Waiting for Celery id"
                          ").+") == "JSONRPC Error -32601: Method not found"


def test_heavy_task_moves_the_progress_bar_until_done(window, tmp_path):
    n = 100_000_000
    window.widget("primes-n").current(2)
    assert window.widget("primes-n").get() == str(n)
    recorder = Recorder(window)
    window.widget("send-primes").invoke()

    recorder.until("job", f"^Primes below {n}: waiting for Celery id " + TASK_ID + "$")
    recorder.until("progress-text", " / " + str(n) + "$")
    colours = screenshot(window.root, tmp_path / "desktop-flaskcelery.png")  # mid-way
    assert colours >= 16, f"the window looks blank: {colours} colours"
    final = recorder.until("job", "Elapsed", timeout=60.0)

    assert re.fullmatch(r"Primes below 100000000: 5761455\nElapsed Time: \d+ ms \(\d+ polls\)",
                        final), final
    bar = window.widget(recorder.ids["progress"])
    assert recorder.read("progress-text") == "done"
    assert float(bar.cget("value")) == float(bar.cget("maximum"))
    partial = [text for text in recorder.seen["progress-text"] if " / " in text]
    done = [int(text.split(" / ")[0]) for text in partial]
    assert done and done == sorted(done) and 0 < done[0] <= n
    # the bar itself moved on the way (out of n), never back, then was full (1 of 1)
    moving = [value for value in recorder.seen["progress"] if value > 1]
    assert moving and moving == sorted(moving) and moving[-1] <= n


def test_cancel_stops_the_heavy_task_and_resets_its_bar(window):
    window.widget("primes-n").current(4)  # 10**10: a minute and a half
    recorder = Recorder(window)
    window.widget("send-primes").invoke()
    waiting = recorder.until("job", "waiting for Celery id ")
    task_id = re.search(TASK_ID, waiting).group(0)
    recorder.until("progress-text", " / 10000000000$")  # it is running

    window.widget(recorder.ids["job"].replace("job", "cancel")).invoke()

    assert recorder.until("job", "cancelled") == (
        f"Primes below 10000000000: cancelled (Celery task {task_id}: REVOKED)")
    assert recorder.read("progress-text") == ""
    assert recorder.read("progress") == 0.0


@pytest.mark.parametrize("button", ["send-flask-view", "send-flask-methodview", "send-python"])
def test_flask_buttons_still_answer_at_once(window, button):
    set_text(window, TEXT)
    window.widget("method").current(METHODS.index("Reverse"))
    window.widget(button).invoke()
    recorder = Recorder(window)
    assert recorder.until("status", "^(?!" + re.escape(STATUS_WAITING) + ").+") == TEXT[::-1]


def test_demo_opens_the_celery_window_and_stops_all_when_it_closes(x_display, tmp_path):
    env = clean_env(FLASKCELERY_INSTANCE=str(tmp_path / "instance"))
    close_demo_window("flaskcelery", PAGE, tmp_path / "demo.log", env=env)
