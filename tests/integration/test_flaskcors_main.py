"""``python -m flaskcors`` as a user runs it, and the library's demo and build helpers."""

import os
import re
import signal
import subprocess
import urllib.error
import urllib.request

import pytest

from flask_pyjamas.build import pyjsbuild as page_build
from flask_pyjamas.build.pyjsbuild import BuildError, build_if_stale, is_stale
from flask_pyjamas.devtools.demo import demo_url
from flask_pyjamas.devtools.page_server import create_page_app, page_origins
from tests.support.echo import echo_methods
from tests.support.processes import (
    PYTHON,
    REPO_ROOT,
    free_port,
    read_log,
    wait_for_output,
    wait_for_port,
)
from tests.support.rpc import RpcClient

EXAMPLE_DIR = REPO_ROOT / "flaskcors"
MODULE = "Flask_JSONRPC_CORS"
PAGE = EXAMPLE_DIR / (MODULE + ".py")


def rpc(url, method, params, origin):
    """One call from ``origin``: (status, headers, parsed body)."""
    with RpcClient(url, origin) as client:
        reply = client.send(client.request(method, params))
    return reply.status, reply.headers, reply.body


def get(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers.get_content_type(), response.read()


@pytest.fixture(scope="module")
def built():
    build_if_stale(PAGE)


def start(tmp_path, *args, env=None):
    """``python -m flaskcors --no-build ...`` on free ports: (process, page, api, log)."""
    page, api = free_port(), free_port()
    log = tmp_path / "demo.log"
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", "CORS_ALLOWED_ORIGINS": "", **(env or {})}
    process = subprocess.Popen(
        [PYTHON, "-m", "flaskcors", "--no-build", "--page-port", str(page), "--api-port",
         str(api), *args],
        cwd=REPO_ROOT, env=full_env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True)
    wait_for_port(page, process)
    wait_for_port(api, process)
    wait_for_output(log, "Open http", process)  # the banner comes once both ports listen
    return process, page, api, log


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_demo_serves_page_services_and_api_then_stops(built, tmp_path, stop_signal):
    process, page, api, log = start(tmp_path)
    try:
        origin = f"http://localhost:{page}"
        assert f"Open http://localhost:{page}/{MODULE}.html?server=http://localhost:{api}" \
            in read_log(log)
        status, kind, body = get(f"http://127.0.0.1:{page}/")
        assert (status, kind) == (200, "text/html") and b"Flask_JSONRPC_CORS.html" in body
        status, kind, _ = get(f"http://127.0.0.1:{page}/js/{MODULE}.js")
        assert (status, kind) == (200, "text/javascript")
        # the same-origin "Python Service"
        status, _, reply = rpc(f"http://127.0.0.1:{page}/services/EchoService.py", "reverse",
                               ["abc"], origin)
        assert (status, reply["result"]) == (200, "cba")
        # the Flask app allows the page's origins (no CORS_ALLOWED_ORIGINS in the environment)
        status, headers, reply = rpc(f"http://127.0.0.1:{api}/json_echo/", "uppercase", ["a"],
                                     origin)
        assert (status, reply["result"]) == (200, "A")
        assert headers["Access-Control-Allow-Origin"] == origin
        status, headers, _ = rpc(f"http://127.0.0.1:{api}/json_echo_class", "echo", ["a"],
                                 "http://elsewhere.example")
        assert status == 403 and "Access-Control-Allow-Origin" not in headers
    finally:
        os.killpg(process.pid, stop_signal)
        assert process.wait(10) == 0
    assert "Stopping." in read_log(log)
    for port in (page, api):  # both really closed
        with pytest.raises(OSError):
            get(f"http://127.0.0.1:{port}/")


def test_the_environment_sets_the_api_allow_list(built, tmp_path):
    process, page, api, _ = start(tmp_path, env={"CORS_ALLOWED_ORIGINS": "http://other.example"})
    try:
        status, _, _ = rpc(f"http://127.0.0.1:{api}/json_echo/", "echo", ["a"],
                           f"http://localhost:{page}")
        assert status == 403
        status, _, reply = rpc(f"http://127.0.0.1:{api}/json_echo/", "echo", ["a"],
                               "http://other.example")
        assert (status, reply["result"]) == (200, "a")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(10)


def test_missing_output_is_an_error_not_a_blank_page(tmp_path, monkeypatch):
    (tmp_path / "public").mkdir()
    monkeypatch.setattr("flaskcors.__main__.PAGE", tmp_path / "App.py")
    from flaskcors.__main__ import main

    with pytest.raises(SystemExit, match="no built client in output/"):
        main(["--no-build"])


def test_page_app_refuses_other_origins_and_serves_files(tmp_path):
    (tmp_path / "index.html").write_text("<p>index</p>")
    app = create_page_app(tmp_path, page_origins("127.0.0.1", 8123),
                          {"/services/EchoService.py": echo_methods})
    client = app.test_client()
    assert client.get("/").data == b"<p>index</p>"
    assert client.get("/missing.js").status_code == 404
    call = {"jsonrpc": "2.0", "id": 1, "method": "echo", "params": ["x"]}
    ok = client.post("/services/EchoService.py", json=call,
                     headers={"Origin": "http://127.0.0.1:8123"})
    assert ok.get_json()["result"] == "x"
    refused = client.post("/services/EchoService.py", json=call,
                          headers={"Origin": "http://localhost:5000"})
    assert refused.status_code == 403
    preflight = client.options("/services/EchoService.py",
                               headers={"Origin": "http://localhost:8123",
                                        "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204


def test_page_origins_and_demo_url():
    assert page_origins("127.0.0.1", 8000) == ["http://localhost:8000", "http://127.0.0.1:8000"]
    assert page_origins("demo.lan", 80)[-1] == "http://demo.lan:80"
    assert demo_url("127.0.0.1", 8000, 5000, "P.html") == "http://localhost:8000/P.html"
    assert demo_url("127.0.0.1", 8000, 5001) == \
        "http://localhost:8000/index.html?server=http://localhost:5001"


def make_example(tmp_path):
    """A page module ``ex/App.py`` with its ``public/``; returns the module's path."""
    example = tmp_path / "ex"
    (example / "public" / "services").mkdir(parents=True)
    (example / "public" / "App.html").write_text("<html></html>")
    (example / "App.py").write_text("x = 1\n")
    return example / "App.py"


def test_build_if_stale_builds_only_when_a_source_is_newer(tmp_path):
    page = make_example(tmp_path)
    example = page.parent
    assert is_stale(page)
    assert build_if_stale(page) is True
    built_js = example / "output" / "js" / "App.js"
    assert not is_stale(page)
    assert build_if_stale(page) is False
    later = built_js.stat().st_mtime + 5
    server_code = example / "public" / "services" / "server.py"
    server_code.write_text("y = 2\n")
    os.utime(server_code, (later, later))
    assert not is_stale(page)  # server code is not a client source
    for source in (page, example / "public" / "App.html"):
        os.utime(source, (later, later))
        assert is_stale(page)
        assert build_if_stale(page) is True
        later = built_js.stat().st_mtime + 5


def test_build_failure_raises(tmp_path):
    page = make_example(tmp_path)
    page.write_text("def broken(:\n")
    with pytest.raises(BuildError, match="Transcrypt failed"):
        build_if_stale(page)


def test_client_sources_are_pyjamas_the_modules_and_public_without_services(tmp_path):
    sources = page_build.client_sources(make_example(tmp_path))
    assert REPO_ROOT / "pyjamas" / "JSONService.py" in sources
    assert not [s for s in sources if re.search(r"/services(/|$)", str(s))]


def test_modules_a_build_compiled_are_sources_too(tmp_path):
    page = make_example(tmp_path)
    example = page.parent
    page.write_text("from flask_pyjamas.client.page_url import server_name\n"
                    "from helpers.text import shout\n")
    (example / "helpers").mkdir()
    (example / "helpers" / "text.py").write_text("def shout(t):\n    return t.upper()\n")
    build_if_stale(page)
    modules = set(page_build.compiled_modules(page))
    assert {page, example / "helpers" / "text.py",
            REPO_ROOT / "flask_pyjamas" / "client" / "page_url.py",
            REPO_ROOT / "pyjamas" / "Window.py"} <= modules
    later = (example / "output" / "js" / "App.js").stat().st_mtime + 5
    os.utime(example / "helpers" / "text.py", (later, later))
    assert is_stale(page)


def test_help_runs():
    result = subprocess.run([PYTHON, "-m", "flaskcors", "--help"], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    for option in ("--host", "--page-port", "--api-port", "--no-build"):
        assert option in result.stdout
