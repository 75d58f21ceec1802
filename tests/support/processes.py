"""Real server processes for tests: free ports, waiting until they listen, stopping them."""

import importlib
import os
import re
import signal
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.waiting import wait_for

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen | None = None, timeout: float = 30.0) -> None:
    """Block until something accepts connections on 127.0.0.1:port, or fail loudly."""

    def listening() -> bool:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True

    wait_for(listening, timeout, f"a server on 127.0.0.1:{port}", ignore=(OSError,))


def wait_for_output(log_path, text: str, proc: subprocess.Popen | None = None,
                    timeout: float = 30.0) -> None:
    """Block until ``text`` is in the log at ``log_path`` (a process prints its banner after
    its ports listen), or fail loudly with the log."""

    def printed() -> bool:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before printing "
                               f"{text!r}:\n{read_log(log_path)}")
        return text in read_log(log_path)

    wait_for(printed, timeout, f"{text!r} in {log_path}")


def stop_process(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout)


@contextmanager
def running(args, *, port=None, env=None, cwd=None, log_path=None, timeout=30.0):
    """Run `args` in its own process group, wait for `port`, and stop it on exit.

    Output goes to `log_path` (read it to assert on the server's log) or is discarded.
    """
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    log = open(log_path, "wb") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen(
        [str(a) for a in args],
        cwd=cwd or REPO_ROOT,
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        if port is not None:
            wait_for_port(port, proc, timeout)
        yield proc
    finally:
        stop_process(proc)
        if log_path:
            log.close()


def require(condition: bool, reason: str) -> None:
    """Skip when a system dependency is missing; with CI=true that is a failure instead."""
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and {reason}")
    pytest.skip(reason)


def require_module(name: str, debian_package: str):
    """Import ``name`` for a test module's top: the module, or the whole test module skipped
    with a reason naming ``debian_package`` (a failure with CI=true), never a collection
    error."""
    try:
        return importlib.import_module(name)
    except ImportError:
        reason = f"this Python has no {name} (on Debian: apt-get install {debian_package})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {reason}", pytrace=False)
        pytest.skip(reason, allow_module_level=True)


PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
# One worker process: the machine has 2 cores and a load generator needs one of them.
# Threads so keep-alive connections and long-polls do not block each other.
GUNICORN_WORKERS = 1
GUNICORN_THREADS = 4


def descendants(pid: int) -> list[int]:
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return found
    for tid in tasks:
        try:
            children = Path(f"/proc/{pid}/task/{tid}/children").read_text().split()
        except FileNotFoundError:
            continue
        for child in map(int, children):
            found += [child, *descendants(child)]
    return found


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by ``pid`` and its live descendants: what a
    server spent on a round of load, far less sensitive to a noisy machine than wall time."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in [pid, *descendants(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rpartition(")")[2].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(f"no {field} in /proc/{pid}/status")


def reset_peak_memory(pid: int) -> None:
    """Start ``pid``'s peak resident memory (VmHWM) again from its current size."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def peak_memory_mib(pid: int) -> float:
    """``pid``'s peak resident memory (VmHWM) since it started or since
    :func:`reset_peak_memory`, in MiB."""
    return _status_kib(pid, "VmHWM") / 1024


def memory_mib(pid: int) -> float:
    """``pid``'s resident memory now (VmRSS), in MiB."""
    return _status_kib(pid, "VmRSS") / 1024

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def read_log(path) -> str:
    """A server log's text without the colour codes Werkzeug writes even into files."""
    return _ANSI_ESCAPE.sub("", Path(path).read_text(errors="replace"))


# The documented production setup (docs/flaskcelery.rst, "Production"): this config module.
PRODUCTION_CONFIG = "python:flask_pyjamas.gunicorn_config"


@contextmanager
def gunicorn(app_spec: str, *, log_path: Path, env: dict | None = None,
             workers: int = GUNICORN_WORKERS, threads: int = GUNICORN_THREADS,
             chdir: Path = REPO_ROOT, production: bool = False):
    """Serve ``app_spec`` (``module:factory()``, imported from ``chdir``) with gunicorn's
    gthread worker; yields ``(base_url, process)``. No access log: not what is measured.

    ``production``: the documented command, ``gunicorn -c PRODUCTION_CONFIG APP``, on a free
    port (its one worker process as on this 2-core machine; ``workers``/``threads`` unused)."""
    port = free_port()
    args = [GUNICORN, "--bind", f"127.0.0.1:{port}"]
    if production:
        args += ["-c", PRODUCTION_CONFIG]
    else:
        args += ["--workers", str(workers), "--threads", str(threads), "--worker-class",
                 "gthread", "--keep-alive", "30", "--graceful-timeout", "3"]
    args += ["--log-level", "warning", "--chdir", str(chdir), app_spec]
    with running(args, port=port, env=env, log_path=log_path, timeout=60) as proc:
        yield f"http://127.0.0.1:{port}", proc


@contextmanager
def static_server(directory: Path, *, log_path: Path, port: int | None = None):
    """``python -m http.server`` on ``directory`` (a plain web server, none of the bundle's
    code); yields the base URL, ``http://127.0.0.1:<port>``."""
    port = port or free_port()
    args = [PYTHON, "-m", "http.server", str(port), "--bind", "127.0.0.1",
            "--directory", str(directory)]
    with running(args, port=port, log_path=log_path):
        yield f"http://127.0.0.1:{port}"
