"""Customers: RFM segments on a hand-scored fixture; the rest against SQL on the demo data."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest

import salescope
from salescope.demo_data import DemoFiles
from tests.conftest import fixed_clock
from tests.sqlref import SqlRef

# Ten customers scored at 2024-06-30 over the 365 days before. With ten customers and
# distinct values, percent ranks are (rank - 1) / 9, so ranks 1-2 score 1, 3-4 score 2,
# 5-6 score 3, 7-8 score 4 and 9-10 score 5.
#
#        last purchase  orders  revenue   R  F  M   FM = round((F+M)/2)   segment
#   A    2024-06-20       10     100      5  5  5   5                     Champions
#   B    2024-06-10        1      10      5  1  1   1                     New Customers
#   C    2024-06-01        7      90      4  4  5   5                     Loyal Customers
#   D    2024-05-20        2      30      4  1  2   2                     Potential Loyalists
#   E    2024-05-10        5      50      3  3  3   3                     Need Attention
#   F    2024-05-01        3      20      3  2  1   2                     About to Sleep
#   G    2024-03-20        9      80      2  5  4   5                     Can't Lose Them
#   H    2024-03-10        6      60      2  3  3   3                     At Risk
#   J    2023-12-15        8      70      1  4  4   4                     At Risk
#   I    2023-10-15        4      40      1  2  2   2                     Hibernating
#
# At 2024-03-31 only G, H, I and J had bought (n = 4: ranks score 1, 2, 4, 5):
#   G  R5 F5 M5 -> Champions;  H  R4 F2 M2 -> Potential Loyalists;
#   J  R2 F4 M4 -> At Risk;    I  R1 F1 M1 -> Lost.
# So G moved Champions -> Can't Lose Them, H Potential Loyalists -> At Risk,
# I Lost -> Hibernating, and J stayed At Risk.
CUSTOMERS = {
    # name: (first order day, number of orders, revenue, last order day)
    "A": (date(2024, 4, 1), 10, 100.0, date(2024, 6, 20)),
    "B": (date(2024, 6, 10), 1, 10.0, date(2024, 6, 10)),
    "C": (date(2024, 4, 1), 7, 90.0, date(2024, 6, 1)),
    "D": (date(2024, 4, 1), 2, 30.0, date(2024, 5, 20)),
    "E": (date(2024, 4, 1), 5, 50.0, date(2024, 5, 10)),
    "F": (date(2024, 4, 1), 3, 20.0, date(2024, 5, 1)),
    "G": (date(2024, 1, 2), 9, 80.0, date(2024, 3, 20)),
    "H": (date(2024, 1, 2), 6, 60.0, date(2024, 3, 10)),
    "J": (date(2023, 8, 1), 8, 70.0, date(2023, 12, 15)),
    "I": (date(2023, 8, 1), 4, 40.0, date(2023, 10, 15)),
}
EXPECTED_NOW = {
    "Champions": ["A"],
    "New Customers": ["B"],
    "Loyal Customers": ["C"],
    "Potential Loyalists": ["D"],
    "Need Attention": ["E"],
    "About to Sleep": ["F"],
    "Can't Lose Them": ["G"],
    "At Risk": ["H", "J"],
    "Hibernating": ["I"],
    "Promising": [],
    "Lost": [],
}
EXPECTED_BEFORE = {
    "Champions": ["G"],
    "Potential Loyalists": ["H"],
    "At Risk": ["J"],
    "Lost": ["I"],
}


def write_rfm_fixture(path: Path) -> Path:
    """Every order is one line; all but the last are worth 1.00, the last the remainder."""
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["order_id", "order_date", "customer_id", "revenue"])
        n = 0
        for name, (first, orders, revenue, last) in CUSTOMERS.items():
            days = [first + timedelta(days=i) for i in range(orders - 1)] + [last]
            amounts = [1.0] * (orders - 1) + [revenue - (orders - 1)]
            for day, amount in zip(days, amounts, strict=True):
                n += 1
                out.writerow([f"O{n}", day.isoformat(), f"C-{name}", f"{amount:.2f}"])
    return path


def test_rfm_segments_match_the_hand_scored_fixture(tmp_path: Path) -> None:
    report = salescope.run(
        [write_rfm_fixture(tmp_path / "rfm.csv")], period="2024-Q2", clock=fixed_clock
    )
    c = report.customers
    assert c is not None
    segments = {s.segment: s for s in c.rfm}
    assert len(segments) == 11
    for name, members in EXPECTED_NOW.items():
        assert segments[name].customers == len(members), name
        assert segments[name].revenue == pytest.approx(sum(CUSTOMERS[m][2] for m in members))
        before = EXPECTED_BEFORE.get(name, [])
        assert segments[name].previous_customers == len(before), name
        assert segments[name].previous_revenue == pytest.approx(
            sum(CUSTOMERS[m][2] for m in before)
        )
    assert segments["At Risk"].share == pytest.approx(2 / 10)
    assert segments["Champions"].revenue_share == pytest.approx(100 / 550)
    moves = {(m.source, m.target): (m.customers, m.revenue) for m in c.moves}
    assert moves == {
        ("Champions", "Can't Lose Them"): (1, 80.0),
        ("Potential Loyalists", "At Risk"): (1, 60.0),
        ("Lost", "Hibernating"): (1, 40.0),
    }
    # A to F bought for the first time in the quarter; G to J bought nothing in it
    assert c.new_revenue == pytest.approx(300.0)
    assert c.returning_revenue == pytest.approx(0.0)
    assert c.previous_new_revenue == pytest.approx(140.0)  # G and H started in Q1


def test_ties_share_the_lower_score(tmp_path: Path) -> None:
    """Four one-order customers, equal but for recency: F and M tie, so all score 1 on
    both, and the two most recent are New Customers, the two oldest Lost."""
    path = tmp_path / "ties.csv"
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["order_id", "order_date", "customer_id", "revenue"])
        for i, day in enumerate([date(2024, 1, 5), date(2024, 2, 5), date(2024, 5, 5)]):
            out.writerow([f"O{i}", day.isoformat(), f"C{i}", "25.00"])
        out.writerow(["O9", "2024-06-05", "C9", "25.00"])
    report = salescope.run([path], period="2024-Q2", clock=fixed_clock)
    assert report.customers is not None
    counts = {s.segment: s.customers for s in report.customers.rfm if s.customers}
    # ranks by last purchase 1..4 -> percent ranks 0, 1/3, 2/3, 1 -> R 1, 2, 4, 5
    assert counts == {"Lost": 1, "Hibernating": 1, "Promising": 1, "New Customers": 1}


def test_equal_money_to_the_cent_ties_however_it_was_added(tmp_path: Path) -> None:
    """Two one-order customers of one day, each worth 0.30: one in a single line, the other
    in lines of 0.10 and 0.20, whose sum in floating point is 0.30000000000000004. They
    tie on every score, so both are Lost (R, F and M all 1); ranked on the unrounded sums
    the second would score M = 5 and be At Risk."""
    path = tmp_path / "cents.csv"
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["order_id", "order_date", "customer_id", "revenue"])
        out.writerow(["O1", "2024-05-05", "C1", "0.30"])
        out.writerow(["O2", "2024-05-05", "C2", "0.10"])
        out.writerow(["O2", "2024-05-05", "C2", "0.20"])
    assert 0.1 + 0.2 != 0.3  # the premise
    report = salescope.run([path], period="2024-Q2", clock=fixed_clock)
    assert report.customers is not None
    counts = {s.segment: s.customers for s in report.customers.rfm if s.customers}
    assert counts == {"Lost": 2}


@pytest.fixture(scope="module")
def ref(demo_files: DemoFiles) -> SqlRef:
    return SqlRef(demo_files.sales)


def _period(report: salescope.Report) -> tuple[date, date]:
    return report.period.start, report.period.end


def test_new_and_returning_revenue_equal_sql(demo_report: salescope.Report, ref: SqlRef) -> None:
    start, end = _period(demo_report)
    c = demo_report.customers
    assert c is not None
    new, returning = ref.con.execute(
        """
        WITH f AS (SELECT customer_id, min(order_date) AS first FROM t GROUP BY 1)
        SELECT sum(revenue) FILTER (WHERE f.first >= ?), sum(revenue) FILTER (WHERE f.first < ?)
        FROM t JOIN f USING (customer_id) WHERE order_date BETWEEN ? AND ?
        """,
        [start, start, start, end],
    ).fetchone()
    assert c.new_revenue == pytest.approx(new, abs=0.01)
    assert c.returning_revenue == pytest.approx(returning, abs=0.01)
    revenue = demo_report.kpi("revenue")
    assert revenue is not None
    assert c.new_revenue + c.returning_revenue == pytest.approx(revenue.value, abs=0.01)


def test_top_customer_shares_equal_sql(demo_report: salescope.Report, ref: SqlRef) -> None:
    start, end = _period(demo_report)
    c = demo_report.customers
    assert c is not None
    per_customer = [
        r[0]
        for r in ref.con.execute(
            "SELECT sum(revenue) AS r FROM t WHERE order_date BETWEEN ? AND ? "
            "GROUP BY customer_id ORDER BY r DESC",
            [start, end],
        ).fetchall()
    ]
    total = sum(per_customer)
    for key, share in (("top_1pct", 0.01), ("top_10pct", 0.1), ("top_20pct", 0.2)):
        k = -(-len(per_customer) * share // 1)  # ceil
        assert c.top_shares[key] == pytest.approx(sum(per_customer[: int(k)]) / total, abs=1e-6)
    assert c.top_shares["top_1pct"] < c.top_shares["top_10pct"] < c.top_shares["top_20pct"]


def test_rfm_scores_every_customer_active_in_the_lookback(
    demo_report: salescope.Report, ref: SqlRef
) -> None:
    c = demo_report.customers
    assert c is not None
    end = demo_report.period.end
    active, revenue = ref.con.execute(
        "SELECT count(DISTINCT customer_id), sum(revenue) FROM t WHERE order_date BETWEEN ? AND ?",
        [end - timedelta(days=c.lookback_days - 1), end],
    ).fetchone()
    assert sum(s.customers for s in c.rfm) == active
    assert sum(s.revenue for s in c.rfm) == pytest.approx(revenue, abs=0.05)
    # each share is rounded to 6 decimals: their sum is 1 within half a unit per segment
    assert sum(s.share or 0 for s in c.rfm) == pytest.approx(1.0, abs=5e-7 * len(c.rfm))


def test_cohort_matrix_equals_sql(demo_report: salescope.Report, ref: SqlRef) -> None:
    c = demo_report.customers
    assert c is not None
    end = demo_report.period.end
    rows = ref.con.execute(
        """
        WITH m AS (SELECT DISTINCT customer_id, date_trunc('month', order_date) AS month
                   FROM t WHERE order_date <= ?),
             f AS (SELECT customer_id, min(month) AS cohort FROM m GROUP BY 1)
        SELECT cohort, datediff('month', cohort, month) AS k, count(*)
        FROM m JOIN f USING (customer_id) GROUP BY 1, 2
        """,
        [end],
    ).fetchall()
    matrix = {(cohort.date() if hasattr(cohort, "date") else cohort, k): n for cohort, k, n in rows}
    assert len(c.cohorts) == 12
    assert c.cohorts[-1].month == end.replace(day=1)
    for cohort in c.cohorts:
        assert cohort.customers == matrix[(cohort.month, 0)]
        for k, active in enumerate(cohort.active):
            assert active == matrix.get((cohort.month, k), 0), (cohort.month, k)
            assert cohort.retention[k] == pytest.approx(active / cohort.customers, abs=1e-6)
    assert c.retention_curve[0] == 1.0
    assert all(0 <= r <= 1 for r in c.retention_curve)


def test_customer_value_parts_equal_sql(demo_report: salescope.Report, ref: SqlRef) -> None:
    c = demo_report.customers
    assert c is not None and c.value is not None
    end = demo_report.period.end
    year = (end - timedelta(days=364), end)
    before = (year[0] - timedelta(days=365), year[0] - timedelta(days=1))
    customers, revenue, orders = ref.con.execute(
        "SELECT count(DISTINCT customer_id), sum(revenue), "
        "count(DISTINCT order_id) FILTER (WHERE quantity >= 0 AND revenue >= 0) FROM t "
        "WHERE order_date BETWEEN ? AND ?",
        list(year),
    ).fetchone()
    retained = ref.one(
        "SELECT count(*) FROM (SELECT DISTINCT customer_id FROM t WHERE order_date BETWEEN ? AND ?)"
        " JOIN (SELECT DISTINCT customer_id FROM t WHERE order_date BETWEEN ? AND ?) USING "
        "(customer_id)",
        *year,
        *before,
    )
    earlier = ref.one(
        "SELECT count(DISTINCT customer_id) FROM t WHERE order_date BETWEEN ? AND ?", *before
    )
    v = c.value
    assert v.revenue_per_customer == pytest.approx(revenue / customers, abs=0.01)
    assert v.orders_per_customer == pytest.approx(orders / customers, abs=1e-4)
    assert v.yearly_retention == pytest.approx(retained / earlier, abs=1e-6)
    lifetime = min(10.0, 1 / (1 - retained / earlier))
    assert v.value == pytest.approx(revenue / customers * lifetime, abs=0.05)


def test_churn_is_one_minus_retention(demo_report: salescope.Report) -> None:
    retention = demo_report.kpi("retention_rate")
    assert retention is not None and retention.value is not None
    assert demo_report.customers is not None
    assert demo_report.customers.churn_rate == pytest.approx(1 - retention.value, abs=1e-6)


def test_rfm_and_cohort_csv_tables_hold_the_sql_checked_figures(
    demo_report: salescope.Report, ref: SqlRef, tmp_path: Path
) -> None:
    salescope.write_outputs(demo_report, tmp_path, ("csv",))
    c = demo_report.customers
    assert c is not None
    with (tmp_path / "tables" / "rfm_segments.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    end = demo_report.period.end
    active = ref.one(
        "SELECT count(DISTINCT customer_id) FROM t WHERE order_date BETWEEN ? AND ?",
        end - timedelta(days=c.lookback_days - 1),
        end,
    )
    assert len(rows) == 11 and sum(int(r["customers"]) for r in rows) == active
    with (tmp_path / "tables" / "cohorts.csv").open() as handle:
        cohorts = list(csv.DictReader(handle))
    first = ref.one(
        "SELECT count(*) FROM (SELECT customer_id, min(order_date) AS f FROM t GROUP BY 1) "
        "WHERE date_trunc('month', f) = ?",
        date.fromisoformat(cohorts[0]["cohort"]),
    )
    assert int(cohorts[0]["customers"]) == first


def test_the_new_revenue_share_has_no_comparison_in_the_data_s_first_period(
    tmp_path: Path,
) -> None:
    """In the quarter the data starts with, every customer is new by construction: the
    previous split is unknown, not 100% new. One earlier line makes it known."""
    lines = [
        ("O1", "2024-01-01", "A", "10.00"),
        ("O2", "2024-02-01", "B", "20.00"),
        ("O3", "2024-04-05", "A", "5.00"),
        ("O4", "2024-05-01", "C", "7.00"),
    ]
    path = tmp_path / "sales.csv"
    for extra in ([], [("O0", "2023-12-31", "D", "3.00")]):
        with path.open("w", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(["order_id", "order_date", "customer_id", "revenue"])
            out.writerows(extra + lines)
        report = salescope.run([path], period="2024-Q2", clock=fixed_clock)
        c = report.customers
        assert c is not None
        assert (c.new_revenue, c.returning_revenue) == (7.0, 5.0)  # C new, A back
        if extra:
            assert (c.previous_new_revenue, c.previous_returning_revenue) == (30.0, 0.0)
        else:
            assert c.previous_new_revenue is None and c.previous_new_revenue_share is None
            assert not [i for i in report.insights if "new customers" in i.text.lower()]
