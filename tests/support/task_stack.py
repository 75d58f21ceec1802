"""The flaskcelery stack as separate processes a test can break: the built page on a plain
web server, the Flask app (``manage_celery.py runserver``) and Celery workers, on the
embedded broker in a fresh instance folder.

::

    with TaskStack(tmp_path) as stack:
        stack.start_flask(); stack.start_worker()
        page.goto(stack.page_url(server=stack.api_url))
        stack.kill_flask(); stack.start_flask()          # SIGKILL, then the same port again
        stack.kill_worker(); stack.start_worker()

The page's origin (``http://localhost:<page port>``) is the one the Flask app allows.
"""

import os
import signal
import subprocess
import time
from contextlib import ExitStack
from pathlib import Path

from .processes import PYTHON, REPO_ROOT, free_port, static_server, stop_process, wait_for_port
from .services import MANAGE_CELERY, celery_worker_process, clean_env

OUTPUT = REPO_ROOT / "flaskcelery" / "output"
PAGE = "FLASKCELERYExample.html"


class TaskStack:
    def __init__(self, tmp_path: Path, **settings: str):
        self.dir = tmp_path
        self.api_port = free_port()
        self.env = clean_env(FLASKCELERY_INSTANCE=str(tmp_path / "instance"), **settings)
        self.exits = ExitStack()
        self.flask = None
        self.flask_starts = 0
        self.workers = []
        self.page_base = None

    @property
    def api_url(self) -> str:
        return f"http://localhost:{self.api_port}"

    def __enter__(self):
        base = self.exits.enter_context(static_server(OUTPUT, log_path=self.dir / "page.log"))
        self.page_base = base.replace("127.0.0.1", "localhost")
        self.env["CORS_ALLOWED_ORIGINS"] = self.page_base
        return self

    def __exit__(self, *exc_info):
        if self.flask is not None:
            stop_process(self.flask)
        self.exits.close()

    def page_url(self, server: str | None = None, **params) -> str:
        query = "&".join(f"{name}={value}" for name, value in params.items())
        return f"{self.page_base}/{PAGE}?server={server or self.api_url}" + (
            "&" + query if query else "")

    def start_flask(self) -> subprocess.Popen:
        """``manage_celery.py runserver`` on the stack's API port, once it listens."""
        self.flask_starts += 1
        log = open(self.dir / f"flask-{self.flask_starts}.log", "wb")
        self.flask = subprocess.Popen(
            [PYTHON, str(MANAGE_CELERY), "runserver", "--port", str(self.api_port)],
            env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env}, cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        log.close()
        wait_for_port(self.api_port, self.flask, 30)
        return self.flask

    def kill_flask(self) -> None:
        """SIGKILL the Flask server (no goodbye to its clients)."""
        os.killpg(self.flask.pid, signal.SIGKILL)
        self.flask.wait(10)
        self.flask = None

    def start_worker(self, *args: str):
        worker = self.exits.enter_context(celery_worker_process(
            self.env, "--concurrency=1", *args, log_dir=self.dir))
        self.workers.append(worker)
        return worker

    def wait_for_worker_log(self, text: str, timeout: float = 60.0) -> None:
        """Block until the newest worker's log holds ``text`` (e.g. ``"Task count_primes[ID]
        received"``): a condition on what it did, not on what a page shows."""
        deadline = time.monotonic() + timeout
        while text not in self.workers[-1].log():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{text!r} not in the worker's log within {timeout} s")
            time.sleep(0.05)

    def kill_worker(self) -> None:
        """SIGKILL the newest worker and its pool processes."""
        self.workers[-1].kill()
