"""The pinned Transcrypt on every supported Python (flask_pyjamas.build.transcrypt_compat).

What the installed compiler reads is checked against what the module restores; on this
Python nothing needs restoring; a Python outside the supported range gets one line. The
pages built on pyenv's 3.12 and 3.13, where present, are byte-identical to this Python's
(3.14 is compared in the "today's stack" tier, tests/e2e/test_today_stack.py).
"""

import ast
import importlib.util
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from flask_pyjamas.build import transcrypt_compat
from flask_pyjamas.build.pyjsbuild import BuildError, build
from flaskcelery.__main__ import PAGE as CELERY_PAGE
from flaskcors.__main__ import PAGE as CORS_PAGE
from tests.support.processes import REPO_ROOT

# transcrypt is a namespace package (a __main__.py, no __init__.py)
COMPILER = (Path(next(iter(importlib.util.find_spec("transcrypt").submodule_search_locations)))
            / "modules" / "org" / "transcrypt" / "compiler.py")
# The node classes and aliases Python 3.14 removed from the ast module.
REMOVED_IN_314 = {"Str", "Num", "NameConstant", "Bytes", "Ellipsis"}
PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
VENVS = Path.home() / ".cache" / "flaskexamples" / "compiler-venvs"


def compiler_reads() -> tuple[set[str], set[str]]:
    """The names the compiler takes from the ``ast`` module (``ast.X``), and the attributes
    it reads of nodes that are ``ast.Constant`` (``node.s``, ``node.n``...)."""
    with warnings.catch_warnings():  # its source has invalid escapes (SyntaxWarning on 3.12+)
        warnings.simplefilter("ignore")
        tree = ast.parse(COMPILER.read_text())
    module_names = {node.attr for node in ast.walk(tree)
                    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id == "ast"}
    # Every one-letter attribute read: the compiler's only one-letter ones are the aliases.
    short = {node.attr for node in ast.walk(tree)
             if isinstance(node, ast.Attribute) and len(node.attr) == 1}
    return module_names, short


def test_the_compiler_reads_no_node_class_that_314_removed():
    module_names, _ = compiler_reads()
    assert "Constant" in module_names  # it reads literals as Constant nodes...
    assert module_names & REMOVED_IN_314 == set()  # ...and never through the old classes


def test_the_constant_aliases_it_reads_are_the_ones_restored():
    _, short = compiler_reads()
    assert short == set(transcrypt_compat.CONSTANT_ALIASES) == {"s", "n"}


def test_restored_aliases_read_and_write_the_value(monkeypatch):
    for name in transcrypt_compat.CONSTANT_ALIASES:  # as on 3.14, whatever this Python is
        if name in vars(ast.Constant):
            monkeypatch.delattr(ast.Constant, name)
    assert transcrypt_compat.restore_constant_aliases() == ["s", "n"]
    node = ast.Constant("text")
    assert node.s == "text"
    node.n = 42
    assert node.value == 42
    assert transcrypt_compat.restore_constant_aliases() == []  # already there: left alone


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="3.14 has no aliases to leave alone")
def test_a_python_that_has_the_aliases_keeps_its_own():
    before = {name: vars(ast.Constant).get(name) for name in ("s", "n")}
    assert transcrypt_compat.restore_constant_aliases() == []
    assert {name: vars(ast.Constant).get(name) for name in ("s", "n")} == before


@pytest.mark.parametrize("version", [(3, 10), (3, 15), (4, 0)])
def test_an_unsupported_python_gets_one_line_naming_the_versions(version):
    reason = transcrypt_compat.unsupported_python(version)
    assert reason.startswith("Transcrypt 3.9.5 runs on Python 3.11 to 3.14; this is Python "
                             f"{version[0]}.{version[1]} ")
    assert "\n" not in reason


@pytest.mark.parametrize("version", [(3, 11), (3, 12), (3, 13), (3, 14)])
def test_the_supported_pythons(version):
    assert transcrypt_compat.unsupported_python(version) is None


def test_the_build_stops_with_that_line_before_the_compiler_runs(monkeypatch, tmp_path):
    monkeypatch.setattr(transcrypt_compat, "SUPPORTED", ((3, 20), (3, 21)))
    with pytest.raises(BuildError) as caught:
        build(CORS_PAGE, tmp_path / "out")
    assert str(caught.value).startswith("Transcrypt 3.9.5 runs on Python 3.20 to 3.21; this is")
    assert "\n" not in str(caught.value) and not (tmp_path / "out").exists()


def test_the_compiler_process_says_it_too_with_status_2(tmp_path):
    code = ("import sys; from flask_pyjamas.build import transcrypt_compat as c; "
            "c.SUPPORTED = ((3, 20), (3, 21)); sys.exit(c.main(['page.py']))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=REPO_ROOT)
    assert result.returncode == transcrypt_compat.UNSUPPORTED_EXIT == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("pyjsbuild: Transcrypt 3.9.5 runs on Python 3.20 to 3.21")


def pyenv_python(minor: str) -> Path | None:
    found = sorted(PYENV.glob(f"{minor}.*/bin/python{minor}")) if PYENV.is_dir() else []
    return found[-1] if found else None


def compiler_venv(python: Path, minor: str) -> Path:
    """A virtual environment of ``python`` with the lock's Transcrypt (made once, kept in
    ~/.cache)."""
    venv = VENVS / f"py{minor}"
    stamp = venv / "lock.txt"
    lock = (REPO_ROOT / "requirements.txt").read_text()
    if not stamp.is_file() or stamp.read_text() != lock:
        subprocess.run([str(python), "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                        "-c", str(REPO_ROOT / "requirements.txt"), "Transcrypt"], check=True,
                       timeout=600)
        stamp.write_text(lock)
    return venv / "bin" / "python"


@pytest.mark.slow
@pytest.mark.parametrize("minor", ["3.12", "3.13"])
def test_pages_built_on_pyenvs_python_are_byte_identical(minor, tmp_path):
    python = pyenv_python(minor)
    if python is None:
        pytest.skip(f"no pyenv Python {minor} here (3.14 is compared in test_today_stack.py)")
    venv_python = compiler_venv(python, minor)
    (tmp_path / "here").mkdir()
    (tmp_path / "there").mkdir()
    for page in (CORS_PAGE, CELERY_PAGE):
        here = build(page, tmp_path / "here" / page.stem) / "js" / (page.stem + ".js")
        there = tmp_path / "there" / page.stem
        subprocess.run([str(venv_python), "-m", "flask_pyjamas.build", str(page), "-o",
                        str(there)], check=True, cwd=REPO_ROOT, timeout=300,
                       env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
        assert (there / "js" / (page.stem + ".js")).read_bytes() == here.read_bytes()
