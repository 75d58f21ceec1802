"""One-command demos: build the page if stale, serve it and the API on two origins, stop on
Ctrl-C.

The page (``output/``) and the API run on two ports, i.e. two origins, as in the original
setup (a web server for the page, Flask's server on localhost:5000), so the browser really
sends CORS preflights. ``python -m flaskcors`` and ``python -m flaskcelery`` are built of

* :func:`demo_argument_parser`, the options every demo takes;
* :func:`demo_apps`, the page app and the API app;
* :func:`serve_demo`, which runs both until SIGINT or SIGTERM (or, with ``--desktop``, until
  the desktop window is closed);
* :class:`WorkerProcess`, a Celery worker beside them;
* :class:`DesktopClient`, the page module run as a desktop window beside them.
"""

import argparse
import os
import signal
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

from flask_pyjamas.build.pyjsbuild import BuildError, build_if_stale
from flask_pyjamas.devtools.page_server import BackgroundServer, create_page_app, page_origins
from flask_pyjamas.settings import allowed_origins_from_environment


@contextmanager
def stop_signals():
    """Catch SIGINT (Ctrl-C) and SIGTERM for the ``with`` block: yields an Event they set.

    Entered before any server listens, so a signal that comes as soon as a port answers
    stops the demo cleanly instead of killing it; the previous handlers are restored after.
    """
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT,
                                                                          signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def wait_for(stop: threading.Event, until=None) -> None:
    """Block until ``stop`` is set, or until ``until()`` is true (checked every half second;
    the timeout also keeps the main thread responsive to signals)."""
    while not stop.wait(0.5):
        if until is not None and until():
            break


def demo_argument_parser(prog: str, description: str) -> argparse.ArgumentParser:
    """The options every demo takes: where to serve, and whether to build first."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--page-port", type=int, default=8000, help="page port (default 8000)")
    parser.add_argument("--api-port", type=int, default=5000, help="Flask port (default 5000)")
    parser.add_argument("--no-build", action="store_true", help="serve output/ as it is")
    parser.add_argument("--desktop", action="store_true",
                        help="also open the page as a desktop window (Tk; needs a display); "
                             "closing it stops the demo")
    return parser


def demo_apps(page: Path, args: argparse.Namespace, create_api_app, page_services=None):
    """Build the page module ``page`` if stale (unless ``--no-build``), then the page app
    (with ``page_services`` beside the page: see :func:`.create_page_app`) and the API app
    (``create_api_app(config)``), the API allowing the page's origins.

    Raises SystemExit with the reason when there is no client to serve.
    """
    prog = "python -m " + page.parent.name
    output = page.parent / "output"
    if not args.no_build:
        try:
            build_if_stale(page)
        except BuildError as exc:
            raise SystemExit(f"{prog}: the client build failed: {exc}") from None
    if not (output / "js" / (page.stem + ".js")).is_file():
        raise SystemExit(prog + ": no built client in output/ (run ./build.sh)")
    origins = allowed_api_origins(args.host, args.page_port)
    api_app = create_api_app(None if origins is None else {"CORS_ALLOWED_ORIGINS": origins})
    page_app = create_page_app(output, page_origins(args.host, args.page_port), page_services)
    return page_app, api_app


def serve_demo(page_app, api_app, host="127.0.0.1", page_port=8000, api_port=5000,
               page="index.html", extra_servers=(), stops="both", desktop=None,
               prog="demo") -> None:
    """Serve ``page_app`` on ``host:page_port`` and ``api_app`` on ``host:api_port``, print
    the URL to open, and stop both (and each of ``extra_servers``, objects with ``stop()``)
    on Ctrl-C or SIGTERM. ``desktop``: the page module (a path) to open as a desktop window
    too, on these servers; closing it stops the demo.

    An extra server with a ``failure()`` method (a :class:`WorkerProcess`) is watched: once
    it answers a reason (it died), everything is stopped and SystemExit is raised with
    ``prog: reason`` (exit status 1), rather than serving pages whose tasks nobody runs."""
    with stop_signals() as stop:
        servers = [BackgroundServer(page_app, host, page_port),
                   BackgroundServer(api_app, host, api_port)]
        for server in servers:
            server.start()
        print(demo_banner(host, page_port, api_port, page, stops), flush=True)
        clients = []
        failure = None
        try:
            if desktop is not None:
                clients.append(DesktopClient(desktop, host, page_port, api_port).start())
                print(f"Desktop window: {' '.join(clients[0].args)} "
                      f"(pid {clients[0].proc.pid})", flush=True)
            wait_for(stop, until=lambda: bool(clients and clients[0].closed()
                                              or failure_of(extra_servers)))
            failure = failure_of(extra_servers)
        finally:
            print("Stopping.", flush=True)
            stop_all([*clients, *servers, *extra_servers])
        if failure is not None:
            raise SystemExit(f"{prog}: {failure}")


def failure_of(servers) -> str | None:
    """The first reason one of ``servers`` gives for having failed (``failure()``), or None."""
    for server in servers:
        failure = server.failure() if hasattr(server, "failure") else None
        if failure is not None:
            return failure
    return None


def stop_all(servers) -> None:
    """Call every ``stop()`` at once: each waits up to half a second for its loop."""
    stoppers = [threading.Thread(target=server.stop) for server in servers]
    for stopper in stoppers:
        stopper.start()
    for stopper in stoppers:
        stopper.join()


def url_host(host: str) -> str:
    """The name a client on this machine uses for a server bound to ``host``."""
    return "localhost" if host in ("127.0.0.1", "localhost", "0.0.0.0", "::", "") else host


def demo_url(host: str, page_port: int, api_port: int, page: str = "index.html") -> str:
    """The page URL to open; ``?server=`` only when the API is not on localhost:5000."""
    name = url_host(host)
    url = f"http://{name}:{page_port}/{page}"
    if (name, api_port) != ("localhost", 5000):
        url += f"?server=http://{name}:{api_port}"
    return url


def demo_banner(host, page_port, api_port, page="index.html", stops="both") -> str:
    return (
        f"Page and same-origin echo service on http://{host}:{page_port}/\n"
        f"Flask JSON-RPC server on http://{host}:{api_port}/\n"
        f"Open {demo_url(host, page_port, api_port, page)}  (Ctrl-C stops {stops})"
    )


def allowed_api_origins(host: str, page_port: int) -> list[str] | None:
    """The API's allow-list: ``CORS_ALLOWED_ORIGINS`` from the environment if set (None: the
    app reads it), else the page's origins."""
    if allowed_origins_from_environment() is not None:
        return None
    return page_origins(host, page_port)


class WorkerProcess:
    """The demo's worker: a ``manage_celery.py celeryd`` child in its own process group, so
    that :meth:`stop` reaches its pool processes too and Ctrl-C in the terminal reaches only
    the demo."""

    def __init__(self, manage_celery: Path, worker_args):
        self.args = [sys.executable, str(manage_celery), "celeryd", *worker_args]
        self.proc = None

    def start(self) -> "WorkerProcess":
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, start_new_session=True)
        return self

    def failure(self) -> str | None:
        """Why the worker is gone, once it has exited (by itself, or killed), else None."""
        code = None if self.proc is None else self.proc.poll()
        if code is None:
            return None
        if code < 0:
            how = "was killed by " + signal.Signals(-code).name
        else:
            how = f"exited with status {code}"
        return (f"the Celery worker (pid {self.proc.pid}) {how}; without it no task would "
                "run (its output is above)")

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


class DesktopClient:
    """``python PAGE.py --server ... --page-server ...``: the page module as a desktop window
    (:mod:`pyjamas.desktop`) on the demo's servers, in a process of its own."""

    def __init__(self, page: Path, host: str, page_port: int, api_port: int):
        name = url_host(host)
        self.args = [sys.executable, str(page), "--server", f"http://{name}:{api_port}",
                     "--page-server", f"http://{name}:{page_port}"]
        self.proc = None

    def start(self) -> "DesktopClient":
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL)
        return self

    def closed(self) -> bool:
        """True once the window's process has ended (the user closed it, or it failed)."""
        return self.proc.poll() is not None

    def stop(self, timeout: float = 10.0) -> None:
        """Close the window (SIGTERM); SIGKILL after ``timeout`` seconds."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc.wait()
