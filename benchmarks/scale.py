"""Scale benchmark: salescope, the one-scan limit, pandas and Polars on one N-row Parquet file.

    python benchmarks/scale.py --rows 10000000 [--all-formats] [--memory-limits 1GB 2GB]
        [--no-pandas] [--record]

Generates (or reuses) benchmarks/data/sales_<N>_<seed>.parquet with the demo generator (in
chunks of 10M lines above 10M, so 100M lines never sit in memory at once), then runs, each
in a fresh process and one after the other, in the same run:

- the one-scan limit: one DuckDB query over the file that sums revenue and counts lines and
  distinct orders and customers (what any report must at least read);
- ``salescope report FILE --format json,md``, then the same under each ``--memory-limits``
  (``memory_limit`` in a salescope.yml passed with ``--config``), and with
  ``--all-formats`` the report in every format (HTML, PDF, PNG charts, CSV tables and the
  departments' reports);
- ``pandas_baseline.py`` (skipped, with the reason printed, when the file would not fit
  this machine's memory as pandas frames, or with ``--no-pandas``);
- ``polars_baseline.py``: the same figures in lazy Polars.

Before any time is printed, each baseline's figures are checked equal to salescope's
report.json (``compare_figures.compare``; a difference aborts), and the report's revenue
is checked against the scan's sum. Wall time is the process's elapsed time, start-up
included; peak memory is its maximum resident set (``ru_maxrss`` from ``wait4``). The
1-minute load average before each run is printed beside it: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from compare_figures import compare
from results import commit, load_average, machine, record

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SECTION = "## Side by side at scale (`scale.py`)"
CHUNK_ROWS = 10_000_000  # lines generated at once; larger files are written chunk by chunk
PANDAS_MB_PER_MILLION = 1100  # pandas' peak per million lines (10.9 GB at 10M on 2026-12-06)
SCAN = """
import json, sys, time, duckdb
started = time.perf_counter()
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
row = con.execute(
    "SELECT sum(revenue), count(*), count(DISTINCT order_id), count(DISTINCT customer_id) "
    "FROM read_parquet(?)",
    [sys.argv[1]],
).fetchone()
print(json.dumps({"revenue": row[0], "rows": row[1], "orders": row[2], "customers": row[3],
                  "query_s": time.perf_counter() - started}))
"""


@dataclass(frozen=True)
class Run:
    """One measured process."""

    name: str
    wall_s: float
    peak_mb: float
    load: float  # 1-minute load average just before the run
    stdout: str = ""
    stages: dict[str, float] | None = None  # salescope's run.stages, a baseline's steps


# --- data -----------------------------------------------------------------------------------


def make_data(rows: int, seed: int) -> tuple[Path, float]:
    """The benchmark's Parquet file of ``rows`` demo lines (reused when present) and the
    seconds it took to write (0 when reused)."""
    path = DATA / f"sales_{rows}_{seed}.parquet"
    if path.exists():
        return path, 0.0
    import pyarrow.parquet as pq

    DATA.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    partial = path.with_suffix(".partial")
    if rows <= CHUNK_ROWS:
        from salescope.demo_data import generate_sales

        pq.write_table(generate_sales(rows=rows, seed=seed), partial, row_group_size=1_000_000)
    else:
        writer = None
        for table in chunked_sales(rows, seed):
            writer = writer or pq.ParquetWriter(partial, table.schema)
            writer.write_table(table, row_group_size=1_000_000)
            del table
        assert writer is not None
        writer.close()
    partial.rename(path)
    return path, time.perf_counter() - started


def chunked_sales(rows: int, seed: int) -> Iterator[Any]:
    """``rows`` demo lines as tables of at most 10M lines: one catalog and one plan of
    planted effects (as the demo's ``seed`` gives them), and per chunk its own customers
    (``C<chunk><n>``, one per 25 lines as in the demo) and orders over the whole span,
    numbered on from the chunk before. Each chunk is in date order, so the file's row
    groups keep narrow date ranges as the 10M file's do.

    Uses the demo generator's internals: ``generate_sales`` builds every line in memory.
    """
    import numpy as np
    import pyarrow.compute as pc

    from salescope import demo_data as demo

    catalog_rng, plan_rng, *_ = np.random.default_rng(seed).spawn(5)
    catalog = demo._make_catalog(catalog_rng)
    plan = demo._make_plan(plan_rng, catalog)
    chunks = math.ceil(rows / CHUNK_ROWS)
    orders = 0
    for i, rng in enumerate(np.random.default_rng([seed, rows]).spawn(chunks)):
        n = min(CHUNK_ROWS, rows - i * CHUNK_ROWS)
        customer_rng, order_rng = rng.spawn(2)
        customers = demo._make_customers(customer_rng, max(200, n // 25))
        lines = demo._make_lines(order_rng, n, catalog, plan, customers)
        numbered = replace(lines, order_no=lines.order_no + orders, n_orders=rows)  # same width
        orders += lines.n_orders
        sim = demo._Simulation(n, seed, catalog, plan, customers, numbered, rng)
        table = demo._sales_table(sim)
        del sim, lines, numbered, customers
        ids = table["customer_id"]
        own = pc.binary_join_element_wise(f"C{i:02d}", pc.utf8_slice_codeunits(ids, 1), "")
        yield table.set_column(table.schema.get_field_index("customer_id"), "customer_id", own)
        print(f"  chunk {i + 1}/{chunks}: {n:,} lines", flush=True)


# --- runs -----------------------------------------------------------------------------------


def measure(name: str, cmd: list[str], work: Path) -> Run:
    """Wall seconds and peak RSS (MB) of one child process; aborts when it fails."""
    load = os.getloadavg()[0]
    out, err = work / "stdout.txt", work / "stderr.txt"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=stderr)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        tail = err.read_text(errors="replace")[-3000:]
        raise SystemExit(f"failed: {' '.join(cmd)}\n{tail}")
    run = Run(name, wall, usage.ru_maxrss / 1024, load, out.read_text())
    print(f"  {name:32} {wall:8.2f} s {run.peak_mb:7.0f} MB   (load {load:.2f})", flush=True)
    return run


def salescope(
    name: str, path: Path, work: Path, formats: str | None, limit: str | None = None
) -> tuple[Run, dict[str, Any]]:
    """One ``salescope report`` of the file; its run and report.json."""
    out = work / name.replace(" ", "_").replace(",", "-")
    cmd = [sys.executable, "-m", "salescope.cli", "--quiet", "report", str(path), "--out", str(out)]
    cmd += ["--format", formats] if formats else []
    if limit:
        config = work / f"limit-{limit}" / "salescope.yml"
        config.parent.mkdir()
        config.write_text(f"memory_limit: {limit}\n", encoding="utf-8")
        cmd += ["--config", str(config)]
    run = measure(name, cmd, work)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return replace(run, stages=report["run"]["stages"]), report


def baseline(name: str, script: str, path: Path, report: dict[str, Any], work: Path) -> Run:
    """One baseline over the report's three windows, its figures checked against the report."""
    p = report["period"]
    out = work / f"{name}.json"
    windows = [p["start"], p["end"], p["previous"]["start"], p["previous"]["end"]]
    windows += [p["yoy"]["start"], p["yoy"]["end"]]
    run = measure(name, [sys.executable, str(HERE / script), str(path), *windows, str(out)], work)
    figures = json.loads(out.read_text())
    agreed = compare(report, figures, name)
    print(f"    figures agree with salescope for {p['label']}: {'; '.join(agreed)}")
    return replace(run, stages=figures["steps"])


def check_scan(report: dict[str, Any], scan: dict[str, Any]) -> None:
    """The report read every line, and its revenue is the scan's (a cent per million lines:
    both add doubles in an order of their own)."""
    quality = report["quality"]
    revenue = sum(t["revenue"] for t in quality["line_types"])
    if quality["rows_read"] != scan["rows"] or abs(revenue - scan["revenue"]) > 0.01 * max(
        scan["rows"] / 1e6, 1.0
    ):
        raise SystemExit(
            f"the report differs from the scan: {quality['rows_read']:,} rows, revenue "
            f"{revenue:.2f}; scan {scan['rows']:,} rows, {scan['revenue']:.2f}"
        )


def pandas_skip_reason(rows: int, wanted: bool) -> str | None:
    """Why pandas does not run, or None when it does."""
    if not wanted:
        return "skipped (--no-pandas)"
    need = rows / 1e6 * PANDAS_MB_PER_MILLION
    have = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20
    if need > 0.75 * have:
        return (
            f"skipped: pandas holds the whole table (about {PANDAS_MB_PER_MILLION} MB per "
            f"million lines, {need / 1024:,.0f} GB here) and this machine has {have / 1024:.0f} GB"
        )
    return None


# --- output ---------------------------------------------------------------------------------


def table(runs: list[Run], scan: Run) -> str:
    """The runs as a Markdown table, wall time also as a multiple of the one scan's."""
    lines = [
        "| run | wall s | peak MB | x one scan | load (1 min) before |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in runs:
        lines.append(
            f"| {r.name} | {r.wall_s:.2f} | {r.peak_mb:,.0f} | {r.wall_s / scan.wall_s:.1f} "
            f"| {r.load:.2f} |"
        )
    return "\n".join(lines)


def targets(runs: dict[str, Run], rows: int) -> list[str]:
    """The issue's targets for this size, each with its measured value."""
    scan, report = runs["one scan (DuckDB)"], runs["salescope json,md"]
    found = [
        f"salescope json,md {report.wall_s / scan.wall_s:.1f}x the one scan (target at most 4x): "
        f"{'met' if report.wall_s <= 4 * scan.wall_s else 'NOT met'}",
        f"salescope json,md peak {report.peak_mb:,.0f} MB (target at most 1 GB at 10M): "
        f"{'met' if report.peak_mb <= 1024 else 'NOT met'}",
    ]
    if "salescope all formats" in runs:
        extra = runs["salescope all formats"].wall_s - report.wall_s
        found.append(
            f"all formats {extra:+.1f} s over json,md (target at most 5 s more): "
            f"{'met' if extra <= 5 else 'NOT met'}"
        )
    return found


def stage_lines(runs: list[Run]) -> list[str]:
    """Seconds per salescope stage and per baseline step, one line per run."""
    return [
        f"- {r.name}: " + ", ".join(f"{k} {v:.2f}" for k, v in r.stages.items())
        for r in runs
        if r.stages
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--all-formats", action="store_true", help="also time every format")
    parser.add_argument(
        "--memory-limits", nargs="*", default=[], help="also time json,md under these limits"
    )
    parser.add_argument("--no-pandas", action="store_true", help="leave the pandas baseline out")
    parser.add_argument("--no-polars", action="store_true", help="leave the Polars baseline out")
    parser.add_argument("--keep-data", action="store_true", help="keep the Parquet file")
    parser.add_argument("--record", action="store_true", help="append to benchmarks/RESULTS.md")
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate_only:
        make_data(args.rows, args.seed)
        return

    print(f"load average before generating: {load_average()}")
    # Generated in a child process: Linux keeps a process's peak resident set across fork
    # and exec, so every run started from this process would otherwise report at least
    # the generator's peak as its own (2.9 GB at 10M lines).
    started_gen = time.perf_counter()
    made = not (DATA / f"sales_{args.rows}_{args.seed}.parquet").exists()
    generate = ["--rows", str(args.rows), "--seed", str(args.seed), "--generate-only"]
    subprocess.run([sys.executable, __file__, *generate], check=True)
    path, _ = make_data(args.rows, args.seed)
    gen_s = time.perf_counter() - started_gen if made else 0.0
    size_mb = path.stat().st_size / 2**20
    data = f"{path.name}, {args.rows:,} lines, {size_mb:,.0f} MB of Parquet"
    data += f" (generated in {gen_s:.0f} s)" if gen_s else ""
    start_load = load_average()
    print(f"data: {data}\nload average before the runs: {start_load}")
    started = datetime.now(UTC)
    skip_pandas = pandas_skip_reason(args.rows, not args.no_pandas)
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="salescope-scale-") as tmp:
        work = Path(tmp)
        scan = measure("one scan (DuckDB)", [sys.executable, "-c", SCAN, str(path)], work)
        truth = json.loads(scan.stdout)
        runs.append(scan)
        run, report = salescope("salescope json,md", path, work, "json,md")
        check_scan(report, truth)
        runs.append(run)
        for limit in args.memory_limits:
            run, limited = salescope(f"salescope json,md {limit}", path, work, "json,md", limit)
            check_scan(limited, truth)
            runs.append(run)
        if args.all_formats:
            run, everything = salescope("salescope all formats", path, work, None)
            check_scan(everything, truth)
            runs.append(run)
        if skip_pandas:
            print(f"  pandas: {skip_pandas}")
        else:
            runs.append(baseline("pandas", "pandas_baseline.py", path, report, work))
        if not args.no_polars:
            runs.append(baseline("polars", "polars_baseline.py", path, report, work))
    if not args.keep_data and args.rows > CHUNK_ROWS:
        path.unlink()  # 1.7 GB at 100M lines
    text = table(runs, scan)
    found = targets({r.name: r for r in runs}, args.rows)
    notes = [
        f"one scan: the query itself took {truth['query_s']:.2f} s of the process's "
        f"{scan.wall_s:.2f} s ({truth['rows']:,} lines, {truth['orders']:,} orders, "
        f"{truth['customers']:,} customers)",
        *found,
        *([f"pandas: {skip_pandas}"] if skip_pandas else []),
    ]
    print(text)
    print("\n".join(notes))
    print("\n".join(stage_lines(runs)))
    if args.record:
        head = (
            f"### {args.rows:,} lines, {started:%Y-%m-%d %H:%M} UTC, salescope {commit()}\n\n"
            f"{data}; {machine(start_load)}.\n"
        )
        body = "\n".join(f"- {n}" for n in notes)
        stages = "Seconds per stage (salescope) and per step (baselines):\n\n"
        record(SECTION, f"{head}\n{text}\n\n{body}\n\n{stages}" + "\n".join(stage_lines(runs)))


if __name__ == "__main__":
    main()
