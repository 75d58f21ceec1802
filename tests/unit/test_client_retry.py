"""The task follower's retry policy under CPython: which failures it retries, and the bounds
of its backoff (flask_pyjamas.client.retry, compiled into the pages as it is)."""

import pytest

from flask_pyjamas.client.retry import RetryPolicy
from flask_pyjamas.client.runtime import new_task_id, random_fraction
from flask_pyjamas.client.task_follower import seconds_text


def rpc_error(code, data=None):
    """What onRemoteError gets for a JSON-RPC error object: HTTP status 0 and the error."""
    return 0, {"code": code, "message": "m", "data": data}


def http_error(status):
    return status, {"code": status, "message": "m", "data": None}


@pytest.mark.parametrize("failure", [
    http_error(0), http_error(502), http_error(503), http_error(504),
    rpc_error(-32000), rpc_error(-32003), rpc_error(-32007),
])
def test_transient_failures_are_retried(failure):
    assert RetryPolicy().is_transient(*failure)


@pytest.mark.parametrize("failure", [
    rpc_error(-32001), rpc_error(-32004), rpc_error(-32602), rpc_error(-32601),
    rpc_error(-32603), rpc_error(-32005), rpc_error(-32600), http_error(400),
    http_error(403), http_error(404), http_error(413), http_error(500),
])
def test_permanent_failures_end_the_job(failure):
    assert not RetryPolicy().is_transient(*failure)


def test_backoff_doubles_from_base_up_to_the_cap():
    policy = RetryPolicy(base_millis=200, cap_millis=3000)
    ceilings = [policy.delay_millis(attempt, 0.999999) for attempt in range(8)]
    floors = [policy.delay_millis(attempt, 0.0) for attempt in range(8)]
    assert ceilings == [199, 399, 799, 1599, 2999, 2999, 2999, 2999]
    assert floors == [100, 200, 400, 800, 1500, 1500, 1500, 1500]


@pytest.mark.parametrize("attempt", [0, 1, 3, 10, 50, 1000])
def test_every_delay_lies_within_half_the_ceiling_and_the_ceiling(attempt):
    policy = RetryPolicy()
    ceiling = min(policy.cap_millis, policy.base_millis * 2 ** min(attempt, 30))
    delays = [policy.delay_millis(attempt, random_fraction()) for _ in range(200)]
    assert all(ceiling / 2 - 1 <= delay <= ceiling for delay in delays)
    assert len(set(delays)) > 1 or ceiling < 4  # jitter: not all the same


def test_retry_after_from_the_server_raises_the_delay():
    policy = RetryPolicy(base_millis=100, cap_millis=1000)
    code, error = rpc_error(-32007, {"retry_after": 2.5})
    assert policy.delay_millis(0, 0.0, error) == 2500
    for data in [{"retry_after": "soon"}, {"retry_after": -1}, None, {"retry_after": True}]:
        code, error = rpc_error(-32007, data)
        assert policy.delay_millis(0, 0.0, error) == 50


def test_gives_up_only_after_its_limit_and_never_with_zero():
    assert not RetryPolicy(give_up_millis=1000).gives_up(999)
    assert RetryPolicy(give_up_millis=1000).gives_up(1000)
    assert not RetryPolicy(give_up_millis=0).gives_up(10 ** 9)


def test_default_policy_retries_within_two_seconds_of_a_return():
    """The default cap is what bounds the time from a server's return to the next try."""
    policy = RetryPolicy()
    assert max(policy.delay_millis(a, 0.999999) for a in range(40)) < 2000


def test_task_ids_are_version_4_uuids():
    import uuid

    ids = {new_task_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(uuid.UUID(task_id).version == 4 and str(uuid.UUID(task_id)) == task_id
               for task_id in ids)


def test_seconds_text():
    assert [seconds_text(m) for m in (0, 99, 1500, 12345)] == ["0.0 s", "0.0 s", "1.5 s",
                                                                "12.3 s"]
