"""The dataset model, line types, duplicates and plausibility warnings, on small files whose
figures are worked out by hand."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import salescope
from salescope.config import Config
from tests.conftest import fixed_clock

RETAIL = """\
InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850.0,United Kingdom
536365,POST,POSTAGE,1,12/1/2010 8:26,18.00,17850.0,United Kingdom
536366,22633,HAND WARMER UNION JACK,6,12/1/2010 8:28,1.85,17850.0,United Kingdom
536366,22633,HAND WARMER UNION JACK,6,12/1/2010 8:28,1.85,17850.0,United Kingdom
C536379,22633,HAND WARMER UNION JACK,-2,12/2/2010 9:41,1.85,14527.0,United Kingdom
536380,M,Manual,1,12/3/2010 9:41,5.00,14527.0,United Kingdom
536381,22139,RETROSPOT TEA SET CERAMIC 11 PC,2,12/4/2010 9:41,4.25,15311.0,France
"""


def test_credit_notes_fees_and_copies_in_a_retail_export(tmp_path: Path) -> None:
    path = tmp_path / "retail.csv"
    path.write_text(RETAIL)
    report = salescope.run([path], period="all", clock=fixed_clock)
    k = {x.name: x.value for x in report.kpis}
    lines = [6 * 2.55, 18.00, 6 * 1.85, 6 * 1.85, -2 * 1.85, 5.00, 2 * 4.25]
    assert k["revenue"] == round(sum(lines), 2)  # the copy is a real line, kept
    assert k["orders"] == 4  # 536365, 536366, 536380, 536381: the credit note is no order
    assert k["customers"] == 3  # 17850.0 is read as the id 17850
    types = {t.type: (t.lines, t.revenue) for t in report.quality.line_types}
    assert types == {
        "sale": (4, round(6 * 2.55 + 2 * 6 * 1.85 + 2 * 4.25, 2)),
        "credit_note": (1, round(-2 * 1.85, 2)),
        "non_merchandise": (2, 23.0),
    }
    products = [m.key for m in report.breakdown("product").rows]
    assert "POST" not in products and "M" not in products
    copies = [c for c in report.quality.checks if c.code == "duplicate_line"]
    assert [(c.severity, c.rows) for c in copies] == [("warning", 1)]
    assert report.quality.rows_quarantined == 0
    assert report.quality.mapping["customer_id"] == "CustomerID"


def test_copies_can_be_dropped_by_config(tmp_path: Path) -> None:
    path = tmp_path / "retail.csv"
    path.write_text(RETAIL)
    config = Config.model_validate({"quality": {"duplicates": "drop"}})
    report = salescope.run([path], config, period="all", clock=fixed_clock)
    lines = [6 * 2.55, 18.00, 6 * 1.85, -2 * 1.85, 5.00, 2 * 4.25]
    assert report.kpi("revenue").value == round(sum(lines), 2)  # type: ignore[union-attr]
    assert (report.quality.rows_read, report.quality.rows_quarantined) == (7, 1)


def test_overlapping_exports_count_a_repeated_line_once(tmp_path: Path) -> None:
    head = "order_id,order_date,customer_id,sku,qty,price\n"
    jan = ["1,2024-01-05,A,X,1,10.00", "2,2024-01-20,B,Y,2,5.00", "2,2024-01-20,B,Y,2,5.00"]
    feb = ["2,2024-01-20,B,Y,2,5.00", "2,2024-01-20,B,Y,2,5.00", "3,2024-02-02,A,X,3,10.00"]
    (tmp_path / "jan.csv").write_text(head + "\n".join(jan) + "\n")
    (tmp_path / "feb.csv").write_text(head + "\n".join(feb) + "\n")
    report = salescope.run(
        [tmp_path / "jan.csv", tmp_path / "feb.csv"], period="all", clock=fixed_clock
    )
    # order 2 has the same line twice in each export: two real lines, read twice
    assert report.kpi("revenue").value == 10.0 + 2 * 10.0 + 30.0  # type: ignore[union-attr]
    q = report.quality
    assert (q.rows_read, q.rows_accepted, q.rows_quarantined) == (6, 4, 2)
    assert {c.code: c.rows for c in q.checks if c.severity == "error"} == {
        "repeated_across_files": 2
    }


def test_header_and_lines_in_a_database_read_whole(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "shop.db"
    con = sqlite3.connect(db)
    con.executescript(
        """
        CREATE TABLE orders (OrderID INTEGER PRIMARY KEY, CustomerID TEXT, EmployeeID INTEGER,
                             OrderDate TEXT, ShippedDate TEXT, Freight REAL);
        CREATE TABLE order_details (OrderID INTEGER, ProductID INTEGER, UnitPrice REAL,
                                    Quantity INTEGER, Discount REAL);
        CREATE TABLE products (ProductID INTEGER PRIMARY KEY, ProductName TEXT,
                               CategoryID INTEGER, UnitPrice REAL, UnitsInStock INTEGER);
        CREATE TABLE categories (CategoryID INTEGER PRIMARY KEY, CategoryName TEXT);
        CREATE TABLE shippers (ShipperID INTEGER PRIMARY KEY, CompanyName TEXT);
        INSERT INTO orders VALUES (1, 'ALFKI', 5, '2024-01-03', '2024-02-20', 9.5),
                                  (2, 'BONAP', 5, '2024-01-09', '2024-02-21', 3.0),
                                  (3, 'ALFKI', 7, '2024-02-11', '2024-03-01', 1.0);
        INSERT INTO order_details VALUES (1, 10, 20.0, 3, 0.0), (1, 11, 5.0, 10, 0.1),
                                         (2, 10, 20.0, 1, 0.0), (3, 11, 5.0, 4, 0.0);
        INSERT INTO products VALUES (10, 'Chai', 1, 18.0, 39), (11, 'Tofu', 2, 23.25, 35);
        INSERT INTO categories VALUES (1, 'Beverages'), (2, 'Produce');
        INSERT INTO shippers VALUES (1, 'Speedy');
        """
    )
    con.commit()
    con.close()
    report = salescope.run([f"sqlite:///{db}"], period="all", clock=fixed_clock)
    k = {x.name: x.value for x in report.kpis}
    assert k["revenue"] == 3 * 20.0 + 10 * 5.0 * 0.9 + 1 * 20.0 + 4 * 5.0
    assert k["units"] == 3 + 10 + 1 + 4  # the lines' quantity, not UnitsInStock
    assert (k["orders"], k["customers"]) == (3, 2)
    # the date is the header's order date, not the ship date
    assert (report.period.start.isoformat(), report.period.end.isoformat()) == (
        "2024-01-03",
        "2024-02-11",
    )
    category = {m.key: m.revenue for m in report.breakdown("category").rows}
    assert category == {"Beverages": 80.0, "Produce": 65.0}
    model = report.quality.dataset
    assert model is not None
    places = {t["name"]: t["role"] for t in model["tables"]}  # type: ignore[attr-defined,index]
    assert places == {
        "shop.db#order_details": "fact",
        "shop.db#orders": "header",
        "shop.db#products": "lookup",
        "shop.db#categories": "lookup",
        "shop.db#shippers": "unused",
    }


def test_a_per_order_customer_id_is_flagged(tmp_path: Path) -> None:
    rows = [f"{i},2024-0{1 + i % 3}-1{i % 9},C{i},9.50" for i in range(60)]
    path = tmp_path / "orders.csv"
    path.write_text("order_id,order_date,customer_id,amount\n" + "\n".join(rows) + "\n")
    report = salescope.run([path], period="all", clock=fixed_clock)
    flagged = [c for c in report.quality.checks if c.code == "one_order_per_customer"]
    assert [(c.severity, c.rows) for c in flagged] == [("warning", 60)]
    assert "customer_id: <column>" in flagged[0].message


def test_a_role_mapped_to_null_gets_no_column(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    path.write_text("date,order,photos_qty,amount\n2024-01-02,1,4,10.00\n2024-01-03,2,6,20.00\n")
    detected = salescope.run([path], period="all", clock=fixed_clock)
    assert detected.quality.mapping.get("quantity") == "photos_qty"
    config = Config.model_validate({"mapping": {"quantity": None}})
    report = salescope.run([path], config, period="all", clock=fixed_clock)
    assert "quantity" not in report.quality.mapping
    assert report.kpi("revenue").value == 30.0  # type: ignore[union-attr]
    assert report.kpi("units") is None


def test_declared_join_and_salescope_yml_in_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / "sales.csv").write_text(
        "order_date,order_id,cust,amount\n2024-01-02,1,7,10.00\n2024-01-03,2,8,20.00\n"
        "2024-01-04,3,7,5.00\n"
    )
    (tmp_path / "people.csv").write_text("ref,segment\n7,Retail\n8,Wholesale\n")
    (tmp_path / "salescope.yml").write_text(
        "joins:\n  - {table: sales.csv, column: cust, to: people.csv, to_column: ref}\n"
        "period: all\n"
    )
    env = {**os.environ, "SALESCOPE_NO_PROGRESS": "1"}
    cli = Path(sys.executable).parent / "salescope"
    done = subprocess.run(
        [str(cli), "report", "sales.csv", "people.csv", "--format", "json", "--out", "out"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads((tmp_path / "out" / "report.json").read_text())
    segments = {m["key"]: m["revenue"] for m in data["breakdowns"]["segment"]}
    assert segments == {"Retail": 15.0, "Wholesale": 20.0}
    joins = data["quality"]["dataset"]["joins"]
    assert [
        (j["left_column"], j["right_column"], j["match_rate"], j["found_by"]) for j in joins
    ] == [("cust", "ref", 1.0, "salescope.yml")]
    assert any(
        "salescope.yml in the working directory" in a for a in data["quality"]["assumptions"]
    )
