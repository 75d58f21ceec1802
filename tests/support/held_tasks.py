"""Tasks a worker holds when it is killed: start them, see the worker hold them (its log),
and wait until every one is done, or say which were lost.

Used by the fault tests (``tests/integration/test_celery_faults.py``) and by the task-loss benchmark
(``bench/task_loss.py``), with a Flask test client of the flaskcelery app.
"""

from contextlib import suppress

from tests.support.waiting import WaitTimeout, wait_for

from .rpc import rpc
from .services import CeleryWorker


def start_tasks(client, calls) -> list[str]:
    """Make each JSON-RPC call ``(method, params)``, which starts a task: the task ids."""
    ids = []
    for method, params in calls:
        reply = rpc(client, method, params)
        assert "result" in reply, reply
        ids.append(reply["result"]["task_id"])
    return ids


def received(task_name: str, task_id: str) -> str:
    """The worker's log line (INFO) for a task message it took from the broker."""
    return f"Task {task_name}[{task_id}] received"


def succeeded(task_name: str, task_id: str) -> str:
    """The worker's log line (INFO) for a task it ran to the end."""
    return f"Task {task_name}[{task_id}] succeeded"


def wait_until_logged(worker: CeleryWorker, lines, timeout: float = 60.0) -> None:
    """Block until the worker's log holds every one of ``lines``."""
    wanted = set(lines)
    missing = list(wanted)

    def all_logged() -> bool:
        log = worker.log()
        missing[:] = [line for line in wanted if line not in log]
        return not missing

    try:
        wait_for(all_logged, timeout, f"{len(wanted)} lines in the log of {worker.name}")
    except WaitTimeout:
        raise WaitTimeout(f"{len(missing)} of {len(wanted)} lines not in the log of "
                          f"{worker.name} within {timeout} s, e.g. {missing[0]!r}") from None


def count_logged(worker: CeleryWorker, text: str) -> int:
    return worker.log().count(text)


def final_replies(client, task_ids, timeout: float) -> dict[str, dict]:
    """``get_result`` of each task once it succeeded, or its last reply at ``timeout``."""
    replies: dict[str, dict] = {}
    waiting = list(task_ids)

    def all_succeeded():
        for task_id in list(waiting):
            reply = rpc(client, "get_result", {"task_id": task_id})
            replies[task_id] = reply.get("result") or reply.get("error")
            if reply.get("result", {}).get("state") == "SUCCESS":
                waiting.remove(task_id)
        return not waiting

    with suppress(WaitTimeout):  # past the timeout, the last replies: the caller judges them
        wait_for(all_succeeded, timeout, "every task to succeed")
    return replies


def lost(replies: dict[str, dict]) -> dict[str, dict]:
    """The tasks of ``replies`` that did not succeed."""
    return {task_id: r for task_id, r in replies.items() if r.get("state") != "SUCCESS"}
