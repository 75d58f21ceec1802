"""The embedded broker's transport, in this process with kombu's own client API: a message a
consumer took stays on disk until it is acknowledged, and the messages of dead processes go
back to their queue. (With real workers killed: ``tests/integration/test_celery_faults.py``.)"""

import os
import shutil
import socket
import subprocess

import pytest
from kombu import Connection, Producer, Queue

from flask_pyjamas.settings import EMBEDDED_SCHEME, embedded_broker
from flask_pyjamas.tasks.embedded_broker import owner_is_dead, owner_name, prepare_embedded


@pytest.fixture
def broker(tmp_path):
    """The folders and transport options of an embedded broker in ``tmp_path``."""
    _url, options = embedded_broker(tmp_path)
    prepare_embedded({"broker_url": EMBEDDED_SCHEME + "://", "broker_transport_options": options})
    return options


def connect(options) -> Connection:
    return Connection(EMBEDDED_SCHEME + "://", transport_options=options)


def publish(conn: Connection, body: dict) -> None:
    Producer(conn.default_channel).publish(body, exchange="", routing_key="q",
                                           serializer="json")


def queued(options) -> list[str]:
    return [n for n in os.listdir(options["data_folder_in"]) if n.endswith(".q.msg")]


def held(options, owner: str | None = None) -> list[str]:
    folder = os.path.join(options["unacked_folder"], owner or owner_name(os.getpid()))
    return os.listdir(folder) if os.path.isdir(folder) else []


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_a_message_is_held_on_disk_until_acknowledged(broker):
    with connect(broker) as conn:
        publish(conn, {"n": 1})
        message = Queue("q").bind(conn.default_channel).get(no_ack=False)
        assert message.payload == {"n": 1}
        assert queued(broker) == [] and len(held(broker)) == 1
        message.ack()
        assert held(broker) == [] and queued(broker) == []


def test_a_rejected_message_goes_back_to_its_queue(broker):
    with connect(broker) as conn:
        publish(conn, {"n": 2})
        Queue("q").bind(conn.default_channel).get(no_ack=False).reject(requeue=True)
        assert held(broker) == [] and len(queued(broker)) == 1
        assert Queue("q").bind(conn.default_channel).get(no_ack=True).payload == {"n": 2}


def test_a_message_still_held_at_close_goes_back_once(broker):
    """A warm shutdown: kombu writes back what was not acknowledged; the held copy goes."""
    with connect(broker) as conn:
        publish(conn, {"n": 6})
        assert Queue("q").bind(conn.default_channel).get(no_ack=False).payload == {"n": 6}
    assert held(broker) == [] and len(queued(broker)) == 1


def test_a_message_taken_without_acknowledgement_is_deleted(broker):
    with connect(broker) as conn:
        publish(conn, {"n": 3})
        assert Queue("q").bind(conn.default_channel).get(no_ack=True).payload == {"n": 3}
        assert held(broker) == [] and queued(broker) == []


def test_a_message_consumed_without_acknowledgement_is_deleted(broker):
    """As broadcasts are (revoke, inspect): read once, never held, never replayed."""
    bodies = []
    with connect(broker) as conn:
        publish(conn, {"n": 5})
        with conn.Consumer(Queue("q"), no_ack=True, accept=["json"],
                           callbacks=[lambda body, message: bodies.append(body)]):
            conn.drain_events(timeout=5)
        assert bodies == [{"n": 5}]
        assert held(broker) == [] and os.listdir(broker["data_folder_in"]) == []


def test_the_messages_of_a_dead_process_go_back_to_their_queue(broker):
    host = socket.gethostname()
    owners = {
        "dead": f"{host}@{dead_pid()}@1",
        "reused pid": f"{host}@{os.getpid()}@1",  # this pid, another start time
        "alive": owner_name(os.getpid()),
        "other host": f"{host}-elsewhere@{os.getpid()}@1",
    }
    with connect(broker) as conn:
        for n, owner in enumerate(owners.values()):
            publish(conn, {"owner": n})
            [name] = queued(broker)
            os.makedirs(os.path.join(broker["unacked_folder"], owner))
            shutil.move(os.path.join(broker["data_folder_in"], name),
                        os.path.join(broker["unacked_folder"], owner, name))
    with connect(broker) as conn, conn.channel():  # opening a channel returns the orphans
        assert len(queued(broker)) == 2
        assert sorted(os.listdir(broker["unacked_folder"])) == sorted(
            [owners["alive"], owners["other host"]])
        for owner in ("alive", "other host"):
            assert len(held(broker, owners[owner])) == 1


def test_a_running_consumer_takes_over_the_messages_of_a_process_that_died(broker):
    options = {**broker, "orphan_check_interval": 0}  # check at every poll
    with connect(options) as conn:
        queue = Queue("q").bind(conn.default_channel)
        assert queue.get(no_ack=False) is None
        publish(conn, {"n": 4})
        [name] = queued(broker)
        orphaned = os.path.join(broker["unacked_folder"], f"{socket.gethostname()}@{dead_pid()}@1")
        os.makedirs(orphaned)
        shutil.move(os.path.join(broker["data_folder_in"], name), os.path.join(orphaned, name))
        assert queue.get(no_ack=True).payload == {"n": 4}
        assert not os.path.exists(orphaned)


def test_owner_is_dead():
    host = socket.gethostname()
    assert not owner_is_dead(owner_name(os.getpid()))
    assert owner_is_dead(f"{host}@{os.getpid()}@1")
    assert owner_is_dead(f"{host}@{dead_pid()}@1")
    assert not owner_is_dead(f"{host}-elsewhere@{dead_pid()}@1")
    assert not owner_is_dead("not-an-owner-folder")
