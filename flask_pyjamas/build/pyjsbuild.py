"""``pyjsbuild``: compile a page module to JavaScript and assemble the static site around it.

Usage::

    pyjsbuild PAGE.py [--output DIR]

``PAGE.py`` is compiled by Transcrypt (``pyjamas`` and ``flask_pyjamas.client`` are found
where they are installed), into ``DIR`` (default: ``output/`` beside ``PAGE.py``), which
then holds

* the widgets' stylesheet (``pyjamas/public/``),
* the files of ``public/`` beside ``PAGE.py``, without server code (no ``services/``, no
  ``*.py``): copy ``DIR`` to any web server;
* the compiled page in ``js/PAGE.js``: one file holding every module it imports
  (:mod:`.jsbundle`), so the browser fetches the page's code in one request instead of
  discovering twenty modules one import level at a time.

The new output is staged beside the old one and swapped in with two renames: a failed build
leaves the previous output intact. Rebuilding unchanged sources gives identical files.
"""

import argparse
import importlib.util
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from flask_pyjamas.build.jsbundle import BundleError, bundle, bundled_modules
from flask_pyjamas.build.transcrypt_compat import unsupported_python
from flask_pyjamas.build.trim_imports import trim_directory

PUBLIC = "public"
SERVER_CODE = ("services", "*.py", "*.pyc", "__pycache__")

class BuildError(Exception):
    """The page could not be built; the message says why (the compiler's output included)."""


def package_root(name: str) -> Path:
    """The folder that holds the installed package ``name`` (for the compiler's search path)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise BuildError(f"the package {name!r} is not installed")
    return Path(next(iter(spec.submodule_search_locations))).parent


def client_roots() -> list[Path]:
    """Where the compiler finds the client packages: ``pyjamas`` and ``flask_pyjamas``."""
    roots = []
    for name in ("pyjamas", "flask_pyjamas"):
        root = package_root(name)
        if root not in roots:
            roots.append(root)
    return roots


def compile_page(page: Path, js_dir: Path) -> None:
    """Transcrypt ``page`` into ``js_dir``, tidy the result (:mod:`.trim_imports`) and join
    it into one file, ``js_dir/<page>.js`` (:mod:`flask_pyjamas.build.jsbundle`)."""
    reason = unsupported_python()
    if reason:
        raise BuildError(reason)
    xpath = "$".join(str(root) for root in client_roots())
    # The compiler, made to run on this Python (.transcrypt_compat), in a process of its own.
    # -b: rebuild everything; -n: no minifier (it needs Java); -xp: where the packages are
    command = [sys.executable, "-m", "flask_pyjamas.build.transcrypt_compat", "-b", "-n",
               "-od", str(js_dir), "-xp", xpath, str(page)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=page.parent)
    if result.returncode != 0:
        raise BuildError(f"Transcrypt failed to compile {page}:\n{result.stdout}{result.stderr}")
    for bookkeeping in js_dir.glob("*.project"):  # compiler bookkeeping, with timestamps
        bookkeeping.unlink()
    trim_directory(js_dir)
    try:
        bundle(js_dir, page.stem + ".js")
    except BundleError as exc:
        raise BuildError(f"cannot bundle {page.name}: {exc}") from None


def assemble(page: Path, js_dir: Path, stage: Path) -> None:
    """Fill ``stage`` with the stylesheet, the public files and the compiled ``js_dir``."""
    stage.mkdir()
    shutil.copytree(package_root("pyjamas") / "pyjamas" / "public", stage, dirs_exist_ok=True)
    public = page.parent / PUBLIC
    shutil.copytree(public, stage, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*SERVER_CODE))
    shutil.move(js_dir, stage / "js")


def build(page, output=None) -> Path:
    """Build ``page`` (a ``.py`` file with ``public/`` beside it) into ``output``; the path."""
    page = Path(page).resolve()
    if not page.is_file() or page.suffix != ".py":
        raise BuildError(f"no page module {page}")
    if not (page.parent / PUBLIC).is_dir():
        raise BuildError(f"no {page.parent / PUBLIC}/ beside {page.name}")
    output = _output(page, output)
    # staged on the same file system as output/, so the final renames are cheap and whole
    with tempfile.TemporaryDirectory(prefix=".build.", dir=output.parent) as work:
        work = Path(work)
        compile_page(page, work / "js")
        assemble(page, work / "js", work / "output")
        if output.exists():
            output.rename(work / "previous")
        (work / "output").rename(output)
    return output


def _output(page: Path, output) -> Path:
    return Path(output).resolve() if output else page.parent / "output"


def compiled_modules(page, output=None) -> list[Path]:
    """The Python files behind the modules of the last build's ``js/<page>.js``, found as
    Transcrypt finds them: beside the page, then where the client packages are."""
    page = Path(page).resolve()
    built = _output(page, output) / "js" / (page.stem + ".js")
    if not built.is_file():
        return []
    bases = [page.parent, *client_roots()]
    found = []
    for dotted in bundled_modules(built):
        parts = ([page.stem] if dotted == page.stem else dotted.split("."))
        for base in bases:
            candidate = base.joinpath(*parts[:-1], parts[-1] + ".py")
            if candidate.is_file():
                found.append(candidate)
                break
    return found


def client_sources(page, output=None) -> list[Path]:
    """What a build of ``page`` reads: the page folder's modules, its ``public/`` (not the
    server code under ``public/services/``), the ``pyjamas`` stylesheet and modules, and every
    module the last build compiled."""
    page = Path(page).resolve()
    public = page.parent / PUBLIC
    pyjamas = package_root("pyjamas") / "pyjamas"
    return [
        *page.parent.glob("*.py"),
        *(p for p in public.rglob("*") if "services" not in p.relative_to(public).parts),
        *pyjamas.rglob("*.py"),
        *(pyjamas / "public").iterdir(),
        *compiled_modules(page, output),
    ]


def is_stale(page, output=None) -> bool:
    """True if the build of ``page`` is missing or older than one of its sources."""
    page = Path(page).resolve()
    built = _output(page, output) / "js" / (page.stem + ".js")
    if not built.is_file():
        return True
    sources = client_sources(page, output)
    newest = max((p.stat().st_mtime for p in sources if p.is_file()), default=0.0)
    return newest > built.stat().st_mtime


def build_if_stale(page, output=None) -> bool:
    """:func:`build` if :func:`is_stale`; True if it built. Raises :class:`BuildError`."""
    if not is_stale(page, output):
        return False
    build(page, output)
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="pyjsbuild", description="Compile a Pyjamas page module into a static site.")
    parser.add_argument("page", help="the page module, e.g. Flask_JSONRPC_CORS.py")
    parser.add_argument("-o", "--output", help="output folder (default: output/ beside it)")
    args = parser.parse_args(argv)
    try:
        output = build(args.page, args.output)
    except BuildError as exc:
        print(f"pyjsbuild: {exc}", file=sys.stderr)
        return 1
    print(f"built {output}/ ({Path(args.page).stem})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
