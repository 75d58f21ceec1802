"""``python -m flaskcelery``: the whole Celery demo in one command, worker included.

Builds the client if ``output/`` is stale, then runs

* the page (``output/``, with the same-origin echo service) on 127.0.0.1:8000,
* the flaskcelery Flask app (``/json_echo/``, ``/json_echo_class``, ``/json_celery_class``)
  on 127.0.0.1:5000,
* one Celery worker process (``manage_celery.py celeryd``) on the configured broker: the
  embedded one unless the environment names another (see ``flask_source/celeryconfig.py``),

prints the URL to open, and stops all three on Ctrl-C or SIGTERM, the worker's own child
processes included. The serving is flaskcors's (:mod:`flaskcors.page_server`).
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

from flaskcelery.flask_source.FlaskEchoApp import create_app
from flaskcors.page_server import demo_apps, demo_argument_parser, serve_demo

EXAMPLE_DIR = Path(__file__).resolve().parent
MODULE = "FLASKCELERYExample"
MANAGE_CELERY = EXAMPLE_DIR / "flask_source" / "manage_celery.py"


class WorkerProcess:
    """A ``manage_celery.py celeryd`` child in its own process group, so that :meth:`stop`
    reaches the worker's pool processes too and Ctrl-C in the terminal reaches only us."""

    def __init__(self, worker_args):
        self.args = [sys.executable, str(MANAGE_CELERY), "celeryd", *worker_args]
        self.proc = None

    def start(self) -> "WorkerProcess":
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, start_new_session=True)
        return self

    def stop(self, timeout: float = 15.0) -> None:
        """Warm shutdown: SIGTERM to the worker, which finishes its running tasks and stops
        its pool processes (on the embedded broker this takes several seconds); then
        SIGKILL whatever of its process group is left after ``timeout`` seconds."""
        if self.proc is None or self.proc.returncode is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            print("flaskcelery: the worker did not stop in time; killing it", file=sys.stderr)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # pool processes left behind, if any
        except ProcessLookupError:
            pass
        self.proc.wait()


def parse_args(argv=None):
    parser = demo_argument_parser("python -m flaskcelery", __doc__.split("\n")[0])
    parser.add_argument("--concurrency", type=int, default=2,
                        help="task processes of the worker (default 2)")
    parser.add_argument("--loglevel", default="INFO", help="the worker's log level (default INFO)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    page_app, api_app = demo_apps(EXAMPLE_DIR, MODULE, args, create_app)
    worker = WorkerProcess([f"--loglevel={args.loglevel}", f"--concurrency={args.concurrency}",
                            "--hostname=flaskcelery-demo@%h"])
    # Until serve_demo waits for it, SIGTERM unwinds like Ctrl-C, so the worker is stopped.
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    print(f"Celery worker: {' '.join(worker.args)}", flush=True)
    worker.start()
    try:
        serve_demo(page_app, api_app, args.host, args.page_port, args.api_port,
                   page=MODULE + ".html", extra_servers=[worker], stops="all three")
    except KeyboardInterrupt:
        return 130
    finally:
        worker.stop()  # if serving failed or was interrupted (after a stop, does nothing)
    return 0


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
