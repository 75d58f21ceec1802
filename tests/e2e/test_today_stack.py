"""Today's stack: Python 3.14, RabbitMQ 4, Redis 8, from Debian testing ("forky").

A Debian testing root made with debootstrap once per machine (:mod:`tests.support.debian_root`,
reused while it holds the same packages) with Debian's ``python3.14``, ``rabbitmq-server``
and ``redis-server``. In it, on Python 3.14: the project's install (``scripts/setup-venv.sh``,
what ``make setup`` runs, from the lock files; the virtual environment is kept in the root
and reused), ``./build.sh``, and the Celery tests against its RabbitMQ and Redis. The page
built there is then served from the root and driven in the host's Chromium.

``make test-today`` runs this tier alone. Not root, or no debootstrap: skipped with the
reason (a failure with ``CI=true``).
"""

import re

import pytest

from flask_pyjamas.build.pyjsbuild import build
from flaskcelery.__main__ import PAGE as CELERY_PAGE
from flaskcors.__main__ import PAGE as CORS_PAGE
from tests.support.browser import Demo
from tests.support.debian_root import SOURCE, DebianRoot, require_debootstrap
from tests.support.processes import REPO_ROOT, free_port, running, wait_for_port
from tests.support.waiting import WaitTimeout, wait_for

PACKAGES = ("python3.14", "python3.14-venv", "rabbitmq-server", "redis-server")
VENV = "/opt/flaskexamples-venv"  # in the root: made once, then reused
ACTIVATE = f"PATH={VENV}/bin:$PATH"
PAGES = (CORS_PAGE, CELERY_PAGE)
# The Celery tests run in the root on its RabbitMQ 4 and Redis 8 (the "rabbitmq" mark): echo,
# progress, cancel, the one-request path, workers killed with SIGKILL, quorum queues.
# Making the root, the install and the Celery tests run for minutes the first time on a machine.
pytestmark = pytest.mark.timeout(1800)
CELERY_TESTS = ("tests/integration/test_celery_rpc.py", "tests/integration/test_celery_faults.py",
                "tests/integration/test_rabbitmq_quorum.py")


@pytest.fixture(scope="module")
def forky():
    require_debootstrap()
    root = DebianRoot("forky", PACKAGES)
    try:
        root.open()
        yield root
    finally:
        root.close()


@pytest.fixture(scope="module")
def installed(forky):
    """The project installed on the root's Python 3.14 as ``make setup`` does."""
    forky.run(f"PYTHON=python3.14 VENV={VENV} bash scripts/setup-venv.sh", timeout=900)
    return forky


@pytest.fixture(scope="module")
def built(installed):
    """``./build.sh`` run in the root, on Python 3.14."""
    installed.run(f"{ACTIVATE} ./build.sh")
    return installed


def test_the_root_has_todays_versions(forky):
    assert forky.package_version("python3.14").startswith("3.14")
    assert re.match(r"4\.", forky.package_version("rabbitmq-server"))
    assert re.match(r"(\d+:)?8\.", forky.package_version("redis-server"))


def test_the_project_installs_from_the_lock_on_python_314(installed):
    output = installed.run(f"{ACTIVATE} python -c 'import sys; print(sys.version_info[:2])' && "
                           f"{ACTIVATE} python -m pip check").stdout
    assert output.splitlines()[0] == "(3, 14)"
    assert "No broken requirements found." in output


def test_the_pinned_compiler_alone_fails_on_python_314(installed):
    """Why flask_pyjamas.build.transcrypt_compat exists: Transcrypt 3.9.5 by itself aborts."""
    result = installed.run(f"cd flaskcors && {ACTIVATE} python -m transcrypt -b -n -od "
                           f"/tmp/bare-transcrypt {CORS_PAGE.name}", check=False)
    assert "Error while compiling" in result.stdout
    assert "Aborted" in result.stdout


def test_pages_built_on_314_are_byte_identical_to_this_pythons(built, tmp_path):
    for page in PAGES:
        here = build(page, tmp_path / page.stem)
        there = built.inside(SOURCE) / page.parent.relative_to(REPO_ROOT) / "output"
        files = sorted(p.relative_to(here) for p in here.rglob("*") if p.is_file())
        assert files == sorted(p.relative_to(there) for p in there.rglob("*") if p.is_file())
        assert any(name.suffix == ".js" for name in files)
        for name in files:
            assert (here / name).read_bytes() == (there / name).read_bytes(), f"{name} differs"


def test_celery_on_rabbitmq_4_and_redis_8_on_python_314(installed):
    tests = " ".join(CELERY_TESTS)
    result = installed.run(f"{ACTIVATE} python -m pytest -q -rp -p no:cacheprovider "
                           f"-m rabbitmq {tests}", env={"CI": "true"}, timeout=1200)
    summary = result.stdout.strip().splitlines()[-1]
    assert re.search(r"\d+ passed", summary) and not re.search("failed|skipped|error", summary)
    passed = [line for line in result.stdout.splitlines() if line.startswith("PASSED ")]
    for module in CELERY_TESTS:  # each module ran there, none deselected whole
        assert any(line.startswith(f"PASSED {module}::") for line in passed), module


CELERY_HTML = CELERY_PAGE.stem + ".html"


def wait_for_text(page, selector: str, prefix: str, log_path, timeout: float) -> str:
    """Wait until the text of ``selector`` starts with ``prefix``; that text. On a timeout,
    the assertion shows the text and the demo's log."""
    try:
        return wait_for(lambda: _starting_with(page, selector, prefix), timeout,
                        f"{selector} to start with {prefix!r}")
    except WaitTimeout as exc:
        raise AssertionError(f"{selector}: {page.text_content(selector)!r}; the demo's log:\n"
                             f"{log_path.read_text(errors='replace')[-5000:]}") from exc


def _starting_with(page, selector: str, prefix: str) -> str | None:
    text = page.text_content(selector) or ""
    return text if text.startswith(prefix) else None


def test_the_page_built_there_runs_in_the_hosts_chromium(built, page, tmp_path):
    page_port, api_port = free_port(), free_port()
    command = built.command(
        f"exec {VENV}/bin/python -m tests.support.today_demo --no-build "
        f"--page-port {page_port} --api-port {api_port}",
        env={"CORS_ALLOWED_ORIGINS": f"http://localhost:{page_port}", "ECHO_COUNTDOWN": "1"})
    log_path = tmp_path / "today-demo.log"
    with running(command, port=page_port, log_path=log_path, timeout=120) as process:
        wait_for_port(api_port, process, 60)
        # Quorum queues: the worker declares the delayed-delivery queues that countdown tasks
        # go through when it starts (docs/versions.rst); the page must not start one sooner.
        def worker_ready() -> bool:
            assert process.poll() is None, log_path.read_text(errors="replace")
            return " ready." in log_path.read_text(errors="replace")

        wait_for(worker_ready, 60, "the worker in the root to be ready")
        demo = Demo(page_port, api_port, log_path, process)
        page.goto(demo.url(CELERY_HTML) + "&poll=200")
        page.fill("#text", "Hello 3.14")
        page.select_option("#method", label="Reverse")
        page.click("#send-celery")
        status = wait_for_text(page, "#status", "Celery echo: ", log_path, timeout=60)
        assert status.startswith("Celery echo: " + "Hello 3.14"[::-1])
        page.select_option("#primes-n", value="100000000")
        page.click("#send-primes")
        job = wait_for_text(page, "#job-1", "Primes below 100000000: 5761455", log_path,
                            timeout=120)
        assert "Elapsed Time:" in job
        log = log_path.read_text(errors="replace")
    assert "today-demo: RabbitMQ on" in log
    assert "POST /json_celery_class" in log
