"""flask_pyjamas.build.jsbundle: ES modules joined into one file, run by a real JavaScript engine
(Node.js, part of the machine image), with the semantics the pages rely on."""

import json
import shutil
import subprocess

import pytest

from flask_pyjamas.build.jsbundle import BundleError, bundle, bundled_modules, dependency_order
from tests.support.processes import require

MODULES = {
    "base.js": "export var counter = 0;\n"
               "export function bump () { counter += 1; return counter; }\n",
    "helper.js": "import {bump, counter as start} from './base.js';\n"
                 "import * as base from './base.js';\n"
                 "var __name__ = 'helper';\n"
                 "export var twice = function () {\n"
                 "    bump (); bump (); return [start, base.counter]; };\n",
    "main.js": "import {twice} from './helper.js';\n"
               "import * as base from './base.js';\n"
               "var __name__ = '__main__';\n"
               "export var result = [twice (), base.counter];\n"
               "globalThis.result = result;\n",
}


def write(tmp_path, modules=MODULES):
    for name, text in modules.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_dependency_order_puts_each_module_after_its_imports(tmp_path):
    assert dependency_order(write(tmp_path), "main.js") == ["base.js", "helper.js", "main.js"]


def test_bundle_is_one_file_and_names_its_modules(tmp_path):
    write(tmp_path)
    assert bundle(tmp_path, "main.js") == ["base", "helper", "main"]
    assert [p.name for p in tmp_path.iterdir()] == ["main.js"]
    assert bundled_modules(tmp_path / "main.js") == ["base", "helper", "main"]
    assert "import " not in (tmp_path / "main.js").read_text()


def test_the_bundle_keeps_module_semantics(tmp_path):
    """Own scopes (two ``__name__``), renamed imports, and live bindings: a namespace import
    sees the current value of an exported variable, a named import the value it had."""
    write(tmp_path)
    bundle(tmp_path, "main.js")
    node = shutil.which("node")
    require(node is not None, "node is not installed (apt-get install -y nodejs)")
    script = (tmp_path / "main.js").read_text() + "\nconsole.log(JSON.stringify(result));\n"
    (tmp_path / "run.mjs").write_text(script)
    out = subprocess.run([node, str(tmp_path / "run.mjs")], capture_output=True, text=True,
                         timeout=30, check=True)
    assert json.loads(out.stdout) == [[0, 2], 2]


def test_an_import_cycle_is_an_error(tmp_path):
    write(tmp_path, {"a.js": "import {b} from './b.js';\nexport var a = 1;\n",
                     "b.js": "import {a} from './a.js';\nexport var b = 2;\n"})
    with pytest.raises(BundleError, match="import cycle: a.js -> b.js -> a.js"):
        bundle(tmp_path, "a.js")


def test_module_syntax_it_does_not_know_is_an_error(tmp_path):
    write(tmp_path, {"a.js": "var x = 1;\nexport {x as y};\n"})
    with pytest.raises(BundleError, match="cannot bundle 'export {x as y};'"):
        bundle(tmp_path, "a.js")
    assert (tmp_path / "a.js").read_text() == "var x = 1;\nexport {x as y};\n"
