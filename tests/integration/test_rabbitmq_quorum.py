"""``CELERY_TASK_DEFAULT_QUEUE_TYPE=quorum``: the tasks on RabbitMQ quorum queues, against a
real RabbitMQ (Debian 12's 3.10 here; 4.3 in the "today's stack" tier) and Redis results.

Each test module run gets a virtual host of its own: a queue or exchange keeps the type it
was declared with, so quorum and classic runs must not share one.
"""

import os
import signal

import pytest

from flask_pyjamas.settings import SettingError, celery_settings, queue_type_settings
from flaskcelery.flask_source.FlaskEchoApp import create_app
from tests.support.rpc import rpc
from tests.support.services import app_config
from tests.support.waiting import WaitTimeout, wait_for

pytestmark = pytest.mark.rabbitmq

COUNTDOWN = 5.0  # long enough to see the message wait in RabbitMQ (rabbitmqctl takes ~1 s)
PRIMES_BELOW_5E8 = 26_355_867  # count_primes(5 * 10**8): a few seconds of work


def test_classic_is_the_default_and_celerys_own():
    settings = celery_settings("/tmp/instance", {"BROKER_HOST": "rabbit.lan"}, import_name="app")
    assert settings["task_default_queue_type"] == "classic"
    assert "task_default_exchange_type" not in settings


def test_quorum_takes_a_topic_exchange_for_delayed_delivery():
    settings = celery_settings("/tmp/instance", {"BROKER_HOST": "rabbit.lan",
                                                 "CELERY_TASK_DEFAULT_QUEUE_TYPE": "quorum"},
                               import_name="app")
    assert settings["task_default_queue_type"] == "quorum"
    assert settings["task_default_exchange_type"] == "topic"
    assert settings["control_queue_exclusive"] and settings["event_queue_exclusive"]


@pytest.mark.parametrize("broker", ["flaskcelery-fs://", "redis://127.0.0.1:6379/0"])
def test_quorum_without_rabbitmq_is_refused_by_name(broker):
    with pytest.raises(SettingError, match=r"quorum needs RabbitMQ .*not (flaskcelery-fs|redis)"):
        queue_type_settings("quorum", broker)


def test_an_unknown_queue_type_is_refused_by_name():
    with pytest.raises(SettingError, match="CELERY_TASK_DEFAULT_QUEUE_TYPE='stream' must be"):
        celery_settings("/tmp/instance", {"CELERY_TASK_DEFAULT_QUEUE_TYPE": "stream"},
                        import_name="app")


@pytest.fixture(scope="module")
def quorum_env(rabbitmq, rabbitmq_env):
    vhost = f"quorum{os.getpid()}"
    rabbitmq.ctl("add_vhost", vhost)
    rabbitmq.ctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    try:
        yield {**rabbitmq_env, "BROKER_VHOST": vhost, "CELERY_TASK_DEFAULT_QUEUE_TYPE": "quorum"}
    finally:
        rabbitmq.ctl("delete_vhost", vhost)


@pytest.fixture(scope="module")
def app(quorum_env):
    return create_app(app_config(quorum_env, ECHO_COUNTDOWN=COUNTDOWN))


@pytest.fixture
def client(app):
    return app.test_client()


def queues(rabbitmq, env) -> dict[str, tuple[str, int]]:
    """The vhost's queues: name -> (type, messages ready)."""
    listing = rabbitmq.ctl("list_queues", "-q", "--no-table-headers", "-p", env["BROKER_VHOST"],
                           "name", "type", "messages_ready")
    found = {}
    for line in listing.splitlines():
        name, kind, ready = line.split("\t")
        found[name] = (kind, int(ready))
    return found


def result_of(reply: dict) -> dict:
    assert "error" not in reply, reply
    return reply["result"]


def value(reply: dict):
    """A finished task's value: ``result`` (the echo methods' also under ``echo``)."""
    return reply["result"] if "result" in reply else reply["echo"]


def start(client, method: str, *params) -> str:
    return result_of(rpc(client, method, list(params)))["task_id"]


def wait_for_state(client, task_id: str, states: set, timeout: float = 60.0) -> dict:
    def in_states():
        reply = result_of(rpc(client, "get_result", {"task_id": task_id}))
        return reply if reply["state"] in states else None

    try:
        return wait_for(in_states, timeout, f"{task_id} in {states}")
    except WaitTimeout:
        raise WaitTimeout(f"{task_id} not in {states} within {timeout} s") from None


def wait_until(condition, what: str, timeout: float = 30.0):
    try:
        return wait_for(condition, timeout, what)
    except WaitTimeout:
        raise WaitTimeout(f"{what} did not happen within {timeout} s") from None


def test_echo_runs_from_a_quorum_task_queue(app, client, quorum_env, rabbitmq, celery_worker):
    celery_worker(quorum_env, "--concurrency=1")
    task_id = start(client, "echo", "on a quorum queue")
    assert value(wait_for_state(client, task_id, {"SUCCESS"})) == "on a quorum queue"
    task_queue = app.extensions["celery"].conf.task_default_queue
    assert queues(rabbitmq, quorum_env)[task_queue][0] == "quorum"


def test_a_countdown_waits_in_rabbitmq_not_in_a_worker(client, quorum_env, rabbitmq,
                                                       celery_worker):
    worker = celery_worker(quorum_env, "--concurrency=1")
    task_id = start(client, "reverse", "later")
    # Celery's native delayed delivery: the message sits in a delayed-delivery queue...
    wait_until(lambda: any(name.startswith("celery_delayed_") and ready
                           for name, (_, ready) in queues(rabbitmq, quorum_env).items()),
               "a message in a celery_delayed_* queue")
    assert task_id not in worker.log()  # ...not prefetched by the worker
    assert value(wait_for_state(client, task_id, {"SUCCESS"})) == "retal"
    assert f"[{task_id}] received" in worker.log().lower()


def test_progress_and_cancel_on_quorum_queues(client, quorum_env, celery_worker):
    worker = celery_worker(quorum_env, "--concurrency=1")
    task_id = start(client, "count_primes", 10**10)  # a minute or more of work
    progress = wait_for_state(client, task_id, {"PROGRESS"})["progress"]
    assert 0 < progress["current"] <= progress["total"] == 10**10
    assert result_of(rpc(client, "cancel", [task_id]))["state"] == "REVOKED"
    wait_until(lambda: any(task_id in line and "ignored" in line
                           for line in worker.log().splitlines()),
               "the worker stopping the cancelled task")
    assert wait_for_state(client, task_id, {"REVOKED"})["state"] == "REVOKED"


def test_a_killed_worker_loses_no_task(client, quorum_env, celery_worker):
    """SIGKILL while it runs one task and countdown tasks wait: a new worker runs them all."""
    first = celery_worker(quorum_env, "--concurrency=1")
    running = start(client, "count_primes", 5 * 10**8)
    wait_for_state(client, running, {"PROGRESS"})
    later = [start(client, "uppercase", f"countdown {i}") for i in range(20)]
    first.kill()
    assert first.proc.returncode == -signal.SIGKILL
    celery_worker(quorum_env, "--concurrency=2")
    finished = wait_for_state(client, running, {"SUCCESS", "FAILURE"}, timeout=120)
    assert (finished["state"], value(finished)) == ("SUCCESS", PRIMES_BELOW_5E8)
    echoes = [value(wait_for_state(client, task_id, {"SUCCESS"}, timeout=60))
              for task_id in later]
    assert echoes == [f"COUNTDOWN {i}" for i in range(20)]


def test_every_queue_is_durable_or_exclusive(app, quorum_env, rabbitmq, celery_worker):
    """RabbitMQ 4 deprecates transient queues that are not exclusive: the task queue, the
    workers' control queues (cancel, inspect) and a monitor's event queue (Flower's) are each
    durable or exclusive."""
    celery_worker(quorum_env, "--concurrency=1", "-E")
    celery = app.extensions["celery"]
    with celery.connection_for_read() as connection:
        receiver = celery.events.Receiver(connection, handlers={})
        with receiver.consumer_context():  # declares the monitor's event queue
            listing = rabbitmq.ctl("list_queues", "-q", "--no-table-headers",
                                   "-p", quorum_env["BROKER_VHOST"], "name", "durable",
                                   "exclusive")
    found = {name: (durable, exclusive) for name, durable, exclusive
             in (line.split("\t") for line in listing.splitlines())}
    assert any(name.endswith(".pidbox") for name in found), found
    assert any(name.startswith("celeryev.") for name in found), found
    assert {name: flags for name, flags in found.items() if "true" not in flags} == {}
