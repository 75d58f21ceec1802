"""``python -m bench``: run the benchmarks and write ``bench/RESULTS.md``.

    python -m bench                  every benchmark, full size; writes bench/RESULTS.md
    python -m bench --smoke          every benchmark in a tiny mode (seconds), to prove it works
    python -m bench --only NAME      one benchmark (repeatable); NAME as in BENCHMARKS
    python -m bench --json PATH      also write the figures as JSON (what the smoke test reads)
    python -m bench --output PATH    write the Markdown there instead

A smoke run or a partial run (``--only``) writes no RESULTS.md unless ``--output`` says where,
so it never overwrites the full results. A benchmark that cannot run here (a tool missing, a
module not written yet) reports its figures as skipped, with the reason, and the rest go on.
"""

import argparse
import importlib
import shlex
import sys
import tempfile
import time
import traceback
from contextlib import ExitStack
from pathlib import Path

from .report import FAILED, Context, Figure, failed, machine, to_json, to_markdown

# name: figure number. Run in this order: flaskcors first, the browser and the desktop
# window, then Celery.
BENCHMARKS = {
    "jsonrpc_overhead": 1,
    "batch": 2,
    "hostile_cost": 9,
    "preflight_cache": 3,
    "client_weight": 7,
    "desktop_start": 8,
    "celery_roundtrip": 4,
    "celery_throughput": 5,
    "polling_cost": 6,
    "waiting_at_scale": 10,
    "task_loss": 11,
    "follow_lag": 12,
}
RESULTS = Path(__file__).with_name("RESULTS.md")


def run_one(name: str, ctx: Context) -> list[Figure]:
    """Import ``bench.NAME`` and run it. A benchmark that cannot run here returns skipped
    figures itself; an exception becomes a *failed* figure and the run goes on."""
    try:
        module = importlib.import_module(f"{__package__}.{name}")
        return module.run(ctx)
    except Exception as exc:  # reported in RESULTS.md, not hidden
        traceback.print_exc()
        return [failed(BENCHMARKS[name], name, f"{type(exc).__name__}: {exc}")]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny mode: prove each one works")
    parser.add_argument("--only", action="append", choices=list(BENCHMARKS), metavar="NAME",
                        help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}")
    parser.add_argument("--output", type=Path, help="where to write the Markdown results")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)

    names = args.only or list(BENCHMARKS)
    output = args.output or (RESULTS if not (args.smoke or args.only) else None)
    info = machine()
    figures: list[Figure] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp, ExitStack() as resources:
        shared = {}
        for name in names:
            workdir = Path(tmp) / name
            workdir.mkdir()
            print(f"bench: {name} ...", file=sys.stderr, flush=True)
            t0 = time.monotonic()
            ctx = Context(smoke=args.smoke, workdir=workdir, resources=resources,
                          shared_dir=Path(tmp) / "shared", _shared=shared)
            new = run_one(name, ctx)
            print(f"bench: {name} done in {time.monotonic() - t0:.1f} s", file=sys.stderr)
            for figure in new:
                print(f"  {figure.key}: {figure.status} value={figure.value} "
                      f"baseline={figure.baseline} ratio={figure.ratio} met={figure.met}",
                      file=sys.stderr)
            figures += new
    elapsed = time.monotonic() - started
    command = "python -m bench" + (" " + shlex.join(argv if argv is not None else sys.argv[1:])
                                   if (argv if argv is not None else sys.argv[1:]) else "")
    markdown = to_markdown(sorted(figures, key=lambda f: f.number), info,
                           command=command.strip(), elapsed_s=elapsed)
    if output:
        output.write_text(markdown)
        print(f"bench: wrote {output}", file=sys.stderr)
    else:
        print(markdown)
    if args.json:
        args.json.write_text(to_json(figures, info))
    return 1 if any(f.status == FAILED for f in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
