"""``./build.sh`` and ``pyjsbuild`` (the library's build command): what output/ holds, loud
failures, identical rebuilds, preloaded modules, and the weight of the compiled page."""

import gzip
import re
import subprocess
from pathlib import Path

import pytest

from flask_pyjamas.build.jsbundle import bundled_modules
from tests.support.processes import PYTHON, REPO_ROOT

PYJSBUILD = Path(PYTHON).parent / "pyjsbuild"
FLASKCORS = REPO_ROOT / "flaskcors"
MAX_GZIPPED_JS = 30 * 1024
IMPORT = re.compile(r"""^import .*? from '\./([^']+)';$""", re.MULTILINE)


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def build(example_dir, module):
    """``pyjsbuild EXAMPLE_DIR/MODULE.py``, as each example's build.sh runs it."""
    return subprocess.run([str(PYJSBUILD), str(Path(example_dir) / f"{module}.py")],
                          capture_output=True, text=True, timeout=120)


def loaded_js(js_dir: Path, module: str) -> set[str]:
    """The files a page that loads ``module.js`` fetches: it and its imports, transitively."""
    seen, pending = set(), [module + ".js"]
    while pending:
        name = pending.pop()
        if name not in seen:
            seen.add(name)
            pending.extend(IMPORT.findall((js_dir / name).read_text()))
    return seen


@pytest.fixture(scope="module")
def built():
    """``./build.sh`` run twice: the file contents after each run."""
    runs = []
    for _ in range(2):
        result = subprocess.run(["./build.sh"], cwd=REPO_ROOT, capture_output=True, text=True,
                                timeout=300)
        assert result.returncode == 0, result.stderr
        runs.append(snapshot(FLASKCORS / "output"))
    return runs


def test_output_has_the_page_and_no_server_code(built):
    files = built[-1]
    assert {"Flask_JSONRPC_CORS.html", "index.html", "pyjamas.css",
            "js/Flask_JSONRPC_CORS.js"} <= set(files)
    assert not [name for name in files if name.endswith((".py", ".pyc"))]
    assert not [name for name in files if "services" in Path(name).parts]
    assert not [name for name in files if name.endswith(".project")]
    html = files["Flask_JSONRPC_CORS.html"].decode()
    assert '<script type="module" src="js/Flask_JSONRPC_CORS.js">' in html


def test_the_page_is_one_javascript_file_holding_every_module(built):
    """One request for the page's code: no module waits for its importer to load."""
    files = built[-1]
    assert [name for name in files if name.startswith("js/")] == ["js/Flask_JSONRPC_CORS.js"]
    modules = bundled_modules(FLASKCORS / "output" / "js" / "Flask_JSONRPC_CORS.js")
    assert {"org.transcrypt.__runtime__", "pyjamas.JSONService", "pyjamas.ui.Button",
            "flask_pyjamas.client.page_url"} <= set(modules)
    assert modules[-1] == "Flask_JSONRPC_CORS"
    assert not IMPORT.search(files["js/Flask_JSONRPC_CORS.js"].decode())


def test_cpython_only_code_is_not_compiled(built):
    for name, data in built[-1].items():
        if name.endswith(".js"):
            text = data.decode()
            assert "urllib" not in text and "threading" not in text, name


def test_rebuild_gives_identical_files(built):
    first, second = built
    assert first == second


def test_gzipped_javascript_of_the_page_is_small(built):
    js_dir = FLASKCORS / "output" / "js"
    total = sum(len(gzip.compress((js_dir / name).read_bytes()))
                for name in loaded_js(js_dir, "Flask_JSONRPC_CORS"))
    assert total <= MAX_GZIPPED_JS, f"{total} bytes of gzipped JavaScript"


def make_example(tmp_path, source: str, module="App") -> Path:
    example = tmp_path / "example"
    (example / "public" / "services" / "flask_example").mkdir(parents=True)
    (example / "public" / "services" / "flask_example" / "server.py").write_text("x = 1\n")
    (example / "public" / "services" / "EchoService.php").write_text("<?php ?>\n")
    (example / "public" / "sub").mkdir()
    (example / "public" / "sub" / "helper.py").write_text("y = 2\n")
    (example / "public" / "sub" / "logo.svg").write_text("<svg/>\n")
    (example / "public" / "App.html").write_text("<html></html>\n")
    (example / f"{module}.py").write_text(source)
    return example


def test_build_client_copies_public_without_services_or_python(tmp_path):
    example = make_example(tmp_path, "from pyjamas.ui.Label import Label\nLabel('hi')\n")
    result = build(example, "App")
    assert result.returncode == 0, result.stderr
    files = set(snapshot(example / "output"))
    assert {"App.html", "sub/logo.svg", "js/App.js"} <= files
    assert "pyjamas.ui.Label" in bundled_modules(example / "output" / "js" / "App.js")
    assert not [f for f in files if f.endswith(".py") or f.startswith("services")]
    assert not [p.name for p in example.iterdir() if p.name.startswith(".build")]


@pytest.mark.parametrize(
    "source, message",
    [("def broken(:\n    pass\n", "Error while compiling"),
     ("from pyjamas.NoSuchModule import Thing\n", "Import error")],
)
def test_compile_error_fails_loudly_and_keeps_the_previous_output(tmp_path, source, message):
    example = make_example(tmp_path, "x = 1\n")
    assert build(example, "App").returncode == 0
    before = snapshot(example / "output")
    (example / "App.py").write_text(source)
    result = build(example, "App")
    assert result.returncode != 0
    assert message in result.stderr
    assert "failed to compile" in result.stderr
    assert snapshot(example / "output") == before
    assert not [p.name for p in example.iterdir() if p.name.startswith(".build")]


def test_missing_module_is_a_usage_error(tmp_path):
    example = make_example(tmp_path, "x = 1\n")
    result = build(example, "Nope")
    assert result.returncode != 0
    assert "no page module" in result.stderr
    assert not (example / "output").exists()


def test_output_option_builds_elsewhere(tmp_path):
    example = make_example(tmp_path, "x = 1\n")
    result = subprocess.run([str(PYJSBUILD), str(example / "App.py"), "-o",
                             str(tmp_path / "site")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "js" / "App.js").is_file()
    assert not (example / "output").exists()
