"""The pages as they really look, taken in headless Chromium against the real demos: the
flaskcors page after an echo, the flaskcelery page while its heavy task runs (polls counted,
progress bar part-way). ``make screenshots`` writes them into ``docs/_static/`` for the
guide; a plain test run writes them into a temporary folder and checks they show the page.
"""

import os
from pathlib import Path

import pytest

from flask_pyjamas.build.pyjsbuild import build_if_stale
from tests.support.browser import wait_for_status
from tests.support.processes import REPO_ROOT
from tests.support.services import clean_env

pytestmark = pytest.mark.browser

DOCS_STATIC = REPO_ROOT / "docs" / "_static"
SIZE = {"width": 900, "height": 640}
TEXT = "Hello from Python in the browser, across origins"


@pytest.fixture
def shots(tmp_path) -> Path:
    """Where the pictures go: docs/_static/ with UPDATE_SCREENSHOTS=1, else a temp folder."""
    return DOCS_STATIC if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path


def assert_shows_the_page(page, picture: Path) -> None:
    """Not blank: the same viewport with nothing drawn gives other bytes, and the page's
    widgets were on screen when it was taken."""
    blank = page.context.new_page()
    blank.set_viewport_size(SIZE)
    blank.set_content("<html><body></body></html>")
    assert picture.read_bytes() != blank.screenshot()
    blank.close()
    assert picture.stat().st_size > 10_000


def test_flaskcors_page_after_an_echo(page, start_demo, shots):
    build_if_stale(REPO_ROOT / "flaskcors" / "Flask_JSONRPC_CORS.py")
    demo = start_demo("flaskcors")
    page.set_viewport_size(SIZE)
    page.goto(demo.url("Flask_JSONRPC_CORS.html"))
    page.fill("#text", TEXT)
    page.select_option("#method", label="Reverse")
    page.click("#send-flask-view")
    assert wait_for_status(page) == TEXT[::-1]
    picture = shots / "flaskcors-page.png"
    page.screenshot(path=str(picture))
    assert_shows_the_page(page, picture)


def test_flaskcelery_page_while_its_heavy_task_runs(page, start_demo, shots, tmp_path):
    build_if_stale(REPO_ROOT / "flaskcelery" / "FLASKCELERYExample.py")
    demo = start_demo("flaskcelery", env=clean_env(FLASKCELERY_INSTANCE=str(tmp_path)))
    page.set_viewport_size(SIZE)
    page.goto(demo.url("FLASKCELERYExample.html") + "&poll=250")
    page.select_option("#primes-n", value="10000000000")  # long enough to catch it running
    page.click("#send-primes")
    page.wait_for_function(
        "() => document.getElementById('job-1').textContent.includes('PROGRESS')"
        " && / \\/ /.test(document.getElementById('progress-1-text').textContent)"
        " && Number(document.getElementById('progress-1').getAttribute('value')) >= 5e8",
        timeout=60_000)
    picture = shots / "flaskcelery-page.png"
    page.screenshot(path=str(picture))
    assert_shows_the_page(page, picture)
    page.click("#cancel-1")
    assert wait_for_status(page, "#job-1", page.text_content("#job-1")).endswith(": REVOKED)")


def test_the_guide_shows_the_pictures():
    for name in ("flaskcors-page.png", "flaskcelery-page.png"):
        assert (DOCS_STATIC / name).stat().st_size > 10_000, name
        assert f"_static/{name}" in "".join(p.read_text() for p in (REPO_ROOT / "docs").glob(
            "*.rst"))
