"""Every headline KPI against independent SQL on the raw file, and a hand-computed fixture."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import salescope
from salescope.demo_data import DemoFiles
from tests.conftest import fixed_clock
from tests.sqlref import SqlRef

MONEY = {"revenue", "aov", "revenue_per_customer", "avg_unit_price", "returns"}


def assert_matches(report: salescope.Report, expected: dict[str, float], which: str) -> None:
    for name, want in expected.items():
        kpi = report.kpi(name)
        assert kpi is not None, name
        got = {"value": kpi.value, "previous": kpi.previous, "yoy": kpi.yoy_value}[which]
        assert got is not None, (name, which)
        if name in MONEY:
            assert got == pytest.approx(round(want, 2), abs=0.006), (name, which)
        else:
            assert got == pytest.approx(want, rel=1e-6, abs=1e-6), (name, which)


def test_demo_kpis_equal_sql_for_period_previous_and_year_ago(
    demo_files: DemoFiles, demo_report: salescope.Report
) -> None:
    ref = SqlRef(demo_files.sales)
    p = demo_report.period
    assert p.label == "2026-Q3"  # demo data ends 2026-09-30: the latest complete quarter
    assert p.previous is not None and p.yoy is not None
    assert_matches(demo_report, ref.kpis(p.start, p.end), "value")
    assert_matches(demo_report, ref.kpis(p.previous[1], p.previous[2]), "previous")
    assert_matches(demo_report, ref.kpis(p.yoy[1], p.yoy[2]), "yoy")
    retention = demo_report.kpi("retention_rate")
    assert retention is not None and retention.value is not None
    want = ref.retention((p.previous[1], p.previous[2]), (p.start, p.end))
    assert retention.value == pytest.approx(want, abs=1e-6)


def test_change_pct_follows_the_definition(demo_report: salescope.Report) -> None:
    for kpi in demo_report.kpis:
        if kpi.value is None or not kpi.previous:
            continue
        assert kpi.change_pct == pytest.approx(100 * (kpi.value / kpi.previous - 1), abs=0.02)


def test_breakdowns_equal_sql_and_sum_to_revenue(
    demo_files: DemoFiles, demo_report: salescope.Report
) -> None:
    ref = SqlRef(demo_files.sales)
    p = demo_report.period
    revenue = demo_report.kpi("revenue")
    assert revenue is not None and revenue.value is not None
    for role in ("category", "region", "channel", "sales_rep", "segment"):
        b = demo_report.breakdown(role)
        assert b is not None, role
        want = ref.by(role, p.start, p.end)
        got = {m.key: m.revenue for m in b.rows}
        assert got == pytest.approx({k: round(v, 2) for k, v in want.items()}, abs=0.006)
        assert sum(got.values()) == pytest.approx(revenue.value, abs=0.01 * len(got))
        revenues = [m.revenue for m in b.rows]
        assert revenues == sorted(revenues, reverse=True)


def test_each_breakdown_counts_and_cuts_its_own_members(
    demo_files: DemoFiles, demo_report: salescope.Report
) -> None:
    """Every dimension is ranked in one stacked query: each one's member count and its top
    members (products cut to top_n) equal SQL over that dimension alone."""
    ref = SqlRef(demo_files.sales)
    p = demo_report.period
    assert p.previous is not None
    windows = [p.start, p.end, p.previous[1], p.previous[2]]
    top_n = salescope.Config().top_n
    columns = {"category": "category", "product": "product_id", "region": "region"}
    columns |= {"country": "country", "channel": "channel", "sales_rep": "sales_rep"}
    columns |= {"segment": "segment"}
    for role, column in columns.items():
        b = demo_report.breakdown(role)
        assert b is not None, role
        members = ref.con.execute(
            f"SELECT {column}, product_name, sum(revenue) FILTER (order_date BETWEEN ? AND ?) AS r"
            " FROM t WHERE order_date BETWEEN ? AND ? OR order_date BETWEEN ? AND ?"
            " GROUP BY ALL ORDER BY r DESC NULLS LAST",
            [p.start, p.end, *windows],
        ).fetchall()
        keys = {k for k, _, _ in members}
        assert b.members == len(keys), role
        if role != "product":
            continue
        assert b.members > top_n  # so the cut is tested
        top = members[:top_n]
        assert [m.key for m in b.rows] == [f"{name} ({k})" for k, name, _ in top]
        assert [m.revenue for m in b.rows] == pytest.approx([r for _, _, r in top], abs=0.006)


def test_monthly_series_equals_sql(demo_files: DemoFiles, demo_report: salescope.Report) -> None:
    ref = SqlRef(demo_files.sales)
    rows = ref.con.execute(
        "SELECT date_trunc('month', order_date)::DATE, sum(revenue), "
        "count(DISTINCT order_id) FILTER (WHERE quantity >= 0 AND revenue >= 0) "
        "FROM t GROUP BY 1 ORDER BY 1"
    ).fetchall()
    points = demo_report.timeseries.points
    assert [(p.date, p.orders) for p in points] == [(m, o) for m, _, o in rows]
    assert [p.revenue for p in points] == pytest.approx(
        [round(r, 2) for _, r, _ in rows], abs=0.006
    )


def test_parquet_and_csv_give_the_same_report(
    demo_report: salescope.Report, demo_parquet: Path
) -> None:
    other = salescope.run([demo_parquet], clock=fixed_clock)
    assert other.kpis == demo_report.kpis
    assert other.breakdowns == demo_report.breakdowns


HAND = """\
Invoice No,Invoice Date,Cust ID,SKU,Description,Qty,Unit Price,Sales Region
1001,2024-01-05,C1,A1,Widget,2,10.00,North
1001,2024-01-05,C1,B2,Gadget,1,25.50,North
1002,2024-02-10,C2,A1,Widget,5,10.00,South
1003,2024-04-02,C1,A1,Widget,1,10.00,North
1004,2024-05-20,C3,B2,Gadget,-1,25.50,South
1005,2024-06-30,C2,C3,Gizmo,3,7.25,East
1006,,C4,A1,Widget,1,10.00,East
1007,2024-06-01,C4,A1,Widget,,10.00,East
"""


def test_hand_computed_fixture(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(HAND)
    r = salescope.run([path], period="2024-Q2", clock=fixed_clock)
    k = {x.name: x for x in r.kpis}
    # Q2 lines: 1003 (1 x 10.00), 1004 (return, -1 x 25.50), 1005 (3 x 7.25)
    assert k["revenue"].value == 10.00 - 25.50 + 21.75
    assert k["orders"].value == 2  # 1003 and 1005: the return 1004 is never an order
    assert k["units"].value == 1 - 1 + 3
    assert k["customers"].value == 3  # C1, C3, C2
    assert k["new_customers"].value == 1  # C3's first purchase is in Q2
    assert k["returning_customers"].value == 2
    assert k["retention_rate"].value == 1.0  # Q1 had C1 and C2; both came back
    assert k["returns"].value == 25.50
    assert k["products_sold"].value == 2  # A1 (1 unit), C3 (3 units); B2 net -1
    # Q1: 2 x 10 + 25.50 + 5 x 10 = 95.50 over 2 orders
    assert k["revenue"].previous == 95.50
    assert k["aov"].previous == 47.75
    assert k["revenue"].change_pct == pytest.approx(100 * (6.25 / 95.50 - 1), abs=1e-3)
    assert k["revenue"].yoy_value is None  # no data a year earlier
    q = r.quality
    assert (q.rows_read, q.rows_accepted, q.rows_quarantined) == (8, 6, 2)
    assert {c.code: c.rows for c in q.checks if c.severity == "error"} == {
        "missing_date": 1,
        "missing_quantity": 1,
    }
    region = r.breakdown("region")
    assert region is not None
    assert [(m.key, m.revenue, m.previous) for m in region.rows] == [
        ("East", 21.75, 0.0),
        ("North", 10.0, 45.5),
        ("South", -25.5, 50.0),
    ]
    assert date(2024, 3, 1) in [p.date for p in r.timeseries.points]  # a month without sales


def test_no_order_id_counts_rows_as_orders_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_text("date,amount\n2024-01-02,10\n2024-01-02,5\n2024-01-03,2.5\n")
    r = salescope.run([path], period="all", clock=fixed_clock)
    orders = r.kpi("orders")
    assert orders is not None and orders.value == 3
    assert any("each row is counted as one order" in a for a in r.quality.assumptions)
    assert r.kpi("customers") is None
