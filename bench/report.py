"""Figures, the machine they were measured on, and bench/RESULTS.md.

Every benchmark returns :class:`Figure` objects: a value, the baseline measured in the same
run, their ratio, the target and whether it was met. A benchmark that could not run (a tool
or a module missing) returns a figure with ``status`` ``"skipped"`` and the reason.
"""

import datetime
import importlib.metadata
import json
import os
import platform
import statistics
import sys
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path

MEASURED, SKIPPED, FAILED = "measured", "skipped", "failed"

VERSIONED = ["Flask", "Werkzeug", "gunicorn", "celery", "kombu", "redis", "SQLAlchemy",
             "playwright", "Transcrypt"]


@dataclass
class Figure:
    """One figure of RESULTS.md."""

    number: int  # the figure's number in RESULTS.md
    name: str  # the benchmark module that produced it (``--only NAME``)
    title: str
    value: float | None = None
    unit: str = ""
    baseline: float | None = None
    baseline_label: str = ""
    ratio: float | None = None  # value / baseline, unless ``ratio_label`` says otherwise
    ratio_label: str = "value / baseline"
    target: str = ""
    met: bool | None = None
    command: str = ""
    status: str = MEASURED
    details: dict = field(default_factory=dict)  # further numbers, shown as a table
    notes: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.number}. {self.title}"


def skipped(number: int, name: str, title: str, reason: str, target: str = "") -> Figure:
    """A figure that was not measured, with the reason."""
    return Figure(number, name, title, status=SKIPPED, target=target, notes=[reason],
                  command=command_for(name))


def failed(number: int, name: str, error: str) -> Figure:
    """A benchmark that raised: a bug to fix, reported rather than hidden."""
    return Figure(number, name, name, status=FAILED, notes=[error], command=command_for(name))


def command_for(name: str, smoke: bool = False) -> str:
    return f"python -m bench --only {name}" + (" --smoke" if smoke else "")


def ratio(value: float | None, baseline: float | None) -> float | None:
    if value is None or not baseline:
        return None
    return value / baseline


def percentile(values, q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation; values need not be sorted."""
    data = sorted(values)
    if not data:
        raise ValueError("no values")
    pos = (len(data) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (pos - low)


def median(values) -> float:
    return statistics.median(values)


def machine() -> dict:
    """Cores, Python, OS and the versions of the packages measured."""
    versions = {}
    for dist in VERSIONED:
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "load_average_at_start": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": versions,
    }


def _fmt(value, digits: int = 3) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.{digits}g}"
    return str(value)


def _met(figure: Figure) -> str:
    if figure.status != MEASURED:
        return figure.status
    return {True: "**met**", False: "**missed**", None: "—"}[figure.met]


def to_markdown(figures: list[Figure], info: dict, *, command: str, elapsed_s: float) -> str:
    """RESULTS.md: the summary table, then one section per figure with its details."""
    lines = [
        "# Benchmark results",
        "",
        f"Produced by `{command}` (`make bench`) on {info['date']}, in {elapsed_s:.0f} s. "
        "Every value is compared with a baseline measured in the same run, interleaved "
        "with it where possible, because the machine is shared and noisy: read the ratios, "
        "not the absolute numbers.",
        "",
        "## Machine",
        "",
        f"- cores: {info['cores']} (load average at start: {info['load_average_at_start']})",
        f"- Python {info['python']} on {info['platform']}",
        "- " + ", ".join(f"{k} {v}" for k, v in info["packages"].items()),
        "",
        "## Summary",
        "",
        "| # | figure | value | baseline (same run) | ratio | target | result |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        value = f"{_fmt(f.value)} {f.unit}".strip() if f.value is not None else "—"
        base = (f"{_fmt(f.baseline)} ({f.baseline_label})" if f.baseline is not None
                else (f.baseline_label or "—"))
        lines.append(f"| {f.number} | {f.title} | {value} | {base} | {_fmt(f.ratio)} "
                     f"| {f.target} | {_met(f)} |")
    for f in figures:
        lines += ["", f"## {f.key}", "", f"- command: `{f.command}`", f"- status: {f.status}"]
        if f.status == MEASURED:
            lines.append(f"- value: {_fmt(f.value)} {f.unit}; baseline: {_fmt(f.baseline)} "
                         f"({f.baseline_label}); ratio ({f.ratio_label}): {_fmt(f.ratio)}")
        lines.append(f"- target: {f.target or '—'} → {_met(f)}")
        if f.details:
            lines += ["", "| measure | value |", "|---|---|"]
            lines += [f"| {k} | {_fmt(v)} |" for k, v in f.details.items()]
        if f.notes:
            lines.append("")
            for note in f.notes:
                if note.startswith("```"):
                    lines.append(note)
                else:
                    lines.append(f"- {note}")
    return "\n".join(lines) + "\n"


def to_json(figures: list[Figure], info: dict) -> str:
    return json.dumps({"machine": info, "figures": [asdict(f) for f in figures]}, indent=2)


@dataclass
class Context:
    """What every benchmark's ``run(ctx)`` gets: the mode, a folder for its own files, and
    resources shared by the benchmarks of one run (e.g. a broker and its worker)."""

    smoke: bool
    workdir: Path
    resources: ExitStack = field(default_factory=ExitStack)  # closed when the run ends
    shared_dir: Path | None = None
    _shared: dict = field(default_factory=dict)

    def command(self, name: str) -> str:
        return command_for(name, self.smoke)

    def pick(self, full, smoke):
        """``smoke`` in smoke mode, else ``full``: sizes of a benchmark in one place."""
        return smoke if self.smoke else full

    def shared(self, key, make):
        """The resource ``key``: entered from the context manager ``make(folder)`` the first
        time a benchmark of this run asks for it, kept until the run ends."""
        if key not in self._shared:
            folder = (self.shared_dir or self.workdir) / "-".join(map(str, key))
            folder.mkdir(parents=True, exist_ok=True)
            self._shared[key] = self.resources.enter_context(make(folder))
        return self._shared[key]
