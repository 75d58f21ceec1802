"""``run_flask_server.py`` as a user starts it: from its own folder, as a real process."""

import subprocess
import urllib.request

from tests.support.processes import PYTHON, REPO_ROOT, free_port, read_log, running
from tests.support.rpc import PAGE_ORIGIN, RpcClient

SERVER_DIR = REPO_ROOT / "flaskcors/public/services/flask_example"
SCRIPT = SERVER_DIR / "run_flask_server.py"


def post(url, payload, origin=PAGE_ORIGIN):
    with RpcClient(url, origin) as client:
        reply = client.send(payload)
    return reply.status, reply.headers, reply.body


def test_requests_module_does_not_shadow_the_requests_distribution():
    """Started as a script, the server's folder (which holds requests.py) is sys.path[0]."""
    probe = (
        "import runpy, sys; sys.argv = ['run_flask_server.py', '--help'];\n"
        "try: runpy.run_path('run_flask_server.py', run_name='__main__')\n"
        "except SystemExit: pass\n"
        "import requests; print(requests.__file__);"
        "ours = sys.modules['flaskcors.public.services.flask_example.requests'];"
        "print(ours.JSONRPCRequest.__name__)"
    )
    result = subprocess.run([PYTHON, "-c", probe], cwd=SERVER_DIR, capture_output=True,
                            text=True, check=True)
    their_file, ours = result.stdout.split()[-2:]
    assert "site-packages" in their_file and "flask_example" not in their_file
    assert ours == "JSONRPCRequest"


def test_server_serves_both_endpoints_and_logs_the_preflight(tmp_path):
    port = free_port()
    log = tmp_path / "server.log"
    with running([PYTHON, SCRIPT.name, "--port", port], cwd=SERVER_DIR, port=port,
                 log_path=log):
        base = f"http://127.0.0.1:{port}"
        status, headers, reply = post(base + "/json_echo/",
                                      {"jsonrpc": "2.0", "id": "ID1", "method": "uppercase",
                                       "params": ["flask"]})
        assert (status, reply["result"]) == (200, "FLASK")
        assert headers["Access-Control-Allow-Origin"] == "http://localhost:8000"
        _, _, reply = post(base + "/json_echo_class",
                           {"jsonrpc": "2.0", "id": "ID2", "method": "reverse",
                            "params": ["flask"]})
        assert reply["result"] == "ksalf"
        preflight = urllib.request.Request(base + "/json_echo/", method="OPTIONS",
                                           headers={"Origin": "http://localhost:8000",
                                                    "Access-Control-Request-Method": "POST"})
        with urllib.request.urlopen(preflight, timeout=10) as response:
            assert response.status == 204
    assert '"OPTIONS /json_echo/ HTTP/1.1" 204' in read_log(log)


def test_server_binds_loopback_without_debug_by_default(tmp_path):
    port = free_port()
    log = tmp_path / "server.log"
    with running([PYTHON, SCRIPT, "--port", port], port=port, log_path=log):
        pass
    text = read_log(log)
    assert f"Running on http://127.0.0.1:{port}" in text
    assert "Debug mode: off" in text


def test_help_lists_the_options():
    result = subprocess.run([PYTHON, SCRIPT, "--help"], capture_output=True, text=True,
                            check=True)
    for option in ("--host", "--port", "--debug"):
        assert option in result.stdout
