"""``python -m flaskcelery``: the whole Celery demo in one command, worker included.

Builds the client if ``output/`` is stale, then runs

* the page (``output/``, with the same-origin echo service) on 127.0.0.1:8000,
* the flaskcelery Flask app (``/json_echo/``, ``/json_echo_class``, ``/json_celery_class``)
  on 127.0.0.1:5000,
* one Celery worker process (``manage_celery.py celeryd``) on the configured broker: the
  embedded one unless the environment names another (see ``flask_source/celeryconfig.py``),

prints the URL to open, and stops all three on Ctrl-C or SIGTERM, the worker's own child
processes included. If the worker dies, the demo stops too, with a line saying so (exit
status 1): a page whose tasks no worker runs would wait for ever.
"""

import signal
import sys
from pathlib import Path

from flask_pyjamas.devtools.demo import WorkerProcess, demo_apps, demo_argument_parser, serve_demo

from .flask_source.echo_methods import echo_methods
from .flask_source.FlaskEchoApp import create_app

EXAMPLE_DIR = Path(__file__).resolve().parent
# the page's same-origin "Python Service", as the original's mod_python one
PAGE_SERVICES = {"/services/EchoService.py": echo_methods}
PAGE = EXAMPLE_DIR / "FLASKCELERYExample.py"
MANAGE_CELERY = EXAMPLE_DIR / "flask_source" / "manage_celery.py"


def parse_args(argv=None):
    parser = demo_argument_parser("python -m flaskcelery", __doc__.split("\n")[0])
    parser.add_argument("--concurrency", type=int, default=2,
                        help="task processes of the worker (default 2)")
    parser.add_argument("--loglevel", default="INFO", help="the worker's log level (default INFO)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    page_app, api_app = demo_apps(PAGE, args, create_app, PAGE_SERVICES)
    worker = WorkerProcess(MANAGE_CELERY, [f"--loglevel={args.loglevel}",
                                           f"--concurrency={args.concurrency}",
                                           "--hostname=flaskcelery-demo@%h"])
    # Until serve_demo waits for it, SIGTERM unwinds like Ctrl-C, so the worker is stopped.
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    print(f"Celery worker: {' '.join(worker.args)}", flush=True)
    worker.start()
    try:
        serve_demo(page_app, api_app, args.host, args.page_port, args.api_port,
                   page=PAGE.stem + ".html", extra_servers=[worker], stops="all three",
                   desktop=PAGE if args.desktop else None, prog="python -m flaskcelery")
    except KeyboardInterrupt:
        return 130
    finally:
        worker.stop()  # if serving failed or was interrupted (after a stop, does nothing)
    return 0


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
