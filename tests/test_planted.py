"""The full report finds what the demo generator planted, on data sets the rest of the suite
does not use: unusual days (recall and precision), the trend, the weekly and yearly season,
a price rise with flat volume, and a declining category."""

from __future__ import annotations

import csv
import json
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

import salescope
from salescope.demo_data import write_demo_data
from salescope.narrative.sections import concentration
from tests.conftest import fixed_clock

SEEDS = (5, 23)
ROWS = 200_000
MAX_FALSE_ALARMS = 1  # unplanted days flagged per data set


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def planted_run(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[salescope.Report, dict[str, Any], Path]:
    files = write_demo_data(
        tmp_path_factory.mktemp(f"planted{request.param}"), rows=ROWS, seed=request.param
    )
    planted = json.loads(files.planted.read_text())
    return salescope.run([files.sales], clock=fixed_clock), planted, files.sales


def test_every_planted_day_is_found_with_few_false_alarms(
    planted_run: tuple[salescope.Report, dict[str, Any], Path],
) -> None:
    report, planted, _ = planted_run
    found = {a.date: a.direction for a in report.anomalies}
    want = {date.fromisoformat(d["date"]): d["kind"] for d in planted["anomalous_days"]}
    for day, kind in want.items():
        assert found.get(day) == kind, (day, kind, found)
    false_alarms = set(found) - set(want)
    assert len(false_alarms) <= MAX_FALSE_ALARMS, sorted(false_alarms)
    for a in report.anomalies:
        assert a.in_period == (report.period.start <= a.date <= report.period.end)
        assert (a.revenue > a.expected) == (a.direction == "spike")


def test_growth_is_an_upward_trend(
    planted_run: tuple[salescope.Report, dict[str, Any], Path],
) -> None:
    report, planted, _ = planted_run
    t = report.trend
    assert t is not None
    assert planted["seasonality"]["annual_order_growth"] > 0
    assert t.direction == "up" and t.slope_per_month > 0 and t.p_value < 0.05
    assert t.yoy_growth is not None and t.yoy_growth > 0


def test_weekly_and_yearly_season_match_the_planted_factors(
    planted_run: tuple[salescope.Report, dict[str, Any], Path],
) -> None:
    report, planted, _ = planted_run
    s = report.seasonality
    assert s is not None and s.weekly is not None and s.yearly is not None
    factors = planted["seasonality"]["weekday_factors"]
    lowest_planted = sorted(factors, key=factors.get)[:2]
    lowest_found = sorted(s.weekly, key=s.weekly.__getitem__)[:2]
    assert set(lowest_found) == set(lowest_planted)
    mean = sum(factors.values()) / 7
    for day, factor in factors.items():
        assert s.weekly[day] == pytest.approx(factor / mean, abs=0.08), day
    months = planted["seasonality"]["mid_month_factors"]
    assert set(sorted(s.yearly, key=s.yearly.__getitem__)[-2:]) == set(
        sorted(months, key=months.get)[-2:]
    )


def test_declining_category_is_among_the_top_detractors(
    planted_run: tuple[salescope.Report, dict[str, Any], Path],
) -> None:
    report, planted, _ = planted_run
    assert report.drivers is not None
    detractors = sorted(
        (c for c in report.drivers.contributors if c.dimension == "category" and c.change < 0),
        key=lambda c: c.change,
    )
    assert planted["declining_category"]["category"] in [c.key for c in detractors[:2]]


def test_a_price_rise_with_flat_volume_shows_as_price(
    planted_run: tuple[salescope.Report, dict[str, Any], Path], tmp_path: Path
) -> None:
    """Only the category whose prices rose: the price effect dominates the split and is
    about the planted rise on this period's units."""
    _, planted, sales = planted_run
    rise = planted["price_increase"]
    subset = tmp_path / "one_category.csv"
    duckdb.sql(
        f"COPY (SELECT * FROM read_csv_auto('{sales}') WHERE category = '{rise['category']}') "
        f"TO '{subset}' (HEADER)"
    )
    report = salescope.run([subset], period="2026-Q3", clock=fixed_clock)
    d = report.drivers
    assert d is not None and d.price is not None and d.volume is not None and d.mix is not None
    assert d.price > 0
    assert d.price > abs(d.volume) and d.price > abs(d.mix)
    revenue = report.kpi("revenue")
    assert revenue is not None and revenue.value is not None
    # price effect = (new price - old price) x units now = revenue now x (1 - 1 / factor)
    expected = revenue.value * (1 - 1 / rise["factor"])
    assert d.price == pytest.approx(expected, rel=0.25)


def test_a_uniform_planted_day_is_not_pinned_on_one_member(
    planted_run: tuple[salescope.Report, dict[str, Any], Path],
) -> None:
    """The generator multiplies every order on a planted day, so no member should carry
    much more of the gap than its usual share of sales."""
    report, _, _ = planted_run
    assert report.anomalies
    for a in report.anomalies:
        for e in a.explained_by:
            assert e.usual_share is not None
            assert concentration(e) < 0.5, (a.date, e)


def test_a_day_carried_by_one_category_is_put_down_to_it(tmp_path: Path) -> None:
    """Sixteen weeks of two categories (3 to 1); on one Wednesday category B sells ten
    times its usual. The report says the day was led by B."""
    rng = random.Random(3)
    path = tmp_path / "sales.csv"
    spike = date(2024, 3, 20)
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["order_id", "order_date", "category", "revenue"])
        n = 0
        for i in range(16 * 7):
            day = date(2024, 1, 1) + timedelta(days=i)
            weekend = day.weekday() >= 5
            for category, orders in (("A", 30), ("B", 10)):
                count = orders // 2 if weekend else orders
                if category == "B" and day == spike:
                    count *= 10
                for _ in range(count):
                    n += 1
                    out.writerow([f"O{n}", day.isoformat(), category, rng.randint(50, 150)])
    report = salescope.run([path], period="2024-Q1", clock=fixed_clock)
    (found,) = [a for a in report.anomalies if a.in_period]
    assert found.date == spike and found.direction == "spike"
    top = found.explained_by[0]
    assert (top.dimension, top.key) == ("category", "B")
    assert top.usual_share == pytest.approx(0.25, abs=0.03)
    assert top.share == pytest.approx(1.0, abs=0.1)
    text = (salescope.write_outputs(report, tmp_path / "out", ("md",))[0]).read_text()
    assert "led by category B" in text
