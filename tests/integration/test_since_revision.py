"""``get_result(task_id, wait, since_revision=R)`` over HTTP: the answer comes as soon as the
task's revision (state or progress) differs from ``R``, not only at its end.

The production gunicorn command and a real worker, on the embedded broker (the watcher polls
SQLite) and on RabbitMQ + Redis (it hears the states the worker's store publishes): a
follower that passes back each answer's revision sees the primes count's progress step by
step, one answer per change.
"""

from pathlib import Path

import pytest

from tests.support.processes import PYTHON, free_port, read_log, running
from tests.support.rpc import RpcClient

GUNICORN = Path(PYTHON).with_name("gunicorn")
APP = "flaskcelery.flask_source.FlaskEchoApp:create_app()"
N = 10**9  # primes below it: about 50 progress steps over a few seconds


@pytest.fixture(scope="module")
def web_url(celery_env, tmp_path_factory):
    log = tmp_path_factory.mktemp("since-revision") / "web.log"
    port = free_port()
    with running([GUNICORN, "-c", "python:flask_pyjamas.gunicorn_config",
                  "--bind", f"127.0.0.1:{port}", APP],
                 port=port, env=celery_env, log_path=log, timeout=60) as web:
        yield f"http://127.0.0.1:{port}/json_celery_class"
        assert web.poll() is None, read_log(log)


def revision_of(reply: dict) -> str:
    """The reply's revision (as the server computes it: state, and progress while running)."""
    if "revision" in reply:
        return reply["revision"]
    state = "SENT" if reply["state"] == "PENDING" else reply["state"]
    current = reply["progress"]["current"] if state == "PROGRESS" else ""
    return f"{state}:{current}"


def test_a_follower_is_answered_at_each_progress_step(web_url, celery_env, celery_worker):
    celery_worker(celery_env, "--concurrency=1")
    with RpcClient(web_url) as client:
        task_id = client.call("count_primes", n=N)["task_id"]
        answers = [client.call("get_result", task_id=task_id)]  # no wait: where it is now
        revision = revision_of(answers[0])
        while answers[-1]["state"] != "SUCCESS":
            reply = client.call("get_result", task_id=task_id, wait=20, since_revision=revision)
            answers.append(reply)
            revision = revision_of(reply)
    steps = [a["progress"]["current"] for a in answers if a["state"] == "PROGRESS"]
    # Each answer came with a change: a new step, in order, never the same one twice.
    assert len(steps) >= 5, answers
    assert steps == sorted(set(steps))
    revisions = [revision_of(a) for a in answers]
    assert len(revisions) == len(set(revisions))
    assert answers[-1]["result"] > 0
