"""The same report on local PySpark and on DuckDB, side by side.

    python benchmarks/engines.py [--rows 200000] [--runs 2] [--record]

The input is the demo as ``salescope demo`` writes it (the sales lines, its marketing
spend, campaigns, quotas and inventory tables and its salescope.yml), ``--rows`` lines.
Each engine makes ``salescope report --format json,md`` of it in ``--runs`` fresh
processes, one after the other (DuckDB, then PySpark in a ``local[2]`` session, which
includes starting the JVM). Before any time is kept, the two report.json files must be
equal apart from their ``run`` block (what was run, when, how long): a faster engine
with other figures would not be a result.

Printed and recorded: each engine's median wall time with every run's, the ratio (the
issue's target: local PySpark within 3x DuckDB), the seconds per stage of each median
run (report.json ``run.stages``), and how many lines PySpark wrote to stderr (the JVM's
warnings and stage bars stay out of it unless ``--debug``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from results import commit, load_average, machine, record
from small import demo_input, loads, median_of, timed

SECTION = "## Local PySpark against DuckDB (`engines.py`)"
CLI = [sys.executable, "-m", "salescope.cli", "--quiet"]
ENGINES = ("duckdb", "pyspark")
SPARK_TARGET = 3.0  # local PySpark within this many times DuckDB's wall time


@dataclass(frozen=True)
class Run:
    """One report in a fresh process."""

    wall_s: float
    load: float
    report: dict[str, Any]
    stderr_lines: int


def report_run(engine: str, paths: list[str], config: Path | None, out: Path) -> Run:
    """``salescope report`` of ``paths`` on ``engine``; aborts when it fails."""
    cmd = [*CLI, "report", *paths, "--engine", engine, "--format", "json,md", "--out", str(out)]
    cmd += ["--config", str(config)] if config else []
    done = timed(cmd)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return Run(done.wall_s, done.load, report, len(done.stderr.splitlines()))


def figures(report: dict[str, Any]) -> dict[str, Any]:
    """A report without its ``run`` block: every figure and sentence."""
    return {k: v for k, v in report.items() if k != "run"}


def check_equal(runs: dict[str, list[Run]]) -> None:
    """Every report equals the first DuckDB one apart from ``run``; aborts otherwise."""
    first = figures(runs["duckdb"][0].report)
    for engine, measured in runs.items():
        for i, run in enumerate(measured):
            other = figures(run.report)
            if other != first:
                keys = sorted(k for k in first | other if first.get(k) != other.get(k))
                raise SystemExit(f"{engine} run {i + 1} differs from DuckDB's report in: {keys}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=2, help="reports per engine")
    parser.add_argument("--record", action="store_true", help="append to benchmarks/RESULTS.md")
    args = parser.parse_args()
    started = datetime.now(UTC)
    load_start = load_average()
    print(f"load average at the start: {load_start}", flush=True)
    runs: dict[str, list[Run]] = {}
    with tempfile.TemporaryDirectory(prefix="salescope-engines-") as tmp:
        work = Path(tmp)
        data = demo_input(work / "demo", args.rows)
        for engine in ENGINES:
            runs[engine] = []
            for i in range(args.runs):
                run = report_run(engine, data.paths, data.config, work / f"{engine}-{i}")
                runs[engine].append(run)
                print(f"{engine} run {i + 1}: {run.wall_s:.2f} s", flush=True)
    check_equal(runs)
    median = {engine: median_of(measured) for engine, measured in runs.items()}
    ratio = median["pyspark"].wall_s / median["duckdb"].wall_s
    verdict = "met" if ratio <= SPARK_TARGET else "NOT met"
    head = "| engine | median s | runs s | x DuckDB | load (1 min) before |\n"
    head += "|---|---:|---|---:|---|"
    rows = [
        f"| {engine} | {median[engine].wall_s:.2f} | "
        + ", ".join(f"{r.wall_s:.2f}" for r in runs[engine])
        + f" | {median[engine].wall_s / median['duckdb'].wall_s:.1f} | {loads(runs[engine])} |"
        for engine in ENGINES
    ]
    stages = [
        f"- {engine} (median run, report.json {median[engine].report['run']['duration_s']:.2f} s "
        "of the wall time), stages s: "
        + ", ".join(f"{k} {v:.2f}" for k, v in median[engine].report["run"]["stages"].items())
        for engine in ENGINES
    ]
    notes = [
        f"- local PySpark {ratio:.1f}x DuckDB (target at most {SPARK_TARGET:g}x): {verdict}",
        "- every report.json equal to DuckDB's apart from `run` (checked before timing)",
        "- PySpark's lines on stderr without --debug: "
        + ", ".join(str(r.stderr_lines) for r in runs["pyspark"]),
    ]
    print("\n".join([head, *rows, "", *stages, *notes]))
    if args.record:
        text = [
            f"### {args.rows:,} demo lines, {started:%Y-%m-%d %H:%M} UTC, salescope {commit()}",
            "",
            f"{machine(load_start)}. `salescope report --format json,md`, {args.runs} fresh "
            "processes per engine:",
            "",
            head,
            *rows,
            "",
            *stages,
            *notes,
        ]
        record(SECTION, "\n".join(text))


if __name__ == "__main__":
    main()
