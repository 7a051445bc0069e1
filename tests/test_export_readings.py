"""How the first, config-free run reads the columns of real exports: one rule per test, on
a small file whose right figures are worked out by hand beside it.

The whole-export shapes these rules were found on are in tests/corpus (QuickBooks, HubSpot,
Amazon, Sage); here each rule is pinned on the smallest file that needs it.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from salescope.config import Config
from salescope.engine import connect
from salescope.pipeline import load
from salescope.sources.grouped import carry_down, find_grouping
from tests.test_messy_values import Run, lines, run_file


def revenue_by(path: Path, role: str) -> dict[str, float]:
    """Accepted revenue per value of a canonical column, summed by the engine."""
    t = load([path], Config(), connect("duckdb"), date(2026, 11, 1)).validation.lines.table
    rows = t.group_by(role).aggregate(r=t.revenue.sum()).to_pyarrow().to_pylist()
    return {str(r[role]): round(float(r["r"]), 2) for r in rows}


# --- which column is the sale ----------------------------------------------------------


def test_the_amount_before_tax_is_revenue_not_the_tax_or_the_total(tmp_path: Path) -> None:
    rows = [  # (invoice, customer, subtotal); tax 20%
        ("INV-1", "Ann", 100.00),
        ("INV-2", "Bo", 40.50),
        ("INV-3", "Ann", 19.99),
    ]
    body = [
        f"2024-01-{i + 2:02d},{inv},{cust},{sub:.2f},{sub * 0.2:.2f},{sub * 1.2:.2f}"
        for i, (inv, cust, sub) in enumerate(rows)
    ]
    run = run_file(tmp_path, lines("Date,Invoice,Customer,Subtotal,Tax,Total", *body))
    assert run.report.quality.mapping["revenue"] == "Subtotal"
    assert run.revenue == round(sum(sub for *_, sub in rows), 2)


def test_french_ht_amount_with_nbsp_thousands_is_revenue(tmp_path: Path) -> None:
    """``Montant HT`` (before VAT) beside ``Montant TVA`` and ``Montant TTC``, written
    ``1 234,50`` with a non-breaking space, in cp1252."""
    ht = [1234.50, 2000.00, 99.90, 12345.67]

    def fr(value: float) -> str:
        whole, cents = f"{value:.2f}".split(".")
        groups = f"{int(whole):,}".replace(",", "\u00a0")
        return f"{groups},{cents}"

    body = [
        f"0{i + 1}/02/2024;F{i + 1};C{i % 2};{fr(v)};{fr(v * 0.2)};{fr(v * 1.2)}"
        for i, v in enumerate(ht)
    ]
    content = lines("Date;N° pièce;Client;Montant HT;Montant TVA;Montant TTC", *body)
    run = run_file(tmp_path, content.encode("cp1252"))
    mapping = run.report.quality.mapping
    assert (mapping["revenue"], mapping["order_id"]) == ("Montant HT", "N° pièce")
    assert run.revenue == round(sum(ht), 2)
    assert run.report.quality.rows_accepted == len(ht)


def test_a_percent_discount_column_reads_10_as_ten_percent(tmp_path: Path) -> None:
    rows = [(2, 50.00, 10), (1, 100.00, 0), (4, 25.00, 25)]  # qty, price, Remise %
    body = [f"2024-03-0{i + 1},A{i},C{i},{q},{p:.2f},{d}" for i, (q, p, d) in enumerate(rows)]
    run = run_file(tmp_path, lines("date,order,customer,qty,unit_price,Remise %", *body))
    gross = sum(q * p for q, p, _ in rows)  # 300
    discount = sum(q * p * d / 100 for q, p, d in rows)  # 10 + 0 + 25
    assert run.revenue == gross - discount
    assert run.kpi("discount_rate") == pytest.approx(discount / gross, abs=1e-4)


def test_line_total_after_coupons_beside_subtotal_is_revenue(tmp_path: Path) -> None:
    """WooCommerce: ``Line Subtotal`` = quantity x ``Item Cost``; ``Line Total`` is that
    less the coupon on some lines. The sale is the line total."""
    rows = [  # qty, item cost, coupon
        (1, 20.00, 0.00),
        (2, 15.00, 3.00),
        (3, 10.00, 0.00),
        (1, 40.00, 4.00),
        (2, 12.50, 0.00),
        (1, 9.99, 0.00),
    ]
    body = [
        f"{1000 + i},2024-04-{i + 1:02d},Item {i},{q},{c:.2f},{q * c:.2f},{q * c - off:.2f}"
        for i, (q, c, off) in enumerate(rows)
    ]
    header = "Order Number,Order Date,Item Name,Quantity,Item Cost,Line Subtotal,Line Total"
    run = run_file(tmp_path, lines(header, *body))
    assert run.report.quality.mapping["revenue"] == "Line Total"
    assert run.revenue == round(sum(q * c - off for q, c, off in rows), 2)


# --- Amazon's order report: the price is the line's total; an item can be cancelled -----

AMAZON = "amazon-order-id\tpurchase-date\torder-status\tsku\tquantity\titem-price\titem-status"
UNIT_PRICES = {"SKU-A": 12.99, "SKU-B": 7.50, "SKU-C": 30.00, "SKU-D": 4.25}


def amazon_lines() -> tuple[list[str], float, float]:
    """The file's lines, their revenue and the revenue of the one cancelled item."""
    out, revenue, n = [], 0.0, 0
    for sku, unit in UNIT_PRICES.items():
        for qty in (1, 1, 2, 3, 1, 2):
            n += 1
            price = round(qty * unit, 2)
            out.append(
                f"111-{n:07d}\t2024-05-{n:02d}T10:00:00+00:00\tShipped\t{sku}\t{qty}\t{price}\tShipped"
            )
            revenue += price
    # one item of a shipped order was cancelled
    out.append(f"111-{n:07d}\t2024-05-{n:02d}T10:00:00+00:00\tShipped\tSKU-C\t2\t60.0\tCancelled")
    return out, round(revenue, 2), 60.0


def test_amazon_item_price_is_the_line_total_and_cancelled_items_are_no_sale(
    tmp_path: Path,
) -> None:
    body, revenue, _ = amazon_lines()
    run = run_file(tmp_path, lines(AMAZON, *body), name="orders.txt")
    assert run.report.quality.mapping["unit_price"] == "item-price"
    assert run.revenue == revenue  # not sum(quantity x item-price)
    assert run.checks()["cancelled"]["rows"] == 1
    q = run.report.quality
    assert (q.rows_read, q.rows_accepted) == (len(body), len(body) - 1)


# --- grouped accounting reports -----------------------------------------------------------

QB_TITLE = ["Acme Shop Ltd", "Sales by Customer Detail", "January - March, 2024", ""]
QB_HEADER = [
    "",
    "Date",
    "Transaction Type",
    "Num",
    "Product/Service",
    "Qty",
    "Sales Price",
    "Amount",
    "Balance",
]
QB_GROUPS = {  # customer -> (date, number, product, qty, price)
    "Ann Lee": [
        ("01/05/2024", "1001", "Widget", 2, 10.00),
        ("01/20/2024", "1002", "Gadget", 1, 5.00),
    ],
    "Bo Chen": [("02/03/2024", "1003", "Widget", 1, 10.00)],
    "Cy Diaz": [
        ("02/10/2024", "1004", "Gizmo", 3, 7.00),
        ("03/01/2024", "1005", "Widget", 1, 10.00),
    ],
}


def quickbooks_rows() -> list[list[object]]:
    """The report as QuickBooks writes it: single-cell titles, then rows as wide as the
    header."""
    rows: list[list[object]] = [[t] for t in QB_TITLE] + [QB_HEADER]
    grand = 0.0
    for customer, sales in QB_GROUPS.items():
        rows.append([customer, *[""] * (len(QB_HEADER) - 1)])
        balance = 0.0
        for day, num, item, qty, price in sales:
            balance += qty * price
            rows.append(["", day, "Invoice", num, item, qty, price, qty * price, balance])
        rows.append([f"Total for {customer}", "", "", "", "", "", "", balance, ""])
        grand += balance
    rows += [
        ["TOTAL", "", "", "", "", "", "", grand, ""],
        [],
        ["Accrual Basis Friday, April 5, 2024"],
    ]
    return rows


def check_quickbooks(run: Run, path: Path) -> None:
    sales = [s for group in QB_GROUPS.values() for s in group]
    assert run.revenue == sum(q * p for *_, q, p in sales)
    assert run.kpi("orders") == len(sales)
    assert run.kpi("customers") == len(QB_GROUPS)
    q = run.report.quality
    totals = len(QB_GROUPS) + 1  # one per customer and the grand total
    assert (q.rows_read, q.rows_accepted, q.rows_quarantined) == (
        len(sales) + totals,
        len(sales),
        totals,
    )
    total_rows = run.checks()["total_row"]
    assert (total_rows["rows"], total_rows["column"]) == (totals, "Customer")
    written = {"TOTAL", *(f"Total for {customer}" for customer in QB_GROUPS)}
    assert total_rows["examples"] == sorted(written)[:3]  # the first distinct values
    assert q.mapping["customer_id"] == "Customer"  # named after the report's title
    # the lines of each customer carry that customer
    assert revenue_by(path, "customer_id") == {
        c: sum(q * p for *_, q, p in s) for c, s in QB_GROUPS.items()
    }


def test_grouped_report_csv_carries_each_customer_down_to_its_lines(tmp_path: Path) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in quickbooks_rows():
        writer.writerow([f"{v:.2f}" if isinstance(v, float) else v for v in row])
    text = out.getvalue()
    name = "Sales by Customer Detail.csv"
    check_quickbooks(run_file(tmp_path, text, name=name), tmp_path / name)


def test_grouped_report_xlsx_carries_each_customer_down_to_its_lines(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in quickbooks_rows():  # Excel holds real dates and numbers
        sheet.append(
            [
                None
                if v == ""
                else datetime.strptime(v, "%m/%d/%Y")
                if i == 1 and row[3:4] != ["Num"] and len(row) > 3 and row[3]
                else v
                for i, v in enumerate(row)
            ]
        )
    path = tmp_path / "Sales by Customer Detail.xlsx"
    book.save(path)
    check_quickbooks(run_file(tmp_path, path.read_bytes(), name=path.name), path)


def test_grouped_layout_is_only_found_where_it_is() -> None:
    """A plain table whose first column is sometimes empty is no grouped report; a footer
    label with no lines under it is left out and counted."""
    header = ["", "Date", "Num", "Amount"]
    plain = [["A1", "2024-01-01", "1", "5"], ["", "2024-01-02", "2", "6"], ["A3", "x", "3", "7"]]
    assert find_grouping(header, plain, []) is None
    grouped = [
        ["Ann", "", "", ""],
        ["", "2024-01-01", "1", "5"],
        ["Total for Ann", "", "", "5"],
        ["Bo", "", "", ""],
        ["", "2024-01-02", "2", "6"],
        ["", "2024-01-03", "3", "7"],
        ["Total for Bo", "", "", "13"],
        ["Cash basis, printed 2024-04-01", "", "", ""],
    ]
    grouping = find_grouping(header, grouped, ["Sales by Customer Detail"])
    assert grouping is not None and grouping.name == "Customer"
    out = list(carry_down(grouped, grouping))
    assert [row[0] for row in out] == ["Ann", "Total for Ann", "Bo", "Bo", "Total for Bo"]
    assert (grouping.headings, grouping.skipped) == (2, 1)


# --- who the customer is ------------------------------------------------------------------


def test_guest_and_walk_in_lines_have_no_customer(tmp_path: Path) -> None:
    """ "Guest", "Walk-in", "Not Specified" name no buyer: those lines count in revenue but
    are no customer (they are not one big customer)."""
    rows = [
        ("C1", 10.0),
        ("Guest", 20.0),
        ("GUEST", 5.0),
        ("Walk-in", 7.5),
        ("C2", 12.0),
        ("Not Specified", 3.0),
        ("C1", 8.0),
    ]
    body = [f"2024-02-{i + 1:02d},O{i},{c},{r:.2f}" for i, (c, r) in enumerate(rows)]
    path = tmp_path / "sales.csv"
    run = run_file(tmp_path, lines("date,order_id,customer_id,revenue", *body))
    assert run.revenue == sum(r for _, r in rows)
    assert run.kpi("customers") == 2  # C1 and C2
    known = revenue_by(path, "customer_id")
    assert known == {"C1": 18.0, "C2": 12.0, "None": 20.0 + 5.0 + 7.5 + 3.0}


def test_a_forecast_category_is_no_product_category(tmp_path: Path) -> None:
    """Salesforce's ``Forecast Category`` (Closed, Pipeline, Omitted) says where a deal
    stands; the product category is ``Product Family``."""
    rows = [
        ("Closed Won", "Closed", "Hardware", 1000.0),
        ("Closed Won", "Closed", "Software", 2500.0),
        ("Prospecting", "Pipeline", "Hardware", 400.0),
        ("Closed Won", "Closed", "Software", 700.0),
        ("Closed Lost", "Omitted", "Services", 900.0),
    ]
    body = [
        f"006{i:03d},2024-0{i + 1}-15,{stage},{fc},{fam},{amt:.2f}"
        for i, (stage, fc, fam, amt) in enumerate(rows)
    ]
    header = "Opportunity ID,Close Date,Stage,Forecast Category,Product Family,Amount"
    run = run_file(tmp_path, lines(header, *body))
    assert run.report.quality.mapping.get("category") == "Product Family"
    # without the product column the forecast category still is no category
    (tmp_path / "alone").mkdir()
    alone = [",".join(b.split(",")[:4] + b.split(",")[5:]) for b in body]
    header_alone = "Opportunity ID,Close Date,Stage,Forecast Category,Amount"
    assert (
        "category"
        not in run_file(tmp_path / "alone", lines(header_alone, *alone)).report.quality.mapping
    )
    assert run.revenue == sum(a for s, *_, a in rows if s == "Closed Won")
    assert run.checks()["not_won"]["rows"] == 2


def test_open_deals_without_an_amount_are_not_won_not_broken(tmp_path: Path) -> None:
    """HubSpot writes no amount on early-stage deals: they are no sale, not a bad row."""
    rows = [
        ("Closed Won", "2024-01-10", "1200.00"),
        ("Appointment Scheduled", "", ""),
        ("Closed Won", "2024-02-02", "300.00"),
        ("Qualified To Buy", "", ""),
        ("Closed Lost", "2024-02-20", "800.00"),
    ]
    body = [f"Deal {i},{stage},{day},{amt}" for i, (stage, day, amt) in enumerate(rows)]
    run = run_file(tmp_path, lines("Deal Name,Deal Stage,Close Date,Amount", *body))
    assert run.revenue == 1500.0
    checks = run.checks()
    assert checks["not_won"]["rows"] == 3
    assert "missing_revenue" not in checks and "missing_date" not in checks
    assert run.report.quality.score_parts["validity"] == 1.0


# --- cost -----------------------------------------------------------------------------------


def test_a_per_unit_cost_price_and_credit_notes_give_the_margin(tmp_path: Path) -> None:
    """``Prix de revient`` is the cost of one unit; a credit note (negative quantity, its
    cost written positive) gives its cost back."""
    rows = [  # piece, qty, unit price, unit cost
        ("FA001", 2, 50.00, 30.00),
        ("FA002", 5, 10.00, 4.00),
        ("AV001", -1, 50.00, 30.00),  # credit note for one of FA001's units
        ("FA003", 1, 80.00, 60.00),
    ]
    body = [
        f"{i + 10}/03/2024;{p};CL{i};{q};{u:.2f}".replace(".", ",")
        + f";{q * u:.2f};{c:.2f}".replace(".", ",")
        for i, (p, q, u, c) in enumerate(rows)
    ]
    header = "Date;N° pièce;Client;Qté;PU HT;Montant HT;Prix de revient"
    run = run_file(tmp_path, lines(header, *body))
    revenue = sum(q * u for _, q, u, _ in rows)  # 100 + 50 - 50 + 80
    cost = sum(q * c for _, q, _, c in rows)  # 60 + 20 - 30 + 60
    assert run.revenue == revenue
    assert run.kpi("gross_margin") == pytest.approx((revenue - cost) / revenue, abs=1e-4)
    assert run.kpi("orders") == 3  # the credit note is no order
