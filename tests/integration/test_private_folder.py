"""The instance folder (embedded broker, SQLite results) is its owner's only.

* the production gunicorn (whose umask is 0: it would make every file 0666) and a worker
  started under umask 000 run a task: every folder in the instance folder is 0700, every
  file 0600;
* a folder others may write, one of another user, one under a parent anyone may write, or
  one holding a planted symlink is refused at start by the server (gunicorn,
  ``manage_celery.py runserver``) and the worker (``celeryd``) with one line that says why;
* what an earlier version left open inside (0755, 0775, 0644) is taken back (0700, 0600).
"""

import os
import pwd
import shutil
import stat
import subprocess
import uuid
from pathlib import Path

import pytest

from flask_pyjamas.settings import celery_settings
from flask_pyjamas.tasks.embedded_broker import prepare_embedded
from flask_pyjamas.tasks.private_folder import PrivateFolderError, secure_folder
from tests.support.processes import PYTHON, REPO_ROOT, free_port, gunicorn
from tests.support.rpc import RpcClient
from tests.support.services import celery_worker_process, clean_env

MANAGE = REPO_ROOT / "flaskcelery/flask_source/manage_celery.py"
APP = "flaskcelery.flask_source.FlaskEchoApp:create_app()"
UMASK_000 = ("sh", "-c", 'umask 000 && exec "$@"', "sh")


def modes(folder: Path) -> dict[str, int]:
    """Every path under ``folder`` (itself included) -> its permission bits."""
    paths = [folder, *folder.rglob("*")]
    return {str(p.relative_to(folder.parent)): stat.S_IMODE(p.lstat().st_mode) for p in paths}


def assert_private(folder: Path) -> None:
    found = modes(folder)
    wrong = {p: f"{m:04o}" for p, m in found.items()
             if m != (0o700 if Path(folder.parent, p).is_dir() else 0o600)}
    assert wrong == {}, wrong


def test_a_task_run_under_umask_0_leaves_only_private_files(tmp_path):
    instance = tmp_path / "instance"
    env = clean_env(FLASKCELERY_INSTANCE=str(instance),
                    CORS_ALLOWED_ORIGINS="http://localhost:8000", ECHO_COUNTDOWN="0")
    with celery_worker_process(env, log_dir=tmp_path, prefix=UMASK_000), \
            gunicorn(APP, production=True, env=env, log_path=tmp_path / "gunicorn.log") as (
                base, _), RpcClient(base + "/json_celery_class") as client:
        answer = client.call("echo", text="private", wait=20)
        assert answer["state"] == "SUCCESS", answer
        client.call("cancel", answer["task_id"])  # a broadcast through the control folder
        files = [p for p in instance.rglob("*") if p.is_file()]
        assert any(p.name == "results.sqlite" for p in files)
        assert any(p.suffix == ".exchange" for p in files)
        assert_private(instance)


def test_what_an_earlier_run_left_readable_is_taken_back(tmp_path):
    instance = tmp_path / "instance"
    (instance / "broker" / "queue").mkdir(parents=True)
    for folder in (instance, instance / "broker", instance / "broker" / "queue"):
        folder.chmod(0o755)
    (instance / "broker").chmod(0o775)  # inside a folder no one else may write: made private
    (instance / "results.sqlite").write_bytes(b"")
    (instance / "results.sqlite").chmod(0o644)
    (instance / "broker" / "queue" / "1_x.celery.msg").write_text("{}")
    (instance / "broker" / "queue" / "1_x.celery.msg").chmod(0o666)
    prepare_embedded(celery_settings(tmp_path, {"FLASKCELERY_INSTANCE": str(instance)},
                                     import_name="flaskcelery"))
    assert_private(instance)


def test_a_new_folder_is_private_whatever_the_umask(tmp_path):
    old = os.umask(0)
    try:
        folder = secure_folder(tmp_path / "a" / "b" / "c")
    finally:
        os.umask(old)
    assert {stat.S_IMODE((tmp_path / p).stat().st_mode) for p in ("a", "a/b", "a/b/c")} == {
        0o700}
    assert folder == tmp_path / "a" / "b" / "c"


def loose(tmp_path: Path) -> Path:
    folder = tmp_path / "instance"
    folder.mkdir()
    folder.chmod(0o777)
    return folder


def foreign(tmp_path: Path) -> Path:
    folder = tmp_path / "instance"
    folder.mkdir(mode=0o700)
    os.chown(folder, pwd.getpwnam("nobody").pw_uid, -1)
    return folder


def planted_symlink(tmp_path: Path) -> Path:
    folder = tmp_path / "instance"
    (folder / "broker").mkdir(parents=True, mode=0o700)
    target = tmp_path / "root-only"
    target.mkdir(mode=0o700)
    (folder / "broker" / "queue").symlink_to(target)
    return folder


def under_a_shared_parent(tmp_path: Path) -> Path:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # anyone could rename the instance folder away and put theirs
    return shared / "instance"


CASES = {
    "writable by others": (loose, "is writable by other users (mode 0777)"),
    "another user's": (foreign, "belongs to nobody"),
    "a planted symlink": (planted_symlink, "is a symbolic link (to "),
    "a parent anyone may write": (under_a_shared_parent, "is writable by every user"),
}


def make(case: str, tmp_path: Path) -> tuple[Path, str]:
    setup, reason = CASES[case]
    if case == "another user's" and os.geteuid() != 0:
        pytest.skip("giving a folder to another user takes root")
    return setup(tmp_path), reason


@pytest.mark.parametrize("case", CASES)
def test_secure_folder_refuses(tmp_path, case):
    folder, reason = make(case, tmp_path)
    with pytest.raises(PrivateFolderError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        prepare_embedded(celery_settings(tmp_path, {"FLASKCELERY_INSTANCE": str(folder)},
                                         import_name="flaskcelery"))


@pytest.mark.parametrize("command", ["celeryd", "runserver"])
@pytest.mark.parametrize("case", CASES)
def test_the_server_and_the_worker_refuse_to_start(tmp_path, case, command):
    folder, reason = make(case, tmp_path)
    args = [PYTHON, MANAGE, command] + (["--port", str(free_port())] if command == "runserver"
                                        else [])
    result = subprocess.run(args, env={**os.environ, **clean_env(
        FLASKCELERY_INSTANCE=str(folder))}, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # one line, no traceback
    assert lines[0].startswith(f"manage_celery.py: refusing the private folder {folder}: ")
    assert reason in lines[0]


def test_the_production_gunicorn_refuses_to_start(tmp_path):
    folder = loose(tmp_path)
    port = free_port()
    result = subprocess.run(
        [str(Path(PYTHON).with_name("gunicorn")), "-c", "python:flask_pyjamas.gunicorn_config",
         "--bind", f"127.0.0.1:{port}", APP], cwd=REPO_ROOT, capture_output=True, text=True,
        env={**os.environ, **clean_env(FLASKCELERY_INSTANCE=str(folder))}, timeout=60)
    assert result.returncode != 0
    assert f"refusing the private folder {folder}: {folder} is writable by other users" in (
        result.stderr)
    assert "Worker failed to boot" in result.stderr  # the master stops: no restart loop


def test_a_refused_folder_is_left_as_it_was(tmp_path):
    folder = loose(tmp_path)
    (folder / "planted.msg").write_text("{}")
    with pytest.raises(PrivateFolderError):
        secure_folder(folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o777
    assert (folder / "planted.msg").read_text() == "{}"


def test_a_running_worker_folder_stays_private_for_new_messages(tmp_path):
    """The server's message files are 0600 from their first byte (never a chmod after)."""
    instance = tmp_path / "instance"
    settings = celery_settings(tmp_path, {"FLASKCELERY_INSTANCE": str(instance)},
                               import_name="flaskcelery")
    prepare_embedded(settings)
    from kombu import Connection

    old = os.umask(0)
    try:
        with Connection(settings["broker_url"],
                        transport_options=settings["broker_transport_options"]) as connection:
            queue = connection.SimpleQueue(f"q{uuid.uuid4().hex[:8]}")
            queue.put({"private": True})
            queue.close()
    finally:
        os.umask(old)
    messages = list((instance / "broker" / "queue").glob("*.msg"))
    assert messages and {stat.S_IMODE(m.stat().st_mode) for m in messages} == {0o600}
    shutil.rmtree(instance)

