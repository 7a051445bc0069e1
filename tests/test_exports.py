"""Realistic exports end to end: the report's figures against sums worked out by hand."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import salescope
from tests.conftest import fixed_clock

TITLED = """\
Sales Report Q1
Invoice #;Inv. Date;Client;Item;Qty;Price (EUR);Net Amount
A-1;03.01.2024;K1;Stuhl;2;45,00;"90,00"
A-2;15.01.2024;K2;Tisch;1;"1.299,00";"1.299,00"
A-3;02.02.2024;K1;Lampe;3;19,90;"59,70"
A-3;02.02.2024;K1;Lampe;3;19,90;"59,70"
Invoice #;Inv. Date;Client;Item;Qty;Price (EUR);Net Amount
A-4;29.02.2024;K3;Regal;1;0,00;"0,00"
A-5;31.02.2024;K2;Stuhl;1;45,00;"45,00"
Total;;;;;;"1.553,40"
"""


def test_titled_semicolon_export_with_every_kind_of_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(TITLED, encoding="cp1252")
    report = salescope.run([path], period="all", clock=fixed_clock)
    q = report.quality
    # 9 lines under the header: 3 good and an exact copy of one (a real line, kept and
    # flagged), 1 repeated header, 1 zero price, 1 impossible date (31 February), 1 totals row
    assert (q.rows_read, q.rows_accepted, q.rows_quarantined) == (8, 4, 4)
    assert {c.code: c.rows for c in q.checks if c.severity == "warning"}["duplicate_line"] == 1
    reasons = {c.code: c.rows for c in q.checks if c.severity == "error"}
    assert reasons == {"nonpositive_price": 1, "unparseable_date": 1}
    set_aside = {c.code: c.rows for c in q.checks if c.severity == "info"}
    assert set_aside == {"repeated_header": 1, "total_row": 1}
    revenue = report.kpi("revenue")
    assert revenue is not None and revenue.value == round(90.00 + 1299.00 + 2 * 59.70, 2)
    assert report.currency == "EUR"  # the price header names it
    assert (report.period.start.isoformat(), report.period.end.isoformat()) == (
        "2024-01-03",
        "2024-02-02",
    )
    assert any("header on line 2" in a for a in q.assumptions)
    assert any("decimal comma" in a for a in q.assumptions)
    out = tmp_path / "out"
    salescope.write_outputs(report, out, formats=("md",))
    with (out / "quarantine.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["_reason"] for r in rows) == sorted([*reasons, *set_aside])
    assert "€1,508" in (out / "report.md").read_text()


RETAIL = """\
InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850,United Kingdom
536365,71053,WHITE METAL LANTERN,6,12/1/2010 8:26,3.39,17850,United Kingdom
536366,22633,HAND WARMER UNION JACK,6,12/1/2010 8:28,1.85,17850,United Kingdom
C536379,D,Discount,-1,12/1/2010 9:41,27.5,14527,United Kingdom
536380,22961,JAM MAKING SET PRINTED,24,12/13/2010 9:41,1.45,,United Kingdom
536381,22139,RETROSPOT TEA SET CERAMIC 11 PC ,23,1/4/2011 9:41,4.25,15311,France
"""


def test_online_retail_style_export(tmp_path: Path) -> None:
    path = tmp_path / "retail.csv"
    path.write_text(RETAIL)
    report = salescope.run([path], period="all", clock=fixed_clock)
    k = {x.name: x.value for x in report.kpis}
    lines = [6 * 2.55, 6 * 3.39, 6 * 1.85, -1 * 27.5, 24 * 1.45, 23 * 4.25]
    assert k["revenue"] == round(sum(lines), 2)
    assert k["orders"] == 4  # 536365, 536366, 536380, 536381; the credit note is no order
    assert k["customers"] == 3  # 17850, 14527, 15311; one line has no customer
    assert k["returns"] == 27.5
    assert k["units"] == 6 + 6 + 6 - 1 + 24 + 23
    assert report.period.end.isoformat() == "2011-01-04"  # month/day/year with times
    assert report.quality.rows_quarantined == 0
    missing = {c.code: c.rows for c in report.quality.checks}
    assert missing["missing_customer_id"] == 1


DEALER = """\
ORDERNUMBER,QUANTITYORDERED,PRICEEACH,SALES,ORDERDATE,STATUS,PRODUCTLINE,CUSTOMERNAME,COUNTRY
10107,30,95.7,2871,2/24/2003 0:00,Shipped,Motorcycles,Land of Toys Inc.,USA
10121,34,81.35,2765.9,5/7/2003 0:00,Shipped,Motorcycles,Reims Collectables,France
10134,41,94.74,3884.34,7/1/2003 0:00,Shipped,Classic Cars,Lyon Souveniers,France
10145,45,83.26,3746.7,8/25/2003 0:00,Cancelled,Motorcycles,Toys4GrownUps.com,USA
"""


def test_cancelled_orders_are_set_aside_and_names_identify_customers(tmp_path: Path) -> None:
    path = tmp_path / "dealer.csv"
    path.write_text(DEALER)
    report = salescope.run([path], period="all", clock=fixed_clock)
    revenue, customers = report.kpi("revenue"), report.kpi("customers")
    assert revenue is not None and revenue.value == round(2871 + 2765.9 + 3884.34, 2)
    assert customers is not None and customers.value == 3
    cancelled = [c for c in report.quality.checks if c.code == "cancelled"]
    assert [(c.severity, c.rows) for c in cancelled] == [("info", 1)]
    assert report.quality.score_parts["validity"] == 1.0  # a cancellation is not bad data
    category = report.breakdown("category")
    assert category is not None
    assert {m.key: m.revenue for m in category.rows} == {
        "Motorcycles": round(2871 + 2765.9, 2),
        "Classic Cars": 3884.34,
    }


@pytest.mark.spark
def test_titled_export_gives_the_same_figures_on_pyspark(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(TITLED, encoding="cp1252")
    duck = salescope.run([path], period="all", clock=fixed_clock)
    spark = salescope.run([path], period="all", clock=fixed_clock, engine="pyspark")
    assert spark.kpis == duck.kpis
    assert {c.code: c.rows for c in spark.quality.checks} == {
        c.code: c.rows for c in duck.quality.checks
    }
    assert spark.currency == duck.currency == "EUR"
