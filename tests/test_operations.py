"""Operations: planted stockouts found (inventory table and sales gaps), lost revenue, returns
and margin against SQL on the raw file, the margin split and daily snapshots by hand."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pytest

from salescope.analysis.operations import (
    GAP_INTERVALS,
    GAP_MIN_DAYS,
    STEADY_DAYS,
    STEADY_MIN_SALE_DAYS,
    compute_inventory,
    compute_operations,
)
from salescope.demo_data import DemoFiles, write_demo_data
from salescope.engine import Engine, connect
from salescope.lines import Lines
from salescope.metrics.kpis import Windows
from salescope.model import Inventory, Operations
from salescope.sources.side import load_side_tables
from tests.conftest import lines_and_windows
from tests.sqlref import SqlRef

# The planted stockouts fall in 2026-01-12..2026-09-10: this period holds them all, and the
# 365 days to its end reach back to 2025-10-01.
PERIOD = "2026-01-01..2026-09-30"
CUR = (date(2026, 1, 1), date(2026, 9, 30))
PREV = (date(2025, 4, 3), date(2025, 12, 31))  # the 273 days before
HORIZON = (date(2025, 10, 1), date(2026, 9, 30))
# Monday snapshots bracket a stretch; the sales set its edges. The edge found is the day
# after the last sale before it (the day before the first sale after it), which is the true
# edge unless the popular product happened to sell nothing on the day next to it.
EDGE_TOLERANCE_DAYS = 1


def write_rows(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=k) for k in range((last - first).days + 1)]


# --- demo data --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return write_demo_data(tmp_path_factory.mktemp("operations") / "data", rows=100_000, seed=41)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return connect("duckdb")


@pytest.fixture(scope="module")
def period(demo: DemoFiles, engine: Engine) -> tuple[Lines, Windows]:
    return lines_and_windows(engine, demo.sales, PERIOD)


@pytest.fixture(scope="module")
def planted(demo: DemoFiles) -> list[dict[str, Any]]:
    stockouts: list[dict[str, Any]] = json.loads(demo.planted.read_text())["stockouts"]
    for s in stockouts:
        s["start"] = date.fromisoformat(s["start_date"])
        s["end"] = date.fromisoformat(s["end_date"])
    return stockouts


@pytest.fixture(scope="module")
def ref(demo: DemoFiles) -> SqlRef:
    return SqlRef(demo.sales)


@pytest.fixture(scope="module")
def with_table(demo: DemoFiles, engine: Engine, period: tuple[Lines, Windows]) -> Inventory:
    side = load_side_tables(engine, [demo.inventory])
    assert side.inventory is not None
    found = compute_inventory(*period, side.inventory)
    assert found is not None
    return found


@pytest.fixture(scope="module")
def from_gaps(period: tuple[Lines, Windows]) -> Inventory:
    found = compute_inventory(*period, None)
    assert found is not None
    return found


@pytest.fixture(scope="module")
def operations(period: tuple[Lines, Windows]) -> Operations:
    ops = compute_operations(*period)
    assert ops is not None
    return ops


def test_inventory_table_finds_each_planted_stockout_and_no_other(
    with_table: Inventory, planted: list[dict[str, Any]]
) -> None:
    assert with_table.source == "inventory table"
    assert len(planted) == 3
    assert len(with_table.stockouts) == len(planted)
    by_product = {s.product: s for s in with_table.stockouts}
    for truth in planted:
        found = by_product[truth["product_id"]]
        assert abs((found.start - truth["start"]).days) <= EDGE_TOLERANCE_DAYS, (found, truth)
        assert abs((found.end - truth["end"]).days) <= EDGE_TOLERANCE_DAYS, (found, truth)
        assert found.days == (found.end - found.start).days + 1
        assert found.product_name == truth["product_name"]
        assert found.confirmed and not found.ongoing and found.region is None
        assert found.in_period and found.days_in_period == found.days  # inside the period
    assert with_table.products_out == 3
    losses = [s.lost_revenue for s in with_table.stockouts]
    assert losses == sorted(losses, reverse=True)


def test_lost_revenue_is_days_times_the_56_days_before(with_table: Inventory, ref: SqlRef) -> None:
    total = 0.0
    for s in with_table.stockouts:
        # sales lines of the product in the 56 days before the stretch (no earlier stretch)
        revenue = ref.one(
            "SELECT coalesce(sum(revenue), 0) FROM t WHERE product_id = ? AND quantity > 0 "
            "AND order_date BETWEEN ? AND ?",
            s.product,
            s.start - timedelta(days=56),
            s.start - timedelta(days=1),
        )
        daily = revenue / 56
        assert daily > 0
        assert s.daily_revenue == pytest.approx(daily, abs=0.005)
        assert s.lost_revenue == pytest.approx(daily * s.days_in_period, abs=0.01)
        total += daily * s.days_in_period
    assert with_table.lost_revenue == pytest.approx(total, abs=0.02)


def sale_day_rate(ref: SqlRef, product: str, before: date) -> float:
    sold_days = ref.one(
        "SELECT count(DISTINCT order_date) FROM t WHERE product_id = ? AND quantity > 0 "
        "AND order_date BETWEEN ? AND ?",
        product,
        before - timedelta(days=56),
        before - timedelta(days=1),
    )
    return float(sold_days) / 56


def test_sales_gaps_flag_the_popular_planted_products(
    from_gaps: Inventory, planted: list[dict[str, Any]], ref: SqlRef
) -> None:
    assert from_gaps.source == "sales gaps"
    popular = [p for p in planted if sale_day_rate(ref, p["product_id"], p["start"]) >= 0.3]
    assert len(popular) == 3  # all three sold on most days before their stretch
    for truth in popular:
        hits = [
            s
            for s in from_gaps.stockouts
            if s.product == truth["product_id"]
            and s.start <= truth["end"]
            and s.end >= truth["start"]
        ]
        assert len(hits) == 1, truth
        assert not hits[0].confirmed
        # a gap is bounded by sales, so it holds the planted stretch
        assert hits[0].start <= truth["start"] and hits[0].end >= truth["end"]


GAPS_SQL = """
WITH sold AS (
    SELECT product_id AS p, order_date AS d, sum(revenue) AS rev
    FROM t WHERE quantity > 0 GROUP BY 1, 2
), w AS (
    SELECT p, d,
           sum(rev) OVER b AS rev_before,
           count(*) OVER b AS sold_before,
           count(*) OVER a AS sold_from,
           min(d) OVER (PARTITION BY p) AS first_d,
           lead(d) OVER (PARTITION BY p ORDER BY d) AS nd
    FROM sold
    WINDOW b AS (PARTITION BY p ORDER BY d RANGE BETWEEN INTERVAL {w} DAY PRECEDING
                 AND CURRENT ROW),
           a AS (PARTITION BY p ORDER BY d RANGE BETWEEN CURRENT ROW
                 AND INTERVAL {w} DAY FOLLOWING)
), g AS (
    SELECT *, lead(sold_from) OVER (PARTITION BY p ORDER BY d) AS sold_after,
           datediff('day', d, nd) - 1 AS gap
    FROM w
)
SELECT p, d + 1, nd - 1, rev_before / ? FROM g
WHERE nd IS NOT NULL AND datediff('day', first_d, d) >= ? - 1
  AND sold_before >= ? AND sold_after >= ?
  AND nd + (? - 1) <= (SELECT max(order_date) FROM t)
  AND gap >= ? AND gap >= ? * 2.0 * ? / (sold_before + sold_after)
  AND nd - 1 >= ? AND d + 1 <= ?
"""


def test_sales_gaps_are_exactly_the_rule_in_sql(from_gaps: Inventory, ref: SqlRef) -> None:
    """The product-level gaps: steady on both sides, not new, long against the usual
    interval (no demo product is seasonal; regional and channel gaps are left out here)."""
    w = STEADY_DAYS - 1
    rows = ref.con.execute(
        GAPS_SQL.format(w=w),
        [STEADY_DAYS, STEADY_DAYS, STEADY_MIN_SALE_DAYS, STEADY_MIN_SALE_DAYS,
         STEADY_DAYS, GAP_MIN_DAYS, GAP_INTERVALS, STEADY_DAYS, *HORIZON],
    ).fetchall()  # fmt: skip
    expected = {(p, start, end): daily for p, start, end, daily in rows}
    found = {
        (s.product, s.start, s.end): s.daily_revenue
        for s in from_gaps.stockouts
        if s.region is None and s.channel is None
    }
    assert set(found) == set(expected)
    for key, daily in expected.items():
        assert found[key] == pytest.approx(daily, abs=0.005)


def test_sales_gaps_flag_few_other_products(
    from_gaps: Inventory, planted: list[dict[str, Any]]
) -> None:
    """Other flags stay few: a gap must be long against the product's usual interval and
    the product must sell steadily on both sides, so demand that fades after a peak or a
    product that stops for good is not flagged. At most one other flag per planted stockout
    over the year (two on this seed)."""
    truth = {(p["product_id"], p["start"], p["end"]) for p in planted}
    others = [
        s
        for s in from_gaps.stockouts
        if not any(s.product == p and s.start <= e and s.end >= b for p, b, e in truth)
    ]
    assert len(others) <= len(truth)
    assert len(from_gaps.stockouts) == len(others) + len(truth)
    assert not any(s.ongoing for s in from_gaps.stockouts)  # sales came back after each


def test_returns_by_category_against_sql(operations: Operations, ref: SqlRef) -> None:
    def rates(start: date, end: date) -> dict[str, tuple[float, float]]:
        rows = ref.con.execute(
            "SELECT category, -sum(revenue) FILTER (WHERE quantity < 0), "
            "sum(revenue) FILTER (WHERE quantity > 0) FROM t "
            "WHERE order_date BETWEEN ? AND ? GROUP BY ROLLUP (category)",
            [start, end],
        ).fetchall()
        return {c or "All": (float(r or 0), float(g)) for c, r, g in rows}

    cur, prev = rates(*CUR), rates(*PREV)
    assert operations.returns[0].key == "All"
    assert {r.key for r in operations.returns} == set(cur)
    for row in operations.returns:
        returned, gross = cur[row.key]
        assert row.returns == pytest.approx(returned, abs=0.01)
        assert row.gross == pytest.approx(gross, abs=0.01)
        assert row.rate == pytest.approx(returned / gross, abs=1e-6)
        assert row.previous_rate == pytest.approx(prev[row.key][0] / prev[row.key][1], abs=1e-6)
    rest = [r.rate for r in operations.returns[1:]]
    assert rest == sorted(rest, reverse=True)  # type: ignore[type-var]


def test_margin_against_sql(operations: Operations, ref: SqlRef) -> None:
    margin = operations.margin
    assert margin is not None

    def figures(start: date, end: date) -> tuple[float, float, float]:
        row = ref.con.execute(
            "SELECT (sum(revenue) - sum(unit_cost * quantity)) / sum(revenue), "
            "sum(quantity * unit_price * discount) FILTER (WHERE quantity > 0) "
            "  / sum(quantity * unit_price) FILTER (WHERE quantity > 0), "
            "sum(unit_cost * quantity) / sum(quantity * unit_price) "
            "FROM t WHERE order_date BETWEEN ? AND ?",
            [start, end],
        ).fetchone()
        assert row is not None
        return float(row[0]), float(row[1]), float(row[2])

    for value, window in (("value", CUR), ("previous", PREV)):
        gm, disc, cost = figures(*window)
        assert getattr(margin.gross_margin, value) == pytest.approx(gm, abs=1e-6)
        assert getattr(margin.discount_rate, value) == pytest.approx(disc, abs=1e-6)
        assert getattr(margin.cost_ratio, value) == pytest.approx(cost, abs=1e-6)
    assert margin.from_discount is not None and margin.from_cost is not None
    change = margin.gross_margin.value - margin.gross_margin.previous  # type: ignore[operator]
    assert margin.from_discount + margin.from_cost == pytest.approx(change, abs=3e-6)
    # the last 12 months to the period end, each against SQL
    assert [p.month for p in margin.monthly] == [
        date(2025 + (m > 12), (m - 1) % 12 + 1, 1) for m in range(10, 22)
    ]
    for point in margin.monthly:
        last = (point.month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        gm, disc, _ = figures(point.month, last)
        assert point.gross_margin == pytest.approx(gm, abs=1e-6)
        assert point.discount_rate == pytest.approx(disc, abs=1e-6)


# --- hand fixtures ----------------------------------------------------------------------


def margin_lines(
    tmp_path: Path, before: tuple[float, float], now: tuple[float, float]
) -> list[dict[str, Any]]:
    """January and February, one line a day: 10 units at 10.00, (discount, unit cost)."""
    rows = []
    for day in days(date(2026, 1, 1), date(2026, 2, 28)):
        discount, unit_cost = before if day.month == 1 else now
        rows.append(
            {
                "order_id": f"O{day:%m%d}",
                "order_date": day.isoformat(),
                "product_id": "P1",
                "category": "Tools",
                "quantity": 10,
                "unit_price": 10.0,
                "discount": discount,
                "unit_cost": unit_cost,
            }
        )
    return rows


# (discount, unit cost) in January and February; with list 100 a line the cost ratio is
# unit cost / 10 and the margin m = 1 - c / (1 - d).
MARGIN_CASES = {
    # m: 1 - 0.5/0.9 = 4/9 -> 1 - 0.5/0.8 = 3/8, all of it from the discount
    "discount only": ((0.1, 5.0), (0.2, 5.0), 3 / 8 - 4 / 9, 0.0),
    # m: 1 - 0.5/0.9 = 4/9 -> 1 - 0.6/0.9 = 1/3, all of it from the cost
    "cost only": ((0.1, 5.0), (0.1, 6.0), 0.0, 1 / 3 - 4 / 9),
    # both: m(c,d) at (0.5,0.1) 4/9, (0.5,0.2) 3/8, (0.6,0.1) 1/3, (0.6,0.2) 1/4;
    # discount: ((3/8 - 4/9) + (1/4 - 1/3)) / 2 = -11/144; cost: ((1/3 - 4/9) + (1/4 - 3/8))
    # / 2 = -17/144; together 1/4 - 4/9 = -28/144.
    "both": ((0.1, 5.0), (0.2, 6.0), -11 / 144, -17 / 144),
}


@pytest.mark.parametrize("case", list(MARGIN_CASES))
def test_margin_split_by_hand(case: str, tmp_path: Path, engine: Engine) -> None:
    before, now, from_discount, from_cost = MARGIN_CASES[case]
    path = write_rows(tmp_path / "sales.csv", margin_lines(tmp_path, before, now))
    ops = compute_operations(*lines_and_windows(engine, path, "2026-02"))
    assert ops is not None and ops.margin is not None
    m = ops.margin
    assert m.from_discount == pytest.approx(from_discount, abs=1e-6)
    assert m.from_cost == pytest.approx(from_cost, abs=1e-6)
    if case == "discount only":
        assert m.from_cost == 0.0
    if case == "cost only":
        assert m.from_discount == 0.0
    change = m.gross_margin.value - m.gross_margin.previous  # type: ignore[operator]
    assert m.from_discount + m.from_cost == pytest.approx(change, abs=2e-6)
    assert m.discount_rate.value == pytest.approx(now[0])
    assert m.cost_ratio.value == pytest.approx(now[1] / 10)
    assert [(p.month, p.discount_rate) for p in m.monthly] == [
        (date(2026, 1, 1), pytest.approx(before[0])),
        (date(2026, 2, 1), pytest.approx(now[0])),
    ]
    # no return line: every category's rate is zero
    assert [(r.key, r.rate) for r in ops.returns] == [("All", 0.0), ("Tools", 0.0)]


def test_daily_snapshots_are_counted_directly(tmp_path: Path, engine: Engine) -> None:
    """P1 (10.00 a day) is out 10-14 March, and still sells once on the 12th (a backorder):
    the days come from the snapshots. P2 (20.00 a day) is out from 28 March to the last
    snapshot, the end of the data: ongoing."""
    span = days(date(2026, 1, 1), date(2026, 3, 31))
    out = {"P1": set(days(date(2026, 3, 10), date(2026, 3, 14))), "P2": set(span[-4:])}
    price = {"P1": 10.0, "P2": 20.0}
    rows = []
    for day in span:
        for product in ("P1", "P2"):
            if day not in out[product] or (product == "P1" and day == date(2026, 3, 12)):
                rows.append(
                    {
                        "order_id": f"O{day:%m%d}{product}",
                        "order_date": day.isoformat(),
                        "product_id": product,
                        "quantity": 1,
                        "unit_price": price[product],
                    }
                )
    lines, windows = lines_and_windows(engine, write_rows(tmp_path / "s.csv", rows), "2026-03")
    snapshots = pa.table(
        {
            "date": pa.array([d for d in span for _ in range(2)], pa.date32()),
            "product": pa.array([p for _ in span for p in ("P1", "P2")]),
            "region": pa.nulls(2 * len(span), pa.string()),
            "on_hand": pa.array([0.0 if d in out[p] else 5.0 for d in span for p in ("P1", "P2")]),
            "stockout": pa.array([d in out[p] for d in span for p in ("P1", "P2")]),
        }
    )
    table = engine.con.create_table(ibis.util.gen_name("inventory"), ibis.memtable(snapshots))
    found = compute_inventory(lines, windows, table)
    assert found is not None
    got = [(s.product, s.start, s.end, s.days, s.ongoing) for s in found.stockouts]
    assert got == [
        ("P2", date(2026, 3, 28), date(2026, 3, 31), 4, True),  # 4 x 20.00 lost
        ("P1", date(2026, 3, 10), date(2026, 3, 14), 5, False),  # 5 x 10.00 lost
    ]
    # the 56 days before each stretch are all in stock and in the data
    assert [s.daily_revenue for s in found.stockouts] == [20.0, 10.0]
    assert [s.lost_revenue for s in found.stockouts] == [80.0, 50.0]
    assert found.lost_revenue == 130.0 and found.products_out == 2


def test_nothing_to_say_gives_none(tmp_path: Path, engine: Engine) -> None:
    """No product column: no stockouts. No return and no cost: no operations block."""
    rows = [
        {"order_id": f"O{k}", "order_date": d.isoformat(), "amount": 5.0}
        for k, d in enumerate(days(date(2026, 1, 1), date(2026, 2, 28)))
    ]
    lines, windows = lines_and_windows(engine, write_rows(tmp_path / "s.csv", rows), "2026-02")
    assert compute_inventory(lines, windows, None) is None
    assert compute_operations(lines, windows) is None
