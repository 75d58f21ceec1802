"""The shipped nginx and Apache sites under attack, served by the real servers.

* both send the development page server's security headers (CSP, ``nosniff``): one source,
  :data:`flask_pyjamas.devtools.page_server.SECURITY_HEADERS`;
* the built pages, opened in Chromium with a hostile ``?server=`` (markup in the URL) from
  nginx, Apache and the development page server, show
  it as text: no ``<img>`` is injected, no script runs;
* slowloris: connections that send one partial header line are cut off after the configs'
  header timeout (10 s), while a normal request through the proxy to the production
  gunicorn still passes meanwhile.
"""

import re
import socket
import time
from pathlib import Path

import pytest

from flask_pyjamas.devtools.page_server import SECURITY_HEADERS
from tests.e2e.test_docs import (
    APACHE,
    DEPLOY,
    NGINX,
    http,
    site_command,
    site_root,  # noqa: F401  (a fixture)
)
from tests.support.browser import run_demo
from tests.support.processes import REPO_ROOT, free_port, gunicorn, require, running
from tests.support.raw_http import exchange
from tests.support.services import clean_env

HEADER_TIMEOUT = 10  # s: client_header_timeout / RequestReadTimeout header=10-20 of the configs
SLOW_CLIENTS = 100
HOSTILE_SERVER = "http%3A//x/%3Cimg%20src%3Dx%20onerror%3D%22window.pwned%3D1%22%3E"
PAGES = {"flaskcors": "Flask_JSONRPC_CORS.html", "flaskcelery": "FLASKCELERYExample.html"}


def config_headers(config: Path) -> dict:
    """The response headers a site config sets: nginx ``add_header``, Apache ``Header``."""
    text = config.read_text()
    pairs = re.findall(r'^\s*add_header\s+(\S+)\s+"([^"]*)"\s+always;', text, re.MULTILINE)
    pairs += re.findall(r'^\s*Header\s+always\s+set\s+(\S+)\s+"([^"]*)"', text, re.MULTILINE)
    return dict(pairs)


@pytest.mark.parametrize("config", ["nginx-flaskexamples.conf", "apache-flaskexamples.conf"])
def test_the_configs_send_the_page_servers_headers(config):
    assert config_headers(DEPLOY / config) == SECURITY_HEADERS


@pytest.fixture(params=["nginx", "apache"])
def site(request, tmp_path, site_root):  # noqa: F811
    """The shipped site config of nginx or Apache, as installed here, in front of the
    production gunicorn (the flaskcelery app on the embedded broker): ``(base URL, origin)``."""
    require((site_root / "flaskcors" / PAGES["flaskcors"]).is_file(),
            "the pages are not built (./build.sh)")
    server = request.param
    require((NGINX if server == "nginx" else APACHE) is not None, f"{server} is not installed")
    site_port = free_port()
    origin = f"http://localhost:{site_port}"
    instance = tmp_path / "instance"
    env = clean_env(FLASKCELERY_INSTANCE=str(instance), CORS_ALLOWED_ORIGINS=origin)
    with gunicorn("flaskcelery.flask_source.FlaskEchoApp:create_app()", production=True,
                  env=env, log_path=tmp_path / "gunicorn.log", chdir=REPO_ROOT) as (api, _):
        api_port = int(api.rsplit(":", 1)[1])
        args = site_command(server, tmp_path, site_port, api_port, site_root)
        with running(args, port=site_port, log_path=tmp_path / f"{server}.out"):
            yield f"http://127.0.0.1:{site_port}", origin


@pytest.mark.browser
@pytest.mark.parametrize("example", ["flaskcors", "flaskcelery"])
def test_markup_in_the_url_is_shown_as_text(page, site, example, request):
    base, _ = site
    response = page.goto(f"{base}/{example}/{PAGES[example]}?server={HOSTILE_SERVER}")
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name.lower()] == value
    if request.node.callspec.params["site"] == "nginx":  # server_tokens off: no version
        assert response.headers["server"] == "nginx"
    page.wait_for_selector("#send-flask-view")
    label = page.text_content("#send-flask-view")
    assert label == 'Send to Flask view function (x/<img src=x onerror="window.pwned=1">)'
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert page.evaluate("window.pwned") is None


@pytest.mark.browser
@pytest.mark.parametrize("example", ["flaskcors", "flaskcelery"])
def test_markup_in_the_url_is_text_on_the_development_page_server(page, tmp_path, example):
    env = clean_env(FLASKCELERY_INSTANCE=str(tmp_path / "instance"))
    with run_demo(example, env=env, log_path=tmp_path / "demo.log") as demo:
        page.goto(demo.url(PAGES[example], server=HOSTILE_SERVER))
        page.wait_for_selector("#send-flask-view")
        assert page.text_content("#send-flask-view") == (
            'Send to Flask view function (x/<img src=x onerror="window.pwned=1">)')
        assert page.evaluate("document.querySelectorAll('img').length") == 0
        assert page.evaluate("window.pwned") is None


def send_partial_header(port: int) -> socket.socket:
    """A slowloris connection: a request line and one unfinished header line, then nothing."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(b"GET /flaskcors/ HTTP/1.1\r\nHost: localhost\r\nX-Slow: a")
    return sock


def closed_by_server(sock: socket.socket, deadline: float) -> bytes:
    """Read until the server closes the connection (what it sent first, if anything)."""
    received = b""
    sock.settimeout(max(0.1, deadline - time.monotonic()))
    try:
        while chunk := sock.recv(4096):
            received += chunk
    except ConnectionResetError:
        pass
    except TimeoutError:
        return b"still open at the deadline"
    return received


def test_slow_headers_are_cut_off_and_others_still_served(site):
    base, origin = site
    port = int(base.rsplit(":", 1)[1])
    started = time.monotonic()
    slow = [send_partial_header(port) for _ in range(SLOW_CLIENTS)]
    try:
        # meanwhile: a page and a JSON-RPC call through the proxy to gunicorn pass
        status, _, _ = http("GET", base + "/flaskcors/" + PAGES["flaskcors"])
        assert status == 200
        rpc = b'{"jsonrpc": "2.0", "id": 1, "method": "reverse", "params": ["abc"]}'
        status, _, body = http("POST", base + "/json_echo/", rpc,
                               {"Origin": origin, "Content-Type": "application/json"})
        assert (status, body) == (200, b'{"jsonrpc":"2.0","id":1,"result":"cba"}')
        assert time.monotonic() - started < HEADER_TIMEOUT  # answered while they are held
        answers = [closed_by_server(sock, started + 3 * HEADER_TIMEOUT) for sock in slow]
        cut_off_after = time.monotonic() - started
    finally:
        for sock in slow:
            sock.close()
    assert HEADER_TIMEOUT - 1 <= cut_off_after < 3 * HEADER_TIMEOUT
    # nginx closes without a word; Apache answers 408 first
    assert {answer.split(b"\r\n", 1)[0] for answer in answers} <= {b"", b"HTTP/1.1 408 "
                                                                    b"Request Timeout"}


# What answers a request over the servers' limits, through each proxy (docs/flaskcelery.rst,
# "Production": the table there): the proxy, or gunicorn's own HTML page when the proxy
# passes the request on. None carries CORS headers: a page sees a failed request.
OVERSIZED = {
    "101 headers": b"GET /json_echo/ HTTP/1.1\r\nHost: localhost\r\n"
                   + b"".join(b"X-H%d: a\r\n" % i for i in range(101)) + b"\r\n",
    "a 9,000-byte header": b"GET /json_echo/ HTTP/1.1\r\nHost: localhost\r\nX-Big: "
                           + b"a" * 9000 + b"\r\n\r\n",
    "a 4,095-byte request line": b"GET /json_echo/?" + b"a" * (4095 - 25)
                                 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n",
}
ANSWERED_BY = {  # (status, who answers) through each proxy
    "nginx": {"101 headers": (431, "gunicorn"), "a 9,000-byte header": (400, "nginx"),
              "a 4,095-byte request line": (414, "gunicorn")},
    "apache": {"101 headers": (400, "Apache"), "a 9,000-byte header": (400, "Apache"),
               "a 4,095-byte request line": (414, "gunicorn")},
}


def test_oversized_requests_are_answered_as_documented(site, request):
    base, _ = site
    port = int(base.rsplit(":", 1)[1])
    proxy = request.node.callspec.params["site"]
    for case, raw in OVERSIZED.items():
        reply = exchange(port, raw)
        status, who = ANSWERED_BY[proxy][case]
        assert reply.status == status, (case, reply.status, reply.body[:200])
        assert "access-control-allow-origin" not in {k.lower() for k in reply.headers}
        assert PAGE_MARKS[who] in reply.body, (case, reply.body)


PAGE_MARKS = {"gunicorn": b"<h1><p>", "nginx": b"<center>nginx</center>",
              "Apache": b"Your browser sent a request that this server could not understand"}


def test_the_oversized_request_line_is_4095_bytes():
    line = OVERSIZED["a 4,095-byte request line"].split(b"\r\n", 1)[0]
    assert len(line) == 4095
