"""The task follower under CPython (the desktop window's runtime, headless here) against real
processes: a start whose answer is lost is never sent twice, and a start that never reached
the server is sent again under the same id. The proxy in front
(:class:`tests.support.flaky_proxy.FlakyProxy`) loses exactly one answer.
"""

import queue

import pytest

from flask_pyjamas.client.retry import RetryPolicy
from flask_pyjamas.client.task_follower import TaskFollower
from pyjamas.JSONService import JSONProxy
from tests.support.flaky_proxy import FlakyProxy
from tests.support.task_stack import TaskStack

pytestmark = pytest.mark.slow


class Events:
    """A page's handler: every call, in order, on a queue."""

    def __init__(self):
        self.calls = queue.SimpleQueue()

    def __getattr__(self, name):
        if not name.startswith("onTask"):
            raise AttributeError(name)
        return lambda follower, *args: self.calls.put((name, *args))

    def until(self, name, timeout=60.0) -> list:
        seen = []
        while True:
            call = self.calls.get(timeout=timeout)
            seen.append(call)
            if call[0] == name:
                return seen


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with TaskStack(tmp_path_factory.mktemp("stack"), ECHO_COUNTDOWN="0") as running:
        running.start_flask()
        running.start_worker()
        yield running


@pytest.mark.parametrize("forward", [True, False], ids=["answer-lost", "request-lost"])
def test_a_lost_start_is_sent_at_most_once_more(stack, forward):
    with FlakyProxy(stack.api_url) as proxy:
        service = JSONProxy(proxy.url + "/json_celery_class", ["get_result", "cancel"],
                            headers={"Origin": stack.page_base})
        events = Events()
        follower = TaskFollower(service, events, retry=RetryPolicy(base_millis=50))
        proxy.lose_next_answer(forward=forward)
        follower.start("reverse", {"text": "lost and found"})

        seen = events.until("onTaskDone")

    assert seen[-1] == ("onTaskDone", "dnuof dna tsol")
    notices = [call[1] for call in seen if call[0] == "onTaskNotice"]
    assert notices and "HTTP error 502" in notices[0]
    worker_log = stack.workers[-1].log()
    assert worker_log.count(f"celery_echo[{follower.task_id}] received") == 1
    # answer lost: the start, then get_result(s); request lost: the start, get_result (-32004,
    # never heard of it), the start again
    assert follower.requests >= (2 if forward else 3)
