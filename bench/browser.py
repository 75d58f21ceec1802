"""Headless Chromium for figures 3 and 7, and the servers a page needs: the compiled pages on
one origin, the Flask app (``run_flask_server.py``, Werkzeug, one log line per request) on
another.

Chromium is Debian's ``/usr/bin/chromium`` driven by Playwright's Python package, started by
the tests' own launcher (``tests/support/browser.py``); never a downloaded browser.
"""

import os
from contextlib import contextmanager
from pathlib import Path

from tests.support.browser import STATUS_WAITING, chromium, chromium_missing

__all__ = ["chromium", "missing", "page_server", "flask_api", "page_url", "one_call", "set_text",
           "FlaskAPI", "OUTPUTS"]

from .servers import PYTHON, REPO_ROOT, free_port, read_log, running, static_server

RUN_FLASK_SERVER = REPO_ROOT / "flaskcors/public/services/flask_example/run_flask_server.py"
OUTPUTS = {"flaskcors": REPO_ROOT / "flaskcors/output/Flask_JSONRPC_CORS.html",
           "flaskcelery": REPO_ROOT / "flaskcelery/output/FLASKCELERYExample.html"}

# One call from the page: click a button, resolve with [ms until the status shows the answer,
# the status text] (measured in the page, by performance.now()).
ONE_CALL_JS = """([buttonId, waiting]) => new Promise((resolve, reject) => {
  const status = document.getElementById("status");
  const button = document.getElementById(buttonId);
  const timer = setTimeout(() => reject(new Error("no answer within 15 s")), 15000);
  const start = performance.now();
  const observer = new MutationObserver(() => {
    const text = status.textContent;
    if (text !== waiting && text !== "") {
      observer.disconnect();
      clearTimeout(timer);
      resolve([performance.now() - start, text]);
    }
  });
  observer.observe(status, {childList: true, characterData: true, subtree: true});
  button.click();
})"""


def missing() -> str | None:
    """Why the browser benchmarks cannot run here, or None."""
    reason = chromium_missing()
    if reason:
        return reason
    unbuilt = [str(p) for p in OUTPUTS.values() if not p.exists()]
    if unbuilt:
        return f"the pages are not built (./build.sh): {', '.join(unbuilt)}"
    return None


@contextmanager
def page_server(workdir: Path, extra: dict[str, Path] | None = None):
    """Serve both examples' ``output/`` (as ``/flaskcors/`` and ``/flaskcelery/``) and the
    ``extra`` folders from one static server (``python -m http.server``); yields its URL."""
    root = workdir / "pages"
    root.mkdir()
    for name, folder in {**{k: p.parent for k, p in OUTPUTS.items()}, **(extra or {})}.items():
        os.symlink(folder, root / name)
    with static_server(root, log_path=workdir / "pages.log") as url:
        yield url


class FlaskAPI:
    """``run_flask_server.py`` on a free port: ``.url``, and its log to count requests."""

    def __init__(self, log_path: Path, port: int):
        self.log_path, self.port = log_path, port
        self.url = f"http://127.0.0.1:{port}"

    def count(self, method: str, path: str) -> int:
        """Requests ``method path`` in the log (Werkzeug's colours stripped)."""
        needle = f'"{method} {path} '
        return sum(needle in line for line in read_log(self.log_path).splitlines())


@contextmanager
def flask_api(log_path: Path, allowed_origins: list[str], env: dict | None = None):
    """The flaskcors server as a user runs it, allowing ``allowed_origins``."""
    port = free_port()
    full_env = {"CORS_ALLOWED_ORIGINS": ",".join(allowed_origins), **(env or {})}
    with running([PYTHON, RUN_FLASK_SERVER, "--port", port], port=port, env=full_env,
                 log_path=log_path):
        yield FlaskAPI(log_path, port)


@contextmanager
def cold_tab(context):
    """A new tab with the HTTP cache disabled (through CDP), closed afterwards."""
    page = context.new_page()
    try:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        yield page
    finally:
        page.close()


def page_url(base: str, example: str, api: FlaskAPI) -> str:
    return f"{base}/{example}/{OUTPUTS[example].name}?server={api.url}"


def one_call(page, button_id: str = "send-flask-view") -> tuple[float, str]:
    """Click ``button_id`` and wait for the answer: (page-side ms, status text)."""
    ms, text = page.evaluate(ONE_CALL_JS, [button_id, STATUS_WAITING])
    return ms, text


def set_text(page, text: str) -> None:
    """Put ``text`` in the page's text area (what the echo methods send)."""
    page.fill("#text", text)
