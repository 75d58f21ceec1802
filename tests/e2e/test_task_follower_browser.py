"""The flaskcelery page follows its tasks to their end in headless Chromium, through what
breaks in real life: the Flask server killed and restarted, a proxy answering 502, a reload
of the page, a worker killed mid-task; and cancel, two jobs at once, no worker at all, a task
id the server does not know.

Real processes (:class:`tests.support.task_stack.TaskStack`): the built page on a plain web
server, ``manage_celery.py runserver``, Celery workers on the embedded broker. Every text a
job's row shows is recorded in order (a MutationObserver), so a short-lived "Reconnecting"
is on the record even if the test never saw it on the screen.
"""

import re

import pytest

from flask_pyjamas.build.pyjsbuild import build_if_stale
from flaskcelery.__main__ import PAGE as PAGE_MODULE
from tests.support.browser import wait_for_text
from tests.support.flaky_proxy import FlakyProxy
from tests.support.processes import read_log
from tests.support.task_stack import TaskStack

pytestmark = [pytest.mark.browser, pytest.mark.slow]

N = 1_000_000_000  # several seconds of work for one worker process
PRIMES = {100_000_000: 5761455, 1_000_000_000: 50847534, 10_000_000_000: 455052511}
TASK_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"

RECORD = """() => {
    window.seen = [];
    const observe = element => new MutationObserver(() => window.seen.push(
            [element.id, element.textContent]))
        .observe(element, {childList: true, characterData: true, subtree: true});
    observe(document.getElementById("status"));
    const rows = new MutationObserver(() => {
        for (const element of document.querySelectorAll("[id^=job-]")) {
            if (!element.dataset.observed) { element.dataset.observed = "1"; observe(element); }
        }
    });
    rows.observe(document.body, {childList: true, subtree: true});
}"""


@pytest.fixture(scope="module", autouse=True)
def built():
    build_if_stale(PAGE_MODULE)


@pytest.fixture
def stack(tmp_path):
    with TaskStack(tmp_path, ECHO_COUNTDOWN="0") as running_stack:
        running_stack.start_flask()
        yield running_stack


def open_page(page, url):
    page.goto(url)
    page.wait_for_selector("#send-primes")
    page.evaluate(RECORD)


def seen(page, element_id) -> list[str]:
    return [text for key, text in page.evaluate("window.seen") if key == element_id]


def start_primes(page, n=N, row=1) -> str:
    """Click the heavy task's button; the task id its row shows."""
    page.select_option("#primes-n", value=str(n))
    page.click("#send-primes")
    text = wait_for_text(page, f"#job-{row}", TASK_ID)
    return re.search(TASK_ID, text).group(0)


def wait_until_running(page, row=1) -> None:
    wait_for_text(page, f"#job-{row}", ": (STARTED|PROGRESS)$|\\n")


def assert_result(page, row=1, n=N) -> str:
    final = wait_for_text(page, f"#job-{row}", "Elapsed Time", timeout=120_000)
    assert re.fullmatch(rf"Primes below {n}: {PRIMES[n]}\nElapsed Time: \d+ ms "
                        r"\(\d+ requests\)", final), final
    assert page.text_content(f"#progress-{row}-text") == "done"
    return final


def test_a_job_is_followed_by_one_stream_request(page, stack):
    stack.start_worker()
    open_page(page, stack.page_url())
    task_id = start_primes(page)
    page.evaluate("""() => { window.steps = [];
        const caption = document.getElementById("progress-1-text");
        new MutationObserver(() => window.steps.push(caption.textContent))
            .observe(caption, {childList: true, characterData: true, subtree: true}); }""")
    final = assert_result(page)

    log = read_log(stack.dir / "flask-1.log")
    streams = re.findall(r'"GET /json_celery_class/events\?task_id=' + task_id + r'\S* HTTP', log)
    posts = re.findall(r'"POST /json_celery_class HTTP', log)
    assert len(streams) == 1, log  # every progress step came on it
    assert len(posts) == 1, log  # the start (with its short wait)
    assert final.endswith("(2 requests)"), final
    steps = [text for text in page.evaluate("window.steps") if " / " in text]
    assert len(set(steps)) >= 5, steps  # live progress, step by step


def test_flask_killed_and_restarted_mid_job(page, stack):
    stack.start_worker()
    open_page(page, stack.page_url())
    task_id = start_primes(page)
    wait_until_running(page)
    stack.wait_for_worker_log(f"count_primes[{task_id}] received")

    stack.kill_flask()
    wait_for_text(page, "#job-1", "Reconnecting in [0-9.]+ s \\(no answer for [0-9.]+ s\\): "
                                  "HTTP error 0: ")
    stack.start_flask()

    assert_result(page)


def test_a_proxy_answering_502_for_5_s(page, stack):
    stack.start_worker()
    with FlakyProxy(stack.api_url) as proxy:
        open_page(page, stack.page_url(server=proxy.url))
        start_primes(page)
        wait_until_running(page)
        proxy.fail_for(5.0)

        assert_result(page)

    assert proxy.answered_502 >= 2  # it retried, more than once, while the proxy failed
    notices = [text for text in seen(page, "job-1") if "Reconnecting" in text]
    assert notices and all("HTTP error 502: " in text for text in notices), notices


def test_a_reload_mid_job_resumes_following_it(page, stack):
    stack.start_worker()
    open_page(page, stack.page_url())
    task_id = start_primes(page)
    wait_until_running(page)

    page.reload()
    page.wait_for_selector("#send-primes")

    assert task_id in wait_for_text(page, "#job-1", TASK_ID)  # the same task, followed again
    assert_result(page)
    page.reload()  # done: nothing left to resume
    page.wait_for_selector("#send-primes")
    assert page.locator("#job-1").count() == 0


def test_the_worker_killed_mid_job_the_rerun_s_result_is_shown(page, stack):
    stack.start_worker()
    open_page(page, stack.page_url())
    start_primes(page, n=1_000_000_000)
    wait_for_text(page, "#progress-1-text", " / ")  # the worker reports progress: it runs

    stack.kill_worker()
    stack.start_worker()  # the task was not acknowledged: it runs again on this one

    assert_result(page)


def test_cancel_resets_the_bar_and_says_cancelled(page, stack):
    stack.start_worker()
    open_page(page, stack.page_url())
    task_id = start_primes(page, n=10_000_000_000)
    wait_for_text(page, "#progress-1-text", " / 10000000000$")

    page.click("#cancel-1")

    final = wait_for_text(page, "#job-1", "cancelled")
    assert final == f"Primes below 10000000000: cancelled (Celery task {task_id}: REVOKED)"
    bar = page.locator("#progress-1")
    assert (bar.get_attribute("value"), bar.get_attribute("max")) == ("0", "1")
    assert page.text_content("#progress-1-text") == ""


def test_two_jobs_followed_at_once(page, stack):
    stack.start_worker("--concurrency=2")
    open_page(page, stack.page_url())
    first = start_primes(page, n=1_000_000_000, row=1)
    second = start_primes(page, n=100_000_000, row=2)
    assert first != second

    assert_result(page, row=2, n=100_000_000)
    assert_result(page, row=1, n=1_000_000_000)


def test_no_worker_says_so(page, stack):
    open_page(page, stack.page_url())
    page.fill("#text", "anyone?")
    page.click("#send-celery")

    text = wait_for_text(page, "#status", "no worker", timeout=30_000)
    assert re.fullmatch(rf"Task {TASK_ID}: no worker has picked this up yet \(waiting for "
                        r"\d+ s; is a Celery worker running\?\)", text), text

    stack.start_worker()  # and once one comes, the answer is there
    assert wait_for_text(page, "#status", "^Celery echo: ") .startswith("Celery echo: anyone?")


def test_a_task_id_the_server_does_not_know_says_so(page, stack):
    open_page(page, stack.page_url())
    unknown = "00000000-0000-4000-8000-000000000000"
    page.evaluate("id => sessionStorage.setItem('flaskcelery.primes', id + '\\tPrimes: ')",
                  unknown)
    page.reload()

    text = wait_for_text(page, "#job-1", "expired")
    assert text == (f"Primes: Task {unknown}: unknown, or its result has expired "
                    "(JSONRPC Error -32004: Unknown task id)"), text
