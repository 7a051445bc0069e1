"""Readers for Excel, JSON lines, database URLs, and star schemas of several files.

Fixtures are written with openpyxl, json, sqlite3 and duckdb's own client; values are
compared with what was written, sums with plain-Python sums.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import ibis.expr.types as ir
import openpyxl
import pytest

from salescope.engine import Engine, connect
from salescope.errors import InputError
from salescope.sources import Source, read_inputs

# (order_id, order_date, customer_id, product_id, quantity, unit_price)
SALES: tuple[tuple[str, date, str, str, int, str], ...] = (
    ("S1", date(2024, 1, 5), "C1", "P1", 2, "10.50"),
    ("S2", date(2024, 1, 9), "C2", "P2", 1, "99.99"),
    ("S3", date(2024, 2, 1), "C1", "P3", 3, "4.25"),
    ("S4", date(2024, 2, 14), "C3", "P1", 5, "10.50"),
    ("S5", date(2024, 3, 3), "C4", "P2", 1, "99.99"),
    ("S6", date(2024, 3, 30), "C9", "P3", 4, "4.25"),  # C9 is not in customers.csv
)
AMOUNTS = [Decimal(p) * q for *_, q, p in SALES]


@pytest.fixture()
def engine() -> Engine:
    return connect("duckdb")


def total(table: ir.Table, column: str) -> float:
    return float(table.aggregate(v=table[column].sum()).to_pyarrow()["v"][0].as_py())


def count(table: ir.Table) -> int:
    return int(table.count().to_pyarrow().as_py())


def by_key(table: ir.Table, key: str) -> dict[Any, dict[str, Any]]:
    return {r[key]: r for r in table.to_pyarrow().to_pylist()}


# --- Excel ------------------------------------------------------------------------------


def write_workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Summary"
    sheet.append(["nothing to see here"])
    data = book.create_sheet("Sales Q1")
    data.append(["Sales lines, first quarter 2024"])  # title rows above the table
    data.append(["exported 2024-04-02 by finance"])
    data.append([])
    data.append(["Order ID", "Order Date", "Customer", "Quantity", "Amount", "Note"])
    for order, day, customer, _, qty, price in SALES:
        data.append([order, day, customer, qty, float(Decimal(price) * qty), None])
    data.append([])  # an empty row inside the data is skipped
    book.save(path)
    return path


def test_excel_sheet_with_title_rows_gives_columns_and_values(
    engine: Engine, tmp_path: Path
) -> None:
    path = write_workbook(tmp_path / "book.xlsx")
    source = read_inputs(engine, [f"{path}#Sales Q1"])

    table = source.table
    assert list(table.columns) == [
        "Order ID",
        "Order Date",
        "Customer",
        "Quantity",
        "Amount",
        "Note",
    ]
    assert source.inputs[0].rows == len(SALES)
    assert count(table) == len(SALES)
    assert total(table, "Amount") == pytest.approx(float(sum(AMOUNTS)), abs=1e-9)
    assert table.schema()["Quantity"].is_integer()
    assert table.schema()["Amount"].is_floating()
    rows = by_key(table, "Order ID")
    assert {k: r["Order Date"] for k, r in rows.items()} == {s[0]: s[1].isoformat() for s in SALES}
    assert rows["S2"]["Customer"] == "C2"
    assert any("header on row 4" in n for n in source.notes), source.notes


def test_excel_first_sheet_by_default_and_datetimes_as_text(engine: Engine, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["when", "amount", "code"])
    sheet.append([datetime(2024, 5, 1, 13, 30), 2.5, "007"])
    sheet.append([datetime(2024, 5, 2), 3, "x"])
    book.save(tmp_path / "plain.xlsx")
    source = read_inputs(engine, [str(tmp_path / "plain.xlsx")])
    got = sorted(source.table.to_pyarrow().to_pylist(), key=lambda r: r["when"])
    assert got == [
        {"when": "2024-05-01 13:30:00", "amount": 2.5, "code": "007"},
        {"when": "2024-05-02", "amount": 3.0, "code": "x"},
    ]


def test_missing_sheet_lists_the_sheets(engine: Engine, tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "book.xlsx")
    with pytest.raises(InputError) as err:
        read_inputs(engine, [f"{path}#Sales Q2"])
    assert "'Summary', 'Sales Q1'" in err.value.message
    assert err.value.hint and "#" in err.value.hint


def test_corrupt_excel_file_is_an_input_error(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InputError) as err:
        read_inputs(engine, [str(path)])
    assert "Excel" in err.value.message and err.value.hint


# --- JSON lines -------------------------------------------------------------------------


def test_json_lines_with_a_broken_line_keep_it_as_a_reject(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "orders.jsonl"
    lines = [
        json.dumps({"order_id": o, "order_date": d.isoformat(), "qty": q, "price": float(p)})
        for o, d, _, _, q, p in SALES
    ]
    lines.insert(2, '{"order_id": "S?", "order_date": ')  # cut off mid-record: line 3
    lines.insert(5, "")  # blank line: not a record
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    source = read_inputs(engine, [str(path)])

    assert count(source.table) == len(SALES)
    assert source.inputs[0].rows == len(SALES) + 1
    assert source.rejects is not None
    rejected = source.rejects.to_pyarrow().to_pylist()
    assert [(r["_line"], r["_raw"], r["_reason"]) for r in rejected] == [
        (3, '{"order_id": "S?", "order_date": ', "malformed_json")
    ]
    amount = source.table.qty * source.table.price
    got = source.table.aggregate(v=amount.sum()).to_pyarrow()["v"][0].as_py()
    assert got == pytest.approx(float(sum(AMOUNTS)), abs=1e-9)


def test_json_array_and_ndjson_suffix(engine: Engine, tmp_path: Path) -> None:
    records = [{"id": o, "amount": float(Decimal(p) * q)} for o, _, _, _, q, p in SALES]
    (tmp_path / "a.json").write_text(json.dumps(records, indent=2), encoding="utf-8")
    (tmp_path / "b.ndjson").write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    for name in ("a.json", "b.ndjson"):
        source = read_inputs(engine, [str(tmp_path / name)])
        assert count(source.table) == len(SALES)
        assert total(source.table, "amount") == pytest.approx(float(sum(AMOUNTS)), abs=1e-9)


# --- databases --------------------------------------------------------------------------


def write_sqlite(path: Path) -> Path:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE sales (order_id TEXT, order_date TEXT, qty INT, price REAL)")
        db.execute("CREATE TABLE notes (body TEXT)")
        db.executemany(
            "INSERT INTO sales VALUES (?, ?, ?, ?)",
            [(o, d.isoformat(), q, float(p)) for o, d, _, _, q, p in SALES],
        )
    return path


def write_duckdb(path: Path) -> Path:
    db = duckdb.connect(str(path))
    db.execute(
        "CREATE TABLE sales (order_id VARCHAR, order_date DATE, qty INT, price DECIMAL(9,2))"
    )
    db.executemany(
        "INSERT INTO sales VALUES (?, ?, ?, ?)", [[o, d, q, p] for o, d, _, _, q, p in SALES]
    )
    db.execute("CREATE TABLE other AS SELECT 1 AS x")
    db.close()
    return path


@pytest.mark.parametrize(
    ("writer", "url"),
    [
        (write_duckdb, "duckdb:///{path}?table=sales"),
        (write_sqlite, "sqlite:///{path}?table=sales"),
        (write_sqlite, "sqlite:///{path}#sales"),
    ],
)
def test_database_url_reads_the_table(
    engine: Engine, tmp_path: Path, writer: Any, url: str
) -> None:
    path = writer(tmp_path / "shop.db")
    spec = url.format(path=str(path).lstrip("/"))
    source = read_inputs(engine, [spec])
    table = source.table
    got = table.aggregate(v=(table.qty * table.price).sum()).to_pyarrow()["v"][0].as_py()
    assert float(got) == pytest.approx(float(sum(AMOUNTS)), abs=1e-9)
    (info,) = source.inputs
    assert info.path == spec
    assert info.rows == len(SALES)
    assert info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_database_errors_name_tables_and_hint(engine: Engine, tmp_path: Path) -> None:
    path = str(write_duckdb(tmp_path / "shop.duckdb")).lstrip("/")
    with pytest.raises(InputError) as err:
        read_inputs(engine, [f"duckdb:///{path}?table=orders"])
    assert "'other', 'sales'" in err.value.message and err.value.hint
    # no table named: every table is read; 'other' joins nothing and is left out, said
    whole = read_inputs(engine, [f"duckdb:///{path}"])
    assert count(whole.table) == len(SALES)
    assert any("#other: not joined" in n for n in whole.notes)
    with pytest.raises(InputError) as err:
        read_inputs(engine, [f"sqlite:///{tmp_path}/missing.db?table=sales"])
    assert "not found" in err.value.message
    with pytest.raises(InputError) as err:
        read_inputs(engine, ["nosuchdb://host/db?table=sales"])
    assert err.value.hint


def test_password_is_not_reported(engine: Engine) -> None:
    from salescope.sources.database import parse_url

    parsed = parse_url("postgres://ann:s3cret@db.example/shop?table=sales")
    assert "s3cret" not in parsed.label
    assert parsed.table == "sales"
    assert "table=" not in parsed.url


# --- star schema ------------------------------------------------------------------------

CUSTOMERS = {
    "C1": ("Ärzte Praxis", "SMB", "North"),
    "C2": ("Bolt Corp", "Enterprise", "South"),
    "C3": ("Cara", "Consumer", "North"),
    "C4": ("Dune Ltd", "SMB", "East"),
}
PRODUCTS = {
    "P1": ("Widget", "Tools", "3.10"),
    "P2": ("Gizmo", "Toys", "40.00"),
    "P3": ("Nut", "Tools", "1.05"),
}


def write_star(folder: Path) -> tuple[Path, Path, Path]:
    sales = folder / "sales.csv"
    with sales.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "order_id",
                "order_date",
                "CustomerID",
                "product_id",
                "quantity",
                "unit_price",
                "region",
            ]
        )
        for o, d, c, p, q, price in SALES:
            out.writerow([o, d.isoformat(), c, p, q, price, "Web"])
    customers = folder / "customers.csv"
    with customers.open("w", newline="", encoding="cp1252") as handle:
        out = csv.writer(handle, delimiter=";")
        out.writerow(["Customer ID", "name", "segment", "region"])
        out.writerows([k, *v] for k, v in CUSTOMERS.items())
    products = folder / "products.csv"
    with products.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["product_id", "product_name", "category", "unit cost"])
        out.writerows([k, *v] for k, v in PRODUCTS.items())
    return sales, customers, products


def test_star_schema_joins_dimensions_onto_the_sales_lines(engine: Engine, tmp_path: Path) -> None:
    sales, customers, products = write_star(tmp_path)
    # order of the inputs does not matter: the fact table is found by its columns
    source: Source = read_inputs(engine, [str(customers), str(sales), str(products)])

    table = source.table
    assert count(table) == len(SALES)
    assert [i.rows for i in source.inputs] == [len(CUSTOMERS), len(SALES), len(PRODUCTS)]
    rows = by_key(table, "order_id")
    for order, _, customer, product, _, _ in SALES:
        row = rows[order]
        name, segment, region = CUSTOMERS.get(customer, (None, None, None))
        assert row["customer_name"] == name, order
        assert row["segment"] == segment, order
        assert row["customer_region"] == region, order
        assert row["region"] == "Web"  # the sales table's own column keeps its name
        product_name, category, cost = PRODUCTS[product]
        assert (row["product_name"], row["category"]) == (product_name, category)
        assert row["unit cost"] == pytest.approx(float(cost))
    matched = sum(c in CUSTOMERS for _, _, c, *_ in SALES) / len(SALES)
    notes = " | ".join(source.notes)
    assert (
        f"joined sales.csv.CustomerID -> customers.csv.Customer ID ({matched:.1%} matched)" in notes
    )
    assert "joined sales.csv.product_id -> products.csv.product_id (100.0% matched)" in notes
    assert source.dataset is not None
    rates = {(j.left_column, j.right): j.match_rate for j in source.dataset.model.joins}
    assert rates == {("CustomerID", "customers.csv"): matched, ("product_id", "products.csv"): 1.0}


def test_star_dimension_with_repeated_keys_is_an_input_error(
    engine: Engine, tmp_path: Path
) -> None:
    sales, customers, _ = write_star(tmp_path)
    with customers.open("a", newline="", encoding="cp1252") as handle:
        csv.writer(handle, delimiter=";").writerow(["C1", "Again", "SMB", "West"])
    with pytest.raises(InputError) as err:
        read_inputs(engine, [str(sales), str(customers)])
    assert "not unique" in err.value.message and "Customer ID" in err.value.message
    assert err.value.hint


def test_unrelated_files_are_an_input_error(engine: Engine, tmp_path: Path) -> None:
    sales, _, _ = write_star(tmp_path)
    other = tmp_path / "weather.csv"
    other.write_text("station,temperature\nX,12.5\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_inputs(engine, [str(sales), str(other)])
    assert "no column in common" in err.value.message and err.value.hint
