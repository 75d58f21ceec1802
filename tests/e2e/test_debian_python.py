"""The README's two commands on a fresh Debian 12 whose ``python3`` is Debian's own.

A Debian 12 ("bookworm") root made with debootstrap once per machine, with only what the
README's quickstart assumes (``python3``, ``make``, ``git``); each run starts by removing
what an earlier run installed for Python (``python3-venv``, ``python3-tk``). Then, in order:
an ordinary user's ``make demo`` stops with one line naming the command that installs what is
missing; root's ``make system-deps setup`` (the setup part of ``make test``) installs it and
the whole suite collects, without an error; ``make demo`` serves, as root and then as the
ordinary user. Part of the "today's stack" tier (``make test-today``).
"""

import urllib.request

import pytest

from tests.support.debian_root import SOURCE, DebianRoot, require_debootstrap
from tests.support.processes import free_port, running, wait_for_port

PACKAGES = ("python3", "make", "git")
USER = "quickstart"
USER_COPY = f"/home/{USER}/flaskexamples"
# What Debian's python3 needs from us: removed at the start, so that each run starts fresh.
PYTHON_PACKAGES = "python3-venv python3.11-venv python3-tk python3-pip-whl python3-setuptools-whl"
ONE_COMMAND = "sudo make system-deps"

# The first run on a machine makes the root and installs every Debian package in it.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]


@pytest.fixture(scope="module")
def bookworm():
    require_debootstrap()
    root = DebianRoot("bookworm", PACKAGES)
    try:
        root.open()
        root.run(f"apt-get purge -y -qq {PYTHON_PACKAGES}", cwd="/")
        root.run(f"id {USER} >/dev/null 2>&1 || useradd --create-home {USER}", cwd="/")
        root.copy_repository(USER_COPY, owner=USER)
        yield root
    finally:
        root.close()


def assert_serves(root, user: str, cwd: str, tmp_path) -> None:
    """``make demo`` as ``user`` in ``cwd``: its page and Flask server answer."""
    page_port, api_port = free_port(), free_port()
    command = root.command(f"exec make demo ARGS='--page-port {page_port} --api-port "
                           f"{api_port}'", user=user, cwd=cwd)
    log_path = tmp_path / f"demo-{user}.log"
    with running(command, port=page_port, log_path=log_path, timeout=600) as process:
        wait_for_port(api_port, process, 60)
        with urllib.request.urlopen(f"http://127.0.0.1:{page_port}/", timeout=10) as answer:
            assert answer.status == 200
    log = log_path.read_text(errors="replace")
    assert f"Flask JSON-RPC server on http://127.0.0.1:{api_port}/" in log, log[-3000:]


def test_an_ordinary_user_is_told_the_one_command_that_installs_what_is_missing(bookworm):
    result = bookworm.run("make demo", user=USER, cwd=USER_COPY, check=False)
    assert result.returncode != 0
    told = [line for line in result.stdout.splitlines() if ONE_COMMAND in line]
    assert len(told) == 1 and told[0].startswith("setup-venv: "), result.stdout
    assert "Traceback" not in result.stdout


def test_an_ordinary_users_make_test_names_it_before_anything_runs(bookworm):
    result = bookworm.run("make test", user=USER, cwd=USER_COPY, check=False)
    assert result.returncode != 0
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines if ONE_COMMAND in line] == [
        "install-system-deps", "setup-venv"], result.stdout
    assert "python3-tk" in next(line for line in lines if line.startswith("install-system"))


def test_root_make_tests_setup_installs_what_is_missing_and_every_test_collects(bookworm):
    bookworm.run("make system-deps setup", timeout=1800)
    bookworm.run(".venv/bin/python -c 'import tkinter, venv'")
    collected = bookworm.run(".venv/bin/python -m pytest --collect-only -q", timeout=300).stdout
    summary = collected.strip().splitlines()[-1]
    assert " collected" in summary or "tests collected" in summary, summary
    assert "error" not in summary and "skipped" not in summary, summary


def test_root_make_demo_serves(bookworm, tmp_path):
    assert_serves(bookworm, "root", SOURCE, tmp_path)


def test_then_the_ordinary_users_make_demo_serves(bookworm, tmp_path):
    assert_serves(bookworm, USER, USER_COPY, tmp_path)
