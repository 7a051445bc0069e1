"""The dataset model, line types, duplicates and plausibility warnings, on small files whose
figures are worked out by hand."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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
    assert "POST" not in products and "M" not in products and "(missing)" not in products
    copies = [c for c in report.quality.checks if c.code == "duplicate_line"]
    assert [(c.severity, c.rows) for c in copies] == [("warning", 1)]
    assert report.quality.rows_quarantined == 0
    # the copy's revenue against all the lines' (every line is accepted)
    assert copies[0].revenue_share == pytest.approx(6 * 1.85 / sum(lines), abs=1e-6)
    assert report.quality.mapping["customer_id"] == "CustomerID"


def test_a_kept_copy_in_an_export_with_a_revenue_column(tmp_path: Path) -> None:
    """The copy's revenue is worked out beside the export's own ``revenue`` column."""
    path = tmp_path / "lines.csv"
    path.write_text(
        "order_id,order_date,customer_id,product,revenue\n"
        "O1,2024-01-05,K1,P1,10.00\n"
        "O1,2024-01-05,K1,P1,10.00\n"
        "O2,2024-01-06,K2,P2,30.00\n"
        "O3,2024-01-07,K2,P1,-4.00\n"
    )
    report = salescope.run([path], period="all", clock=fixed_clock)
    copies = [c for c in report.quality.checks if c.code == "duplicate_line"]
    assert [c.rows for c in copies] == [1]
    # the copy's 10.00 against the 46.00 of all lines (a group's revenue, all accepted)
    assert copies[0].revenue_share == pytest.approx(10 / 46, abs=1e-6)
    assert report.kpi("revenue").value == 46.0  # type: ignore[union-attr]


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
    places = {t.name: t.role for t in model.tables}
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


SHOP_HEADER = (
    "Name,Email,Financial Status,Currency,Total,Refunded Amount,Created at,Lineitem quantity,"
    "Lineitem name,Lineitem price,Lineitem sku,Billing Country,Id\n"
)
SHOP = (
    SHOP_HEADER
    + """\
#1003,b@x.ca,voided,CAD,90.00,0.00,2024-03-02 09:00:00 -0500,1,Scarf,50.00,SC,CA,903
#1003,b@x.ca,,,,,2024-03-02 09:00:00 -0500,2,Socks,20.00,SO,,
#1002,a@x.ca,refunded,CAD,70.00,70.00,2024-03-01 23:30:00 -0500,1,Mittens,30.00,MI,CA,902
#1002,a@x.ca,,,,,2024-03-01 23:30:00 -0500,2,Socks,20.00,SO,,
#1001,a@x.ca,paid,CAD,145.00,0.00,2024-02-28 10:00:00 -0500,1,Sweater,145.00,SW,CA,901
#1000,c@x.ca,paid,CAD,40.00,0.00,2024-02-27 10:00:00 -0500,2,Socks,20.00,SO,US,900
#1000,c@x.ca,,,,,2024-02-27 10:00:00 -0500,1,Beanie,38.00,BE,,
"""
)


def test_a_shop_export_with_order_level_columns_on_first_lines(tmp_path: Path) -> None:
    """Status, country and totals are on an order's first line only, as Shopify writes
    them: the voided order's second line is voided too, `Name` is the order, and a
    'refunded' status with an order-level refund amount stays a sale."""
    path = tmp_path / "orders_export_1.csv"
    path.write_text(SHOP)
    report = salescope.run([path], period="all", clock=fixed_clock)
    q = report.quality
    assert q.mapping["order_id"] == "Name"
    assert "revenue" not in q.mapping and "refund" not in q.mapping  # Total, Refunded Amount
    # #1003 (voided) has two lines: both set aside; the rest are sales at quantity x price
    assert (q.rows_read, q.rows_accepted, q.rows_quarantined) == (7, 5, 2)
    assert {t.type: t.lines for t in q.line_types} == {"sale": 5, "cancelled": 2}
    revenue = 30.0 + 2 * 20.0 + 145.0 + 2 * 20.0 + 38.0
    assert report.kpi("revenue").value == revenue  # type: ignore[union-attr]
    assert report.kpi("orders").value == 3  # type: ignore[union-attr]
    assert report.kpi("customers").value == 2  # type: ignore[union-attr]
    assert report.kpi("returns").value == 0  # type: ignore[union-attr]
    countries = {m.key: m.revenue for m in report.breakdown("country").rows}
    assert countries == {"CA": 30.0 + 40.0 + 145.0, "US": 40.0 + 38.0}  # filled from the order


PAYMENTS = """\
id,Created date (UTC),Amount,Amount Refunded,Currency,Status,Customer ID,Invoice ID
ch_1,2024-01-02 10:00:00,100.00,0.00,eur,Paid,cus_A,in_1
ch_2,2024-01-03 10:00:00,40.00,10.00,eur,Paid,cus_B,
ch_3,2024-01-04 10:00:00,25.00,25.00,eur,Refunded,cus_A,in_3
ch_4,2024-01-05 10:00:00,60.00,0.00,eur,Failed,cus_C,in_4
ch_5,2024-01-06 10:00:00,15.00,0.00,eur,Paid,,
"""


def test_a_payment_export_with_refunds_on_the_payment_row(tmp_path: Path) -> None:
    """One row per payment: `id` is the order (Invoice ID is empty on some rows), a failed
    payment is no sale, and Amount Refunded is a return dated with its payment."""
    path = tmp_path / "unified_payments.csv"
    path.write_text(PAYMENTS)
    report = salescope.run([path], period="all", clock=fixed_clock)
    q = report.quality
    assert (q.mapping["order_id"], q.mapping["refund"]) == ("id", "Amount Refunded")
    assert (q.rows_read, q.rows_accepted, q.rows_quarantined) == (5, 4, 1)  # ch_4 failed
    k = {x.name: x.value for x in report.kpis}
    assert k["revenue"] == 100.0 + 40.0 - 10.0 + 25.0 - 25.0 + 15.0
    assert k["returns"] == 10.0 + 25.0
    assert k["orders"] == 4  # the refunded payment ch_3 is still an order
    assert k["customers"] == 2  # cus_A, cus_B; the guest payment counts nowhere
    types = {t.type: (t.lines, t.revenue) for t in q.line_types}
    assert types == {"sale": (4, 180.0), "return": (2, -35.0), "cancelled": (1, 60.0)}
    assert report.currency == "EUR"


def test_a_quantity_mapped_to_a_lookup_column_is_flagged(tmp_path: Path) -> None:
    (tmp_path / "order_items.csv").write_text(
        "order_id,product_id,order_date,price\n1,P1,2024-01-02,10.00\n2,P2,2024-01-03,4.00\n"
        "3,P1,2024-01-04,10.00\n"
    )
    (tmp_path / "products.csv").write_text("product_id,product_photos_qty\nP1,4\nP2,1\n")
    files = [tmp_path / "order_items.csv", tmp_path / "products.csv"]
    detected = salescope.run(files, period="all", clock=fixed_clock)
    assert "quantity" not in detected.quality.mapping  # a lookup's count is never taken
    assert not [c for c in detected.quality.checks if c.code == "amount_from_lookup"]
    config = Config.model_validate({"mapping": {"quantity": "product_photos_qty"}})
    report = salescope.run(files, config, period="all", clock=fixed_clock)
    assert report.kpi("revenue").value == 4 * 10.0 + 1 * 4.0 + 4 * 10.0  # type: ignore[union-attr]
    flagged = [c for c in report.quality.checks if c.code == "amount_from_lookup"]
    assert [(c.column, c.rows) for c in flagged] == [("product_photos_qty", 3)]
    assert "quantity: null" in flagged[0].message


def _pos_lines(extra: list[str]) -> str:
    """A till export: 200 regular products, each always at its list price, plus ``extra``."""
    rows = [
        f"R{i},2024-02-{1 + i % 28:02d},SKU{i % 200},Item {i % 200},{1 + i % 3},"
        f"{5 + (i % 200) * 0.5:.2f}"
        for i in range(600)
    ]
    return "receipt,date,sku,name,qty,price\n" + "\n".join(rows + extra) + "\n"


def test_a_product_sold_singly_at_free_prices_is_not_goods(tmp_path: Path) -> None:
    """A code no list knows ('MKT-CHG', a marketplace charge) with one unit per line at a
    price that moves from 0.80 to 95.00: non-merchandise, kept in revenue, never a
    product; salescope.yml can say it is goods."""
    prices = [0.80, 12.50, 95.00, 3.10, 41.00, 7.75]
    fee = [
        f"F{i},2024-02-{10 + i:02d},MKT-CHG,Channel charge,1,{p:.2f}" for i, p in enumerate(prices)
    ]
    path = tmp_path / "till.csv"
    path.write_text(_pos_lines(fee))
    report = salescope.run([path], period="all", clock=fixed_clock)
    types = {t.type: (t.lines, t.revenue) for t in report.quality.line_types}
    assert types["non_merchandise"] == (6, round(sum(prices), 2))
    assert "MKT-CHG" not in [m.key for m in report.breakdown("product").rows]
    regular = sum((1 + i % 3) * (5 + (i % 200) * 0.5) for i in range(600))
    assert report.kpi("revenue").value == round(regular + sum(prices), 2)  # type: ignore[union-attr]
    assert any("'MKT-CHG' (6 lines, 0.80 to 95.00)" in a for a in report.quality.assumptions)

    config = Config.model_validate({"line_types": {"MKT-CHG": "sale"}})
    goods = salescope.run([path], config, period="all", clock=fixed_clock)
    assert {t.type: t.lines for t in goods.quality.line_types} == {"sale": 606}


def test_free_prices_everywhere_are_how_the_shop_prices(tmp_path: Path) -> None:
    """When most products are sold singly at moving prices (negotiated B2B prices), the
    pattern says nothing: no product is set aside."""
    rows = [
        f"Q{i},2024-03-{1 + i % 28:02d},P{i % 40},Part {i % 40},1,{(1 + (i * 37) % 97) * 1.5:.2f}"
        for i in range(800)
    ]
    path = tmp_path / "quotes.csv"
    path.write_text("receipt,date,sku,name,qty,price\n" + "\n".join(rows) + "\n")
    report = salescope.run([path], period="all", clock=fixed_clock)
    assert {t.type for t in report.quality.line_types} == {"sale"}
    assert len(report.breakdown("product").rows) > 0


def test_postage_is_never_a_mover(tmp_path: Path) -> None:
    """Postage grows most between the quarters, yet the movers are goods only; the change
    they explain is still the whole revenue change."""
    path = tmp_path / "sales.csv"
    path.write_text(
        "order_id,order_date,sku,qty,price\n"
        "1,2024-01-01,A,2,10.00\n1,2024-01-01,POST,1,5.00\n2,2024-03-31,B,1,30.00\n"
        "3,2024-04-01,A,3,10.00\n3,2024-04-10,POST,1,60.00\n4,2024-06-30,B,1,25.00\n"
    )
    report = salescope.run([path], period="2024-Q2", clock=fixed_clock)
    assert report.drivers is not None
    movers = {c.key: c.change for c in report.drivers.contributors if c.dimension == "product"}
    assert movers == {"A": 10.0, "B": -5.0}
    assert report.drivers.revenue_change == (30.0 + 60.0 + 25.0) - (20.0 + 5.0 + 30.0)
