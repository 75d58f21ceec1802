"""Tidy Transcrypt's output for shipping: trim runtime imports, drop the build timestamp.

Transcrypt starts every module with ``import {<all ~130 runtime names>} from
'./org.transcrypt.__runtime__.js'``; with a dozen small pyjamas modules that line is a third
of the page's gzipped JavaScript. Keeping only the names a module mentions changes nothing
else (the runtime module is still loaded once). The first line, ``// Transcrypt'ed from
Python, <date>``, is dropped so that rebuilding unchanged sources gives identical files.

:func:`trim_directory` rewrites the ``*.js`` files of a folder in place (``pyjsbuild`` does).
"""

import re
from pathlib import Path

TIMESTAMP = re.compile(r"^// Transcrypt'ed from Python, .*\n")
RUNTIME_IMPORT = re.compile(
    r"^import \{([^}]*)\} from '\./org\.transcrypt\.__runtime__\.js';\n", re.MULTILINE
)


def trim(source: str) -> str:
    source = TIMESTAMP.sub("", source, count=1)
    match = RUNTIME_IMPORT.search(source)
    if match is None:
        return source
    rest = source[: match.start()] + source[match.end():]
    names = [name.strip() for name in match.group(1).split(",")]
    used = [name for name in names if _mentions(rest, name)]
    line = "import {" + ", ".join(used) + "} from './org.transcrypt.__runtime__.js';\n"
    # kept even when empty: the runtime's side effects (str and list methods) must load first
    return source[: match.start()] + line + source[match.end():]


def _mentions(code: str, name: str) -> bool:
    return re.search(r"(?<![\w$])" + re.escape(name) + r"(?![\w$])", code) is not None


def trim_directory(directory) -> None:
    for path in sorted(Path(directory).glob("*.js")):
        text = path.read_text(encoding="utf-8")
        trimmed = trim(text)
        if trimmed != text:
            path.write_text(trimmed, encoding="utf-8")
