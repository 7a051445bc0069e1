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
MONEY = 0.02  # amounts: both sides round to cents
RATE = 1e-6  # salescope rounds rates to six decimals


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


def compare(report: dict[str, Any], baseline: dict[str, Any]) -> list[str]:
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
    checked = [
        *compare_channels(report["marketing"], baseline["channels"], close, differ),
        *compare_team(report["team"], baseline["team"], close, differ),
        *compare_operations(report["operations"], baseline, close, differ),
        compare_stockouts(report["inventory"], baseline["stockouts"], close, differ),
    ]
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
        *checked,
        f"daily revenue: {len(daily)} days from {daily[0]['date']}",
    ]


Close = Callable[[str, float | None, float, float], None]


def same_members(what: str, got: set[str], want: set[str], differ: list[str]) -> set[str]:
    """The members both sides list; a member only one side lists is a difference."""
    for name in sorted(got ^ want):
        side = "salescope" if name in got else "pandas"
        differ.append(f"{what}[{name}]: listed by {side} only")
    return got & want


def compare_counts(
    name: str, got: dict[str, Any], want: dict[str, float], fields: tuple[str, ...]
) -> list[str]:
    return [
        f"{name}.{f}: salescope {got[f]['value']}, pandas {want[f]}"
        for f in fields
        if got[f]["value"] != want[f]
    ]


def compare_channels(
    marketing: dict[str, Any] | None,
    want: dict[str, dict[str, float]],
    close: Close,
    differ: list[str],
) -> list[str]:
    """Revenue, orders, customers, AOV and new customers (by first channel) of each channel."""
    if marketing is None or marketing["source"] != "sales only":
        differ.append(f"marketing: expected channels from the sales only, got {marketing}")
        return []
    got = {re.sub(r"\s+", "", c["channel"]).lower(): c for c in marketing["channels"]}
    for key in sorted(same_members("marketing.channels", set(got), set(want), differ)):
        c, w, name = got[key], want[key], f"marketing.channels[{key}]"
        close(f"{name}.revenue", c["revenue"]["value"], w["revenue"], MONEY)
        close(f"{name}.aov", c["aov"]["value"], w["aov"], MONEY)
        close(
            f"{name}.new_customer_share",
            c["new_customer_share"]["value"],
            w["new_customer_share"],
            RATE,
        )
        differ += compare_counts(name, c, w, ("orders", "customers", "new_customers"))
    return [
        f"channels: revenue, orders, customers, AOV, new customers and share, {len(got)} channels"
    ]


def compare_team(
    team: dict[str, Any] | None, want: dict[str, Any], close: Close, differ: list[str]
) -> list[str]:
    """Revenue, orders, customers, AOV and new customers (by first rep) of each rep."""
    if team is None:
        differ.append("team: missing from report.json")
        return []
    got = {" ".join(r["rep"].split()).lower(): r for r in team["reps"]}
    for key in sorted(same_members("team.reps", set(got), set(want["reps"]), differ)):
        r, w, name = got[key], want["reps"][key], f"team.reps[{key}]"
        close(f"{name}.revenue", r["revenue"]["value"], w["revenue"], MONEY)
        close(f"{name}.aov", r["aov"]["value"], w["aov"], MONEY)
        differ += compare_counts(name, r, w, ("orders", "customers", "new_customers"))
    close("team.median_revenue", team["median_revenue"], want["median_revenue"], MONEY)
    return [f"reps: revenue, orders, customers, AOV, new customers, median, {len(got)} reps"]


def compare_operations(
    operations: dict[str, Any] | None, baseline: dict[str, Any], close: Close, differ: list[str]
) -> list[str]:
    """Returns / gross per category and overall; margin figures of both periods and the split."""
    if operations is None or operations["margin"] is None:
        differ.append(f"operations: expected returns and margin, got {operations}")
        return []
    got = {r["key"]: r for r in operations["returns"]}
    want = baseline["returns"]
    for key in sorted(same_members("operations.returns", set(got), set(want), differ)):
        for field in ("returns", "gross"):
            close(f"operations.returns[{key}].{field}", got[key][field], want[key][field], MONEY)
        close(f"operations.returns[{key}].rate", got[key]["rate"], want[key]["rate"], RATE)
    margin, base = operations["margin"], baseline["margin"]
    for name in ("gross_margin", "discount_rate", "cost_ratio"):
        close(f"operations.margin.{name}", margin[name]["value"], base["cur"][name], RATE)
        close(
            f"operations.margin.{name}.previous", margin[name]["previous"], base["prev"][name], RATE
        )
    for name in ("from_discount", "from_cost"):
        close(f"operations.margin.{name}", margin[name], base[name], RATE)
    return [
        f"returns: amount, gross and rate, {len(got) - 1} categories and all",
        "margin: gross margin, discount rate, cost ratio (both periods), split of the change",
    ]


def compare_stockouts(
    inventory: dict[str, Any] | None, want: list[dict[str, Any]], close: Close, differ: list[str]
) -> str:
    """The same flagged gaps (product, first and last day, ongoing), with the same revenue."""
    if inventory is None or inventory["source"] != "sales gaps":
        differ.append(f"inventory: expected stockouts from sales gaps, got {inventory}")
        return ""

    def gap(s: dict[str, Any]) -> str:
        return f"{s['product']} {s['start']}..{s['end']}{' ongoing' if s['ongoing'] else ''}"

    got = {gap(s): s for s in inventory["stockouts"]}
    wanted = {gap(s): s for s in want}
    for key in sorted(same_members("inventory.stockouts", set(got), set(wanted), differ)):
        for field in ("daily_revenue", "lost_revenue"):
            close(f"inventory.stockouts[{key}].{field}", got[key][field], wanted[key][field], MONEY)
    in_period = [s for s in want if s["in_period"]]
    lost = sum(s["lost_revenue"] for s in in_period)
    close("inventory.lost_revenue", inventory["lost_revenue"], lost, MONEY)
    products = len({s["product"] for s in in_period})
    if inventory["products_out"] != products:
        differ.append(
            f"inventory.products_out: salescope {inventory['products_out']}, pandas {products}"
        )
    return f"possible stockouts from sales gaps: {len(got)} gaps, lost revenue {lost:,.2f}"


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
