"""Figure 8: time from start to the first answer shown, the flaskcors desktop window (Tk on
Xvfb) against the same page in headless Chromium, on the same Flask server.

* Desktop: from starting the process (``python -m bench.desktop_client``, which imports the
  page module and opens its window with :func:`pyjamas.desktop.desktop_window`, as
  ``python Flask_JSONRPC_CORS.py`` does) until the Tk status label shows the echo of the
  first call, made with the "Send to Flask view function" button as soon as the window is
  drawn. The interpreter's start and the imports are part of it: that is what a user waits
  for.
* Browser: from navigation start of a new tab (Chromium already running, its HTTP cache
  disabled) until the page's status shows the echo of the same call, clicked as soon as the
  button is in the DOM.

Both are timed by this process's monotonic clock (the desktop client reports its own
``time.monotonic()`` readings: the clock is the machine's, shared by every process). The
rounds alternate desktop and browser loads.
"""

import importlib.util
import json
import os
import shutil
import subprocess
import time

from . import browser
from .report import Figure, median, ratio, skipped
from .servers import PYTHON, REPO_ROOT

NAME = "desktop_start"
TITLE = "Start → first answer shown, flaskcors desktop window (Tk) vs browser page"
TEXT = "first answer"
BUTTON = "send-flask-view"
PAGE_CLASS = "flaskcors.Flask_JSONRPC_CORS:Flask_JSONRPC_CORS"  # as bench.desktop_client takes it


def missing() -> str | None:
    """Why this benchmark cannot run here, or None."""
    if shutil.which("Xvfb") is None:
        return "Xvfb is not installed (apt-get install -y xvfb)"
    if importlib.util.find_spec("tkinter") is None:
        return "this Python has no tkinter"
    return browser.missing()


def run(ctx) -> list[Figure]:
    reason = missing()
    if reason:
        return [skipped(8, NAME, TITLE, reason)]
    from tests.support.desktop import xvfb

    rounds = ctx.pick(9, 1)
    with browser.page_server(ctx.workdir) as base, \
         browser.flask_api(ctx.workdir / "api.log", [base]) as api, \
         browser.chromium(ctx.workdir / "profile") as context, \
         xvfb() as display:
        url = browser.page_url(base, "flaskcors", api)
        desktop, page = [], []
        for i in range(rounds):  # alternating which of the two goes first
            if i % 2 == 0:
                desktop.append(_desktop_load(api.url, display))
            page.append(_browser_load(context, url))
            if i % 2 == 1:
                desktop.append(_desktop_load(api.url, display))
    return [_figure(ctx, desktop, page, rounds)]


def _desktop_load(server: str, display: str) -> dict:
    """Start the desktop client; ms from the start to its window drawn and to the answer."""
    start = time.monotonic()
    result = subprocess.run(
        [PYTHON, "-m", "bench.desktop_client", PAGE_CLASS, server, TEXT, BUTTON], cwd=REPO_ROOT,
        env={**os.environ, "DISPLAY": display}, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"the desktop client failed:\n{result.stderr[-2000:]}")
    marks = json.loads(result.stdout.strip().splitlines()[-1])
    if marks["text"] != TEXT:
        raise RuntimeError(f"the window showed {marks['text']!r}, not the echo")
    return {"drawn_ms": (marks["drawn"] - start) * 1000,
            "shown_ms": (marks["shown"] - start) * 1000,
            "call_ms": (marks["shown"] - marks["clicked"]) * 1000}


def _browser_load(context, url: str) -> dict:
    """Open the page in a new tab (cache disabled); ms from navigation to button, answer."""
    with browser.cold_tab(context) as tab:
        start = time.monotonic()
        tab.goto(url, wait_until="commit")
        tab.wait_for_selector("#" + BUTTON)
        drawn = time.monotonic()
        browser.set_text(tab, TEXT)
        call_ms, text = browser.one_call(tab, BUTTON)
        shown = time.monotonic()
        if text != TEXT:
            raise RuntimeError(f"{url} showed {text!r}, not the echo")
        return {"drawn_ms": (drawn - start) * 1000, "shown_ms": (shown - start) * 1000,
                "call_ms": call_ms}


def _figure(ctx, desktop: list[dict], page: list[dict], rounds: int) -> Figure:
    value = median(s["shown_ms"] for s in desktop)
    baseline = median(s["shown_ms"] for s in page)
    figure = Figure(
        number=8, name=NAME, title=TITLE, value=value, unit="ms", baseline=baseline,
        baseline_label="the compiled page in headless Chromium, same Flask server",
        ratio=ratio(value, baseline), target="— (no target)", met=None,
        command=ctx.command(NAME),
        details={
            f"desktop: process start → answer shown, median ms ({rounds} starts)": value,
            "desktop: process start → window drawn, median ms":
                median(s["drawn_ms"] for s in desktop),
            "desktop: button pressed → answer shown, median ms":
                median(s["call_ms"] for s in desktop),
            f"browser: navigation → answer shown, median ms ({rounds} loads)": baseline,
            "browser: navigation → send button in the DOM, median ms":
                median(s["drawn_ms"] for s in page),
            "browser: click → answer shown (page-side), median ms":
                median(s["call_ms"] for s in page),
        })
    figure.notes.append(
        "The desktop start includes the Python interpreter's start and every import (Flask "
        "is not among them: the client imports only pyjamas, tkinter and the page), the Tk "
        "window on Xvfb, and the answer handed from the request thread to the Tk loop (the "
        "queue is drained every 10 ms). The browser was already running, as a user's is; "
        "each load is a new tab with the HTTP cache disabled. Pages on a static server and "
        "the Flask server (run_flask_server.py) on 127.0.0.1, different ports.")
    return figure
