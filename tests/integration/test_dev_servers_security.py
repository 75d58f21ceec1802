"""The development servers give away nothing beyond the pages and the API.

* the page server (a real process on a folder with planted files) serves no dotfiles and
  nothing outside its folder, whatever the spelling of the path or a symlink says;
* no server of the development commands names its versions: the page server and the API of
  ``python -m flaskcors``, ``run_flask_server.py`` and ``manage_celery.py runserver`` answer
  ``Server: Werkzeug``, on a good request and on a malformed one.
"""

import sys

import pytest

from tests.e2e.test_docs import http
from tests.support.browser import run_demo
from tests.support.processes import PYTHON, REPO_ROOT, free_port, running
from tests.support.raw_http import exchange
from tests.support.services import clean_env

SERVE_FOLDER = """
import sys, threading
from flask_pyjamas.devtools.page_server import BackgroundServer, create_page_app, page_origins
port = int(sys.argv[2])
server = BackgroundServer(create_page_app(sys.argv[1], page_origins("127.0.0.1", port)),
                          "127.0.0.1", port)
server.server.serve_forever()
"""


@pytest.fixture(scope="module")
def planted_page_server(tmp_path_factory):
    """The page server on a folder holding a page, dotfiles, and symlinks in and out."""
    top = tmp_path_factory.mktemp("planted")
    secret = top / "secret.txt"
    secret.write_text("outside the folder")
    (top / "secret-dir").mkdir()
    (top / "secret-dir" / "key").write_text("outside too")
    output = top / "output"
    (output / "js").mkdir(parents=True)
    (output / "index.html").write_text("<!DOCTYPE html><title>page</title>")
    (output / "js" / "page.js").write_text("export const x = 1;\n")
    (output / ".env").write_text("SECRET=1")
    (output / ".git").mkdir()
    (output / ".git" / "config").write_text("[core]")
    (output / "js" / ".hidden.js").write_text("HIDDEN CONTENT")
    (output / "leak.txt").symlink_to(secret)
    (output / "leak-dir").symlink_to(top / "secret-dir")
    (output / "inside.js").symlink_to(output / "js" / "page.js")  # stays in: served
    assert (output / "leak.txt").read_text() == "outside the folder"  # the bait is real
    port = free_port()
    with running([PYTHON, "-c", SERVE_FOLDER, output, port], port=port,
                 log_path=top / "server.log"):
        yield f"http://127.0.0.1:{port}", port


@pytest.mark.parametrize("path", ["/", "/index.html", "/js/page.js", "/inside.js"])
def test_the_folders_files_are_served(planted_page_server, path):
    base, _ = planted_page_server
    status, headers, _ = http("GET", base + path)
    assert status == 200
    assert headers["Server"] == "Werkzeug"


@pytest.mark.parametrize("path", [
    "/.env", "/%2eenv", "/.git/config", "/js/.hidden.js", "/js/%2Ehidden.js",
    "/leak.txt", "/leak-dir/key", "/js/../.env", "/js/..%2f.env", "/..%2fsecret.txt",
])
def test_dotfiles_and_what_symlinks_lead_out_to_are_not_served(planted_page_server, path):
    base, port = planted_page_server
    # raw bytes: a client library would normalise the dots away before sending
    reply = exchange(port, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           "Connection: close\r\n\r\n".encode())
    assert reply.status in (404, 400), (path, reply.status)
    assert b"SECRET" not in reply.body and b"outside" not in reply.body
    assert b"[core]" not in reply.body and b"HIDDEN CONTENT" not in reply.body


def assert_no_versions(port: int, path: str = "/") -> None:
    good = exchange(port, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Connection: close\r\n\r\n".encode())
    # answered by http.server's own error page, before Flask sees it
    bad = exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n")
    for reply in (good, bad):
        assert reply.headers["server"] == "Werkzeug", reply.headers
    assert bad.status == 431
    assert sys.version.split()[0].encode() not in bad.body


def test_the_demo_names_no_versions(tmp_path):
    with run_demo("flaskcors", log_path=tmp_path / "demo.log") as demo:
        assert_no_versions(demo.page_port)
        assert_no_versions(demo.api_port, "/json_echo/")


def test_run_flask_server_names_no_versions(tmp_path):
    port = free_port()
    server = REPO_ROOT / "flaskcors/public/services/flask_example/run_flask_server.py"
    with running([PYTHON, server, "--port", port], port=port, log_path=tmp_path / "log"):
        assert_no_versions(port, "/json_echo/")


def test_runserver_names_no_versions(tmp_path):
    port = free_port()
    env = clean_env(FLASKCELERY_INSTANCE=str(tmp_path / "instance"))
    manage = REPO_ROOT / "flaskcelery/flask_source/manage_celery.py"
    with running([PYTHON, manage, "runserver", "--port", port], port=port, env=env,
                 log_path=tmp_path / "log"):
        assert_no_versions(port, "/json_celery_class")

