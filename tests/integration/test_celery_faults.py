"""Faults with real processes: a worker killed mid-task, a broker that goes away and comes back.

At least once, on both brokers: a worker killed with SIGKILL while it runs, prefetches or
holds countdown tasks loses none of them; each test kills it only once the worker's log or
the tasks' states show it holds them, then waits until a new worker has run every one.
"""

import os
import signal
import subprocess
import time
from contextlib import suppress

import pytest
from celery.states import READY_STATES

from flaskcelery.flask_source.FlaskEchoApp import create_app
from tests.support.held_tasks import (
    count_logged,
    final_replies,
    lost,
    received,
    start_tasks,
    succeeded,
    wait_until_logged,
)
from tests.support.rpc import rpc
from tests.support.services import app_config
from tests.support.waiting import WaitTimeout, wait_for

pytestmark = pytest.mark.slow

PRIMES_BELOW_5E8 = 26_355_867  # count_primes(5 * 10**8): a few seconds of work


def start(client, method: str, *params) -> str:
    reply = rpc(client, method, list(params))
    assert "result" in reply, reply
    return reply["result"]["task_id"]


def wait_for_state(client, task_id: str, states, timeout: float = 60.0) -> dict:
    """Poll ``get_result`` until the task is in one of ``states`` (long-polls for final ones)."""
    wait = 5 if states <= READY_STATES else 0
    last = {}

    def reached():
        last["result"] = rpc(client, "get_result", {"task_id": task_id, "wait": wait})["result"]
        return last["result"]["state"] in states

    with suppress(WaitTimeout):  # past the timeout, the last result: the caller asserts on it
        wait_for(reached, timeout, f"{task_id} in {states}")
    return last["result"]


def pool_children(worker) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(worker.proc.pid)],
                         capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


HELD_COUNTDOWN = 15.0  # s: long enough to send 200 tasks and kill the worker holding them


@pytest.fixture(params=["embedded_env",
                        pytest.param("rabbitmq_env", marks=pytest.mark.rabbitmq)])
def broker(request):
    """``(env, client)`` on each broker: its environment, a test client of the app using it."""
    env = request.getfixturevalue(request.param)
    return env, create_app(app_config(env)).test_client()


def test_a_running_task_of_a_killed_worker_completes_on_a_new_worker(broker, celery_worker):
    env, client = broker
    first = celery_worker(env, "--concurrency=1")
    task_id = start(client, "count_primes", 5 * 10**8)
    assert wait_for_state(client, task_id, {"PROGRESS"})["state"] == "PROGRESS"
    first.kill()  # the whole worker, pool included: its unacknowledged message goes back
    second = celery_worker(env, "--concurrency=1")
    result = wait_for_state(client, task_id, {"SUCCESS"}, timeout=120)
    assert result == {"task_id": task_id, "state": "SUCCESS", "revision": "SUCCESS:",
                      "result": PRIMES_BELOW_5E8}
    assert received("count_primes", task_id) in second.log()


def test_prefetched_tasks_of_a_killed_worker_complete_on_a_new_worker(broker, celery_worker):
    env, client = broker
    # One pool process, busy with the primes; the first echo waits in the worker's memory.
    first = celery_worker(env, "--concurrency=1", "--prefetch-multiplier=4")
    busy = start(client, "count_primes", 10**9)
    assert wait_for_state(client, busy, {"PROGRESS"})["state"] == "PROGRESS"
    echoes = start_tasks(client, [("echo", [f"prefetched {i}", 0]) for i in range(3)])
    wait_until_logged(first, [received("celery_echo", echoes[0])])
    assert rpc(client, "get_result", [echoes[0]])["result"]["state"] == "PENDING"
    first.kill()
    second = celery_worker(env, "--concurrency=2")
    replies = final_replies(client, [busy, *echoes], timeout=120)
    assert lost(replies) == {}
    assert [replies[t]["echo"] for t in echoes] == [f"prefetched {i}" for i in range(3)]
    assert received("celery_echo", echoes[0]) in second.log()


def test_countdown_tasks_of_a_killed_worker_complete_on_a_new_worker(broker, celery_worker):
    env, client = broker
    # Room for all 200 at once: RabbitMQ would hand out the countdown tasks a few at a time.
    first = celery_worker(env, "--concurrency=2", "--prefetch-multiplier=100")
    texts = [f"countdown {i}" for i in range(200)]
    ids = start_tasks(client, [("echo", [text, HELD_COUNTDOWN]) for text in texts])
    wait_until_logged(first, [received("celery_echo", task_id) for task_id in ids])
    first.kill()
    # What the first worker held when it died, from its own log (on a loaded machine an
    # early task's countdown may have run out before the last was sent: that one ran there).
    ran_first = first.log()
    held = [t for t in ids if succeeded("celery_echo", t) not in ran_first]
    assert ids[-1] in held  # the last one sent was received moments ago: still waiting
    second = celery_worker(env, "--concurrency=2")
    replies = final_replies(client, ids, timeout=HELD_COUNTDOWN + 120)
    assert lost(replies) == {}
    assert [replies[t]["echo"] for t in ids] == texts
    ran_second = second.log()
    assert [t for t in held if succeeded("celery_echo", t) in ran_second] == held
    assert count_logged(second, "succeeded") == len(held)  # and nothing else ran again


def test_a_burst_survives_a_worker_killed_in_the_middle(broker, celery_worker):
    env, client = broker
    first = celery_worker(env, "--concurrency=2", "--prefetch-multiplier=8")
    ids = start_tasks(client, [("echo", [f"burst {i}", 0]) for i in range(300)])
    # Killed while it runs, receives and acknowledges tasks: whatever it held comes back.
    with suppress(WaitTimeout):  # the assertion below says how many
        wait_for(lambda: count_logged(first, "succeeded") >= 30, 60, "30 tasks succeeded")
    done_before = count_logged(first, "succeeded")
    assert 30 <= done_before < len(ids), done_before
    first.kill()
    celery_worker(env, "--concurrency=2")
    assert lost(final_replies(client, ids, timeout=120)) == {}


def test_a_task_of_a_killed_pool_process_is_run_again(broker, celery_worker):
    env, client = broker
    worker = celery_worker(env, "--concurrency=1")
    task_id = start(client, "count_primes", 5 * 10**8)
    assert wait_for_state(client, task_id, {"PROGRESS"})["state"] == "PROGRESS"
    for pid in pool_children(worker):
        os.kill(pid, signal.SIGKILL)  # task_reject_on_worker_lost: requeued, not failed
    result = wait_for_state(client, task_id, {"SUCCESS", "FAILURE"})
    assert result == {"task_id": task_id, "state": "SUCCESS", "revision": "SUCCESS:",
                      "result": PRIMES_BELOW_5E8}


@pytest.mark.rabbitmq
def test_a_dead_broker_is_an_answer_and_flask_recovers(rabbitmq, rabbitmq_env, celery_worker):
    celery_worker(rabbitmq_env, "--concurrency=1")
    client = create_app(app_config(rabbitmq_env, ECHO_COUNTDOWN=0)).test_client()
    before = start(client, "echo", "before")
    assert wait_for_state(client, before, {"SUCCESS"})["echo"] == "before"

    rabbitmq.stop()
    try:
        for method, params in (("echo", ["down"]), ("count_primes", [10])):
            started = time.monotonic()
            reply = rpc(client, method, params)
            elapsed = time.monotonic() - started
            assert reply["error"]["code"] == -32000, reply
            assert reply["error"]["message"] == "Broker unavailable"
            assert elapsed < 5, f"{method} took {elapsed:.1f} s to report the broker down"
        # Results are read from the result backend: still answered.
        assert rpc(client, "get_result", [before])["result"]["echo"] == "before"
    finally:
        rabbitmq.start()

    after = start(client, "reverse", "after")  # the same app: no restart
    assert wait_for_state(client, after, {"SUCCESS"}, timeout=90)["echo"] == "retfa"
