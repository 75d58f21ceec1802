"""Each example is self-contained: copied alone into an empty folder, with only the installed
packages (Flask, Celery, ``pyjamas``, ``flask_pyjamas``), it builds its page with its own
``build.sh``, serves it, and answers a real call from the page in Chromium. The documented
commands also work from a directory outside the repository.

Proof that the copy's code ran, not the repository's: Python writes the bytecode of the
modules it imports beside them, and the copies start without any ``__pycache__``.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.browser import wait_for_status
from tests.support.processes import PYTHON, REPO_ROOT, free_port, running, static_server
from tests.support.services import CeleryWorker, clean_env, wait_until_ready

VENV_BIN = Path(PYTHON).parent


def copy_alone(example: str, destination: Path) -> Path:
    """``example``'s folder copied into the empty folder ``destination``, as a user would,
    without what a run leaves behind (``output/``, bytecode)."""
    destination.mkdir()
    copy = destination / example
    shutil.copytree(REPO_ROOT / example, copy,
                    ignore=shutil.ignore_patterns("output", "__pycache__", ".build.*"))
    return copy


def user_env(**settings: str) -> dict:
    """A user's environment: the venv on PATH, none of the settings a shell may carry."""
    path = f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    # bytecode on: it is how the tests see which copy of a module was imported
    return {**clean_env(CORS_ALLOWED_ORIGINS="", PYTHONDONTWRITEBYTECODE=""), "PATH": path,
            **settings}


def build_copy(copy: Path) -> Path:
    result = subprocess.run(["bash", str(copy / "build.sh")], env=user_env(), cwd=copy.parent,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    return copy / "output"


def imported_from(folder: Path, module: str) -> bool:
    return any((folder / "__pycache__").glob(f"{module}.*.pyc"))


@pytest.mark.browser
def test_flaskcors_copied_alone_builds_serves_and_answers(tmp_path, page):
    copy = copy_alone("flaskcors", tmp_path / "empty")
    output = build_copy(copy)
    assert {p.name for p in output.iterdir()} >= {"Flask_JSONRPC_CORS.html", "js", "pyjamas.css"}
    server_dir = copy / "public" / "services" / "flask_example"
    page_port, api_port = free_port(), free_port()
    env = user_env(CORS_ALLOWED_ORIGINS=f"http://localhost:{page_port}")
    with (
        static_server(output, port=page_port, log_path=tmp_path / "static.log"),
        # as the original says: python run_flask_server.py, from its own folder
        running([PYTHON, "run_flask_server.py", "--port", api_port], cwd=server_dir,
                env=env, port=api_port, log_path=tmp_path / "flask.log"),
    ):
        page.goto(f"http://localhost:{page_port}/Flask_JSONRPC_CORS.html"
                  f"?server=http://localhost:{api_port}")
        page.select_option("#method", label="Reverse")
        page.fill("#text", "copied away")
        page.click("#send-flask-view")
        assert wait_for_status(page) == "yawa deipoc"
    assert imported_from(server_dir, "FlaskEchoApp")
    assert imported_from(server_dir, "views")


@pytest.mark.browser
def test_flaskcelery_copied_alone_builds_serves_and_answers_through_a_worker(tmp_path, page):
    copy = copy_alone("flaskcelery", tmp_path / "empty")
    output = build_copy(copy)
    assert (output / "js" / "FLASKCELERYExample.js").is_file()
    assert not [p for p in (output / "js").iterdir() if p.name.startswith("flaskcors")]
    flask_source = copy / "flask_source"
    page_port, api_port = free_port(), free_port()
    # No FLASKCELERY_INSTANCE: server and worker find the same instance folder by themselves.
    env = user_env(CORS_ALLOWED_ORIGINS=f"http://localhost:{page_port}", ECHO_COUNTDOWN="0.2")
    worker_log = tmp_path / "celeryd.log"
    with (
        static_server(output, port=page_port, log_path=tmp_path / "static.log"),
        running([PYTHON, "manage_celery.py", "runserver", "--port", api_port],
                cwd=flask_source, env=env, port=api_port, log_path=tmp_path / "runserver.log"),
        running([PYTHON, "manage_celery.py", "celeryd", "--loglevel=INFO", "-n", "copy@%h"],
                cwd=flask_source, env=env, log_path=worker_log) as worker,
    ):
        wait_until_ready(CeleryWorker(worker, "copy@%h", worker_log))
        page.goto(f"http://localhost:{page_port}/FLASKCELERYExample.html"
                  f"?server=http://localhost:{api_port}&poll=100")
        page.select_option("#method", label="UPPERCASE")
        page.fill("#text", "copied away")
        page.click("#send-celery")
        page.wait_for_function(
            "() => document.getElementById('status').textContent.startsWith('Celery echo:')",
            timeout=30_000)
        assert page.text_content("#status").startswith("Celery echo: COPIED AWAY")
    assert (tmp_path / "empty" / "instance" / "flaskcelery" / "results.sqlite").is_file()
    assert imported_from(flask_source, "FlaskEchoApp")
    assert imported_from(flask_source, "celery_tasks")


def test_documented_commands_work_outside_the_repository(tmp_path, embedded_env):
    """``celery -A``, ``python -m``, ``pyjsbuild`` and the scripts by path, from elsewhere."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = user_env(**embedded_env)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*args], cwd=elsewhere, env=env, capture_output=True,
                              text=True, timeout=120)

    for command in (["python", "-m", "flaskcelery", "--help"],
                    ["python", "-m", "flaskcors", "--help"],
                    ["pyjsbuild", "--help"],
                    ["python", str(REPO_ROOT / "flaskcelery/flask_source/manage_celery.py"),
                     "--help"],
                    ["python", str(REPO_ROOT / "flaskcors/public/services/flask_example/"
                                               "run_flask_server.py"), "--help"]):
        result = run(*command)
        assert result.returncode == 0, (command, result.stderr)
    app = "flaskcelery.flask_source.FlaskEchoApp:celery_app"
    worker_log = tmp_path / "worker.log"
    with running(["celery", "-A", app, "worker", "--loglevel=INFO", "--pool=solo",
                  "-n", "elsewhere@%h"], cwd=elsewhere, env=env, log_path=worker_log) as proc:
        wait_until_ready(CeleryWorker(proc, "elsewhere@%h", worker_log))
        ping = run("celery", "-A", app, "inspect", "ping", "-d", "elsewhere@" + os.uname()[1],
                   "--timeout", "10")
        assert ping.returncode == 0, ping.stdout + ping.stderr
        assert "pong" in ping.stdout
