"""The flaskcelery page as a desktop window (Tk on Xvfb) follows its tasks as the browser
does (test_task_follower_browser.py): through a SIGKILL and restart of the Flask server, and
a cancel resets the bar. Live following (no ``poll``); the follower's state is in memory.
"""

import re

import pytest

from flaskcelery.FLASKCELERYExample import FLASKCELERYExample
from pyjamas.desktop import desktop_window, page_href
from tests.e2e.test_task_follower_browser import PRIMES, TASK_ID, built  # noqa: F401 (fixture)
from tests.support.desktop import wait_until
from tests.support.task_stack import TaskStack

pytestmark = [pytest.mark.desktop, pytest.mark.slow]


@pytest.fixture
def stack(tmp_path):
    with TaskStack(tmp_path) as running_stack:
        running_stack.start_flask()
        running_stack.start_worker()
        yield running_stack


@pytest.fixture
def window(x_display, stack):
    with desktop_window(FLASKCELERYExample, page_href(FLASKCELERYExample, stack.api_url,
                                                      stack.page_base)) as window:
        yield window


def text(window, element_id):
    try:
        return window.widget(element_id).cget("text")
    except LookupError:
        return None


def until(window, element_id, pattern, timeout=60.0, seen=None):
    """Run the loop until ``element_id``'s text matches ``pattern`` (every text on the way
    goes to ``seen``); the text."""
    def matched():
        value = text(window, element_id)
        if seen is not None and value is not None and (not seen or seen[-1] != value):
            seen.append(value)
        return value if value is not None and re.search(pattern, value) else None

    return wait_until(window.root, matched, timeout, f"{element_id} ~ {pattern!r}")


def start_primes(window, index):
    window.widget("primes-n").current(index)
    window.widget("send-primes").invoke()
    return re.search(TASK_ID, until(window, "job-1", TASK_ID)).group(0)


def test_flask_killed_and_restarted_mid_job(window, stack):
    n = 1_000_000_000
    task_id = start_primes(window, 3)
    until(window, "job-1", "Celery task")  # the server has answered the start
    stack.wait_for_worker_log(f"count_primes[{task_id}] received")  # the worker has it

    stack.kill_flask()
    until(window, "job-1", r"Reconnecting in [0-9.]+ s .*HTTP error 0: ")
    stack.start_flask()

    final = until(window, "job-1", "Elapsed", timeout=120.0)
    assert re.fullmatch(rf"Primes below {n}: {PRIMES[n]}\nElapsed Time: \d+ ms "
                        r"\(\d+ requests\)", final), final
    assert text(window, "progress-1-text") == "done"


def test_cancel_resets_the_bar(window):
    task_id = start_primes(window, 4)
    until(window, "progress-1-text", " / 10000000000$")

    window.widget("cancel-1").invoke()

    assert until(window, "job-1", "cancelled") == (
        f"Primes below 10000000000: cancelled (Celery task {task_id}: REVOKED)")
    assert text(window, "progress-1-text") == ""
    assert float(window.widget("progress-1").cget("value")) == 0.0
