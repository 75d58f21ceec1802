"""A worker on another "machine", as far as the network goes: RabbitMQ and Redis run here,
the worker in a Linux network namespace joined by a veth pair (tests/support/netns.py), with
a RabbitMQ user of its own (``guest`` may only log in from loopback) and a Redis password,
as the docs tell a deployment to do. The page's calls go through the Flask app in this
namespace; the worker is cut off (its link down) and restored, and the tasks still complete.

Needs root and ``ip`` (iproute2): skipped without them, a failure with ``CI=true``.
"""

import shutil
import subprocess
from contextlib import ExitStack, suppress

import pytest

from flaskcelery.flask_source.FlaskEchoApp import create_app
from tests.support.held_tasks import (
    final_replies,
    lost,
    received,
    start_tasks,
    succeeded,
    wait_until_logged,
)
from tests.support.netns import can_create_namespaces, network_namespace
from tests.support.processes import PYTHON, require
from tests.support.rpc import rpc
from tests.support.services import RABBITMQ_SERVER, RabbitMQ, Redis, app_config, clean_env
from tests.support.waiting import WaitTimeout, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.rabbitmq]

USER, PASSWORD = "flaskcelery", "not-guest"


@pytest.fixture(scope="module")
def remote(tmp_path_factory):
    """``(namespace, rabbitmq, worker_env, app_env)``: the servers listen on loopback (for the
    app) and on this end of the veth pair (for the worker in the namespace)."""
    require(can_create_namespaces(), "cannot create a network namespace: needs root (with "
                                     "CAP_NET_ADMIN) and ip (apt-get install -y iproute2)")
    require(RABBITMQ_SERVER.exists() and shutil.which("redis-server") is not None,
            "rabbitmq-server and redis-server are not installed")
    base = tmp_path_factory.mktemp("remote")
    with network_namespace() as ns, ExitStack() as stack:
        addresses = ("127.0.0.1", ns.host_address)
        (base / "rabbitmq").mkdir()
        rabbit = RabbitMQ(base / "rabbitmq", addresses)
        stack.callback(rabbit.close)
        rabbit.start()
        rabbit.add_user(USER, PASSWORD)
        (base / "redis").mkdir()
        redis = Redis(base / "redis", addresses, password=PASSWORD)
        stack.callback(redis.close)
        redis.start()

        def env(address: str) -> dict:
            return clean_env(BROKER_HOST=address, BROKER_PORT=str(rabbit.port),
                             BROKER_USER=USER, BROKER_PASSWORD=PASSWORD,
                             CELERY_RESULT_BACKEND=redis.url_at(address))

        yield ns, rabbit, env(ns.host_address), env("127.0.0.1")


def test_guest_is_refused_from_the_other_machine(remote):
    ns, rabbit, _worker_env, _app_env = remote
    connect = ("from kombu import Connection; "
               f"Connection('amqp://{{}}@{ns.host_address}:{rabbit.port}//', "
               "connect_timeout=5).connect()")
    for login, refused in (("guest:guest", True), (f"{USER}:{PASSWORD}", False)):
        proc = subprocess.run([*ns.exec_prefix, PYTHON, "-c", connect.format(login)],
                              capture_output=True, text=True, timeout=60)
        assert (proc.returncode != 0) == refused, proc.stderr
        if refused:
            assert "ACCESS_REFUSED" in proc.stderr


def broker_messages(rabbit: RabbitMQ, queue: str = "celery") -> int:
    """Messages in ``queue`` at the broker, ready or delivered but not acknowledged."""
    for line in rabbit.ctl("list_queues", "-q", "name", "messages").splitlines():
        name, _, count = line.partition("\t")
        if name == queue:
            return int(count)
    return 0


def test_a_worker_in_another_namespace_survives_its_link_cut(remote, celery_worker):
    ns, rabbit, worker_env, app_env = remote
    worker = celery_worker(worker_env, "--concurrency=1", prefix=ns.exec_prefix)
    client = create_app(app_config(app_env)).test_client()

    [echo] = start_tasks(client, [("echo", ["over the veth", 0])])
    assert final_replies(client, [echo], timeout=60)[echo]["echo"] == "over the veth"
    # the worker logs the success after the result is stored: wait for the line
    wait_until_logged(worker, [succeeded("celery_echo", echo)])

    [cancelled] = start_tasks(client, [("echo", ["never", 30])])
    wait_until_logged(worker, [received("celery_echo", cancelled)])
    assert rpc(client, "cancel", [cancelled])["result"]["state"] == "REVOKED"
    wait_until_logged(worker, [f"Tasks flagged as revoked: {cancelled}"])  # the broadcast

    ns.link_down()
    try:
        texts = [f"cut off {i}" for i in range(5)]
        cut_off = start_tasks(client, [("reverse", [text, 0]) for text in texts])
        with suppress(WaitTimeout):  # the assertion below says how many got there
            wait_for(lambda: broker_messages(rabbit) >= len(cut_off), 30,
                     "the cut-off tasks at the broker")
        # All at the broker, out of the worker's reach (with the cancelled one, which the
        # worker holds unacknowledged until its countdown is over).
        assert broker_messages(rabbit) >= len(cut_off)
        states = {rpc(client, "get_result", [t])["result"]["state"] for t in cut_off}
        assert states == {"PENDING"}
    finally:
        ns.link_up()
    replies = final_replies(client, cut_off, timeout=180)
    assert lost(replies) == {}
    assert [replies[t]["echo"] for t in cut_off] == [text[::-1] for text in texts]
    assert worker.proc.poll() is None  # the same worker, over the restored link
    assert rpc(client, "get_result", [cancelled])["result"]["state"] == "REVOKED"
    assert succeeded("celery_echo", cancelled) not in worker.log()
