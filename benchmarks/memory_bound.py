"""Peak memory against file size: is salescope's memory bounded on a large CSV?

    python benchmarks/memory_bound.py [--sizes-gb 0.3 2.4] [--limit 1GB] [--keep] [--record]

Writes CSV files of sales lines (order_id, order_date, customer_id, product, category,
region, quantity, unit_price; orders of one to five lines over two years, seeded numpy)
of about each size, streamed to disk chunk by chunk, into a temporary folder under
/tmp (removed afterwards unless --keep). For each file, each in a fresh process, one
after the other:

- the one-scan floor: one DuckDB query over the file (``sum(quantity*unit_price)``,
  ``count(distinct order_id)``, ``count(distinct customer_id)``, ``count(*)``), with
  DuckDB's default memory limit and with ``memory_limit`` set to the limit below;
- ``salescope --quiet report FILE --format json,md --out DIR``, with the default memory
  limit (half of this machine's memory) and with ``memory_limit: <limit>`` in a
  salescope.yml passed with ``--config``.

Memory is the peak resident set of the whole process tree, sampled every 50 ms with
psutil (the sum over the process and its children), and the kernel's maximum resident
set of the largest single process (``ru_maxrss`` from ``wait4``, which a 50 ms sample
can miss). The report's revenue of every accepted line (report.json
``quality.line_types``) must equal the scan's sum to a cent per million lines (both
add up doubles, salescope rounds to cents: 40 million lines differed by a cent), and its
rows the scan's count, before any number is printed or recorded.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import psutil
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

RESULTS = Path(__file__).with_name("RESULTS.md")
SECTION = "## Memory against file size"
CATEGORIES = [
    "Electronics",
    "Home",
    "Garden",
    "Toys",
    "Books",
    "Sports",
    "Beauty",
    "Grocery",
    "Office",
    "Outdoor",
    "Pets",
    "Apparel",
]
REGIONS = ["North", "South", "East", "West", "Central"]
PRODUCTS = 500
CUSTOMERS = 200_000
DAYS = 730  # 2023-01-01 .. 2024-12-30
EPOCH_DAY = 19_358  # 2023-01-01 as days since 1970-01-01
ORDERS_PER_CHUNK = 200_000  # about 600,000 lines, 35 MB of CSV
SAMPLE_S = 0.05


def codes(prefix: str, numbers: np.ndarray[Any, Any], width: int) -> pa.Array:
    """``codes("C", [7], 6)`` -> ``C000007``, computed in Arrow."""
    text = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(prefix, text, "")


def sales_chunk(rng: np.random.Generator, first_order: int, orders: int) -> pa.Table:
    """``orders`` orders of one to five lines; an order's lines share its date, customer
    and region and name different products (no line repeats another)."""
    lines = rng.integers(1, 6, orders)
    n = int(lines.sum())
    starts = np.repeat(np.cumsum(lines) - lines, lines)
    k = np.arange(n) - starts  # line number inside its order
    order = np.repeat(np.arange(first_order, first_order + orders), lines)
    day = np.repeat(rng.integers(0, DAYS, orders), lines).astype(np.int32)
    customer = np.repeat(rng.integers(0, CUSTOMERS, orders), lines)
    product = (np.repeat(rng.integers(0, PRODUCTS, orders), lines) + 37 * k) % PRODUCTS
    cents = 199 + (product * 7919) % 49_800  # a fixed price per product, 1.99 .. 499.99
    return pa.table(
        {
            "order_id": codes("SO", order, 9),
            "order_date": pa.array(day + EPOCH_DAY, pa.int32()).cast(pa.date32()),
            "customer_id": codes("C", customer, 6),
            "product": codes("P", product, 4),
            "category": pa.array(CATEGORIES).take(pa.array(product % len(CATEGORIES))),
            "region": pa.array(REGIONS).take(pa.array(customer % len(REGIONS))),
            "quantity": pa.array(rng.integers(1, 21, n)),
            "unit_price": pa.array(cents / 100),
        }
    )


def generate(path: Path, target_bytes: int, seed: int) -> int:
    """Write chunks of sales lines to ``path`` until it holds ``target_bytes``; its lines."""
    rng = np.random.default_rng(seed)
    rows = orders = written = 0
    with path.open("wb") as out:
        while written < target_bytes:
            table = sales_chunk(rng, orders, ORDERS_PER_CHUNK)
            buffer = io.BytesIO()
            options = pcsv.WriteOptions(include_header=rows == 0, quoting_style="none")
            pcsv.write_csv(table, buffer, options)
            written += out.write(buffer.getvalue())
            rows += table.num_rows
            orders += ORDERS_PER_CHUNK
    return rows


@dataclass(frozen=True)
class Measured:
    wall_s: float
    tree_mb: float  # peak of the summed RSS of the process tree, sampled
    process_mb: float  # ru_maxrss of the largest single process (kernel)
    stdout: str


def measure(cmd: list[str], cwd: Path, src: Path | None = None) -> Measured:
    """Run ``cmd``; wall seconds and peak memory of its process tree."""
    out_path, err_path = cwd / "stdout.txt", cwd / "stderr.txt"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        env = {**os.environ, "PYTHONPATH": str(src)} if src else None
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd, env=env)
        root = psutil.Process(proc.pid)
        peak = 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            total = 0
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.Error:
                tree = []
            for member in tree:
                with contextlib.suppress(psutil.Error):  # ended since the listing
                    total += member.memory_info().rss
            peak = max(peak, total)
            time.sleep(SAMPLE_S)
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        tail = err_path.read_text(errors="replace")[-3000:]
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{tail}")
    process_mb = usage.ru_maxrss / 1024
    return Measured(wall, max(peak / 2**20, process_mb), process_mb, out_path.read_text())


SCAN = """
import json, sys, duckdb
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
if sys.argv[2] != "default":
    con.execute(f"SET memory_limit = '{sys.argv[2]}'")
row = con.execute(
    "SELECT sum(quantity * unit_price), count(DISTINCT order_id), "
    "count(DISTINCT customer_id), count(*) FROM read_csv(?)",
    [sys.argv[1]],
).fetchone()
print(json.dumps({"revenue": row[0], "orders": row[1], "customers": row[2], "rows": row[3]}))
"""


def scan(path: Path, limit: str, work: Path) -> tuple[Measured, dict[str, Any]]:
    done = measure([sys.executable, "-c", SCAN, str(path), limit], work)
    return done, json.loads(done.stdout)


def salescope_command(src: Path | None) -> list[str]:
    """The installed ``salescope``, or the one in ``src`` (a checkout's src folder)."""
    script = Path(sys.executable).with_name("salescope")
    if src is None and script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from salescope.cli import main; main()"]


def show(name: str, done: Measured) -> None:
    print(
        f"  {name:20} {done.wall_s:7.1f} s  tree {done.tree_mb:6.0f} MB  "
        f"process {done.process_mb:6.0f} MB",
        flush=True,
    )


def report(
    path: Path, config: Path | None, work: Path, src: Path | None
) -> tuple[Measured, dict[str, Any]]:
    out = work / "report"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [*salescope_command(src), "--quiet", "report", str(path), "--format", "json,md"]
    cmd += ["--out", str(out)] + (["--config", str(config)] if config else [])
    done = measure(cmd, work, src)
    found = json.loads((out / "report.json").read_text(encoding="utf-8"))
    if any("in the working directory" in a for a in found["quality"]["assumptions"]):
        raise SystemExit(f"salescope read a salescope.yml in {work}, not the one asked for")
    return done, found


def cents(rows: int) -> float:
    """How far two sums of ``rows`` amounts may differ: a cent per million lines."""
    return 0.01 * max(rows / 1e6, 1.0)


def check(found: dict[str, Any], truth: dict[str, Any], what: str) -> None:
    """The report read every line and its revenue is the scan's sum (a cent per million
    lines: both sides add doubles in an order of their own)."""
    quality = found["quality"]
    revenue = sum(t["revenue"] for t in quality["line_types"])
    problems = []
    if abs(revenue - truth["revenue"]) > cents(truth["rows"]):
        problems.append(f"revenue {revenue:.2f}, scan {truth['revenue']:.2f}")
    if quality["rows_accepted"] != truth["rows"] or quality["rows_quarantined"]:
        problems.append(
            f"rows accepted {quality['rows_accepted']:,} (quarantined "
            f"{quality['rows_quarantined']:,}), scan {truth['rows']:,}"
        )
    if problems:
        raise SystemExit(f"{what}: the report differs from the scan: {'; '.join(problems)}")


@dataclass(frozen=True)
class Row:
    size_mb: float
    rows: int
    runs: dict[str, Measured]
    stages: dict[str, dict[str, float]]


def run_size(gb: float, seed: int, limit: str, work: Path, src: Path | None) -> Row:
    path = work / f"sales_{gb:g}gb.csv"
    started = time.perf_counter()
    rows = generate(path, int(gb * 1e9), seed)
    size_mb = path.stat().st_size / 1e6
    print(f"{path.name}: {rows:,} lines, {size_mb:,.0f} MB ({time.perf_counter() - started:.0f} s)")
    # not in the working folder of the runs: salescope would read it there without --config
    config = work / "limited" / "salescope.yml"
    config.parent.mkdir(exist_ok=True)
    config.write_text(f"memory_limit: {limit}\n", encoding="utf-8")
    runs: dict[str, Measured] = {}
    stages: dict[str, dict[str, float]] = {}
    truth: dict[str, Any] = {}
    for name in ("default", limit):
        runs[f"scan {name}"], found = scan(path, name, work)
        show(f"scan {name}", runs[f"scan {name}"])
        counts = ("orders", "customers", "rows")
        if truth and (
            abs(found["revenue"] - truth["revenue"]) > cents(truth["rows"])
            or any(found[c] != truth[c] for c in counts)
        ):
            raise SystemExit(f"the scans differ: {found} against {truth}")
        truth = found
    for name, cfg in (("default", None), (limit, config)):
        runs[f"salescope {name}"], found = report(path, cfg, work, src)
        check(found, truth, f"salescope {name} on {path.name}")
        show(f"salescope {name}", runs[f"salescope {name}"])
        stages[name] = found["run"]["stages"]
    if truth["rows"] != rows:
        raise SystemExit(f"{path.name}: the scan counted {truth['rows']:,} lines, wrote {rows:,}")
    path.unlink()
    return Row(size_mb, rows, runs, stages)


def table(rows: list[Row], limit: str) -> str:
    configs = ["salescope default", f"salescope {limit}", "scan default", f"scan {limit}"]
    head = "| file MB | lines | " + " | ".join(f"{c} s / MB" for c in configs) + " |"
    lines = [head, "|" + "---:|" * (2 + len(configs))]
    for row in rows:
        cells = [f"{row.runs[c].wall_s:.1f} / {row.runs[c].tree_mb:.0f}" for c in configs]
        lines.append(f"| {row.size_mb:,.0f} | {row.rows:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def growth(rows: list[Row], limit: str) -> str:
    """How each run's peak moved from the smallest file to the largest."""
    small, large = min(rows, key=lambda r: r.size_mb), max(rows, key=lambda r: r.size_mb)
    parts = []
    for name in ("salescope default", f"salescope {limit}", "scan default", f"scan {limit}"):
        a, b = small.runs[name].tree_mb, large.runs[name].tree_mb
        parts.append(f"{name} {a:,.0f} -> {b:,.0f} MB (+{b - a:,.0f}, x{b / a:.2f})")
    return (
        f"From {small.size_mb:,.0f} MB to {large.size_mb:,.0f} MB of CSV "
        f"(x{large.size_mb / small.size_mb:.1f}) the peaks moved: " + "; ".join(parts) + "."
    )


def busiest(stages: dict[str, float], n: int = 4) -> str:
    top = sorted(stages.items(), key=lambda kv: -kv[1])[:n]
    return ", ".join(f"{k} {v:.1f}" for k, v in top)


def record(text: str) -> None:
    """Replace the section in RESULTS.md (or append it)."""
    current = RESULTS.read_text(encoding="utf-8")
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.DOTALL | re.MULTILINE)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text.rstrip("\n") + "\n\n", current, count=1)
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    RESULTS.write_text(updated.rstrip("\n") + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes-gb", type=float, nargs="+", default=[0.3, 2.4])
    parser.add_argument("--limit", default="1GB", help="memory_limit of the limited runs")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--src", type=Path, help="run salescope from this src folder (default: the installed one)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the CSV files and reports")
    parser.add_argument("--record", action="store_true", help="write the section in RESULTS.md")
    args = parser.parse_args()
    src = args.src.resolve() if args.src else None
    work = Path(tempfile.mkdtemp(prefix="salescope-memory-", dir="/tmp"))
    try:
        rows = [run_size(gb, args.seed, args.limit, work, src) for gb in args.sizes_gb]
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    text = table(rows, args.limit)
    print(text)
    moved = growth(rows, args.limit) if len(rows) > 1 else ""
    print(moved)
    for row in rows:
        for name, stages in row.stages.items():
            print(f"{row.size_mb:,.0f} MB, salescope {name}, largest stages s: {busiest(stages)}")
    if args.record:
        where = src or Path(__file__).parent
        commit = subprocess.run(
            ["git", "-C", str(where), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
        ).stdout.strip() or (src.parent.name if src else "?")
        record(
            "\n".join(
                [
                    SECTION,
                    "",
                    f"`python benchmarks/memory_bound.py --record` ({date.today()}, salescope "
                    f"{commit}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f}"
                    f" GB, Python {platform.python_version()}): wall seconds / peak MB of the "
                    "process tree.",
                    "",
                    text,
                    "",
                    moved,
                    "",
                    *[
                        f"- {row.size_mb:,.0f} MB, salescope {name}, largest stages s: "
                        f"{busiest(stages)}"
                        for row in rows
                        for name, stages in row.stages.items()
                    ],
                    "",
                ]
            )
        )


if __name__ == "__main__":
    main()
