"""docs/your_own_app.rst, run as written: every code block of the guide, in order, in a fresh
``HOME``; then the app it made, with its real worker, in headless Chromium and in the desktop
window on Xvfb.

How the blocks run: a ``sh`` block is a bash script (its caption says where: "in the
repository" runs in the repository's folder, the others in ``HOME``); "run (until Ctrl-C)"
starts in the background, with ``--page-port``/``--api-port`` added to free ports, as the
guide says to do when 8000 or 5000 are taken (other tests run beside this one); "the desktop
window" starts with ``--server`` on that port, and is checked to open its window. A
``python`` block goes into the file its caption names: appended, or inserted before or after
the line its caption quotes, at that line's indentation.
"""

import importlib.util
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pyjamas.desktop import desktop_window, page_href
from tests.support.browser import wait_for_text
from tests.support.desktop import tk_applications, wait_for_tk_application, wait_until
from tests.support.processes import PYTHON, REPO_ROOT, free_port, running, wait_for_port
from tests.support.services import clean_env
from tests.support.waiting import WaitTimeout, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.desktop, pytest.mark.slow]

GUIDE = REPO_ROOT / "docs" / "your_own_app.rst"
BLOCK = re.compile(r"^\.\. code-block:: (\w+)\n   :caption: (.*)\n\n((?:   .*\n|\n)+)",
                   re.MULTILINE)
PLACE = re.compile(r"^(.*): (append|before ``(.*)``|after ``(.*)``)$")


def guide_blocks() -> list[tuple[str, str, str]]:
    """``(language, caption, code)`` of each code block of the guide, in order."""
    text = GUIDE.read_text()
    return [(lang, caption, textwrap.dedent(code).strip("\n") + "\n")
            for lang, caption, code in BLOCK.findall(text)]


def place(path: Path, how: str, anchor: str | None, code: str) -> None:
    source = path.read_text()
    if how == "append":
        path.write_text(source.rstrip("\n") + "\n\n\n" + code)
        return
    lines = source.splitlines(keepends=True)
    matches = [i for i, line in enumerate(lines) if line.strip() == anchor]
    assert len(matches) == 1, f"{anchor!r} is not one line of {path}"
    at = matches[0]
    indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
    block = textwrap.indent(code, indent) + ("\n\n" if how.startswith("before") else "")
    lines.insert(at if how.startswith("before") else at + 1, block)
    path.write_text("".join(lines))


@pytest.fixture(scope="module")
def guide_app(tmp_path_factory):
    """The guide's blocks run up to the app running: ``(home, page_url, api_url, env)``."""
    home = tmp_path_factory.mktemp("home")
    page_port, api_port = free_port(), free_port()
    env = {**os.environ, **clean_env(CORS_ALLOWED_ORIGINS=""), "HOME": str(home),
           "PATH": f"{Path(PYTHON).parent}{os.pathsep}{os.environ['PATH']}",
           "PYTHONUNBUFFERED": "1"}
    blocks = guide_blocks()
    assert [lang for lang, _, _ in blocks] == ["sh", "python", "python", "python", "python",
                                               "sh", "sh", "sh"], blocks
    background = []
    for lang, caption, code in blocks:
        if lang == "python":
            target, how, before, after = PLACE.match(caption).groups()
            place(Path(os.path.expanduser(target.replace("~", str(home)))), how,
                  before or after, code)
        elif "run (until Ctrl-C)" in caption:
            background.append(code.replace("python -m myapp", "exec python -m myapp "
                                           f"--page-port {page_port} --api-port {api_port}"))
        elif "desktop window" in caption:
            background.append(code.replace("localhost:5000", f"localhost:{api_port}")
                              .replace("python ", "exec python ", 1))
        else:
            cwd = REPO_ROOT if "in the repository" in caption else home
            result = subprocess.run(["bash", "-euc", code], cwd=cwd, env=env,
                                    capture_output=True, text=True, timeout=300)
            assert result.returncode == 0, f"{caption}:\n{code}\n{result.stdout}{result.stderr}"
    run_app, desktop = background
    log = home / "demo.log"
    with running(["bash", "-euc", run_app], cwd=home, env=env, log_path=log,
                 port=page_port, timeout=120) as demo:
        wait_for_port(api_port, demo, 60)
        yield {"home": home, "env": env, "desktop": desktop, "log": log,
               "page": f"http://localhost:{page_port}/FLASKCELERYExample.html"
                       f"?server=http://localhost:{api_port}",
               "api": f"http://localhost:{api_port}", "page_server":
               f"http://localhost:{page_port}"}


def wait_for_log(path: Path, pattern: str, timeout: float = 60.0) -> str:
    """The log at ``path`` once a line matches ``pattern``."""
    last = {}

    def logged():
        last["text"] = path.read_text(errors="replace")
        return re.search(pattern, last["text"])

    try:
        wait_for(logged, timeout, f"{pattern!r} in {path}")
    except WaitTimeout:
        raise WaitTimeout(f"{pattern!r} not in {path}:\n{last['text']}") from None
    return last["text"]


def test_the_guide_s_app_estimates_pi_and_cancels_in_the_browser(page, guide_app):
    page.goto(guide_app["page"])
    page.click("#send-pi")
    result = wait_for_text(page, "#pi", "pi is about", timeout=120_000)
    assert re.fullmatch(r"pi is about 3\.1\d*", result), result
    assert page.text_content("#progress-pi-text") == "done"

    page.click("#send-pi")
    wait_for_text(page, "#progress-pi-text", " / 10000000$")  # running, reporting progress
    page.click("#cancel-pi")
    assert wait_for_text(page, "#pi", "cancelled") == "pi: cancelled"
    assert page.text_content("#progress-pi-text") == ""
    # the worker's loop stopped at its next update_state (Celery logs the task "ignored"),
    # and the task never succeeded
    log = wait_for_log(guide_app["log"], r"Task monte_carlo_pi\[([0-9a-f-]+)\] ignored")
    cancelled = re.search(r"Task monte_carlo_pi\[([0-9a-f-]+)\] ignored", log).group(1)
    assert f"monte_carlo_pi[{cancelled}] succeeded" not in log
    assert len(re.findall(r"Task monte_carlo_pi\[[0-9a-f-]+\] succeeded", log)) == 1


def test_the_guide_s_app_in_the_desktop_window(x_display, guide_app):
    copy = guide_app["home"] / "work" / "myapp"
    spec = importlib.util.spec_from_file_location("guide_page", copy / "FLASKCELERYExample.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["guide_page"] = module
    spec.loader.exec_module(module)
    href = page_href(module.FLASKCELERYExample, guide_app["api"], guide_app["page_server"])
    with desktop_window(module.FLASKCELERYExample, href) as window:
        window.widget("send-pi").invoke()
        text = wait_until(window.root, lambda: (window.widget("pi").cget("text")
                                                if "about" in window.widget("pi").cget("text")
                                                else None), 120, "pi's result")
        assert re.fullmatch(r"pi is about 3\.1\d*", text)


def test_the_guide_s_desktop_command_opens_its_window(x_display, guide_app):
    before = tk_applications()
    env = {**guide_app["env"], "DISPLAY": os.environ["DISPLAY"]}
    with running(["bash", "-euc", guide_app["desktop"]], cwd=guide_app["home"], env=env,
                 log_path=guide_app["home"] / "desktop.log"):
        wait_for_tk_application("fLASKCELERYExample", ignore=before, timeout=60)
