"""Serving a demo: the built page with its same-origin echo service, and the Flask API app.

The page (``output/``) and the API run on two ports, i.e. two origins, as in the original
setup (a web server for the page, Flask's server on localhost:5000), so the browser really
sends CORS preflights. ``flaskcelery`` reuses all of this:

* :func:`build_if_stale` rebuilds ``output/`` when a client source is newer;
* :func:`create_page_app` serves ``output/`` plus JSON-RPC services beside it (what the
  original's "Python Service" at ``services/EchoService.py`` was);
* :func:`page_origins` are the origins the page is reached from (for the API's allow-list);
* :func:`demo_argument_parser` and :func:`demo_apps` are the command line and set-up that
  ``python -m flaskcors`` and ``python -m flaskcelery`` share;
* :func:`serve_demo` runs the page and API apps until SIGINT or SIGTERM.
"""

import argparse
import os
import signal
import subprocess
import threading
from pathlib import Path

from flask import Flask, request, send_from_directory
from werkzeug.serving import make_server

from flaskcors.public.services.flask_example.echo_methods import echo_methods
from flaskcors.public.services.flask_example.rpc_http import (
    init_rpc_app,
    preflight_response,
    rpc_post_response,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
BUILD_SCRIPT = REPO_ROOT / "scripts" / "build-client.sh"


def _newest_mtime(paths) -> float:
    return max((p.stat().st_mtime for p in paths if p.is_file()), default=0.0)


def client_sources(example_dir: Path) -> list[Path]:
    """What a client build reads: pyjamas/ (modules and stylesheet), the example's modules,
    its public/ (not the server code under public/services/), and every module the last
    build compiled (e.g. flaskcelery's page imports flaskcors's)."""
    public = example_dir / "public"
    return [
        *(REPO_ROOT / "pyjamas").rglob("*.py"),
        *(REPO_ROOT / "pyjamas" / "public").iterdir(),
        *example_dir.glob("*.py"),
        *(p for p in public.rglob("*") if "services" not in p.relative_to(public).parts),
        *compiled_modules(example_dir),
    ]


def compiled_modules(example_dir: Path) -> list[Path]:
    """The Python files behind ``output/js/<dotted.name>.js``, found as Transcrypt finds
    them: beside the example's module, then from the repository root."""
    found = []
    for js in (example_dir / "output" / "js").glob("*.js"):
        parts = js.name[: -len(".js")].split(".")
        for base in (example_dir, REPO_ROOT):
            candidate = base.joinpath(*parts[:-1], parts[-1] + ".py")
            if candidate.is_file():
                found.append(candidate)
                break
    return found


def is_stale(example_dir, module: str) -> bool:
    """True if ``output/`` is missing or older than a client source."""
    example_dir = Path(example_dir)
    built = example_dir / "output" / "js" / (module + ".js")
    if not built.is_file():
        return True
    return _newest_mtime(client_sources(example_dir)) > built.stat().st_mtime


def build_if_stale(example_dir, module: str) -> bool:
    """Run ``scripts/build-client.sh`` if :func:`is_stale`; True if it built. A failed build
    raises ``subprocess.CalledProcessError`` (the compiler's message is on stderr)."""
    if not is_stale(example_dir, module):
        return False
    subprocess.run(["bash", str(BUILD_SCRIPT), str(example_dir), module], check=True)
    return True


def page_origins(host: str, port: int) -> list[str]:
    """The origins a page served on ``host:port`` has: localhost and 127.0.0.1 are the same
    machine but two origins to a browser."""
    names = ["localhost", "127.0.0.1"]
    if host not in names and host not in ("0.0.0.0", "::", ""):
        names.append(host)
    return [f"http://{name}:{port}" for name in names]


def create_page_app(output_dir, origins, services=None) -> Flask:
    """A Flask app serving the static files of ``output_dir`` and, at each path of
    ``services`` (default: ``/services/EchoService.py`` -> the echo methods), a JSON-RPC
    endpoint. ``origins`` are the page's own origins: a browser sends ``Origin`` with a
    same-origin POST too, and the JSON-RPC endpoints refuse origins not listed."""
    output_dir = Path(output_dir).resolve()
    if services is None:
        services = {"/services/EchoService.py": echo_methods}
    app = Flask(__name__, static_folder=None)
    init_rpc_app(app, {"CORS_ALLOWED_ORIGINS": list(origins)})

    for path, registry in services.items():
        app.add_url_rule(
            path,
            endpoint="rpc:" + path,
            view_func=_rpc_view(registry),
            methods=["POST", "OPTIONS"],
            provide_automatic_options=False,
        )

    @app.get("/", defaults={"filename": "index.html"})
    @app.get("/<path:filename>")
    def static_file(filename):
        # max_age=0: a rebuilt client is picked up on the next reload
        return send_from_directory(output_dir, filename, max_age=0)

    return app


def _rpc_view(registry):
    def view():
        if request.method == "OPTIONS":
            return preflight_response()
        return rpc_post_response(registry)

    return view


class BackgroundServer:
    """A threaded Werkzeug server for ``app`` on ``host:port``, run on a daemon thread."""

    def __init__(self, app, host: str, port: int):
        self.server = make_server(host, port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "BackgroundServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(10)
        self.server.server_close()


def wait_for_stop_signal() -> None:
    """Block until SIGINT (Ctrl-C) or SIGTERM; then restore the previous handlers."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT,
                                                                          signal.SIGTERM)}
    try:
        while not stop.wait(0.5):  # a timeout keeps the main thread responsive to signals
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def demo_argument_parser(prog: str, description: str) -> argparse.ArgumentParser:
    """The options every demo takes: where to serve, and whether to build first."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--page-port", type=int, default=8000, help="page port (default 8000)")
    parser.add_argument("--api-port", type=int, default=5000, help="Flask port (default 5000)")
    parser.add_argument("--no-build", action="store_true", help="serve output/ as it is")
    return parser


def demo_apps(example_dir: Path, module: str, args: argparse.Namespace, create_api_app):
    """Build the client if stale (unless ``--no-build``), then the page app and the API app
    (``create_api_app(config)``), the API allowing the page's origins.

    Raises SystemExit with the reason when there is no client to serve.
    """
    prog = "python -m " + example_dir.name
    if not args.no_build:
        try:
            build_if_stale(example_dir, module)
        except subprocess.CalledProcessError:
            raise SystemExit(prog + ": the client build failed (see above)") from None
    if not (example_dir / "output" / "js" / (module + ".js")).is_file():
        raise SystemExit(prog + ": no built client in output/ (run ./build.sh)")
    origins = allowed_api_origins(args.host, args.page_port)
    api_app = create_api_app(None if origins is None else {"CORS_ALLOWED_ORIGINS": origins})
    page_app = create_page_app(example_dir / "output", page_origins(args.host, args.page_port))
    return page_app, api_app


def serve_demo(page_app, api_app, host="127.0.0.1", page_port=8000, api_port=5000,
               page="index.html", extra_servers=(), stops="both") -> None:
    """Serve ``page_app`` on ``host:page_port`` and ``api_app`` on ``host:api_port``, print
    the URL to open, and stop both (and each of ``extra_servers``, objects with ``stop()``)
    on Ctrl-C or SIGTERM."""
    servers = [BackgroundServer(page_app, host, page_port), BackgroundServer(api_app, host,
                                                                             api_port)]
    for server in servers:
        server.start()
    print(demo_banner(host, page_port, api_port, page, stops), flush=True)
    try:
        wait_for_stop_signal()
    finally:
        print("Stopping.", flush=True)
        stop_all([*servers, *extra_servers])


def stop_all(servers) -> None:
    """Call every ``stop()`` at once: each waits up to half a second for its loop."""
    stoppers = [threading.Thread(target=server.stop) for server in servers]
    for stopper in stoppers:
        stopper.start()
    for stopper in stoppers:
        stopper.join()


def demo_url(host: str, page_port: int, api_port: int, page: str = "index.html") -> str:
    """The page URL to open; ``?server=`` only when the API is not on localhost:5000."""
    name = "localhost" if host in ("127.0.0.1", "localhost", "0.0.0.0", "::", "") else host
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
    if os.environ.get("CORS_ALLOWED_ORIGINS"):
        return None
    return page_origins(host, page_port)
