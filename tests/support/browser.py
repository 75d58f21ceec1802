"""A real browser and a real demo for page tests: headless Chromium, ``python -m <example>``.

Fixtures (registered for every test module by ``tests/conftest.py``):

``browser_context`` (session)
    A Playwright persistent context of Debian's ``/usr/bin/chromium`` (never a downloaded
    browser), headless, in a temporary profile. No Chromium or no Playwright: a skip, or a
    failure with ``CI=true``.
``page`` (function)
    A new tab in ``browser_context``, closed after the test.
``start_demo`` (function)
    A factory: ``start_demo(module="flaskcors", **options) -> Demo`` runs the demo as a real
    subprocess, ``python -m <module> --no-build --page-port P --api-port Q``, on free ports,
    and stops it after the test. Options are those of :func:`run_demo`.

For a demo shared by several tests, use the :func:`run_demo` context manager in a fixture of
the scope you need, e.g. for the Celery example::

    @pytest.fixture(scope="module")
    def celery_demo(tmp_path_factory, embedded_env):
        with run_demo("flaskcelery", env=embedded_env,
                      log_path=tmp_path_factory.mktemp("demo") / "demo.log") as demo:
            yield demo

    def test_it(page, celery_demo):
        page.goto(celery_demo.url("FLASKCELERYExample.html"))
"""

import importlib.util
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from .processes import (
    PYTHON,
    free_port,
    read_log,
    require,
    running,
    wait_for_output,
    wait_for_port,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STATUS_WAITING = "Waiting for response..."


@dataclass
class Demo:
    """A running demo: the page on ``http://localhost:<page_port>``, Flask on
    ``http://localhost:<api_port>``, all output of the process in ``log_path``."""

    page_port: int
    api_port: int
    log_path: Path
    process: object

    @property
    def api_url(self) -> str:
        return f"http://localhost:{self.api_port}"

    def url(self, page: str, host: str = "localhost", server: str | None = None) -> str:
        """The URL of ``page`` on ``host``, with ``?server=`` naming this demo's Flask app
        (or ``server``)."""
        return f"http://{host}:{self.page_port}/{page}?server={server or self.api_url}"

    def log(self) -> str:
        """The process's output so far, without colour codes."""
        return read_log(self.log_path)

    def count(self, text: str) -> int:
        """How many lines of the log contain ``text`` (e.g. ``'"OPTIONS /json_echo/ '``)."""
        return sum(text in line for line in self.log().splitlines())


@contextmanager
def run_demo(module="flaskcors", *, log_path, page_port=None, api_port=None,
             allowed_origins=None, env=None, args=(), timeout=60.0):
    """Run ``python -m <module> --no-build --page-port P --api-port Q [args]`` until exit.

    ``allowed_origins`` becomes the Flask app's ``CORS_ALLOWED_ORIGINS`` (default: the page
    on ``http://localhost:P`` only, so the same page on ``http://127.0.0.1:P`` is a refused
    origin); ``env`` is added to the environment. The client must be built (``./build.sh``).
    """
    page_port = page_port or free_port()
    api_port = api_port or free_port()
    if allowed_origins is None:
        allowed_origins = [f"http://localhost:{page_port}"]
    full_env = {"CORS_ALLOWED_ORIGINS": ",".join(allowed_origins), **(env or {})}
    command = [PYTHON, "-m", module, "--no-build", "--page-port", page_port,
               "--api-port", api_port, *args]
    with running(command, port=page_port, env=full_env, log_path=log_path,
                 timeout=timeout) as process:
        wait_for_port(api_port, process, timeout)  # the same process serves both ports
        wait_for_output(log_path, "Open http", process, timeout)  # printed once both listen
        yield Demo(page_port, api_port, Path(log_path), process)


@pytest.fixture
def start_demo(tmp_path):
    """``start_demo(module="flaskcors", **options)``: see :func:`run_demo`."""
    with ExitStack() as stack:
        count = 0

        def start(module="flaskcors", **options):
            nonlocal count
            count += 1
            options.setdefault("log_path", tmp_path / f"{module}-{count}.log")
            return stack.enter_context(run_demo(module, **options))

        yield start


def chromium_missing() -> str | None:
    """Why Chromium cannot be driven here, or None."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install -y chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is missing (pip install -r requirements-dev.txt)"
    return None


@contextmanager
def chromium(profile_dir: Path, timeout_ms: int = 15_000):
    """A Playwright persistent context of headless Debian Chromium in the fresh folder
    ``profile_dir``: the one launcher of the tests and the benchmarks."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile_dir), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        context.set_default_timeout(timeout_ms)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory):
    """Headless Debian Chromium driven by Playwright, one profile for the session."""
    reason = chromium_missing()
    require(reason is None, reason)
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


@pytest.fixture
def page(browser_context):
    """A fresh tab; JavaScript errors on it fail the test."""
    tab = browser_context.new_page()
    errors = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield tab
    finally:
        tab.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def wait_for_status(page, selector="#status", waiting=STATUS_WAITING) -> str:
    """Wait until the status element shows something other than ``waiting``; its text."""
    page.wait_for_function(
        "([selector, waiting]) => {"
        " const text = document.querySelector(selector).textContent;"
        " return text !== waiting && text !== ''; }",
        arg=[selector, waiting],
    )
    return page.text_content(selector)


def wait_for_text(page, selector, pattern, timeout=60_000) -> str:
    """Wait until the element ``selector`` exists and its text matches the regular expression
    ``pattern`` (JavaScript's); its text."""
    page.wait_for_function(
        "([selector, pattern]) => { const e = document.querySelector(selector);"
        " return e !== null && new RegExp(pattern).test(e.textContent); }",
        arg=[selector, pattern], timeout=timeout)
    return page.text_content(selector)
