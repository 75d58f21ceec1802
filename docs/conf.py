"""Sphinx configuration of the flaskexamples documentation (``make docs``)."""

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# The packages are imported from the working tree, exactly as the tests import them.
sys.path.insert(0, str(REPO_ROOT))
# The docs' own extension: sequence diagrams drawn as inline SVG, nothing fetched.
sys.path.insert(0, str(REPO_ROOT / "docs" / "_ext"))

project = "flaskexamples"
author = "the flaskexamples authors"
copyright = "2012 Pyjamas flaskexamples authors; this rebuild, its authors"
release = version = "1.0.0"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.viewcode",
    "sequence_diagram",
]

root_doc = "index"
exclude_patterns = ["_build"]
templates_path: list[str] = []

# Nothing is mocked: every documented module imports under CPython (the pyjamas modules
# hide their browser-only code behind Transcrypt pragmas).
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "description"
# Defaults as written in the source: ``environ=os.environ``, not the build machine's
# environment (which would land in the HTML, secrets included).
autodoc_preserve_defaults = True
autodoc_class_signature = "separated"

# Only the explicit ``.. doctest::`` and ``.. testcode::`` blocks of these pages run in the
# doctest builder; the ``>>>`` examples in module docstrings are run by tests/e2e/test_docs.py.
doctest_test_doctest_blocks = ""

html_theme = "alabaster"
html_static_path = ["_static"]
html_title = "flaskexamples: Flask + Pyjamas + Celery"
html_theme_options = {"description": "Python in the browser, Flask, JSON-RPC, CORS, Celery"}
