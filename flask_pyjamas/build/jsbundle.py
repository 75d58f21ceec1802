"""One file instead of a module graph: Transcrypt's ES modules joined into a single module.

A page compiled by Transcrypt is some twenty ES modules (the runtime, each ``pyjamas`` module,
the page); the browser finds them one import level at a time, so the page waits for six or
seven round trips before it can run. :func:`bundle` writes the page's module as one file that
holds every module it imports, each in a function scope of its own, in dependency order::

    // module pyjamas.DOM
    const __module_2__ = (() => {
        const {__class__, __get__} = __module_0__;       // import {...} from '...'
        const _runtime = __module_1__;                     // import * as _runtime from '...'
        ...the module's code, ``export`` removed...
        return {get createElement() { return createElement; }, ...};
    })();

The exports object has getters, so a namespace import (``import * as m``) reads an exported
variable's current value, as a real ES module namespace does; a named import
(``import {a}``) holds the value ``a`` had when its module finished loading. Transcrypt's
modules assign their exports while they load, so the two agree for them (the browser tests
run the bundled pages). Only what Transcrypt writes is
handled: top-level ``import {a, b as c} from './m.js';`` and ``import * as m from './m.js';``
lines, and ``export var`` / ``export function`` declarations; anything else, or an import
cycle, is a :class:`BundleError` (the build stops rather than ship a page that half works).
"""

import re
from pathlib import Path

_IMPORT_NAMES = re.compile(r"^import \{([^}]*)\} from '\./([^']+\.js)';$")
_IMPORT_ALL = re.compile(r"^import \* as ([\w$]+) from '\./([^']+\.js)';$")
_EXPORT = re.compile(r"^export (var|function\*?|let|const|class) ([\w$]+)", re.MULTILINE)
_OTHER_MODULE_SYNTAX = re.compile(r"^(import|export)\b", re.MULTILINE)
MODULE_MARK = "// module "


class BundleError(Exception):
    """The modules use a form this bundler does not join; the message names it."""


def _parse(js_dir: Path, name: str) -> tuple[list[tuple[str, str]], str]:
    """``(imports, body)`` of module file ``name``: imports as ``(kind, file)`` pairs with
    their binding text, the body with its import lines removed."""
    imports, body = [], []
    for line in (js_dir / name).read_text(encoding="utf-8").splitlines(keepends=True):
        stripped = line.rstrip("\n")
        names, everything = _IMPORT_NAMES.match(stripped), _IMPORT_ALL.match(stripped)
        if names:
            imports.append((names.group(2), "{" + _destructure(names.group(1)) + "}"))
        elif everything:
            imports.append((everything.group(2), everything.group(1)))
        else:
            body.append(line)
    return imports, "".join(body)


def _destructure(names: str) -> str:
    """``a, b as c`` (import syntax) -> ``a, b: c`` (destructuring syntax)."""
    parts = []
    for item in (part.strip() for part in names.split(",")):
        if item:
            original, _, local = item.partition(" as ")
            parts.append(f"{original.strip()}: {local.strip()}" if local else original)
    return ", ".join(parts)


def dependency_order(js_dir: Path, entry: str) -> list[str]:
    """Every module file ``entry`` needs, each after the modules it imports, ``entry`` last."""
    order: list[str] = []
    visiting: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        if name in visiting:
            raise BundleError("import cycle: " + " -> ".join([*visiting, name]))
        visiting.append(name)
        for imported, _ in _parse(js_dir, name)[0]:
            visit(imported)
        visiting.pop()
        order.append(name)

    visit(entry)
    return order


def _wrapped(name: str, variable: str, imports, body: str, variables: dict) -> str:
    exports = [match.group(2) for match in _EXPORT.finditer(body)]
    body = _EXPORT.sub(lambda m: f"{m.group(1)} {m.group(2)}", body)
    leftover = _OTHER_MODULE_SYNTAX.search(body)
    if leftover:
        line = body[leftover.start():].split("\n", 1)[0]
        raise BundleError(f"{name}: cannot bundle {line!r}")
    bindings = "".join(f"const {binding} = {variables[file]};\n" for file, binding in imports)
    getters = ", ".join(f"get {export}() {{ return {export}; }}" for export in exports)
    return (f"{MODULE_MARK}{name[: -len('.js')]}\nconst {variable} = (() => {{\n"
            f"{bindings}{body}\nreturn {{{getters}}};\n}})();\n")


def bundle(js_dir, entry: str) -> list[str]:
    """Rewrite ``js_dir/entry`` as one module holding all it imports; remove the other module
    files it joined. Returns the joined modules' dotted names, in order."""
    js_dir = Path(js_dir)
    order = dependency_order(js_dir, entry)
    variables = {name: f"__module_{i}__" for i, name in enumerate(order)}
    parts = []
    for name in order:
        imports, body = _parse(js_dir, name)
        parts.append(_wrapped(name, variables[name], imports, body, variables))
    (js_dir / entry).write_text("".join(parts), encoding="utf-8")
    for name in order:
        if name != entry:
            (js_dir / name).unlink()
    return [name[: -len(".js")] for name in order]


def bundled_modules(bundle_file) -> list[str]:
    """The dotted names of the modules a bundle holds (from its ``// module`` lines)."""
    text = Path(bundle_file).read_text(encoding="utf-8")
    return [line[len(MODULE_MARK):] for line in text.splitlines() if line.startswith(MODULE_MARK)]
