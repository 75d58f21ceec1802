"""The desktop glue adds nothing to the browser build: both pages compile to the same bytes
with and without it."""

import os
import shutil
import subprocess

import pytest

from flask_pyjamas.build.pyjsbuild import package_root
from flaskcelery.__main__ import PAGE as CELERY_PAGE
from flaskcors.__main__ import PAGE as CORS_PAGE
from tests.integration.test_build import snapshot
from tests.support.processes import PYTHON

# CPython-only modules of the desktop client (the Tk glue, its widgets, the launcher and the
# glue selection): Transcrypt must never need them
DESKTOP_MODULES = ["_tk.py", "_tk_widgets.py", "desktop.py", "_platform.py"]


def client_copy(root, with_desktop):
    """``pyjamas`` and ``flask_pyjamas`` copied under ``root``, the desktop modules removed
    unless ``with_desktop``; the environment that makes Python import this copy."""
    for package in ("pyjamas", "flask_pyjamas"):
        shutil.copytree(package_root(package) / package, root / package,
                        ignore=shutil.ignore_patterns("__pycache__", "__target__"))
    if not with_desktop:
        for name in DESKTOP_MODULES:
            (root / "pyjamas" / name).unlink()
    return {**os.environ, "PYTHONPATH": str(root)}


def build(page, output, env, cwd):
    result = subprocess.run([PYTHON, "-m", "flask_pyjamas.build", str(page), "-o", str(output)],
                            env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return snapshot(output)


@pytest.mark.parametrize("page", [CORS_PAGE, CELERY_PAGE], ids=lambda page: page.stem)
def test_javascript_is_the_same_without_the_desktop_glue(tmp_path, page):
    builds = {}
    for with_desktop in (True, False):
        root = tmp_path / ("with" if with_desktop else "without")
        env = client_copy(root / "src", with_desktop)
        imported = subprocess.run([PYTHON, "-c", "import pyjamas; print(pyjamas.__file__)"],
                                  env=env, cwd=root, capture_output=True, text=True, check=True)
        assert imported.stdout.startswith(str(root / "src")), imported.stdout  # the copy
        builds[with_desktop] = build(page, root / "output", env, cwd=root)

    bundle = builds[True]["js/" + page.stem + ".js"].decode()
    assert "// module pyjamas.JSONService" in bundle  # the pyjamas modules were compiled in
    assert builds[True] == builds[False]
