"""Runs the pinned Transcrypt compiler on every Python the project supports.

Transcrypt 3.9.5 was written against the Python 3.9 AST. Its compiler
(``org/transcrypt/compiler.py``) reads string and number literals through ``ast.Constant.s``
and ``ast.Constant.n``, the aliases of ``ast.Constant.value`` that Python 3.12 deprecated and
3.14 removed (Transcrypt's issue #904; no release fixes it). It reads no other name that 3.14
dropped: the old node classes (``ast.Str``, ``ast.Num``, ``ast.NameConstant``, ``ast.Bytes``,
``ast.Ellipsis``, ``ast.Index``, ``ast.ExtSlice``) appear only in its unused ``compiler1.py``
and ``compiler38.py`` (``tests/integration/test_transcrypt_compat.py`` checks both facts against the
installed compiler).

``python -m flask_pyjamas.build.transcrypt_compat ARGS`` is ``python -m transcrypt ARGS``
with the two aliases put back first, and only where the running Python lacks them, so the
compiler sees the same values on every version and writes the same JavaScript. On a Python
outside :data:`SUPPORTED` it prints one line naming the versions that work and exits with
status 2, instead of a compiler traceback.
"""

import ast
import runpy
import sys

COMPILER = "Transcrypt 3.9.5"
#: The oldest and newest Python (major, minor) the pinned compiler is tested on.
SUPPORTED = ((3, 11), (3, 14))
#: The ``ast.Constant`` attributes the compiler reads, each an alias of ``.value``.
CONSTANT_ALIASES = ("s", "n")
UNSUPPORTED_EXIT = 2


def unsupported_python(version=None) -> str | None:
    """The one-line reason the compiler cannot run on ``version`` (default: this Python), or
    None when it can."""
    major, minor = tuple(version or sys.version_info)[:2]
    (low_major, low_minor), (high_major, high_minor) = SUPPORTED
    if (low_major, low_minor) <= (major, minor) <= (high_major, high_minor):
        return None
    return (f"{COMPILER} runs on Python {low_major}.{low_minor} to {high_major}.{high_minor}; "
            f"this is Python {major}.{minor} ({sys.executable}): build with one of those")


def _value(node):
    return node.value


def _set_value(node, value):
    node.value = value


def restore_constant_aliases() -> list[str]:
    """Give ``ast.Constant`` back the aliases the running Python lacks; the names added."""
    added = []
    for name in CONSTANT_ALIASES:
        if not hasattr(ast.Constant, name):
            setattr(ast.Constant, name, property(_value, _set_value))
            added.append(name)
    return added


def main(argv=None) -> int:
    reason = unsupported_python()
    if reason:
        print(f"pyjsbuild: {reason}", file=sys.stderr)
        return UNSUPPORTED_EXIT
    restore_constant_aliases()
    sys.argv = ["transcrypt", *(sys.argv[1:] if argv is None else argv)]
    try:
        runpy.run_module("transcrypt", run_name="__main__", alter_sys=True)
    except SystemExit as exc:  # the compiler's own exit status
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
