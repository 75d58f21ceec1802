"""The development page server: a built page with its same-origin echo service.

* :func:`create_page_app` serves ``output/`` plus JSON-RPC services beside it (what the
  original's "Python Service" at ``services/EchoService.py`` was);
* :func:`page_origins` are the origins the page is reached from (for the API's allow-list);
* :class:`BackgroundServer` runs an app on a thread (the demos run two, :mod:`.demo`).

Every response carries :data:`SECURITY_HEADERS`: no MIME sniffing, and a Content-Security-
Policy the compiled pages satisfy (scripts, styles and images from the page's own origin
only, no inline code, no framing). For production, copy ``output/`` to Apache or nginx
instead (see the docs): the shipped configs send the same headers.

Only the folder's own files are served: no dotfiles (``.git``, ``.env``...), nothing a
symlink leads to outside the folder. The servers name no versions (:class:`QuietRequestHandler`).
"""

import threading
from pathlib import Path

from flask import Flask, Response, abort, send_from_directory
from werkzeug.serving import WSGIRequestHandler, make_server

from flask_pyjamas.web.extension import JSONRPC
from flask_pyjamas.web.views import rpc_view

# connect-src allows any http(s) origin: the page calls the JSON-RPC server that its
# ``?server=`` names, which can be anywhere; everything else is the page's own origin.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self' http: https:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
])
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
}


def page_origins(host: str, port: int) -> list[str]:
    """The origins a page served on ``host:port`` has: localhost and 127.0.0.1 are the same
    machine but two origins to a browser."""
    names = ["localhost", "127.0.0.1"]
    if host not in names and host not in ("0.0.0.0", "::", ""):
        names.append(host)
    return [f"http://{name}:{port}" for name in names]


def create_page_app(output_dir, origins, services=None) -> Flask:
    """A Flask app serving the static files of ``output_dir`` and, at each path of
    ``services`` (a dict: path -> :class:`~flask_pyjamas.MethodRegistry`, e.g.
    ``{"/services/EchoService.py": echo_methods}``), a JSON-RPC endpoint. ``origins`` are the
    page's own origins: a browser sends ``Origin`` with a
    same-origin POST too, and the JSON-RPC endpoints refuse origins not listed."""
    output_dir = Path(output_dir).resolve()
    app = Flask(__name__, static_folder=None)
    app.config["CORS_ALLOWED_ORIGINS"] = list(origins)
    JSONRPC(app)
    app.after_request(_add_security_headers)

    for path, registry in (services or {}).items():
        app.add_url_rule(
            path,
            endpoint="rpc:" + path,
            view_func=rpc_view(registry),
            methods=["POST", "OPTIONS"],
            provide_automatic_options=False,
        )

    @app.get("/", defaults={"filename": "index.html"})
    @app.get("/<path:filename>")
    def static_file(filename):
        if not is_servable(output_dir, filename):
            abort(404)
        # max_age=0: a rebuilt client is picked up on the next reload
        return send_from_directory(output_dir, filename, max_age=0)

    return app


def is_servable(folder: Path, filename: str) -> bool:
    """True if ``filename`` (a URL path below ``folder``, an absolute, resolved path) names
    none of the folder's dotfiles and leads to nothing outside it, through symlinks neither.

    >>> folder = Path("/srv/output")
    >>> [is_servable(folder, name) for name in ("js/page.js", ".env", "js/.git/config")]
    [True, False, False]
    """
    if any(part.startswith(".") for part in filename.replace("\\", "/").split("/")):
        return False
    return (folder / filename).resolve().is_relative_to(folder)


def _add_security_headers(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's request handler, naming no versions: ``Server: Werkzeug`` (Werkzeug's own
    says ``Werkzeug/3.1.3 Python/3.13.5``, a free hint at which known holes to try). For
    ``app.run(..., request_handler=QuietRequestHandler)`` and :class:`BackgroundServer`."""

    def version_string(self) -> str:
        return "Werkzeug"


class BackgroundServer:
    """A threaded Werkzeug server for ``app`` on ``host:port``, run on a daemon thread."""

    def __init__(self, app, host: str, port: int):
        self.server = make_server(host, port, app, threaded=True,
                                  request_handler=QuietRequestHandler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "BackgroundServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(10)
        self.server.server_close()


