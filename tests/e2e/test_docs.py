"""The documentation cannot drift from the code.

* ``sphinx-build -W -b html`` builds it with no warning (autodoc imports every documented
  module, so a renamed or removed API breaks the build);
* ``sphinx-build -b doctest`` runs the pages' examples against the real code;
* the ``>>>`` examples in the documented modules' docstrings run too;
* the nginx and Apache configurations the deployment section includes are checked by the real
  servers (syntax, then a live run proxying to a real Flask process) when they are installed.
"""

import doctest
import importlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.processes import PYTHON, REPO_ROOT, free_port, require, running

DOCS = REPO_ROOT / "docs"
DEPLOY = DOCS / "deploy"
SPHINX_BUILD = Path(sys.executable).with_name("sphinx-build")
FLASK_SERVER = REPO_ROOT / "flaskcors/public/services/flask_example/run_flask_server.py"


def sphinx(builder: str, out: Path, *options: str) -> subprocess.CompletedProcess:
    # A clean environment for the build: settings from the caller's shell must not change
    # what the examples print.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CORS_", "BROKER_",
                                                                      "CELERY_"))}
    return subprocess.run(
        [str(SPHINX_BUILD), *options, "-b", builder, str(DOCS), str(out),
         "-d", str(out / ".doctrees")],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )


def test_html_build_has_no_warning(tmp_path):
    result = sphinx("html", tmp_path / "html", "-W", "--keep-going", "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "html/index.html").exists()
    # Nothing of the build machine's environment is rendered (e.g. an ``os.environ`` default).
    path = os.environ.get("PATH", "")
    for page in (tmp_path / "html").rglob("*.html"):
        assert path not in page.read_text(), f"{page.name} shows the environment"


def test_every_public_name_is_in_the_api_reference(tmp_path):
    """Each name of ``flask_pyjamas.__all__`` has an entry of its own in the API reference
    (Sphinx's inventory of documented objects), under the module that defines it."""
    import flask_pyjamas

    result = sphinx("html", tmp_path / "html", "-q")
    assert result.returncode == 0, result.stdout + result.stderr
    from sphinx.util.inventory import InventoryFile

    with open(tmp_path / "html/objects.inv", "rb") as inventory:
        documented = InventoryFile.load(inventory, "", lambda *parts: "/".join(parts))
    names = {name for kind in documented.values() for name in kind}
    missing = []
    for public in flask_pyjamas.__all__:
        value = getattr(flask_pyjamas, public)
        if f"{value.__module__}.{value.__name__}" not in names:
            missing.append(f"{public} ({value.__module__}.{value.__name__})")
    assert not missing, f"not in the API reference: {missing}"


def test_doctest_examples_pass(tmp_path):
    result = sphinx("doctest", tmp_path / "doctest", "-q")
    report = (tmp_path / "doctest/output.txt").read_text() if (
        tmp_path / "doctest/output.txt").exists() else ""
    assert result.returncode == 0, result.stdout + result.stderr + report
    assert " 0 failures in tests" in report, report
    ran = re.search(r"^\s*(\d+) tests?$", report, re.MULTILINE)
    assert ran and int(ran.group(1)) >= 40, report  # the pages' examples really ran


# The documented modules that carry examples in their docstrings: they run as tests too.
MODULES_WITH_EXAMPLES = [
    "flask_pyjamas.protocol.jsonrpc",
    "flask_pyjamas.protocol.cors",
    "flask_pyjamas.protocol.openrpc",
    "flask_pyjamas.web.request",
    "flask_pyjamas.web.extension",
    "flask_pyjamas.settings",
    "flask_pyjamas.tasks.records",
    "flask_pyjamas.tasks.states",
    "flaskcelery.flask_source.primes",
    "flask_pyjamas.devtools.scripts",
    "pyjamas._tk_widgets",
    "flask_pyjamas.tasks.result_expiry",
    "flask_pyjamas.devtools.page_server",
    "flask_pyjamas.tasks.flower_guard",
]


@pytest.mark.parametrize("name", MODULES_WITH_EXAMPLES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0


def test_the_deploy_configs_are_the_ones_the_docs_include():
    text = "".join(p.read_text() for p in DOCS.glob("*.rst"))
    for config in ("nginx-flaskexamples.conf", "apache-flaskexamples.conf"):
        assert f"literalinclude:: deploy/{config}" in text


# --- the web server configurations, checked by the servers themselves ----------------------

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                  else None)
APACHE = shutil.which("apache2") or ("/usr/sbin/apache2" if Path("/usr/sbin/apache2").exists()
                                     else None)
APACHE_MODULES = Path("/usr/lib/apache2/modules")


@pytest.fixture
def needs_nginx():
    require(NGINX is not None, "nginx is not installed (apt-get install nginx)")


@pytest.fixture
def needs_apache():
    require(APACHE is not None and APACHE_MODULES.is_dir(),
            "Apache is not installed (apt-get install apache2)")


def nginx_wrapper(folder: Path, site: Path) -> Path:
    """A complete nginx.conf around ``site``, as Debian's nginx.conf includes a site."""
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / name).mkdir(exist_ok=True)
    conf = folder / "nginx.conf"
    conf.write_text(f"""
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {site};
}}
""")
    return conf


# What Debian's default apache2.conf loads that the site needs, and what it says to enable
# (modules built into the binary, such as unixd, have no .so file).
APACHE_LOAD = ["mpm_event", "unixd", "authz_core", "dir", "mime", "proxy", "proxy_http",
               "log_config", "headers", "reqtimeout"]


def apache_wrapper(folder: Path, site: Path, port: int | None = 80) -> Path:
    """A complete apache2.conf around ``site``, with the modules the site says to enable;
    ``port=None`` when the site has its own ``Listen`` line."""
    modules = "\n".join(f"LoadModule {name}_module {APACHE_MODULES}/mod_{name}.so"
                        for name in APACHE_LOAD
                        if (APACHE_MODULES / f"mod_{name}.so").exists())
    conf = folder / "apache2.conf"
    conf.write_text(f"""
ServerRoot {folder}
DefaultRuntimeDir {folder}
PidFile {folder}/apache2.pid
ErrorLog {folder}/error.log
LogLevel warn
ServerName localhost
{"User nobody" + chr(10) + "Group nogroup" if os.geteuid() == 0 else ""}
{modules}
TypesConfig /etc/mime.types
{f"Listen 127.0.0.1:{port}" if port else ""}
Include {site}
""")
    return conf


@pytest.mark.usefixtures("needs_nginx")
def test_nginx_accepts_the_config(tmp_path):
    conf = nginx_wrapper(tmp_path, DEPLOY / "nginx-flaskexamples.conf")
    result = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


@pytest.mark.usefixtures("needs_apache")
def test_apache_accepts_the_config(tmp_path):
    conf = apache_wrapper(tmp_path, DEPLOY / "apache-flaskexamples.conf")
    result = subprocess.run([APACHE, "-t", "-f", str(conf)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Syntax OK" in result.stderr


@pytest.fixture
def site_root():
    """``/var/www/flaskexamples`` in small: world-readable (the servers' workers drop root),
    holding the built pages if ``./build.sh`` has run, and a probe script either way."""
    root = Path(tempfile.mkdtemp(prefix="flaskexamples-www-"))
    root.chmod(0o755)
    try:
        for example in ("flaskcors", "flaskcelery"):
            output = REPO_ROOT / example / "output"
            if output.is_dir():
                shutil.copytree(output, root / example)
        probe = root / "flaskcors" / "js" / "probe.js"
        probe.parent.mkdir(parents=True, exist_ok=True)
        probe.write_text("export const probe = 1;\n")
        for path in root.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def flask_server(tmp_path):
    """The flaskcors server as a user starts it, allowing the proxied site's origin."""

    def start(site_origin: str):
        port = free_port()
        env = {"CORS_ALLOWED_ORIGINS": site_origin}
        return port, running([PYTHON, FLASK_SERVER, "--port", port], port=port, env=env,
                             log_path=tmp_path / "flask.log")

    return start


def rewrite(config: Path, out: Path, site_port: int, flask_port: int, root: Path) -> Path:
    """The config as installed on this machine: ports and the document root replaced."""
    text = config.read_text()
    text = text.replace("127.0.0.1:5000", f"127.0.0.1:{flask_port}")
    text = text.replace("/var/www/flaskexamples", str(root))
    text = text.replace("listen 80;", f"listen 127.0.0.1:{site_port};")
    text = text.replace("<VirtualHost *:80>", f"<VirtualHost 127.0.0.1:{site_port}>")
    out.write_text(text)
    return out


def site_command(server: str, folder: Path, site_port: int, flask_port: int,
                 root: Path) -> list:
    """The command serving the shipped ``server`` site ("nginx" or "apache") on
    ``site_port`` in front of Flask on ``flask_port``, its files in ``folder``."""
    config = rewrite(DEPLOY / f"{server}-flaskexamples.conf", folder / "site.conf", site_port,
                     flask_port, root)
    if server == "nginx":
        return [NGINX, "-p", folder, "-c", nginx_wrapper(folder, config), "-g", "daemon off;"]
    return [APACHE, "-f", apache_wrapper(folder, config, site_port), "-DFOREGROUND"]


def http(method: str, url: str, body: bytes | None = None, headers=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def check_site(base: str, origin: str, built: bool, probe: bool = True) -> None:
    """What a browser on the site does: load the page and its code, call the endpoints."""
    script = "/flaskcors/js/probe.js" if probe else "/flaskcors/js/Flask_JSONRPC_CORS.js"
    status, headers, _ = http("GET", base + script)
    assert status == 200
    assert "javascript" in headers["Content-Type"]  # ES modules need a JavaScript type
    if built:
        status, _, page = http("GET", base + "/flaskcors/Flask_JSONRPC_CORS.html")
        assert status == 200 and b"js/Flask_JSONRPC_CORS.js" in page
    rpc = b'{"jsonrpc": "2.0", "id": "ID1", "method": "reverse", "params": ["abc"]}'
    post = {"Origin": origin, "Content-Type": "application/json-rpc"}
    for path in ("/json_echo/", "/json_echo", "/json_echo_class", "/json_echo_class/",
                 "/flaskcors/services/EchoService.py", "/flaskcelery/services/EchoService.py"):
        status, headers, body = http("POST", base + path, rpc, post)
        assert (path, status, body) == (path, 200, b'{"jsonrpc":"2.0","id":"ID1","result":"cba"}')
        assert headers["Access-Control-Allow-Origin"] == origin
    status, headers, _ = http("OPTIONS", base + "/json_echo/", None,
                              {"Origin": origin, "Access-Control-Request-Method": "POST"})
    assert status == 204 and headers["Access-Control-Allow-Methods"] == "POST, OPTIONS"
    # Proxied to Flask, which has no Celery view here: Flask's own 404 (a path that is no
    # JSON-RPC endpoint of the app keeps Flask's behaviour), not the site's.
    status, _, body = http("POST", base + "/json_celery_class", rpc, post)
    assert status == 404 and b"The requested URL was not found on the server" in body


@pytest.mark.usefixtures("needs_nginx")
def test_nginx_serves_the_pages_and_proxies_to_flask(tmp_path, site_root, flask_server):
    site_port = free_port()
    origin = f"http://localhost:{site_port}"
    flask_port, flask = flask_server(origin)
    nginx = site_command("nginx", tmp_path, site_port, flask_port, site_root)
    with flask, running(nginx, port=site_port, log_path=tmp_path / "nginx.out"):
        check_site(f"http://127.0.0.1:{site_port}", origin,
                   (site_root / "flaskcors/Flask_JSONRPC_CORS.html").exists())


@pytest.mark.usefixtures("needs_apache")
def test_apache_serves_the_pages_and_proxies_to_flask(tmp_path, site_root, flask_server):
    site_port = free_port()
    origin = f"http://localhost:{site_port}"
    flask_port, flask = flask_server(origin)
    apache = site_command("apache", tmp_path, site_port, flask_port, site_root)
    with flask, running(apache, port=site_port, log_path=tmp_path / "apache.out"):
        check_site(f"http://127.0.0.1:{site_port}", origin,
                   (site_root / "flaskcors/Flask_JSONRPC_CORS.html").exists())


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.fixture
def deployed(tmp_path):
    """``docs/deploy/deploy.sh`` run twice, as the docs say (after every build), for a free
    port and Flask on another free port: ``(www, site_port, flask_port, env)``."""
    for example in ("flaskcors", "flaskcelery"):
        require((REPO_ROOT / example / "output" / "index.html").is_file(),
                "the pages are not built (./build.sh)")
    # world-readable all the way down: the servers' workers drop root
    top = Path(tempfile.mkdtemp(prefix="flaskexamples-deploy-"))
    top.chmod(0o755)
    www = top / "www"
    site_port, flask_port = free_port(), free_port()
    env = {**os.environ, "WWW": str(www), "PORT": str(site_port),
           "FLASK": f"127.0.0.1:{flask_port}", "NGINX_SITE": str(tmp_path / "nginx-site.conf"),
           "APACHE_SITE": str(tmp_path / "apache-site.conf")}
    for run in range(2):
        result = subprocess.run(["sh", str(DEPLOY / "deploy.sh")], cwd=REPO_ROOT, env=env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        for example in ("flaskcors", "flaskcelery"):  # replaced, never nested
            assert snapshot(www / example) == snapshot(REPO_ROOT / example / "output"), run
    origin = f"http://localhost:{site_port}"
    assert f"CORS_ALLOWED_ORIGINS={origin} python" in result.stdout
    for path in [www, *www.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    yield www, site_port, flask_port, env
    shutil.rmtree(top, ignore_errors=True)


def flask_as_deploy_says(flask_port: int, origin: str, log_path: Path):
    """The Flask server started as deploy.sh's message says: this site's origin allowed."""
    return running([PYTHON, FLASK_SERVER, "--port", flask_port], port=flask_port,
                   env={"CORS_ALLOWED_ORIGINS": origin}, log_path=log_path)


@pytest.mark.usefixtures("needs_nginx")
def test_deploy_script_on_another_port_with_nginx(tmp_path, deployed):
    www, site_port, flask_port, env = deployed
    origin = f"http://localhost:{site_port}"
    conf = nginx_wrapper(tmp_path, Path(env["NGINX_SITE"]))
    nginx = [NGINX, "-p", tmp_path, "-c", conf, "-g", "daemon off;"]
    with flask_as_deploy_says(flask_port, origin, tmp_path / "flask.log"), \
            running(nginx, port=site_port, log_path=tmp_path / "nginx.out"):
        check_site(f"http://127.0.0.1:{site_port}", origin, built=True, probe=False)


@pytest.mark.usefixtures("needs_apache")
def test_deploy_script_on_another_port_with_apache(tmp_path, deployed):
    www, site_port, flask_port, env = deployed
    origin = f"http://localhost:{site_port}"
    conf = apache_wrapper(tmp_path, Path(env["APACHE_SITE"]), port=None)
    with flask_as_deploy_says(flask_port, origin, tmp_path / "flask.log"), \
            running([APACHE, "-f", conf, "-DFOREGROUND"], port=site_port,
                    log_path=tmp_path / "apache.out"):
        check_site(f"http://127.0.0.1:{site_port}", origin, built=True, probe=False)


def code_block_after(rst: str, sentence: str) -> str:
    """The first ``code-block`` after the paragraph that starts with ``sentence``."""
    text = (DOCS / rst).read_text()
    rest = text[text.index(sentence):]
    block = rest[rest.index(".. code-block::"):].split("\n\n", 2)[1]
    return "\n".join(line[3:] for line in block.splitlines())


def test_the_curl_examples_against_the_server_as_the_docs_start_it(tmp_path):
    """``cd flask_example; python run_flask_server.py`` (default settings), then the page's
    part played with curl, exactly as written but for the port."""
    require(shutil.which("curl") is not None, "curl is not installed")
    port = free_port()
    commands = code_block_after("flaskcors.rst", "You can play the browser's part with ``curl``")
    assert commands.count("localhost:5000") == 2
    with running([PYTHON, "run_flask_server.py", "--port", port], cwd=FLASK_SERVER.parent,
                 port=port, env={"CORS_ALLOWED_ORIGINS": ""}, log_path=tmp_path / "flask.log"):
        result = subprocess.run(["bash", "-c", commands.replace("localhost:5000",
                                                                f"localhost:{port}")],
                                capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    preflight, post = result.stdout.split("HTTP/1.1 ")[1:]
    assert preflight.startswith("204")
    assert "Access-Control-Allow-Origin: http://localhost:8000" in preflight
    assert "Access-Control-Allow-Methods: POST, OPTIONS" in preflight
    assert post.startswith("200")
    assert post.rstrip().endswith('{"jsonrpc":"2.0","id":"ID1","result":"hello"}')


def test_the_throwaway_rabbitmq_recipe_runs_as_written(tmp_path):
    """The guide's private RabbitMQ node starts, answers AMQP, and its own rabbitmqctl (with
    the same environment) reaches it; on free ports instead of the guide's."""
    rabbitmq_server = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
    require(rabbitmq_server.exists() and shutil.which("epmd") is not None,
            "rabbitmq-server is not installed (apt-get install -y rabbitmq-server)")
    recipe = code_block_after("flaskcelery.rst", "To try RabbitMQ without touching")
    ports = {"25673": free_port(), "4370": free_port(), "5673": free_port()}  # longest first
    for written, port in ports.items():
        assert written in recipe
        recipe = recipe.replace(written, str(port))
    epmd_port, amqp_port = ports["4370"], ports["5673"]
    script = tmp_path / "recipe.sh"
    script.write_text(f"set -e\nexport TMPDIR={tmp_path}\n{recipe}\n")
    try:
        with running(["bash", script], port=amqp_port, log_path=tmp_path / "rabbitmq.log",
                     timeout=60):
            node_home = next(tmp_path.glob("tmp.*"))
            ctl = subprocess.run(
                ["/usr/lib/rabbitmq/bin/rabbitmqctl", "-n", "try@localhost", "list_queues"],
                env={**os.environ, "HOME": str(node_home), "ERL_EPMD_PORT": str(epmd_port)},
                capture_output=True, text=True, timeout=60)
            assert ctl.returncode == 0, ctl.stdout + ctl.stderr
            from kombu import Connection

            with Connection(f"amqp://guest:guest@127.0.0.1:{amqp_port}//",
                            connect_timeout=10) as connection:
                connection.connect()
                assert connection.connected
    finally:
        subprocess.run(["epmd", "-port", str(epmd_port), "-kill"], capture_output=True)
