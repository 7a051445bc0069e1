"""What the dataset model costs: a sales-lines file with three lookups, at N lines.

Generates (seeded, numpy + pyarrow) a Parquet file of N sales lines (order id, order date,
customer id, product id, quantity, unit price) and three lookups: customers (with a
segment), products (with a category id and a list price and stock count, the traps) and
categories. Then, in the same process and on the same files:

- the one-scan limit: one DuckDB query that sums revenue and counts lines over the fact
  file (what any report must at least read);
- salescope's dataset model: profiling every table, finding candidate keys and the joins
  from names and values, choosing the fact table (``build_dataset``), and deciding the
  roles on the joined table (``decide_roles``): everything before validation.

The joins are checked (three, each 100% matched) before the time is reported.

    python benchmarks/dataset_model.py --rows 10000000 [--record]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from salescope.engine import connect
from salescope.schema.decide import decide_roles
from salescope.sources.files import read_inputs

RESULTS = Path(__file__).with_name("RESULTS.md")


def generate(folder: Path, rows: int, seed: int) -> list[Path]:
    rng = np.random.default_rng(seed)
    customers, products, categories = max(rows // 20, 10), 5_000, 40
    days = (date(2025, 12, 31) - date(2024, 1, 1)).days
    start = np.datetime64("2024-01-01")
    orders = rng.integers(0, max(rows // 3, 1), rows)
    fact = pa.table(
        {
            "order_id": orders.astype(np.int64),
            "order_date": (start + rng.integers(0, days, rows).astype("timedelta64[D]")),
            "customer_id": rng.integers(1, customers + 1, rows).astype(np.int64),
            "product_id": rng.integers(1, products + 1, rows).astype(np.int64),
            "quantity": rng.integers(1, 6, rows).astype(np.int64),
            "unit_price": np.round(rng.uniform(1, 200, rows), 2),
        }
    )
    lookups = {
        "customers": pa.table(
            {
                "customer_id": np.arange(1, customers + 1, dtype=np.int64),
                "segment": rng.choice(["Retail", "SMB", "Enterprise"], customers),
            }
        ),
        "products": pa.table(
            {
                "product_id": np.arange(1, products + 1, dtype=np.int64),
                "product_name": [f"Product {i}" for i in range(1, products + 1)],
                "category_id": rng.integers(1, categories + 1, products).astype(np.int64),
                "list_price": np.round(rng.uniform(1, 200, products), 2),
                "units_in_stock": rng.integers(0, 500, products).astype(np.int64),
            }
        ),
        "categories": pa.table(
            {
                "category_id": np.arange(1, categories + 1, dtype=np.int64),
                "category_name": [f"Category {i}" for i in range(1, categories + 1)],
            }
        ),
    }
    paths = [folder / "sales_lines.parquet"]
    pq.write_table(fact, paths[0])
    for name, table in lookups.items():
        paths.append(folder / f"{name}.parquet")
        pq.write_table(table, paths[-1])
    return paths


def one_scan(path: Path) -> float:
    con = duckdb.connect()
    started = time.perf_counter()
    con.execute(
        f"SELECT count(*), sum(quantity * unit_price) FROM read_parquet('{path}')"
    ).fetchall()
    return time.perf_counter() - started


def dataset_model(paths: list[Path]) -> tuple[float, int]:
    engine = connect("duckdb")
    started = time.perf_counter()
    source = read_inputs(engine, [str(p) for p in paths])
    assert source.dataset is not None
    mapping = decide_roles(source.table, source.dataset.columns, None, source.dataset.person)
    elapsed = time.perf_counter() - started
    joins = [j for j in source.dataset.model.joins if j.kept]
    assert len(joins) == 3 and all(j.match_rate == 1.0 for j in joins), joins
    assert mapping.column("quantity") == "quantity", mapping.as_dict()
    assert mapping.column("category") == "category_name", mapping.as_dict()
    return elapsed, len(joins)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--record", action="store_true", help="append to benchmarks/RESULTS.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = generate(Path(tmp), args.rows, args.seed)
        scan = min(one_scan(paths[0]) for _ in range(3))
        model, joins = dataset_model(paths)
    line = (
        f"| {args.rows:,} lines + 3 lookups ({date.today()}, {joins} joins found, all 100% "
        f"matched) | {scan:.2f} s | {model:.2f} s |"
    )
    print(line)
    if args.record:
        with RESULTS.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")


if __name__ == "__main__":
    main()
