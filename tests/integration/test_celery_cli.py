"""``manage_celery.py`` run as the README says: ``runserver``, ``celeryd``, ``flower``, help."""

import base64
import subprocess
import urllib.request

import pytest

from flask_pyjamas.settings import EMBEDDED_SCHEME
from flaskcelery.flask_source.FlaskEchoApp import create_app
from tests.support.processes import PYTHON, REPO_ROOT, free_port, running
from tests.support.rpc import PAGE_ORIGIN, RpcClient, rpc
from tests.support.services import CeleryWorker, app_config, wait_until_ready
from tests.support.waiting import WaitTimeout, wait_for

FLASK_SOURCE = REPO_ROOT / "flaskcelery" / "flask_source"


def post_rpc(port: int, method: str, params) -> dict:
    """One call from the demo page's origin; the parsed reply (CORS headers checked)."""
    with RpcClient(f"http://127.0.0.1:{port}/json_celery_class", PAGE_ORIGIN) as client:
        reply = client.send(client.request(method, params))
    assert reply.headers["Access-Control-Allow-Origin"] == PAGE_ORIGIN
    return reply.body


@pytest.mark.parametrize(("cwd", "script"), [
    (FLASK_SOURCE, "manage_celery.py"),
    (REPO_ROOT, "flaskcelery/flask_source/manage_celery.py"),
], ids=["its folder", "repo root"])
def test_help_lists_the_commands(cwd, script):
    out = subprocess.run([PYTHON, script, "--help"], cwd=cwd, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    for command in ("runserver", "celeryd", "flower"):
        assert command in out.stdout


def test_runserver_and_celeryd_as_the_readme_says(embedded_env, tmp_path):
    port = free_port()
    env = {**embedded_env, "ECHO_COUNTDOWN": "0.5"}
    worker_log = tmp_path / "celeryd.log"
    with (
        running([PYTHON, "manage_celery.py", "runserver", "--port", port], port=port, env=env,
                cwd=FLASK_SOURCE, log_path=tmp_path / "runserver.log"),
        running([PYTHON, "flaskcelery/flask_source/manage_celery.py", "celeryd",
                 "--loglevel=DEBUG", "-n", "readme@%h"], env=env, log_path=worker_log) as proc,
    ):
        wait_until_ready(CeleryWorker(proc, "readme@%h", worker_log), timeout=60)
        task_id = post_rpc(port, "uppercase", ["from the readme"])["result"]["task_id"]
        reply = post_rpc(port, "get_result", {"task_id": task_id, "wait": 20})
        assert reply["result"] == {"task_id": task_id, "state": "SUCCESS", "revision": "SUCCESS:",
                                   "result": "FROM THE README", "echo": "FROM THE README"}
    assert "Running on http://127.0.0.1:%d" % port in (tmp_path / "runserver.log").read_text()


def test_flower_serves_on_loopback(embedded_env, tmp_path):
    port = free_port()
    # Flower needs credentials (tests/integration/test_flower_guard.py)
    with running([PYTHON, "manage_celery.py", "flower", f"--port={port}",
                  "--basic-auth=admin:s3cret"], port=port,
                 env=embedded_env, cwd=FLASK_SOURCE, log_path=tmp_path / "flower.log"):
        health = urllib.request.Request(f"http://127.0.0.1:{port}/healthcheck", headers={
            "Authorization": "Basic " + base64.b64encode(b"admin:s3cret").decode()})

        def healthy():
            with urllib.request.urlopen(health, timeout=5) as r:
                assert r.read() == b"OK"
                return True

        wait_for(healthy, 30, "Flower's /healthcheck", ignore=(OSError,))


def test_celeryd_without_options_logs_each_task_and_names_the_docs_broker(embedded_env,
                                                                          tmp_path):
    """``manage_celery.py celeryd`` as README shows it (no --loglevel): the banner names the
    embedded broker with the words the docs use, no hostname warning, each task logged."""
    app = create_app(app_config(embedded_env, ECHO_COUNTDOWN=0))
    log = tmp_path / "celeryd.log"
    with running([PYTHON, "flaskcelery/flask_source/manage_celery.py", "celeryd",
                  "-n", "plain@%h"], env=embedded_env, log_path=log) as proc:
        wait_until_ready(CeleryWorker(proc, "plain@%h", log), timeout=60)
        task_id = rpc(app.test_client(), "echo", ["logged"])["result"]["task_id"]
        assert rpc(app.test_client(), "get_result", {"task_id": task_id, "wait": 20}
                   )["result"]["state"] == "SUCCESS"
        try:
            wait_for(lambda: f"Task celery_echo[{task_id}] succeeded" in log.read_text(), 20,
                     f"celery_echo[{task_id}] logged as succeeded")
        except WaitTimeout:
            raise WaitTimeout(log.read_text()) from None
    text = log.read_text()
    assert f"Task celery_echo[{task_id}] received" in text
    assert "No hostname was supplied" not in text
    banner = next(line for line in text.splitlines() if ".> transport:" in line)
    assert EMBEDDED_SCHEME + "://" in banner
    for doc in ("README.rst", "docs/introduction.rst", "docs/flaskcelery.rst"):
        assert f"``{EMBEDDED_SCHEME}://``" in (REPO_ROOT / doc).read_text(), doc
