"""Scale benchmark: salescope against plain pandas on the same N-row Parquet file.

    python benchmarks/scale.py --rows 10000000 [--record]

Generates (or reuses) benchmarks/data/sales_<N>.parquet with the demo
generator, then runs, each in a fresh process, `salescope report` (JSON and
Markdown) and `pandas_baseline.py` for the same period figures, and prints
wall time and peak memory (max RSS of the process) of both, measured in the
same run. The figures of both are compared so the race is fair: the KPIs, new vs
returning revenue, the top customers' shares, RFM segment counts at both period
ends, the cohorts' active customers, the channels and reps of the period (with new
customers by their first order's channel and rep), returns by category, margin,
discount rate and cost ratio with their split, the possible stockouts from sales
gaps and the daily revenue series. Seconds per stage (salescope) and per step
(pandas) are printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"


def make_data(rows: int, seed: int) -> tuple[Path, float]:
    path = DATA / f"sales_{rows}_{seed}.parquet"
    if path.exists():
        return path, 0.0
    import pyarrow.parquet as pq

    from salescope.demo_data import generate_sales

    DATA.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    table = generate_sales(rows=rows, seed=seed)
    pq.write_table(table, path, row_group_size=1_000_000)
    return path, time.perf_counter() - started


def measure(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        assert proc.stderr is not None
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr.read().decode()}")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--record", action="store_true", help="append to benchmarks/RESULTS.md")
    args = parser.parse_args()

    path, gen_s = make_data(args.rows, args.seed)
    size_mb = path.stat().st_size / 2**20
    print(f"data: {path.name}, {args.rows:,} rows, {size_mb:.0f} MB (generated in {gen_s:.1f}s)")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report"
        sc_cmd = [
            sys.executable,
            "-m",
            "salescope.cli",
            "--quiet",
            "report",
            str(path),
            "--format",
            "json,md",
            "--out",
            str(out),
        ]
        sc_wall, sc_rss = measure(sc_cmd)
        report = json.loads((out / "report.json").read_text())
        p = report["period"]
        pd_out = Path(tmp) / "pandas.json"
        pd_cmd = [
            sys.executable,
            str(HERE / "pandas_baseline.py"),
            str(path),
            p["start"],
            p["end"],
            p["previous"]["start"],
            p["previous"]["end"],
            p["yoy"]["start"],
            p["yoy"]["end"],
            str(pd_out),
        ]
        pd_wall, pd_rss = measure(pd_cmd)
        baseline = json.loads(pd_out.read_text())

    agreed = compare(report, baseline)
    print(f"figures agree with pandas for {p['label']}:")
    for line in agreed:
        print(f"  {line}")
    print(f"{'':10} {'wall s':>8} {'peak RSS MB':>12}")
    print(f"{'salescope':10} {sc_wall:8.2f} {sc_rss:12.0f}")
    print(f"{'pandas':10} {pd_wall:8.2f} {pd_rss:12.0f}")
    print(f"ratio      {sc_wall / pd_wall:8.2f} {sc_rss / pd_rss:12.2f}")
    stages = report["run"]["stages"]
    inside = sum(stages.values())
    validation = stages.get("validate", 0.0)
    stage_list = ", ".join(f"{k} {v:.2f}" for k, v in stages.items())
    print(f"salescope stages (s): {stage_list}")
    print("pandas steps (s): " + ", ".join(f"{k} {v:.2f}" for k, v in baseline["steps"].items()))
    print(
        f"validate: {validation:.2f}s = {validation / sc_wall:.0%} of the report's "
        f"wall time ({sc_wall - inside:.2f}s start-up and writing outside the stages)"
    )
    if args.record:
        line = (
            f"| {date.today()} | {args.rows:,} | {sc_wall:.1f} | {sc_rss:.0f} | {pd_wall:.1f} "
            f"| {pd_rss:.0f} | {sc_wall / pd_wall:.2f} | {sc_rss / pd_rss:.2f} "
            f"| {validation:.1f} ({validation / sc_wall:.0%}) "
            f"| {os.cpu_count()} cores, {platform.python_version()} | {stage_list} |\n"
        )
        with (HERE / "RESULTS.md").open("a") as handle:
            handle.write(line)


if __name__ == "__main__":
    main()
