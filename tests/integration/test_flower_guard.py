"""``manage_celery.py flower`` is never open: a real Flower process on the embedded broker.

* without credentials it does not start, and says how to give them in one line;
* with ``--basic-auth`` or ``FLOWER_BASIC_AUTH``, the UI pages (``/``, ``/tasks``) and the API
  ask for them, and wrong ones are refused;
* a request naming another ``Host`` (DNS rebinding: a hostile name pointed at 127.0.0.1) is
  refused, with the right credentials too; ``--allowed-hosts`` names the ones to answer.
"""

import base64
import os
import subprocess

import pytest

from tests.support.processes import PYTHON, REPO_ROOT, free_port, running
from tests.support.raw_http import exchange
from tests.support.services import clean_env

MANAGE = REPO_ROOT / "flaskcelery/flask_source/manage_celery.py"
PAGES = ["/", "/tasks", "/workers", "/api/workers", "/api/tasks"]


def get(port: int, path: str, host: str = "localhost", credentials: str | None = None):
    auth = ""
    if credentials:
        auth = f"Authorization: Basic {base64.b64encode(credentials.encode()).decode()}\r\n"
    return exchange(port, f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{auth}"
                          "Connection: close\r\n\r\n".encode())


@pytest.fixture
def flower_env(tmp_path):
    return {**os.environ, **clean_env(FLASKCELERY_INSTANCE=str(tmp_path / "instance"))}


def start_flower(tmp_path, env, *args):
    port = free_port()
    return port, running([PYTHON, MANAGE, "flower", f"--port={port}", *args], port=port,
                         env=env, log_path=tmp_path / "flower.log", timeout=60)


def test_flower_refuses_to_start_without_credentials(flower_env):
    result = subprocess.run([PYTHON, MANAGE, "flower", f"--port={free_port()}"],
                            env=flower_env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("manage_celery.py: refusing to start Flower without credentials")
    assert "FLOWER_BASIC_AUTH=flower:" in lines[0]  # a fresh password to copy


@pytest.mark.parametrize("pair", ["admin", "admin:", ":secret"])
def test_flower_refuses_an_incomplete_pair(flower_env, pair):
    result = subprocess.run([PYTHON, MANAGE, "flower", f"--basic-auth={pair}"],
                            env=flower_env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "needs user:password pairs" in result.stderr


@pytest.mark.parametrize("given", ["option", "environment"])
def test_every_page_asks_for_the_credentials(tmp_path, flower_env, given):
    args = ["--basic-auth=admin:s3cret"] if given == "option" else []
    env = {**flower_env, "FLOWER_BASIC_AUTH": "admin:s3cret"} if given == "environment" else (
        flower_env)
    port, flower = start_flower(tmp_path, env, *args)
    with flower:
        for path in PAGES:
            assert get(port, path).status == 401, path
            assert get(port, path, credentials="admin:wrong").status == 401, path
            assert get(port, path, credentials="admin:s3cret").status == 200, path


def test_unknown_hosts_are_refused(tmp_path, flower_env):
    port, flower = start_flower(tmp_path, flower_env, "--basic-auth=admin:s3cret")
    with flower:
        for host in ("localhost", "127.0.0.1"):
            assert get(port, "/", host, "admin:s3cret").status == 200
        for host in ("rebound.attacker.example", "localhost.attacker.example"):
            for path in [*PAGES, "/static/css/flower.css"]:
                reply = get(port, path, host, "admin:s3cret")
                assert reply.status == 400, (host, path)
                assert b"Unknown Host header" in reply.body


def test_allowed_hosts_names_the_hosts_to_answer(tmp_path, flower_env):
    port, flower = start_flower(tmp_path, flower_env, "--basic-auth=admin:s3cret",
                                "--allowed-hosts=flower.example.lan")
    with flower:
        assert get(port, "/", "flower.example.lan", "admin:s3cret").status == 200
        assert get(port, "/", "localhost", "admin:s3cret").status == 400
