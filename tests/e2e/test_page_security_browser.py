"""Both compiled pages under the page server's security headers, in headless Chromium.

The page server sends ``X-Content-Type-Options: nosniff`` and a strict Content-Security-
Policy (no inline script or style, no framing). Each page is opened through its
``index.html`` (which forwards ``?server=`` with an external script, not an inline one) and
makes a real call; Chromium must report no CSP violation on the way, neither as a
``securitypolicyviolation`` event nor on the console.
"""

import pytest

from flask_pyjamas.build.pyjsbuild import build_if_stale
from flask_pyjamas.devtools.page_server import (
    CONTENT_SECURITY_POLICY,
    BackgroundServer,
    create_page_app,
    page_origins,
)
from flaskcelery.__main__ import PAGE as CELERY_PAGE_MODULE
from flaskcors.__main__ import PAGE as CORS_PAGE_MODULE
from tests.support.browser import run_demo, wait_for_status
from tests.support.processes import free_port
from tests.support.services import clean_env

pytestmark = pytest.mark.browser

# Runs in every document the tab loads (index.html, then the page): violations are kept in
# sessionStorage, which survives the redirect.
RECORD_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
    const seen = JSON.parse(sessionStorage.getItem("violations") || "[]");
    seen.push(event.violatedDirective + " " + event.blockedURI);
    sessionStorage.setItem("violations", JSON.stringify(seen));
});
"""


def open_with_csp_watch(page, url):
    """Go to ``url`` recording CSP violations; returns the console messages about CSP."""
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(url)
    return [text for text in console if "Content Security Policy" in text]


def violations(page) -> list:
    return page.evaluate("JSON.parse(sessionStorage.getItem('violations') || '[]')")


@pytest.fixture(scope="module")
def cors_demo(tmp_path_factory):
    build_if_stale(CORS_PAGE_MODULE)
    with run_demo("flaskcors", log_path=tmp_path_factory.mktemp("demo") / "demo.log") as demo:
        yield demo


@pytest.fixture(scope="module")
def celery_demo(tmp_path_factory):
    build_if_stale(CELERY_PAGE_MODULE)
    env = clean_env(FLASKCELERY_INSTANCE=str(tmp_path_factory.mktemp("instance")),
                    ECHO_COUNTDOWN="0")
    with run_demo("flaskcelery", env=env,
                  log_path=tmp_path_factory.mktemp("demo") / "demo.log") as demo:
        yield demo


def test_page_server_sends_the_security_headers(page, cors_demo):
    response = page.goto(cors_demo.url("index.html"))
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "'unsafe-inline'" not in headers["content-security-policy"]


def test_flaskcors_page_works_under_the_csp(page, cors_demo):
    page_name = CORS_PAGE_MODULE.stem + ".html"
    console = open_with_csp_watch(page, cors_demo.url("index.html"))
    page.wait_for_url(lambda url: url == cors_demo.url(page_name))  # ?server= kept
    page.wait_for_selector("#status", state="attached")
    page.fill("#text", "under CSP")
    page.select_option("#method", label="Reverse")
    page.click("#send-flask-view")
    assert wait_for_status(page) == "PSC rednu"
    page.click("#send-python")  # the page server's own service
    assert wait_for_status(page) == "PSC rednu"
    assert violations(page) == []
    assert console == []


def test_flaskcelery_page_works_under_the_csp(page, celery_demo):
    page_name = CELERY_PAGE_MODULE.stem + ".html"
    console = open_with_csp_watch(page, celery_demo.url("index.html"))
    page.wait_for_url(lambda url: url == celery_demo.url(page_name))
    page.wait_for_selector("#send-celery")
    page.fill("#text", "under CSP")
    page.select_option("#method", label="UPPERCASE")
    page.click("#send-celery")
    page.wait_for_function(
        "() => document.querySelector('#status').textContent.startsWith('Celery echo: ')",
        timeout=30_000)
    assert page.text_content("#status").startswith("Celery echo: UNDER CSP\n")
    assert violations(page) == []
    assert console == []


def test_a_framed_page_is_refused(page, cors_demo):
    """frame-ancestors 'none': no other page can frame it (clickjacking)."""
    with page.expect_console_message(lambda m: "frame-ancestors" in m.text) as message:
        page.set_content(f'<iframe src="{cors_demo.url("index.html")}"></iframe>')
    assert "has been blocked" in message.value.text


def test_the_watch_sees_an_inline_script(page, tmp_path):
    """The violation watch above can fail: an inline script, as index.html had, is reported."""
    (tmp_path / "index.html").write_text(
        '<!DOCTYPE html><title>t</title><script>document.title = "ran"</script>')
    port = free_port()
    server = BackgroundServer(create_page_app(tmp_path, page_origins("127.0.0.1", port)),
                              "127.0.0.1", port).start()
    try:
        console = open_with_csp_watch(page, f"http://127.0.0.1:{port}/")
        page.wait_for_function("() => sessionStorage.getItem('violations') !== null")
    finally:
        server.stop()
    assert page.title() == "t"
    assert [v.split()[0] for v in violations(page)] == ["script-src-elem"]
    assert console and "inline script" in console[0]
