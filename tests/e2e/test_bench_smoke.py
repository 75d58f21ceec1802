"""The benchmarks still work: ``python -m bench --smoke`` once, its figures well-formed.

No timing is asserted (the figures of a smoke run mean nothing); only that every benchmark
ran and produced numbers. A benchmark that needs a missing tool reports itself skipped: a
skip here, a failure with ``CI=true`` (:func:`~tests.support.processes.require`).
"""

import json
import numbers
import subprocess

from tests.support.processes import PYTHON, REPO_ROOT, require

FIGURES = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}


def test_bench_smoke(tmp_path):
    out = tmp_path / "smoke.json"
    markdown = tmp_path / "smoke.md"
    proc = subprocess.run(
        [PYTHON, "-m", "bench", "--smoke", "--json", out, "--output", markdown],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=280,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    results = json.loads(out.read_text())
    assert results["machine"]["cores"] >= 1
    assert results["machine"]["python"]
    figures = results["figures"]
    assert {f["number"] for f in figures} == FIGURES

    skipped = []
    for f in figures:
        assert f["status"] in ("measured", "skipped"), f
        assert f["command"].startswith("python -m bench --only "), f
        if f["status"] == "skipped":
            skipped.append(f"{f['title']}: {f['notes']}")
            continue
        for key in ("value", "baseline", "ratio"):
            assert isinstance(f[key], numbers.Real) and not isinstance(f[key], bool), (key, f)
            assert f[key] >= 0, (key, f)
        assert f["met"] in (True, False, None), f
        assert f["target"], f
        assert f"| {f['number']} | {f['title']} |" in markdown.read_text()
    require(not skipped, "benchmarks skipped: " + "; ".join(skipped))
