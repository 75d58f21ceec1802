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
from pathlib import Path

from .report import SKIPPED, Context, Figure, machine, skipped, to_json, to_markdown

# Run in this order: flaskcors first, the browser, then Celery.
BENCHMARKS = [
    "jsonrpc_overhead",  # figure 1
    "batch",  # figure 2
    "preflight_cache",  # figure 3
    "client_weight",  # figure 7
    "celery_roundtrip",  # figure 4
    "celery_throughput",  # figure 5
    "polling_cost",  # figure 6
]
RESULTS = Path(__file__).with_name("RESULTS.md")


def run_one(name: str, ctx: Context) -> list[Figure]:
    """Import ``bench.NAME`` and run it; an exception becomes a skipped figure with the error
    (the run goes on), so a missing dependency never hides the other figures."""
    try:
        module = importlib.import_module(f"{__package__}.{name}")
        return module.run(ctx)
    except Exception as exc:  # reported in RESULTS.md, not hidden
        traceback.print_exc()
        return [skipped(0, name, name, f"failed: {type(exc).__name__}: {exc}")]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny mode: prove each one works")
    parser.add_argument("--only", action="append", choices=BENCHMARKS, metavar="NAME",
                        help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}")
    parser.add_argument("--output", type=Path, help="where to write the Markdown results")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)

    names = args.only or BENCHMARKS
    output = args.output or (RESULTS if not (args.smoke or args.only) else None)
    info = machine()
    figures: list[Figure] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for name in names:
            workdir = Path(tmp) / name
            workdir.mkdir()
            print(f"bench: {name} ...", file=sys.stderr, flush=True)
            t0 = time.monotonic()
            new = run_one(name, Context(smoke=args.smoke, workdir=workdir))
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
    failed = [f for f in figures if f.status == SKIPPED and f.notes
              and f.notes[0].startswith("failed:")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
