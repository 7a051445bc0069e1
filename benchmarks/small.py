"""Small inputs: start-up and a 10,000-line export, where fixed costs are all there is.

    python benchmarks/small.py [--rows 10000] [--runs 3] [--shape marketplace] [--record]

Each measurement is a fresh process (``python -m salescope.cli``), one after the other:

- start-up: ``salescope --help`` and ``salescope --version``, the median of 5 runs each,
  and the modules that take longest to import for ``--help`` (``python -X importtime``);
- a 10,000-line export from the demo generator (the sales lines plus its marketing spend,
  campaigns, quotas and inventory tables and its salescope.yml, as ``salescope demo``
  writes them), and one realistic export shape of tests/corpus (``--shape``; the
  marketplace shape is a star schema of five CSV files, about 2,100 order lines), each
  timed for ``--format json,md`` and for all formats (HTML, PDF, PNG charts, CSV tables,
  departments), the median of ``--runs`` runs, with salescope's seconds per stage
  (report.json ``run.stages``) of the median run;
- where the writing time goes: in one more fresh process, the pipeline then each part of
  writing every format, timed in turn, one after the other (each part's first use pays for
  its imports, as in the command), then every format again as the command writes them
  (``write_outputs``: the PDF in a process of its own beside the PNGs and the rest).

The issue's targets: ``--help`` and ``--version`` under 0.3 s; 10,000 lines in all formats
under 2 s, ``--format json,md`` under 1 s. The 1-minute load average is printed beside
each measurement: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from results import commit, load_average, machine, record

HERE = Path(__file__).resolve().parent
SECTION = "## Start-up and small inputs (`small.py`)"
CLI = [sys.executable, "-m", "salescope.cli"]
STARTUP_RUNS = 5
HELP_TARGET_S = 0.3
SMALL_TARGETS_S = {"json,md": 1.0, "all formats": 2.0}
# Writes every format as salescope.render.write_outputs does, timing each part.
WRITING = r"""
import json, sys, tempfile, time
from pathlib import Path

times = {}
mark = time.perf_counter()

def step(name):
    global mark
    now = time.perf_counter()
    times[name] = round(now - mark, 3)
    mark = now

from salescope.config import find_config
from salescope.pipeline import run
config = find_config(Path(sys.argv[1]) if sys.argv[1] else None)
step("import the pipeline")
report = run(sys.argv[2:], config)
step("pipeline (the stages)")
from salescope.model import DEPARTMENTS
from salescope.narrative.view import build_view
view = build_view(report)
step("view (the prose)")
from salescope.render.json import render_json
out = Path(tempfile.mkdtemp(prefix="salescope-small-"))
(out / "report.json").write_text(render_json(report))
step("json")
from salescope.render.md import render_markdown
(out / "report.md").write_text(render_markdown(report, view))
step("md")
from salescope.render.charts import chart_specs, write_pngs
specs = chart_specs(report)
step("chart specs")
from salescope.render.html import chart_svgs, render_html
svgs = chart_svgs(specs)
step("charts as SVG")
html = render_html(report, view, departments=DEPARTMENTS, svgs=svgs, specs=specs)
(out / "report.html").write_text(html)
step("html")
from salescope.render.pdf import write_pdf
write_pdf(html, out / "report.pdf")
step("pdf")
pngs = tuple(p.stem for p in write_pngs(report, out / "charts", specs, svgs))
step("png charts")
from salescope.render.tables import write_tables
write_tables(report, out / "tables")
step("csv tables")
from salescope.render.departments import (
    department_views, render_department_html, render_department_md,
)
(out / "departments").mkdir()
for name, d in department_views(report, view, DEPARTMENTS).items():
    (out / "departments" / f"{name}.md").write_text(render_department_md(d, pngs))
    (out / "departments" / f"{name}.html").write_text(render_department_html(d, svgs))
step("departments (md and html)")
from salescope.render import write_outputs
write_outputs(report, out / "again")
step("all of it again through write_outputs (the PDF beside the rest, the SVGs drawn here)")
print(json.dumps({"times": times, "pngs": len(pngs)}))
import shutil
shutil.rmtree(out)
"""


@dataclass(frozen=True)
class Timed:
    """One measured process: wall seconds, the load average before it, and its output."""

    wall_s: float
    load: float
    stdout: str
    stderr: str = ""


def timed(cmd: list[str]) -> Timed:
    """Run ``cmd`` in a fresh process; aborts when it fails."""
    load = os.getloadavg()[0]
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{done.stderr[-3000:]}")
    return Timed(wall, load, done.stdout, done.stderr)


def median_of(runs: list[Timed]) -> Timed:
    """The run with the median wall time (the lower middle one of an even count)."""
    ordered = sorted(runs, key=lambda r: r.wall_s)
    return ordered[(len(ordered) - 1) // 2]


def loads(runs: list[Timed]) -> str:
    """The range of 1-minute load averages before the runs."""
    low, high = min(r.load for r in runs), max(r.load for r in runs)
    return f"{low:.2f}" if f"{low:.2f}" == f"{high:.2f}" else f"{low:.2f}-{high:.2f}"


# --- start-up -------------------------------------------------------------------------------


def startup() -> list[str]:
    """Median wall time of ``--help`` and ``--version`` in fresh processes, as table rows."""
    rows = []
    for flag in ("--help", "--version"):
        runs = [timed([*CLI, flag]) for _ in range(STARTUP_RUNS)]
        wall = statistics.median(r.wall_s for r in runs)
        spread = ", ".join(f"{r.wall_s:.2f}" for r in runs)
        verdict = "met" if wall < HELP_TARGET_S else "NOT met"
        rows.append(
            f"| salescope {flag} | {wall:.3f} | {spread} | {verdict} (< {HELP_TARGET_S} s) "
            f"| {loads(runs)} |"
        )
        print(rows[-1], flush=True)
    return rows


def import_offenders(top: int = 8) -> list[str]:
    """The packages imported at the top level (and their cumulative microseconds) and the
    single modules (self time) that cost most in ``salescope --help``."""
    done = subprocess.run([sys.executable, "-X", "importtime", *CLI[1:], "--help"], text=True,
                          capture_output=True)  # fmt: skip
    entries = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if match:
            own, total, indent, name = match.groups()
            entries.append((name, int(own), int(total), len(indent)))
    total_us = sum(e[1] for e in entries)
    outer = sorted((e for e in entries if e[3] == 1), key=lambda e: -e[2])[:top]
    inner = sorted(entries, key=lambda e: -e[1])[:top]
    return [
        f"all imports {total_us / 1000:.0f} ms ({len(entries)} modules)",
        "top-level imports, cumulative ms: "
        + ", ".join(f"{n} {t / 1000:.0f}" for n, _, t, _ in outer),
        "single modules, own ms: " + ", ".join(f"{n} {s / 1000:.0f}" for n, s, _, _ in inner),
    ]


# --- reports --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Input:
    """A report's inputs: what is passed to ``salescope report`` and its configuration."""

    name: str
    paths: list[str]
    config: Path | None


def demo_input(folder: Path, rows: int) -> Input:
    """The demo generator's files for ``rows`` lines, as ``salescope demo`` writes them."""
    from salescope.demo_data import write_demo_data

    files = write_demo_data(folder, rows=rows, seed=7, fmt="csv")
    return Input(f"demo, {rows:,} lines", [str(folder)], files.config)


def shape_input(folder: Path, shape: str) -> Input:
    """One export shape of tests/corpus, with its line count in the name."""
    sys.path.insert(0, str(HERE.parent))
    from tests.corpus import shapes

    made = getattr(shapes, shape)(folder)
    first = Path(made.inputs[0])
    lines = sum(1 for _ in first.open("rb")) - 1 if first.suffix == ".csv" else 0
    return Input(f"corpus {shape}, {lines:,} lines in {first.name}", list(made.inputs), None)


def report_runs(data: Input, formats: str | None, runs: int, work: Path) -> list[str]:
    """``runs`` reports of ``data`` in ``formats`` (None: all); a table row and the median
    run's stages."""
    measured, reports = [], []
    for i in range(runs):
        out = work / f"out-{i}"
        cmd = [*CLI, "--quiet", "report", *data.paths, "--out", str(out)]
        cmd += ["--format", formats] if formats else []
        cmd += ["--config", str(data.config)] if data.config else []
        measured.append(timed(cmd))
        reports.append(json.loads((out / "report.json").read_text(encoding="utf-8"))["run"])
    middle = median_of(measured)
    run = reports[measured.index(middle)]
    label = formats or "all formats"
    target = SMALL_TARGETS_S[label]
    verdict = "met" if middle.wall_s < target else "NOT met"
    spread = ", ".join(f"{m.wall_s:.2f}" for m in measured)
    inside = sum(run["stages"].values())
    stages = sorted(run["stages"].items(), key=lambda kv: -kv[1])
    row = (
        f"| {data.name} | {label} | {middle.wall_s:.2f} | {spread} | {verdict} (< {target:g} s) "
        f"| {inside:.2f} | {middle.wall_s - run['duration_s']:.2f} | {loads(measured)} |"
    )
    print(row, flush=True)
    shown = ", ".join(f"{k} {v:.2f}" for k, v in stages if v >= 0.005)
    return [row, f"- {data.name}, {label} (median run), stages s: {shown}"]


def writing_breakdown(data: Input) -> str:
    """Seconds of each part of writing every format, measured in one fresh process."""
    done = timed([sys.executable, "-c", WRITING, str(data.config or ""), *data.paths])
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    parts = ", ".join(f"{k} {v:.2f}" for k, v in found["times"].items())
    return (
        f"- {data.name}, every format in one process ({done.wall_s:.2f} s wall, load "
        f"{done.load:.2f}, {found['pngs']} PNG charts): {parts}"
    )


# --- output ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="reports per input and format")
    parser.add_argument("--shape", default="marketplace", help="a tests/corpus/shapes.py shape")
    parser.add_argument("--record", action="store_true", help="append to benchmarks/RESULTS.md")
    args = parser.parse_args()
    started = datetime.now(UTC)
    load_start = load_average()
    print(f"load average at the start: {load_start}")
    head = "| command | median s | runs s | target | load (1 min) before |\n|---|---:|---|---|---|"
    print(head)
    start_rows = startup()
    offenders = import_offenders()
    print("\n".join(offenders))
    report_head = (
        "| input | formats | median s | runs s | target | stages s | outside the stages s "
        "| load (1 min) before |\n|---|---|---:|---|---|---:|---:|---|"
    )
    print(report_head)
    rows, stages, writing = [], [], []
    with tempfile.TemporaryDirectory(prefix="salescope-small-") as tmp:
        work = Path(tmp)
        inputs = [demo_input(work / "demo", args.rows), shape_input(work / "shape", args.shape)]
        for data in inputs:
            for formats in ("json,md", None):
                row, stage = report_runs(data, formats, args.runs, work)
                rows.append(row)
                stages.append(stage)
            writing.append(writing_breakdown(data))
    print("\n".join(stages + writing))
    if args.record:
        text = [
            f"### {started:%Y-%m-%d %H:%M} UTC, salescope {commit()}",
            "",
            f"{machine(load_start)}. Start-up, median of {STARTUP_RUNS} fresh processes:",
            "",
            head,
            *start_rows,
            "",
            *[f"- {line}" for line in offenders],
            "",
            f"Reports, median of {args.runs} fresh processes (outside the stages: start-up, "
            "imports, building the prose and writing the files; wall minus report.json "
            "`run.duration_s`):",
            "",
            report_head,
            *rows,
            "",
            *stages,
            *writing,
        ]
        record(SECTION, "\n".join(text))


if __name__ == "__main__":
    main()
