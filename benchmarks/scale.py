"""Scale benchmark: salescope against plain pandas on the same N-row Parquet file.

    python benchmarks/scale.py --rows 10000000 [--record]

Generates (or reuses) benchmarks/data/sales_<N>.parquet with the demo
generator, then runs, each in a fresh process, `salescope report` (JSON and
Markdown) and `pandas_baseline.py` for the same period figures, and prints
wall time and peak memory (max RSS of the process) of both, measured in the
same run. The figures of both are compared so the race is fair: the KPIs, new vs
returning revenue, the top customers' shares, RFM segment counts at both period
ends, the cohorts' active customers and the daily revenue series. Seconds per
stage (salescope) and per step (pandas) are printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

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


def compare(report: dict, baseline: dict) -> list[str]:
    """The figure groups both agree on; aborts listing every figure that differs."""
    differ: list[str] = []

    def close(name: str, got: float | None, want: float, tolerance: float) -> None:
        if got is None or abs(got - want) > tolerance:
            differ.append(f"{name}: salescope {got}, pandas {want}")

    for name, want in baseline["cur"].items():
        close(f"kpis.{name}", report["kpis"][name]["value"], want, 0.011)
    customers, base = report["customers"], baseline["customers"]
    for name in ("new_revenue", "returning_revenue"):
        close(f"customers.{name}", customers[name], base[name], 0.02)
    for name, want in base["top_shares"].items():
        close(f"customers.top_shares.{name}", customers["top_shares"].get(name), want, 1e-6)
    rfm = {s["segment"]: s for s in customers["rfm"]}
    for key, field in (("cur", "customers"), ("prev", "previous_customers")):
        want_counts = base["rfm"][key]
        for segment in sorted(set(rfm) | set(want_counts)):
            got = rfm.get(segment, {}).get(field) or 0
            if got != want_counts.get(segment, 0):
                differ.append(
                    f"customers.rfm[{segment}].{field}: salescope {got}, "
                    f"pandas {want_counts.get(segment, 0)}"
                )
    cohorts = {c["month"]: c["active"] for c in customers["cohorts"]}
    if cohorts != base["cohorts"]:
        for month in sorted(set(cohorts) | set(base["cohorts"])):
            if cohorts.get(month) != base["cohorts"].get(month):
                differ.append(
                    f"customers.cohorts[{month}].active: salescope {cohorts.get(month)}, "
                    f"pandas {base['cohorts'].get(month)}"
                )
    daily = report["timeseries"].get("daily") or []
    want_daily = baseline["daily"]["revenue"]
    if not daily:
        differ.append("timeseries.daily: missing from report.json")
    elif daily[0]["date"] != baseline["daily"]["start"] or len(daily) != len(want_daily):
        differ.append(
            f"timeseries.daily: salescope {daily[0]['date']} + {len(daily)} days, "
            f"pandas {baseline['daily']['start']} + {len(want_daily)} days"
        )
    else:
        for point, want in zip(daily, want_daily, strict=True):
            close(f"timeseries.daily[{point['date']}].revenue", point["revenue"], want, 0.011)
    if differ:
        shown = "\n  ".join(differ[:40])
        more = f"\n  ... and {len(differ) - 40} more" if len(differ) > 40 else ""
        raise SystemExit(f"figures differ from pandas ({len(differ)}):\n  {shown}{more}")
    return [
        f"KPIs: {len(baseline['cur'])}",
        "customers: new and returning revenue, top 1/10/20% shares",
        f"RFM segment counts at both period ends: {len(rfm)} segments",
        f"cohorts: active customers per month after the first, {len(cohorts)} cohorts",
        f"daily revenue: {len(daily)} days from {daily[0]['date']}",
    ]


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
