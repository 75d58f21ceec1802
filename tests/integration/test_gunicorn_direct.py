"""The documented production command, ``gunicorn -c python:flask_pyjamas.gunicorn_config
'flaskcelery.flask_source.FlaskEchoApp:create_app()'``, asked what a hostile client asks.

* over its limits (more than 100 headers, a header over 8,190 bytes, a request line over
  4,094 bytes), gunicorn answers before Flask with its own small HTML page: 431, 431, 414,
  no CORS headers (docs/flaskcelery.rst, "Production", says so);
* ``countdown`` as a 310-digit integer is a wrong parameter, -32602, not an internal error.
  (The start path is rewritten on the tasks-api branch, which makes this pass; on this
  branch alone it fails with -32603.)
"""

import json

import pytest

from tests.e2e.test_deploy_security import OVERSIZED
from tests.support.processes import gunicorn
from tests.support.raw_http import exchange, post
from tests.support.services import clean_env

APP = "flaskcelery.flask_source.FlaskEchoApp:create_app()"


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gunicorn")
    env = clean_env(FLASKCELERY_INSTANCE=str(folder / "instance"),
                    CORS_ALLOWED_ORIGINS="http://localhost:8000")
    with gunicorn(APP, production=True, env=env, log_path=folder / "gunicorn.log") as (base, _):
        yield int(base.rsplit(":", 1)[1])


@pytest.mark.parametrize("case, status", [
    ("101 headers", 431), ("a 9,000-byte header", 431), ("a 4,095-byte request line", 414)])
def test_gunicorns_own_pages_answer_over_its_limits(production, case, status):
    reply = exchange(production, OVERSIZED[case])
    assert reply.status == status
    assert reply.headers["Content-Type"] == "text/html"
    assert "Access-Control-Allow-Origin" not in reply.headers
    assert b"<h1><p>" in reply.body


def test_a_310_digit_countdown_is_invalid_params(production):
    body = ('{"jsonrpc": "2.0", "id": 1, "method": "echo", "params": {"text": "x", '
            '"countdown": ' + "1" * 310 + "}}").encode()
    reply = post(production, "/json_celery_class", body)
    assert reply.status == 200
    error = json.loads(reply.body)["error"]
    assert error["code"] == -32602, error
