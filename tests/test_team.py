"""Sales team: the planted over-achiever, per-rep figures against SQL, quotas by hand."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import date
from typing import Any

import ibis
import pyarrow as pa
import pytest

from salescope.analysis.team import compute_team
from salescope.demo_data import DemoFiles, write_demo_data
from salescope.engine import Engine, connect
from salescope.lines import Lines
from salescope.metrics.kpis import Windows
from salescope.model import RepStats, Team
from salescope.sources.side import load_side_tables
from tests.conftest import lines_and_windows
from tests.sqlref import SqlRef

Q3 = (date(2026, 7, 1), date(2026, 9, 30))
Q2 = (date(2026, 4, 1), date(2026, 6, 30))
# Quotas are the planted attainment's quota rounded to 3 significant digits, so an
# attainment drawn in [0.82, 1.18] can land up to 0.5% outside it.
ROUNDING = 0.005


def by_rep(team: Team) -> dict[str, RepStats]:
    return {r.rep: r for r in team.reps}


# --- demo data: the planted over-achiever and SQL references --------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return write_demo_data(tmp_path_factory.mktemp("team") / "data", rows=60_000, seed=29)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return connect("duckdb")


@pytest.fixture(scope="module")
def q3(demo: DemoFiles, engine: Engine) -> tuple[Lines, Windows]:
    return lines_and_windows(engine, demo.sales, "2026-Q3")


@pytest.fixture(scope="module")
def team_q3(demo: DemoFiles, engine: Engine, q3: tuple[Lines, Windows]) -> Team:
    side = load_side_tables(engine, [demo.quotas])
    team = compute_team(*q3, side.quotas, side.label("quotas"))
    assert team is not None
    return team


@pytest.fixture(scope="module")
def ref(demo: DemoFiles) -> SqlRef:
    return SqlRef(demo.sales)


def test_planted_overachiever_ranks_first_at_planted_attainment(
    team_q3: Team, demo: DemoFiles
) -> None:
    planted = json.loads(demo.planted.read_text())["quota_overachiever"]
    assert planted["period"] == "2026-Q3"
    star = team_q3.reps[0]
    assert star.rep == planted["sales_rep"]
    assert star.rank == 1
    assert star.quota == planted["quota"]
    # Same lines, same definition (net revenue dated in the quarter): equal to the cent.
    assert star.revenue.value == pytest.approx(planted["actual_revenue"], abs=0.005)
    # attainment is rounded to 6 places; the planted one to 4.
    truth = planted["actual_revenue"] / planted["quota"]
    assert star.attainment == pytest.approx(truth, rel=1e-6)
    assert star.attainment == pytest.approx(planted["attainment"], abs=5e-5)
    assert star.attainment >= 1.5 - 0.01


def test_other_reps_within_planted_range_and_counts(team_q3: Team, demo: DemoFiles) -> None:
    planted = json.loads(demo.planted.read_text())["quota_overachiever"]
    low, high = planted["other_reps_attainment_range"]
    others = [r for r in team_q3.reps if r.rep != planted["sales_rep"]]
    assert len(others) == 11
    for r in others:
        assert r.attainment is not None
        assert low / (1 + ROUNDING) <= r.attainment <= high / (1 - ROUNDING), r
    # counts follow from the attainments (the star is above target)
    above = 1 + sum(r.attainment >= 1 for r in others if r.attainment is not None)
    assert team_q3.above_target == above
    assert team_q3.below_target == 12 - above
    assert team_q3.quota_by == "sales_rep"
    assert team_q3.quota_source == "quotas.csv"
    attainments = [r.attainment for r in team_q3.reps]
    assert attainments == sorted(attainments, reverse=True)  # type: ignore[type-var]
    assert [r.rank for r in team_q3.reps] == list(range(1, 13))


def test_quota_per_rep_against_quota_file(team_q3: Team, ref: SqlRef, demo: DemoFiles) -> None:
    rows = ref.con.execute(
        f"SELECT sales_rep, region, quota FROM read_csv_auto('{demo.quotas}') "
        "WHERE period_start = ? AND period_end = ?",
        list(Q3),
    ).fetchall()
    reps = by_rep(team_q3)
    assert {r: (reps[r].quota, reps[r].team) for r, _, _ in rows} == {
        r: (q, region) for r, region, q in rows
    }
    # teams are the regions here (no team column): sums over their reps
    for t in team_q3.teams:
        members = [r for r in team_q3.reps if r.team == t.team]
        assert t.reps == len(members)
        assert t.revenue.value == pytest.approx(sum(r.revenue.value or 0 for r in members))
        assert t.quota == pytest.approx(sum(r.quota or 0 for r in members))
        assert t.attainment == pytest.approx((t.revenue.value or 0) / (t.quota or 1), abs=1e-6)


def rep_sql(ref: SqlRef, window: tuple[date, date]) -> dict[str, tuple[Any, ...]]:
    """Per rep: revenue, orders, aov, customers, new customers (first order with the rep)."""
    rows = ref.con.execute(
        """
        WITH firsts AS (
            SELECT customer_id, sales_rep, order_date, row_number() OVER (
                PARTITION BY customer_id ORDER BY order_date, order_id, sales_rep) AS n
            FROM t),
        new AS (SELECT sales_rep, count(*) AS new FROM firsts
                WHERE n = 1 AND order_date BETWEEN $1 AND $2 GROUP BY 1)
        SELECT s.sales_rep, sum(revenue),
               count(DISTINCT order_id) FILTER (WHERE quantity >= 0 AND revenue >= 0),
               sum(revenue)
                 / count(DISTINCT order_id) FILTER (WHERE quantity >= 0 AND revenue >= 0),
               count(DISTINCT customer_id),
               coalesce(any_value(new.new), 0)
        FROM t s LEFT JOIN new USING (sales_rep)
        WHERE order_date BETWEEN $1 AND $2 GROUP BY 1
        """,
        list(window),
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_rep_figures_against_sql(team_q3: Team, ref: SqlRef) -> None:
    cur, prev = rep_sql(ref, Q3), rep_sql(ref, Q2)
    assert set(cur) == set(by_rep(team_q3))
    for name, r in by_rep(team_q3).items():
        revenue, orders, aov, customers, new = cur[name]
        assert r.revenue.value == pytest.approx(revenue, abs=0.005)
        assert r.orders.value == orders
        assert r.aov.value == pytest.approx(aov, abs=0.005)
        assert r.customers.value == customers
        assert r.new_customers.value == new
        p_revenue, p_orders, p_aov, p_customers, p_new = prev[name]
        assert r.revenue.previous == pytest.approx(p_revenue, abs=0.005)
        assert r.orders.previous == p_orders
        assert r.aov.previous == pytest.approx(p_aov, abs=0.005)
        assert r.customers.previous == p_customers
        assert r.new_customers.previous == p_new
        assert r.revenue.change_pct == pytest.approx(100 * (revenue / p_revenue - 1), abs=1e-3)
    # every new customer of the quarter is credited to exactly one rep
    total_new = ref.one(
        "SELECT count(*) FROM (SELECT customer_id, min(order_date) AS f FROM t GROUP BY 1) "
        "WHERE f BETWEEN ? AND ?",
        *Q3,
    )
    assert sum(r.new_customers.value or 0 for r in team_q3.reps) == total_new


def test_peer_comparison_without_quotas(q3: tuple[Lines, Windows], ref: SqlRef) -> None:
    team = compute_team(*q3, None)
    assert team is not None
    assert team.quota_source is None and team.quota_by is None
    assert team.above_target is None and team.below_target is None
    assert any("quota table" in n for n in team.notes)
    assert all(r.quota is None and r.attainment is None for r in team.reps)
    assert team.teams == ()
    median = ref.one(
        "SELECT median(r) FROM (SELECT sum(revenue) AS r FROM t "
        "WHERE order_date BETWEEN ? AND ? GROUP BY sales_rep)",
        *Q3,
    )
    assert team.median_revenue == pytest.approx(median, abs=0.005)
    revenue = rep_sql(ref, Q3)
    for r in team.reps:
        assert r.vs_median == pytest.approx(revenue[r.rep][0] / median, abs=1e-6)
    by_revenue = sorted(revenue, key=lambda k: -revenue[k][0])
    assert [r.rep for r in team.reps] == by_revenue
    assert [r.rank for r in team.reps] == list(range(1, len(by_revenue) + 1))


# --- a hand-made fixture: quotas aligned to 2026-Q1 (90 days) --------------------------------

# Lines (order, date, customer, rep, region, revenue). Previous period: 2025-Q4.
SALES = [
    ("O0", "2025-06-01", "C9", "Ann Lee", "East", 10.0),
    ("O1", "2025-11-10", "C1", "Ann Lee", "East", 80.0),
    ("O2", "2026-01-15", "C1", "Ann Lee", "East", 100.0),
    ("O3", "2026-02-20", "C2", "Ann Lee", "East", 200.0),
    ("O4", "2026-03-05", "C3", "Bob Ray", "East", 300.0),
    ("O4", "2026-03-05", "C3", "Bob Ray", "East", -50.0),  # a return on the order
    ("O6", "2026-02-01", "C4", "Bob Ray", "East", 40.0),  # C4's first day: O6 with Bob,
    ("O7", "2026-02-01", "C4", "Cy Dow", "West", 90.0),  # O7 with Cy: O6 comes first
    ("O8", "2026-01-20", "C5", "", "West", 70.0),  # no rep
]
# Q1 by rep:  Ann 100 + 200 = 300, 2 orders, aov 150, customers C1 C2, new: C2
#             Bob 300 - 50 + 40 = 290, 2 orders, aov 145, customers C3 C4, new: C3 C4
#             Cy 90, 1 order, customer C4 (not new: credited to Bob)
# Previous (2025-Q4): Ann 80, 1 order, customer C1, new C1 (the data starts 2025-06-01).


def quota_table(engine: Engine, rows: list[tuple[Any, ...]]) -> Any:
    """A quota table in the canonical shape (sales_rep, region, team, start, end, quota)."""
    names = ("sales_rep", "region", "team", "start", "end", "quota")
    columns = list(zip(*rows, strict=True))
    types = [pa.string(), pa.string(), pa.string(), pa.date32(), pa.date32(), pa.float64()]
    table = pa.table({n: pa.array(c, t) for n, c, t in zip(names, columns, types, strict=True)})
    return engine.con.create_table(ibis.util.gen_name("quotas"), ibis.memtable(table))


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, engine: Engine) -> tuple[Lines, Windows]:
    path = tmp_path_factory.mktemp("team_small") / "sales.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["order_id", "order_date", "customer_id", "sales_rep", "region", "revenue"])
        w.writerows(SALES)
    return lines_and_windows(engine, path, "2026-Q1")


def d(text: str) -> date:
    return date.fromisoformat(text)


REP_QUOTAS = [
    # Ann: three monthly quotas of 100 -> 300 for the quarter; her Q4 row is outside it.
    ("Ann Lee", "East", "Alpha", d("2026-01-01"), d("2026-01-31"), 100.0),
    ("Ann Lee", "East", "Alpha", d("2026-02-01"), d("2026-02-28"), 100.0),
    ("Ann Lee", "East", "Alpha", d("2026-03-01"), d("2026-03-31"), 100.0),
    ("Ann Lee", "East", "Alpha", d("2025-10-01"), d("2025-12-31"), 999.0),
    # Bob (spelled differently): an annual 730 prorated to 90 of 365 days -> 180.
    (" bob  RAY ", "East", "Alpha", d("2026-01-01"), d("2026-12-31"), 730.0),
    # Cy: January and February only (59 of 90 days) -> no quota; team from region.
    ("Cy Dow", "West", None, d("2026-01-01"), d("2026-01-31"), 50.0),
    ("Cy Dow", "West", None, d("2026-02-01"), d("2026-02-28"), 50.0),
    # Dee: a quota and no sales -> listed with zero revenue.
    ("Dee Fox", "East", "Alpha", d("2026-01-01"), d("2026-03-31"), 100.0),
]


def test_rep_quotas_by_hand(small: tuple[Lines, Windows], engine: Engine) -> None:
    team = compute_team(*small, quota_table(engine, REP_QUOTAS), "targets.csv")
    assert team is not None
    reps = by_rep(team)
    assert list(reps) == ["Bob Ray", "Ann Lee", "Dee Fox", "Cy Dow"]  # by attainment
    assert [r.rank for r in team.reps] == [1, 2, 3, 4]
    ann, bob, cy, dee = reps["Ann Lee"], reps["Bob Ray"], reps["Cy Dow"], reps["Dee Fox"]
    assert (ann.quota, ann.attainment) == (300.0, 1.0)
    assert bob.quota == 180.0
    assert bob.attainment == pytest.approx(290 / 180, abs=1e-6)  # 1.611111
    assert (cy.quota, cy.attainment) == (None, None)
    assert (dee.quota, dee.attainment, dee.revenue.value, dee.orders.value) == (100, 0, 0, 0)
    assert dee.aov.value is None
    assert (team.above_target, team.below_target) == (2, 1)  # Bob, Ann / Dee
    assert team.quota_by == "sales_rep" and team.quota_source == "targets.csv"
    # figures by hand (see SALES)
    assert (ann.revenue.value, ann.revenue.previous) == (300.0, 80.0)
    assert ann.revenue.change_pct == pytest.approx(275.0)
    assert (ann.orders.value, ann.aov.value, ann.aov.previous) == (2, 150.0, 80.0)
    assert (ann.customers.value, ann.new_customers.value, ann.new_customers.previous) == (2, 1, 1)
    assert (bob.revenue.value, bob.orders.value, bob.aov.value) == (290.0, 2, 145.0)
    assert (bob.customers.value, bob.new_customers.value) == (2, 2)
    assert (cy.customers.value, cy.new_customers.value) == (1, 0)
    # median of 300, 290, 90, 0 is 190
    assert team.median_revenue == 190.0
    assert ann.vs_median == pytest.approx(300 / 190, abs=1e-6)
    assert dee.vs_median == 0.0
    # teams: Alpha = Ann + Bob + Dee (quota 300 + 180 + 100); West = Cy (no quota)
    teams = {t.team: t for t in team.teams}
    assert set(teams) == {"Alpha", "West"}
    alpha, west = teams["Alpha"], teams["West"]
    assert (alpha.reps, alpha.revenue.value, alpha.revenue.previous) == (3, 590.0, 80.0)
    assert alpha.quota == 580.0
    assert alpha.attainment == pytest.approx(590 / 580, abs=1e-6)
    assert (west.reps, west.revenue.value, west.quota, west.attainment) == (1, 90.0, None, None)
    assert (ann.team, cy.team) == ("Alpha", "West")
    notes = " | ".join(team.notes)
    assert "1 quota row reaches past the edge of 2026-Q1 and counts for its share" in notes
    assert "1 rep has quota rows that do not cover every day of 2026-Q1" in notes
    assert "Cy Dow" in notes
    assert "1 rep with a quota has no sales in the period (zero revenue): Dee Fox" in notes
    assert "with sales have no quota rows" not in notes


REGION_QUOTAS = [
    # East: three monthly quotas of 200 -> 600.
    (None, "east", None, d("2026-01-01"), d("2026-01-31"), 200.0),
    (None, "EAST", None, d("2026-02-01"), d("2026-02-28"), 200.0),
    (None, "East", None, d("2026-03-01"), d("2026-03-31"), 200.0),
    # West: 364 over 2025-10-01..2026-03-31 (182 days) -> 90 days inside: 180.
    (None, "West", None, d("2025-10-01"), d("2026-03-31"), 364.0),
]


def test_region_quotas_by_hand(small: tuple[Lines, Windows], engine: Engine) -> None:
    team = compute_team(*small, quota_table(engine, REGION_QUOTAS), "regions.csv")
    assert team is not None
    assert team.quota_by == "region"
    # East: Ann 300 + Bob 290 = 590 of 600; West: Cy 90 + the line without a rep 70 = 160 of 180
    assert [(t.team, t.reps, t.revenue.value, t.quota) for t in team.teams] == [
        ("East", 2, 590.0, 600.0),
        ("West", 1, 160.0, 180.0),
    ]
    assert team.teams[0].attainment == pytest.approx(590 / 600, abs=1e-6)
    assert team.teams[1].attainment == pytest.approx(160 / 180, abs=1e-6)
    assert (team.above_target, team.below_target) == (0, 2)  # regions, here
    # reps have no quotas: ranked by revenue, with their region as team
    assert [(r.rep, r.team, r.quota, r.rank) for r in team.reps] == [
        ("Ann Lee", "East", None, 1),
        ("Bob Ray", "East", None, 2),
        ("Cy Dow", "West", None, 3),
    ]
    assert any("1 quota row reaches past the edge" in n for n in team.notes)

    # Without a rep column the regions still compare with their quotas.
    lines, windows = small
    no_reps = replace(lines, table=lines.table.drop("sales_rep"), roles=lines.roles - {"sales_rep"})
    regions_only = compute_team(no_reps, windows, quota_table(engine, REGION_QUOTAS))
    assert regions_only is not None
    assert regions_only.reps == () and regions_only.median_revenue is None
    assert [t.revenue.value for t in regions_only.teams] == [590.0, 160.0]
    assert compute_team(no_reps, windows, None) is None
    assert compute_team(no_reps, windows, quota_table(engine, REP_QUOTAS)) is None


def test_small_without_quotas(small: tuple[Lines, Windows]) -> None:
    team = compute_team(*small, None)
    assert team is not None
    # by revenue: Ann 300, Bob 290, Cy 90; median 290
    assert [(r.rep, r.rank) for r in team.reps] == [("Ann Lee", 1), ("Bob Ray", 2), ("Cy Dow", 3)]
    assert team.median_revenue == 290.0
    assert [r.vs_median for r in team.reps] == pytest.approx([300 / 290, 1.0, 90 / 290])
    assert all(r.attainment is None for r in team.reps)
    assert team.above_target is None
