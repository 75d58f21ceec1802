"""Running a file of an example's server package as a script, e.g. ``python manage_celery.py``.

Run as a script, a file's folder is ``sys.path[0]``, so the example's ``requests.py`` would
shadow the ``requests`` distribution for everything the process imports, and the file's
relative imports (``from .FlaskEchoApp import create_app``) would fail. Each such file starts
with::

    if __name__ == "__main__" and not __package__:
        from flask_pyjamas.devtools.scripts import run_as_package_module
        run_as_package_module(__file__)

which runs the same file again as a module of its package (the folders above it that have
an ``__init__.py``), with the folder above the top package on ``sys.path`` instead of its
own. It works wherever the example folder is copied, under any name.
"""

import runpy
import sys
from pathlib import Path


def package_of(path) -> tuple[str, Path]:
    """The dotted module name of the file ``path`` and the folder its top package is in.

    >>> import flask_pyjamas.devtools.scripts as me
    >>> name, top = package_of(me.__file__)
    >>> name, (top / "flask_pyjamas" / "devtools" / "scripts.py").samefile(me.__file__)
    ('flask_pyjamas.devtools.scripts', True)
    """
    path = Path(path).resolve()
    parts = [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    if len(parts) == 1:
        raise RuntimeError(f"{path} is not in a package (no __init__.py beside it)")
    return ".".join(parts), folder


def run_as_package_module(path) -> None:
    """Run the script ``path`` as its package's module ``__main__``, then exit."""
    name, top = package_of(path)
    here = Path(path).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    sys.path.insert(0, str(top))
    runpy.run_module(name, run_name="__main__", alter_sys=True)
    sys.exit(0)
