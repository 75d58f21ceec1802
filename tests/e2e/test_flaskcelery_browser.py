"""The compiled flaskcelery page in headless Chromium, against ``python -m flaskcelery``.

The page is served on one origin and Flask on another (CORS), and the Celery buttons reach a
real worker on the embedded broker: the demo's own worker process. Echo tasks wait
``ECHO_COUNTDOWN`` = 1 s and the page polls every 200 ms (``?poll=200``, the 2012 page's way),
so each echo takes several polls; without ``?poll=`` the page follows a task live, in a few
requests (the failures it survives: test_task_follower_browser.py).
"""

import re

import pytest

from flask_pyjamas.build.pyjsbuild import build_if_stale
from flaskcelery.__main__ import PAGE as PAGE_MODULE
from tests.support.browser import run_demo, wait_for_status, wait_for_text
from tests.support.services import clean_env

pytestmark = pytest.mark.browser

PAGE = PAGE_MODULE.stem + ".html"
POLL_MILLIS = 200
TEXT = "Hello Celery"
TASK_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

# Records every text the status label, the first job's row and its progress caption show,
# in order (the job's row is made by the click that starts it).
RECORD_TEXTS = """() => {
    window.seen = {status: [], job: [], progress: []};
    const observe = (element, key) => new MutationObserver(
            () => window.seen[key].push(element.textContent))
        .observe(element, {childList: true, characterData: true, subtree: true});
    observe(document.getElementById("status"), "status");
    new MutationObserver((changes, observer) => {
        const job = document.getElementById("job-1");
        if (job !== null) {
            observer.disconnect();
            window.seen.job.push(job.textContent);
            observe(job, "job");
            observe(document.getElementById("progress-1-text"), "progress");
        }
    }).observe(document.body, {childList: true, subtree: true});
}"""


@pytest.fixture(scope="module")
def celery_demo(tmp_path_factory):
    build_if_stale(PAGE_MODULE)
    env = clean_env(FLASKCELERY_INSTANCE=str(tmp_path_factory.mktemp("instance")),
                    ECHO_COUNTDOWN="1")
    log_path = tmp_path_factory.mktemp("demo") / "demo.log"
    with run_demo("flaskcelery", env=env, log_path=log_path) as demo:
        yield demo


@pytest.fixture
def celery_page(page, celery_demo):
    """The page, loaded with ``?server=`` and ``?poll=``, recording its texts."""
    page.goto(celery_demo.url(PAGE) + "&poll=" + str(POLL_MILLIS))
    page.wait_for_selector("#send-celery")
    page.evaluate(RECORD_TEXTS)
    return page


def seen(page, key):
    return page.evaluate("key => window.seen[key]", key)


def first_waiting_text(page) -> str:
    """The status text that named the task when it started: ``Waiting for Celery id: ID``."""
    started = [text for text in seen(page, "status")
               if re.fullmatch("Waiting for Celery id: " + TASK_ID, text)]
    assert started, seen(page, "status")
    return started[0]


def test_buttons_keep_the_original_labels(celery_page, celery_demo):
    where = f"localhost:{celery_demo.api_port}"
    labels = {
        "#send-flask-view": f"Send to Flask view function ({where})",
        "#send-flask-methodview": f"Send to Flask methodview ({where})",
        "#send-celery": "Send to a Celery worker via a Flask methodview",
    }
    assert {selector: celery_page.text_content(selector) for selector in labels} == labels


@pytest.mark.parametrize(
    "method, expected",
    [("Echo", TEXT), ("Reverse", TEXT[::-1]), ("UPPERCASE", TEXT.upper()),
     ("lowercase", TEXT.lower())],
)
def test_celery_button_polls_get_result_until_the_worker_echoes(celery_page, method, expected):
    celery_page.fill("#text", TEXT)
    celery_page.select_option("#method", label=method)
    celery_page.click("#send-celery")

    final = wait_for_text(celery_page, "#status", "^Celery echo: ")
    waiting = first_waiting_text(celery_page)  # shown for one poll period only: on the record
    task_id = waiting.removeprefix("Waiting for Celery id: ")

    match = re.fullmatch(r"Celery echo: (.*)\nElapsed Time: (\d+) ms \((\d+) polls\)", final,
                         re.DOTALL)
    assert match, final
    assert match.group(1) == expected
    polls = int(match.group(3))
    assert int(match.group(2)) == polls * POLL_MILLIS
    # a 1 s countdown polled every 200 ms: the answer cannot come on the first poll
    assert polls >= 2
    # the polls before the last one said "still waiting", with the number of polls so far
    status_texts = seen(celery_page, "status")
    prefix = f"Waiting for Celery (id, checkno): {task_id}, "
    checks = [int(text.removeprefix(prefix)) for text in status_texts if text.startswith(prefix)]
    assert checks and checks == sorted(checks) and set(checks) <= set(range(1, polls + 1))
    assert status_texts.index(waiting) < status_texts.index(prefix + str(checks[0]))
    assert status_texts[-1] == final


def test_celery_button_follows_live_without_polling(page, celery_demo):
    """Without ?poll=, the start asks the server to wait, then long-polls: a few requests
    for a 1-s task, not one per period."""
    page.goto(celery_demo.url(PAGE))
    page.fill("#text", TEXT)
    page.click("#send-celery")

    final = wait_for_text(page, "#status", "^Celery echo: ")
    match = re.fullmatch(r"Celery echo: (.*)\nElapsed Time: (\d+) ms \((\d+) requests\)",
                         final, re.DOTALL)
    assert match and match.group(1) == TEXT, final
    assert 1 <= int(match.group(3)) <= 3
    assert int(match.group(2)) >= 1000  # the countdown, measured, not counted in polls


def test_heavy_task_shows_its_progress_until_done(celery_page):
    n = 100_000_000
    celery_page.select_option("#primes-n", value=str(n))
    celery_page.click("#send-primes")

    final = wait_for_text(celery_page, "#job-1", "Elapsed", timeout=60_000)
    started = seen(celery_page, "job")[0]
    assert re.fullmatch(f"Primes below {n}: waiting for Celery id {TASK_ID}", started), started

    assert re.fullmatch(r"Primes below 100000000: 5761455\nElapsed Time: \d+ ms \(\d+ polls\)",
                        final), final
    assert celery_page.text_content("#progress-1-text") == "done"
    bar = celery_page.locator("#progress-1")
    assert bar.get_attribute("value") == bar.get_attribute("max")
    # on the way, the bar showed partial progress, never going back
    reports = [text for text in seen(celery_page, "progress") if " / " in text]
    assert reports, "no progress was shown before the task finished"
    done = [int(text.split(" / ")[0]) for text in reports]
    assert all(text.split(" / ")[1] == str(n) for text in reports)
    assert done == sorted(done) and 0 < done[0] <= n


def test_cancel_stops_the_heavy_task_and_resets_its_bar(celery_page):
    celery_page.select_option("#primes-n", value="10000000000")  # the largest: 1.5 minutes
    celery_page.click("#send-primes")
    wait_for_text(celery_page, "#progress-1-text", " / 10000000000$")  # it is running
    task_id = re.search(TASK_ID, seen(celery_page, "job")[0]).group(0)

    celery_page.click("#cancel-1")

    assert wait_for_text(celery_page, "#job-1", "cancelled") == (
        f"Primes below 10000000000: cancelled (Celery task {task_id}: REVOKED)")
    assert celery_page.text_content("#progress-1-text") == ""  # the bar is reset
    assert celery_page.locator("#progress-1").get_attribute("value") == "0"


@pytest.mark.parametrize("button", ["send-flask-view", "send-flask-methodview", "send-python"])
def test_flask_buttons_still_answer_at_once(celery_page, button):
    celery_page.fill("#text", TEXT)
    celery_page.select_option("#method", label="Reverse")
    celery_page.click("#" + button)

    assert wait_for_status(celery_page) == TEXT[::-1]


def test_unknown_method_on_the_celery_view_is_a_jsonrpc_error(celery_page):
    celery_page.select_option("#method", label="Non existant")
    celery_page.click("#send-celery")

    # (the status names the task's id first: the page chooses it before it asks)
    assert wait_for_text(celery_page, "#status", "^(?!Waiting for).+") == (
        "JSONRPC Error -32601: Method not found")


def test_refused_origin_cannot_start_a_task(page, celery_demo):
    # the demo allows http://localhost:P only: the same page on 127.0.0.1 is another origin
    page.goto(celery_demo.url(PAGE, host="127.0.0.1"))
    posts = celery_demo.count('"POST /json_celery_class ')
    page.click("#send-celery")

    # a browser cannot tell a refused origin from a server that is down (both are HTTP 0):
    # the page keeps trying, and says so; the server refuses every preflight, so no POST
    # (no method) is ever sent
    status = wait_for_text(page, "#status", "HTTP error 0: ")
    assert re.match(r"Reconnecting in [0-9.]+ s \(no answer for [0-9.]+ s\): HTTP error 0: ",
                    status), status
    assert celery_demo.count('"OPTIONS /json_celery_class HTTP/1.1" 403') >= 1
    assert celery_demo.count('"POST /json_celery_class ') == posts


def test_a_server_name_from_the_url_is_shown_as_text(page, celery_demo):
    page.goto(celery_demo.url(PAGE, server="http://<b%20id=injected>x</b>:1"))
    page.wait_for_selector("#send-flask-view")

    assert page.text_content("#send-flask-view") == (
        "Send to Flask view function (<b id=injected>x</b>:1)")
    assert page.locator("#injected").count() == 0
