"""``python -m flaskcelery`` as a real subprocess: the page, the Flask app and its own Celery
worker on the embedded broker; a signal stops all of it, the worker's pool processes included.
"""

import os
import re
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest

from flask_pyjamas.build.pyjsbuild import build_if_stale
from flaskcelery.__main__ import PAGE as PAGE_MODULE
from tests.support.browser import run_demo
from tests.support.processes import REPO_ROOT
from tests.support.rpc import RpcClient
from tests.support.services import clean_env
from tests.support.waiting import WaitTimeout, wait_for

PAGE = PAGE_MODULE.stem + ".html"


def demo_env(instance: Path) -> dict:
    return clean_env(FLASKCELERY_INSTANCE=str(instance), ECHO_COUNTDOWN="1")


@pytest.fixture(scope="module")
def built():
    build_if_stale(PAGE_MODULE)


@pytest.fixture(scope="module")
def demo(built, tmp_path_factory):
    log_path = tmp_path_factory.mktemp("demo") / "demo.log"
    with run_demo("flaskcelery", env=demo_env(tmp_path_factory.mktemp("instance")),
                  log_path=log_path) as running_demo:
        yield running_demo


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode()


def rpc(demo, method: str, params, url: str | None = None):
    """A JSON-RPC call from the page's origin, as the browser sends it, to ``url`` (default:
    the demo's ``/json_celery_class``); the parsed reply."""
    with RpcClient(url or demo.api_url + "/json_celery_class",
                   f"http://localhost:{demo.page_port}") as client:
        return client.post(client.request(method, params))


def process_table() -> dict[int, tuple[int, str]]:
    """``{pid: (parent pid, state)}`` of every process, from /proc."""
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # it has just exited
            continue
        state, ppid = text[text.rindex(")") + 2:].split()[:2]
        table[int(stat.parent.name)] = (int(ppid), state)
    return table


def descendants(pid: int) -> set[int]:
    """The processes started by ``pid``, their children, and so on."""
    table = process_table()
    found, pending = set(), [pid]
    while pending:
        parent = pending.pop()
        children = {child for child, (ppid, _) in table.items() if ppid == parent}
        pending.extend(children - found)
        found |= children
    return found


def running_pids(pids) -> set[int]:
    """Those of ``pids`` that still run (an exited, unreaped zombie does not)."""
    table = process_table()
    return {pid for pid in pids if pid in table and table[pid][1] != "Z"}


def wait_for_log(demo, pattern: str, timeout: float = 30.0) -> str:
    try:
        return wait_for(lambda: re.search(pattern, demo.log()), timeout,
                        f"{pattern!r} in the demo's log").group(0)
    except WaitTimeout:
        raise WaitTimeout(f"{pattern!r} not in the demo's log:\n{demo.log()}") from None


def test_serves_the_built_page_and_prints_its_url(demo):
    status, index = get(f"http://127.0.0.1:{demo.page_port}/")
    assert status == 200 and PAGE in index
    status, html = get(f"http://127.0.0.1:{demo.page_port}/{PAGE}")
    assert status == 200 and f'src="js/{PAGE_MODULE.stem}.js"' in html
    status, script = get(f"http://127.0.0.1:{demo.page_port}/js/{PAGE_MODULE.stem}.js")
    assert status == 200 and "TaskFollower" in script
    url = f"http://localhost:{demo.page_port}/{PAGE}?server=http://localhost:{demo.api_port}"
    assert "Open " + url in demo.log()


def test_same_origin_echo_service_is_beside_the_page(demo):
    url = f"http://localhost:{demo.page_port}/services/EchoService.py"
    assert rpc(demo, "reverse", ["abc"], url)["result"] == "cba"


def test_flask_echo_views_answer_at_once(demo):
    for path in ("/json_echo/", "/json_echo_class"):
        assert rpc(demo, "uppercase", ["abc"], demo.api_url + path)["result"] == "ABC"


@pytest.mark.parametrize("method, expected", [("echo", "Hi there"), ("reverse", "ereht iH"),
                                              ("uppercase", "HI THERE")])
def test_rpc_through_the_demo_worker(demo, method, expected):
    started = rpc(demo, method, ["Hi there"])["result"]
    assert set(started) == {"task_id"}

    # the original client's call: named params, with one the server ignores
    params = {"task_id": started["task_id"], "bogus": "blue"}
    first = rpc(demo, "get_result", params)["result"]
    revision = first.pop("revision")  # (opaque: it changes with the state)
    assert first == {"task_id": started["task_id"], "state": "PENDING"}  # the 1 s countdown
    done = rpc(demo, "get_result", {**params, "wait": 20})["result"]
    assert done.pop("revision") != revision
    assert done == {"task_id": started["task_id"], "state": "SUCCESS", "result": expected,
                    "echo": expected}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_page_flask_and_worker(built, tmp_path, sig):
    with run_demo("flaskcelery", env=demo_env(tmp_path / "instance"),
                  log_path=tmp_path / "demo.log") as demo:
        wait_for_log(demo, r"flaskcelery-demo@\S+ ready\.")
        processes = descendants(demo.process.pid)
        assert len(processes) >= 2  # the worker and its pool process(es)
        assert rpc(demo, "echo", ["ping"])["result"]["task_id"]

        # to the demo's process only: Ctrl-C in a terminal reaches its process group, which
        # the worker is not part of
        demo.process.send_signal(sig)
        returncode = demo.process.wait(30)

    assert returncode == 0, demo.log()
    assert running_pids(processes) == set(), demo.log()
    assert "Warm shutdown" in demo.log()


def test_make_demo_passes_args_to_the_demo():
    """``make demo ARGS="..."``: the options reach ``python -m flaskcelery`` (dry run)."""
    result = subprocess.run(["make", "-n", "demo", "ARGS=--page-port 8080 --api-port 5050"],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "-m flaskcelery --page-port 8080 --api-port 5050" in result.stdout


def test_a_dead_worker_stops_the_demo_with_a_clear_message(built, tmp_path):
    """A worker that dies (here: SIGKILL) leaves no page waiting for ever on PENDING tasks:
    the demo stops, non-zero, with a line naming the cause."""
    with run_demo("flaskcelery", env=demo_env(tmp_path / "instance"),
                  log_path=tmp_path / "demo.log") as demo:
        wait_for_log(demo, r"flaskcelery-demo@\S+ ready\.")
        children = {pid for pid, (ppid, _) in process_table().items()
                    if ppid == demo.process.pid}
        assert len(children) == 1, children  # the worker (its pool processes are its own)
        worker = children.pop()
        os.killpg(worker, signal.SIGKILL)  # the worker and its pool, as the OOM killer might
        returncode = demo.process.wait(30)

    assert returncode == 1, demo.log()
    assert re.search(rf"python -m flaskcelery: the Celery worker \(pid {worker}\) was killed "
                     r"by SIGKILL; without it no task would run", demo.log()), demo.log()
