"""End to end: each input format through ``salescope.run`` gives the Python revenue.

The same sales lines are written as a cp1252 CSV with a ragged line, an Excel sheet
under title rows, JSON lines with a broken line, a DuckDB file, a SQLite file, two
stacked CSVs, and a star schema; the report's revenue must equal the plain sum.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest

import salescope
from tests.conftest import fixed_clock

HEADER = ["order_id", "order_date", "customer_id", "quantity", "unit_price"]
# (order_id, order_date, customer_id, quantity, unit_price)
LINES: tuple[tuple[str, date, str, int, str], ...] = (
    ("O1", date(2024, 1, 5), "Müller", 2, "10.50"),
    ("O2", date(2024, 1, 20), "Café Zoë", 1, "99.99"),
    ("O3", date(2024, 2, 11), "Müller", 3, "4.25"),
    ("O4", date(2024, 3, 2), "Nuñez", 5, "1.10"),
    ("O5", date(2024, 3, 28), "Œuvre €", 4, "7.35"),
)
REVENUE = sum(Decimal(p) * q for *_, q, p in LINES)


def as_text(line: tuple[str, date, str, int, str]) -> list[str]:
    order, day, customer, qty, price = line
    return [order, day.isoformat(), customer, str(qty), price]


def csv_cp1252_with_ragged_line(folder: Path) -> list[str]:
    path = folder / "export.csv"
    with path.open("w", encoding="cp1252", newline="") as handle:
        out = csv.writer(handle, delimiter=";")
        out.writerow(HEADER)
        out.writerows(as_text(line) for line in LINES)
        out.writerow(["O9", "2024-03-30", "cut off"])  # ragged: not a sales line
    return [str(path)]


def excel_under_title_rows(folder: Path) -> list[str]:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Orders"
    sheet.append(["Orders export"])
    sheet.append([])
    sheet.append(HEADER)
    for order, day, customer, qty, price in LINES:
        sheet.append([order, day, customer, qty, float(price)])
    book.save(folder / "orders.xlsx")
    return [f"{folder / 'orders.xlsx'}#Orders"]


def json_lines_with_broken_line(folder: Path) -> list[str]:
    path = folder / "orders.jsonl"
    records = [json.dumps(dict(zip(HEADER, as_text(line), strict=True))) for line in LINES]
    records.insert(1, "{broken")
    path.write_text("\n".join(records) + "\n", encoding="utf-8")
    return [str(path)]


def duckdb_file(folder: Path) -> list[str]:
    path = folder / "shop.duckdb"
    db = duckdb.connect(str(path))
    db.execute(
        "CREATE TABLE orders (order_id VARCHAR, order_date DATE, customer_id VARCHAR, "
        "quantity INTEGER, unit_price DECIMAL(10, 2))"
    )
    db.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?)", [list(line) for line in LINES])
    db.close()
    return [f"duckdb:///{str(path).lstrip('/')}?table=orders"]


def sqlite_file(folder: Path) -> list[str]:
    path = folder / "shop.db"
    with sqlite3.connect(path) as db:
        db.execute(f"CREATE TABLE orders ({', '.join(HEADER)})")
        db.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?)", [as_text(li) for li in LINES])
    return [f"sqlite:///{str(path).lstrip('/')}#orders"]


def stacked_csvs(folder: Path) -> list[str]:
    paths = []
    for name, part in (("jan.csv", LINES[:2]), ("feb_mar.csv", LINES[2:])):
        with (folder / name).open("w", encoding="utf-8", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(HEADER)
            out.writerows(as_text(line) for line in part)
        paths.append(str(folder / name))
    return paths


def star_schema(folder: Path) -> list[str]:
    sales = folder / "sales.csv"
    with sales.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["order_id", "order_date", "customer_id", "quantity", "unit_price"])
        out.writerows(as_text(line) for line in LINES)
    customers = folder / "customers.csv"
    with customers.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["CustomerID", "name", "segment"])
        out.writerows([c, c.upper(), "SMB"] for c in sorted({line[2] for line in LINES}))
    return [str(customers), str(sales)]


# Lines each format writes that are not sales lines but must still be counted as read.
UNSPLITTABLE = {"csv cp1252 + ragged": 1, "json lines": 1}
FORMATS: dict[str, Callable[[Path], list[str]]] = {
    "csv cp1252 + ragged": csv_cp1252_with_ragged_line,
    "excel": excel_under_title_rows,
    "json lines": json_lines_with_broken_line,
    "duckdb url": duckdb_file,
    "sqlite url": sqlite_file,
    "stacked csv": stacked_csvs,
    "star schema": star_schema,
}


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_report_revenue_equals_python_sum(fmt: str, tmp_path: Path) -> None:
    inputs = FORMATS[fmt](tmp_path)
    report = salescope.run(inputs, period="all", clock=fixed_clock)
    revenue = report.kpi("revenue")
    assert revenue is not None
    assert revenue.value == pytest.approx(float(REVENUE), abs=0.005)
    orders = report.kpi("orders")
    assert orders is not None and orders.value == len(LINES)
    quality = report.quality
    assert quality.rows_accepted == len(LINES)
    assert quality.rows_read == len(LINES) + UNSPLITTABLE.get(fmt, 0)
    assert quality.rows_read == quality.rows_accepted + quality.rows_quarantined
