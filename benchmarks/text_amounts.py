"""What amounts written as text cost: a European CSV export at N lines.

ERP and accounting exports write amounts as text: ``;`` separated, a decimal comma and a
non-breaking space between thousands (``1 234,50``), dates as ``dd/mm/yyyy``. Every
figure salescope computes needs those parsed. Generates (seeded, numpy) such a file of N
lines (invoice, date, customer, product, category, quantity, unit price, line amount,
unit cost), then, one after the other:

- the one-scan limit: one DuckDB query that reads the file, parses the line amounts and
  sums them (what any report must at least do);
- ``salescope report FILE --format json --period all`` in a fresh process, run with the
  ``salescope`` found on ``--src`` (a checkout's ``src`` folder; default this one), so two
  versions can be compared on the same file in the same run.

Revenue is checked against the one-scan sum (to a cent per million) before any time is
reported.

    python benchmarks/text_amounts.py --rows 1000000 [--src ../other/src ...] [--record]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np

RESULTS = Path(__file__).with_name("RESULTS.md")
HERE = Path(__file__).resolve().parents[1] / "src"
HEADER = "N° pièce;Date;Client;Article;Famille;Qté;PU HT;Montant HT;Prix de revient"


def french(values: np.ndarray) -> list[str]:
    """``1234.5`` -> ``1 234,50`` (a non-breaking space between thousands)."""
    return [f"{v:,.2f}".replace(",", "\u00a0").replace(".", ",") for v in values]


def generate(path: Path, rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    day = rng.integers(0, 730, rows)
    dates = (np.datetime64("2023-01-01") + day.astype("timedelta64[D]")).astype(object)
    qty = rng.integers(1, 40, rows)
    price = np.round(rng.uniform(1, 900, rows), 2)
    product = rng.integers(1, 2_000, rows)
    with path.open("w", encoding="cp1252", newline="") as out:
        out.write(HEADER + "\r\n")
        chunk = 200_000
        for lo in range(0, rows, chunk):
            hi = min(lo + chunk, rows)
            amounts = french(qty[lo:hi] * price[lo:hi])
            prices = french(price[lo:hi])
            costs = french(np.round(price[lo:hi] * 0.6, 2))
            for i in range(lo, hi):
                j = i - lo
                out.write(
                    f"FA{i // 3:08d};{dates[i]:%d/%m/%Y};CL{product[i] % 997:04d};"
                    f"ART{product[i]:05d};FAM{product[i] % 17:02d};{qty[i]};{prices[j]};"
                    f"{amounts[j]};{costs[j]}\r\n"
                )


def one_scan(path: Path) -> tuple[float, float]:
    start = time.perf_counter()
    amount = "replace(replace(\"Montant HT\", chr(160), ''), ',', '.')::DOUBLE"
    total = duckdb.sql(
        f"SELECT sum({amount}) FROM read_csv('{path}', delim=';', header=true, "
        "all_varchar=true, encoding='latin-1')"
    ).fetchone()
    assert total is not None
    return time.perf_counter() - start, float(total[0])


def salescope(path: Path, src: Path, out: Path) -> tuple[float, dict[str, float], float]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    start = time.perf_counter()
    command = ["report", str(path), "--out", str(out), "--format", "json", "--period", "all"]
    done = subprocess.run(
        [sys.executable, "-c", "from salescope.cli import main; main()", "--quiet", *command],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"salescope failed ({src}):\n{done.stderr[-2000:]}")
    wall = time.perf_counter() - start
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    revenue = report["kpis"]["revenue"]["value"]
    return wall, report["run"]["stages"], float(revenue)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--src", type=Path, action="append", help="a checkout's src folder")
    parser.add_argument("--record", action="store_true", help="append to RESULTS.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lignes_factures.csv"
        generate(path, args.rows, args.seed)
        size = path.stat().st_size / 1e6
        limit, truth = one_scan(path)
        rows = [f"| one DuckDB scan (read, parse, sum) | {limit:.2f} | | |"]
        for src in args.src or [HERE]:
            wall, stages, revenue = salescope(path, src.resolve(), Path(tmp) / "out")
            tolerance = 0.01 * max(args.rows / 1e6, 1)
            assert abs(revenue - truth) <= tolerance, (revenue, truth)
            commit = subprocess.run(
                ["git", "-C", str(src), "rev-parse", "--short", "HEAD"],
                capture_output=True,
                text=True,
            ).stdout.strip() or str(src)  # a copy of a src folder, outside any checkout
            busiest = ", ".join(
                f"{k} {v:.2f}" for k, v in sorted(stages.items(), key=lambda kv: -kv[1])[:4]
            )
            rows.append(
                f"| salescope {commit} | {wall:.2f} | {sum(stages.values()):.2f} | {busiest} |"
            )
    table = "\n".join(
        [
            f"{args.rows:,} lines, {size:.0f} MB of cp1252 text, {time.strftime('%Y-%m-%d')}:",
            "",
            "| run | wall s | stages s | largest stages s |",
            "|---|---|---|---|",
            *rows,
        ]
    )
    print(table)
    if args.record:
        with RESULTS.open("a", encoding="utf-8") as out:
            out.write("\n" + table + "\n")


if __name__ == "__main__":
    main()
