"""Unusual days: planted spikes and drops are found, ordinary patterns are not, and the members
named as explanations are the ones that moved (checked by SQL on the raw file).

The daily series handed to ``find_anomalies`` is built here by plain SQL on the raw file.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pytest

from salescope.analysis.anomalies import MAX_ANOMALIES, find_anomalies
from salescope.analysis.breakdowns import MISSING_KEY
from salescope.config import Config
from salescope.demo_data import write_demo_data
from salescope.engine import connect
from salescope.lines import Lines
from salescope.model import Anomaly, TimePoint
from salescope.pipeline import validate_inputs
from tests.conftest import FIXED_CLOCK

TODAY = FIXED_CLOCK.date()
# the last quarter of the demo span
PERIOD = (date(2026, 7, 1), date(2026, 9, 30))


def load_lines(path: Path, engine: str = "duckdb") -> Lines:
    validation, _ = validate_inputs([path], Config(), connect(engine), TODAY)
    return validation.lines


def daily_points(path: Path) -> list[TimePoint]:
    """Every day from the first to the last date in the raw file, zeros included."""
    con = duckdb.connect()
    rows = con.execute(
        f"""
        WITH d AS (
            SELECT CAST(order_date AS DATE) AS day, sum(revenue) AS revenue,
                   count(DISTINCT order_id) AS orders, count(*) AS lines
            FROM read_csv_auto('{path}') GROUP BY 1
        ),
        span AS (
            SELECT CAST(range AS DATE) AS day
            FROM range((SELECT min(day) FROM d), (SELECT max(day) FROM d) + INTERVAL 1 DAY,
                       INTERVAL 1 DAY)
        )
        SELECT span.day, coalesce(d.revenue, 0), coalesce(d.orders, 0), coalesce(d.lines, 0)
        FROM span LEFT JOIN d USING (day) ORDER BY span.day
        """
    ).fetchall()
    return [
        TimePoint(day, round(float(revenue), 2), int(orders), float(lines), None, False)
        for day, revenue, orders, lines in rows
    ]


def found(anomalies: tuple[Anomaly, ...]) -> dict[date, str]:
    return {a.date: a.direction for a in anomalies}


# --- demo data with planted days -----------------------------------------------------------


@dataclass(frozen=True)
class Demo:
    path: Path
    lines: Lines
    daily: list[TimePoint]
    planted: dict[date, str]
    anomalies: tuple[Anomaly, ...]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int, int], Demo]:
    """Demo data (CSV) for a row count and seed, generated and analysed once per module."""
    cache: dict[tuple[int, int], Demo] = {}

    def get(rows: int, seed: int) -> Demo:
        if (rows, seed) not in cache:
            files = write_demo_data(tmp_path_factory.mktemp(f"demo_{rows}_{seed}"), rows, seed)
            planted = json.loads(files.planted.read_text())["anomalous_days"]
            lines = load_lines(files.sales)
            daily = daily_points(files.sales)
            cache[rows, seed] = Demo(
                path=files.sales,
                lines=lines,
                daily=daily,
                planted={date.fromisoformat(p["date"]): p["kind"] for p in planted},
                anomalies=find_anomalies(lines, daily, *PERIOD),
            )
        return cache[rows, seed]

    return get


@pytest.mark.parametrize("seed", [7, 11, 23])
def test_at_200k_lines_every_planted_day_is_found_and_no_other(
    demo: Callable[[int, int], Demo], seed: int
) -> None:
    d = demo(200_000, seed)
    assert len(d.planted) == 4
    assert found(d.anomalies) == d.planted  # right direction, and no other day flagged
    sql = {p.date: p.revenue for p in d.daily}
    for a in d.anomalies:
        assert a.revenue == sql[a.date]
        assert a.in_period == (PERIOD[0] <= a.date <= PERIOD[1])
        assert (a.score > 0) == (a.direction == "spike")
        # spikes were planted at x3 orders and drops at x0.25: the day against its expected
        # revenue shows about that
        ratio = a.revenue / a.expected
        assert 2.0 < ratio < 4.5 if a.direction == "spike" else 0.05 < ratio < 0.5
    assert [a.date for a in d.anomalies] == sorted(d.planted)


@pytest.mark.parametrize("seed", [7, 11, 23])
def test_at_50k_lines_the_planted_days_are_still_found(
    demo: Callable[[int, int], Demo], seed: int
) -> None:
    d = demo(50_000, seed)
    got = found(d.anomalies)
    assert {day: got.get(day) for day in d.planted} == d.planted
    # a day carried by one large order can stand out this small: at most one such day
    assert len(set(got) - set(d.planted)) <= 1


def test_explanations_name_members_that_sum_to_the_day(demo: Callable[[int, int], Demo]) -> None:
    d = demo(200_000, 7)
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv_auto('{d.path}')")
    for a in d.anomalies:
        assert 1 <= len(a.explained_by) <= 5
        shares = [e.share for e in a.explained_by]
        assert shares == sorted(shares, reverse=True)
        assert all(s >= 0.2 for s in shares)
        for e in a.explained_by:
            assert e.dimension in {
                "category",
                "product",
                "region",
                "channel",
                "sales_rep",
                "segment",
            }
            # a member's part of its dimension's movement in the day's direction
            assert 0 < e.share <= 1
        # a dimension's member deviations add up to the day's deviation (products are
        # named "name (id)" in the raw file's terms, so check another dimension)
        first = next(e for e in a.explained_by if e.dimension != "product")
        column = first.dimension
        day = con.execute(
            f"SELECT {column}, sum(revenue) FILTER (WHERE order_date = ?), "
            "sum(revenue) FILTER (WHERE order_date BETWEEN ? AND ?) FROM t "
            "WHERE order_date BETWEEN ? AND ? GROUP BY 1",
            [a.date, a.date - timedelta(28), a.date - timedelta(1), a.date - timedelta(28), a.date],
        ).fetchall()
        total_before = sum(float(b or 0) for _, _, b in day)
        deviations = {
            str(k): float(r or 0) - a.expected * float(b or 0) / total_before for k, r, b in day
        }
        assert sum(deviations.values()) == pytest.approx(a.revenue - a.expected, abs=0.05)
        assert first.deviation == pytest.approx(deviations[first.key], abs=0.02)
        usual = next(float(b or 0) for k, _, b in day if str(k) == first.key) / total_before
        assert first.usual_share == pytest.approx(usual, abs=6e-5)
        sign = 1.0 if a.revenue > a.expected else -1.0
        moved = sum(max(sign * v, 0.0) for v in deviations.values())
        assert first.share == pytest.approx(sign * deviations[first.key] / moved, abs=2e-4)
        same = [e.share for e in a.explained_by if e.dimension == first.dimension]
        assert sum(same) <= 1.0


# --- series built here ---------------------------------------------------------------------

# Monday..Sunday: weekends sell less than half of a weekday
STRONG_WEEK = (1.1, 1.05, 1.0, 1.0, 0.95, 0.45, 0.35)
REGIONS = ("North", "South", "East", "West")


def write_series(
    path: Path,
    days: int,
    seed: int,
    boost: dict[int, float] | None = None,
    start: date = date(2024, 1, 1),
    orders_per_day: float = 40.0,
) -> Path:
    """Random orders (Poisson per day: a strong weekly pattern and a yearly swing of +-15%),
    1-3 lines each with lognormal amounts; ``boost`` multiplies a day's expected orders."""
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    week = np.array([STRONG_WEEK[(start + timedelta(int(i))).weekday()] for i in t])
    level = orders_per_day * week * (1 + 0.15 * np.sin(2 * np.pi * t / 365.25))
    for i, factor in (boost or {}).items():
        level[i] *= factor
    order_day = np.repeat(t, rng.poisson(level))
    n_lines = rng.integers(1, 4, order_day.size)
    line_order = np.repeat(np.arange(order_day.size), n_lines)
    line_no = np.arange(line_order.size) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines)
    revenue = np.round(rng.lognormal(3.5, 0.8, line_order.size), 2)
    region = rng.integers(len(REGIONS), size=order_day.size)[line_order]
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["order_id", "order_date", "product", "region", "revenue"])
        for o, k, r, v in zip(line_order, line_no, region, revenue, strict=True):
            day = start + timedelta(int(order_day[o]))
            out.writerow([f"O{o}", day.isoformat(), f"P{k}", REGIONS[r], f"{v:.2f}"])
    return path


def anomalies_of(path: Path) -> tuple[Anomaly, ...]:
    daily = daily_points(path)
    return find_anomalies(load_lines(path), daily, daily[0].date, daily[-1].date)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_strong_weekly_pattern_alone_is_never_flagged(tmp_path: Path, seed: int) -> None:
    path = write_series(tmp_path / "week.csv", days=731, seed=seed)
    row = duckdb.sql(
        "SELECT avg(r) FILTER (WHERE dayofweek(d) IN (0, 6)), "
        "avg(r) FILTER (WHERE dayofweek(d) NOT IN (0, 6)) FROM "
        f"(SELECT order_date AS d, sum(revenue) AS r FROM read_csv_auto('{path}') GROUP BY 1)"
    ).fetchone()
    assert row is not None
    weekend, weekday = row
    assert weekend / weekday < 0.5  # the pattern is there, and strong
    assert anomalies_of(path) == ()


def test_the_same_series_with_one_busy_day_flags_that_day_only(tmp_path: Path) -> None:
    start = date(2024, 1, 1)
    day = 401  # a Wednesday
    assert (start + timedelta(day)).weekday() == 2
    path = write_series(tmp_path / "spike.csv", days=731, seed=1, boost={day: 3.0})
    (a,) = anomalies_of(path)
    assert (a.date, a.direction) == (start + timedelta(day), "spike")
    assert a.in_period


def test_short_history_claims_nothing(tmp_path: Path) -> None:
    # the same kind of spike is found once there are 8 weeks of data, never before
    assert anomalies_of(write_series(tmp_path / "a.csv", days=30, seed=4, boost={20: 6.0})) == ()
    assert anomalies_of(write_series(tmp_path / "b.csv", days=55, seed=4, boost={40: 6.0})) == ()
    (a,) = anomalies_of(write_series(tmp_path / "c.csv", days=56, seed=4, boost={40: 6.0}))
    assert (a.date, a.direction) == (date(2024, 1, 1) + timedelta(40), "spike")


def test_the_first_two_weeks_are_never_flagged(tmp_path: Path) -> None:
    path = write_series(tmp_path / "s.csv", days=200, seed=5, boost={10: 6.0, 100: 6.0})
    assert found(anomalies_of(path)) == {date(2024, 1, 1) + timedelta(100): "spike"}


def test_a_deep_drop_is_flagged_as_a_drop(tmp_path: Path) -> None:
    path = write_series(tmp_path / "s.csv", days=365, seed=6, boost={200: 0.1})
    assert found(anomalies_of(path)) == {date(2024, 1, 1) + timedelta(200): "drop"}


def test_constant_and_all_zero_series_give_none(tmp_path: Path) -> None:
    start = date(2024, 1, 1)
    path = tmp_path / "flat.csv"
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["order_id", "order_date", "region", "revenue"])
        for i in range(120):
            out.writerow([f"O{i}", (start + timedelta(i)).isoformat(), "North", "100.00"])
    daily = daily_points(path)
    assert {p.revenue for p in daily} == {100.0}
    lines = load_lines(path)
    assert find_anomalies(lines, daily, start, start + timedelta(119)) == ()
    zeros = [TimePoint(p.date, 0.0, 0, 0.0, None, False) for p in daily]
    assert find_anomalies(lines, zeros, start, start + timedelta(119)) == ()
    assert find_anomalies(lines, [], start, start) == ()


def test_at_most_30_days_the_strongest(tmp_path: Path) -> None:
    start = date(2024, 1, 1)
    boosted = [20 + 9 * k for k in range(40)]
    weak = set(boosted[::4])  # 10 days at x4, 30 at x10
    boost = {i: 4.0 if i in weak else 10.0 for i in boosted}
    anomalies = anomalies_of(write_series(tmp_path / "s.csv", days=400, seed=7, boost=boost))
    assert len(anomalies) == MAX_ANOMALIES == 30
    assert [a.date for a in anomalies] == [start + timedelta(i) for i in boosted if i not in weak]


# --- explanations on a planted day -----------------------------------------------------------

EXPLAINED_START = date(2025, 1, 6)  # a Monday
SPIKE = 86  # a Wednesday
BASE = {"North": 300.0, "South": 250.0, "East": 200.0, "West": 150.0}
CATEGORY = {"A": 0.5, "B": 0.3, "C": 0.2}
CHANNEL = {"Web": 0.6, "Store": 0.4}
# all the extra revenue of the spike day is category C: 3000 in West and 1000 in East, half
# of each through Web and half with no channel at all
EXTRA = [("West", 1500.0, "Web"), ("West", 1500.0, ""), ("East", 500.0, "Web"), ("East", 500.0, "")]


def write_explained(path: Path) -> Path:
    rng = np.random.default_rng(3)
    rows = []
    for i in range(120):
        day = EXPLAINED_START + timedelta(i)
        week = 0.7 if day.weekday() >= 5 else 1.0
        for region, base in BASE.items():
            for category, c in CATEGORY.items():
                for channel, h in CHANNEL.items():
                    amount = base * c * h * week * rng.uniform(0.98, 1.02)
                    rows.append((day, region, category, channel, round(amount, 2)))
        if i == SPIKE:
            rows += [(day, region, "C", channel, amount) for region, amount, channel in EXTRA]
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["order_id", "order_date", "region", "category", "channel", "revenue"])
        for n, (day, region, category, channel, amount) in enumerate(rows):
            out.writerow([f"O{n}", day.isoformat(), region, category, channel, f"{amount:.2f}"])
    return path


def test_explained_by_names_the_members_that_carried_the_extra(tmp_path: Path) -> None:
    path = write_explained(tmp_path / "x.csv")
    (a,) = anomalies_of(path)
    spike = EXPLAINED_START + timedelta(SPIKE)
    assert (a.date, a.direction) == (spike, "spike")
    extra = sum(amount for _, amount, _ in EXTRA)
    # by hand: the day's deviation is the extra, so each member's share is its part of it
    assert a.revenue - a.expected == pytest.approx(extra, rel=0.02)
    got = [(e.dimension, e.key) for e in a.explained_by]
    assert got[0] == ("category", "C")
    assert got[1] == ("region", "West")
    assert set(got[2:4]) == {("channel", "Web"), ("channel", MISSING_KEY)}
    assert got[4] == ("region", "East")
    shares = {(e.dimension, e.key): e.share for e in a.explained_by}
    assert shares["category", "C"] == pytest.approx(1.0, abs=0.02)
    assert shares["region", "West"] == pytest.approx(3000 / extra, abs=0.02)
    assert shares["region", "East"] == pytest.approx(1000 / extra, abs=0.02)
    assert shares["channel", "Web"] == pytest.approx(2000 / extra, abs=0.02)
    assert shares["channel", MISSING_KEY] == pytest.approx(2000 / extra, abs=0.02)

    # the member deviations against SQL on the raw file: revenue that day minus the day's
    # expected total x the member's share of the 28 days before
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv_auto('{path}')")
    window = (spike - timedelta(28), spike - timedelta(1))

    def by_sql(condition: str) -> tuple[float, float]:
        """(deviation, usual share) of the lines meeting ``condition``."""
        row = con.execute(
            f"SELECT sum(revenue) FILTER (WHERE order_date = ? AND {condition}), "
            f"sum(revenue) FILTER (WHERE order_date BETWEEN ? AND ? AND {condition}), "
            "sum(revenue) FILTER (WHERE order_date BETWEEN ? AND ?) FROM t",
            [spike, *window, *window],
        ).fetchone()
        assert row is not None
        on_day, before, total = (float(v or 0.0) for v in row)
        return on_day - a.expected * before / total, before / total

    explainers = {(e.dimension, e.key): e for e in a.explained_by}
    for member, condition in [
        (("region", "West"), "region = 'West'"),
        (("region", "East"), "region = 'East'"),
        (("category", "C"), "category = 'C'"),
        (("channel", "Web"), "channel = 'Web'"),
        (("channel", MISSING_KEY), "channel IS NULL"),
    ]:
        deviation, usual = by_sql(condition)
        assert explainers[member].deviation == pytest.approx(deviation, abs=0.011)
        assert explainers[member].usual_share == pytest.approx(usual, abs=6e-5)
    # West usually sells 150 of the 900 a weekday; the lines without a channel appear only on
    # the day, so all of their revenue is deviation
    assert explainers["region", "West"].usual_share == pytest.approx(150 / 900, abs=0.005)
    assert explainers["channel", MISSING_KEY].usual_share == 0.0
    assert explainers["channel", MISSING_KEY].deviation == 2000.0


# --- engines --------------------------------------------------------------------------------


@pytest.mark.spark
def test_pyspark_finds_the_same_days_and_explanations(demo: Callable[[int, int], Demo]) -> None:
    d = demo(200_000, 7)
    assert any(a.explained_by for a in d.anomalies)
    spark = find_anomalies(load_lines(d.path, "pyspark"), d.daily, *PERIOD)
    assert spark == d.anomalies
