"""Every sentence true of its method: each fixture turns one of a result's own flags on or
off (the trend fit net of the season or not, history before the period or none, forecast
months inside the report or after it, a backtest error within the threshold or above it,
a partial month at the end) and the test checks the wording, the action and the chart that
follow from it. Expected values come from the generator or from the report's own figures
recomputed here by hand (a forecast target is the sum of its months)."""

from __future__ import annotations

import csv
import math
import random
from datetime import date, timedelta
from pathlib import Path

import pytest

import salescope
from salescope.insights.actions import HORIZON_DAYS
from salescope.narrative import format as fmt
from salescope.render.charts import chart_specs
from tests.conftest import fixed_clock

SEASON = (0.9, 0.85, 1.0, 1.0, 1.05, 0.95, 0.9, 0.95, 1.0, 1.1, 1.2, 1.35)  # Jan..Dec


def _write(
    path: Path,
    start: date,
    end: date,
    *,
    growth: float = 0.0,
    season: bool = False,
    noise: float = 0.0,
    seed: int = 1,
) -> Path:
    """Two orders a day from ``start`` to ``end``: a month's revenue is 10,000 x (1 + growth
    x months since start) x the month's ``SEASON`` index when ``season`` x (1 +- ``noise``,
    one draw per month), split over its days; customers C0..C59 in turn."""
    rng = random.Random(seed)
    shock: dict[tuple[int, int], float] = {}
    with path.open("w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["order_id", "order_date", "customer_id", "product", "revenue"])
        day, n = start, 0
        while day <= end:
            k = (day.year - start.year) * 12 + day.month - start.month
            key = (day.year, day.month)
            if key not in shock:
                shock[key] = 1 + rng.uniform(-noise, noise)
            month = 10_000 * (1 + growth * k) * (SEASON[day.month - 1] if season else 1.0)
            days = (date(day.year + day.month // 12, day.month % 12 + 1, 1) - timedelta(1)).day
            for part in (0.45, 0.55):
                n += 1
                w.writerow(
                    [f"O{n}", day.isoformat(), f"C{n % 60}", f"P{n % 7}",
                     round(month * shock[key] * part / days, 2)]
                )  # fmt: skip
            day += timedelta(1)
    return path


def _md(report: salescope.Report, out: Path) -> str:
    salescope.write_outputs(report, out, ("md",))
    return (out / "report.md").read_text()


# --- the trend: net of the season only with two full years ------------------------------


@pytest.mark.parametrize("years", [1, 2])
def test_trend_says_net_of_the_season_only_when_the_fit_took_it_out(
    tmp_path: Path, years: int
) -> None:
    start = date(2023, 1, 1)
    end = date(2023 + years, 1, 31)  # 12 or 24 full months, and January of the next year
    sales = _write(tmp_path / "s.csv", start, end, growth=0.03, season=True)
    report = salescope.run([sales], period=f"{end:%Y-%m}", clock=fixed_clock)
    t = report.trend
    assert t is not None and t.direction == "up"
    assert t.seasonal_adjusted is (years == 2)
    insight = next(i for i in report.insights if i.type == "trend")
    text = _md(report, tmp_path / "out")
    forecast = next(i for i in report.insights if i.type == "forecast")
    if years == 2:
        # significant, with its p-value in words ("highly significant" said once, not after
        # "a significant trend")
        assert f"net of the yearly season ({fmt.p_value(t.p_value)})." in insight.text
        assert insight.text.count("significant") <= 1
        assert insight.polarity == "positive"
        assert report.forecast is not None and report.forecast.method == "ETS(A,Ad,A)"
        assert "no yearly season" not in forecast.text
    else:
        assert "the model has no yearly season, which needs two full years" in forecast.text
        assert "with less than two full years the model has no yearly season" in text
        assert "net of the" not in insight.text and "significant trend" not in insight.text
        assert "the yearly season is not separated from it" in insight.text
        assert insight.polarity == "neutral"
        assert "part or all of this move may be the season" in text  # the section, too
        assert "net of the yearly season" not in text
    # a rise needs no correction, and growth the season may explain is no plan to hire on
    assert not [r for r in report.recommendations if r.based_on == "trend"]
    assert "hiring" not in text


def test_a_falling_trend_is_planned_on_only_net_of_the_season(tmp_path: Path) -> None:
    adjusted = _write(tmp_path / "a.csv", date(2023, 1, 1), date(2025, 1, 31), growth=-0.012,
                      season=True)  # fmt: skip
    short = _write(tmp_path / "b.csv", date(2024, 1, 1), date(2025, 1, 31), growth=-0.03,
                   season=True)  # fmt: skip
    for path, planned in ((adjusted, True), (short, False)):
        report = salescope.run([path], period="2025-01", clock=fixed_clock)
        assert report.trend is not None and report.trend.direction == "down"
        recs = [r for r in report.recommendations if r.based_on == "trend"]
        assert bool(recs) is planned, path.name
        if recs:  # bring the decline to zero, by the medium-term date
            assert recs[0].target == 0.0 and recs[0].baseline == report.trend.slope_per_month
            assert recs[0].due == date(2025, 1, 31) + timedelta(HORIZON_DAYS["medium"])


# --- new and returning customers need data before the period ------------------------------


def test_no_new_customers_claimed_in_the_period_the_data_starts_with(tmp_path: Path) -> None:
    sales = _write(tmp_path / "s.csv", date(2025, 1, 1), date(2025, 6, 30))
    first = salescope.run([sales], period="2025-Q1", clock=fixed_clock)
    later = salescope.run([sales], period="2025-Q2", clock=fixed_clock)
    new, returning = first.kpi("new_customers"), first.kpi("returning_customers")
    assert new is not None and new.value is None
    assert returning is not None and returning.value is None
    assert first.customers is not None and first.customers.new_revenue is None
    text = _md(first, tmp_path / "q1")
    assert "60 customers bought; the data starts with this period" in text
    assert "for the first time" not in text
    assert "new and returning customers cannot be told apart" in text
    # a quarter with data before it: all 60 customers bought in Q1 already, none is new
    new = later.kpi("new_customers")
    assert new is not None and new.value == 0
    assert "60 customers bought: 0 for the first time and 60 returning" in _md(
        later, tmp_path / "q2"
    )


# --- the forecast: months after the report, and only a checked one is a plan --------------


def test_a_forecast_month_inside_the_report_is_not_one_of_the_next_months(
    tmp_path: Path,
) -> None:
    sales = _write(tmp_path / "s.csv", date(2024, 1, 1), date(2025, 12, 9), growth=0.01)
    report = salescope.run([sales], period="2025", clock=fixed_clock)
    f = report.forecast
    assert f is not None and f.points[0].date == date(2025, 12, 1)  # the partial month
    insight = next(i for i in report.insights if i.type == "forecast")
    assert "December 2025" not in insight.text
    assert insight.text.startswith(
        f"The model expects {fmt.money(f.points[1].value)} in January 2026"
    )
    text = _md(report, tmp_path / "out")
    assert "December 2025 is inside this report but not complete in the data" in text


@pytest.mark.parametrize("noise", [0.0, 0.5])
def test_finance_plans_only_on_a_forecast_whose_backtest_error_is_small(
    tmp_path: Path, noise: float
) -> None:
    sales = _write(
        tmp_path / "s.csv", date(2024, 2, 1), date(2025, 9, 30), growth=0.01, noise=noise, seed=5
    )  # fmt: skip  (20 months: 17 to fit, 3 held back)
    report = salescope.run([sales], period="2025-Q3", clock=fixed_clock)
    f = report.forecast
    assert f is not None and f.backtest_mape is not None
    assert f.plannable is (f.backtest_mape <= 0.15)
    assert f.plannable is (noise == 0.0)  # the generator's noise decides it
    insight = next(i for i in report.insights if i.type == "forecast")
    last = f.points[-1]  # the interval is called wide when it spans more than the forecast
    assert ("wide ones" in insight.text) is (last.upper - last.lower > last.value)
    budget = [r for r in report.recommendations if r.based_on == "forecast"]
    text = _md(report, tmp_path / "out")
    finance = (tmp_path / "out" / "departments" / "finance.md").read_text()
    if noise:
        assert "too large to plan on: read it as a rough guide" in insight.text
        assert "too large to plan on" in text
        assert not budget and "Set the budget" not in text
        assert "The forecast is a rough guide, not a plan" in finance
        assert "plan on its interval" not in finance
        return
    assert "plan on its interval, not the point" in finance
    assert "too large to plan on" not in text
    (r,) = budget
    # the target: the forecast of the quarter after the report, its three months summed
    ahead = [p.value for p in f.points if date(2025, 10, 1) <= p.date <= date(2025, 12, 1)]
    assert len(ahead) == 3 and r.target == pytest.approx(round(math.fsum(ahead), 2))
    revenue = report.kpi("revenue")
    assert revenue is not None and r.baseline == revenue.value and r.target != r.baseline
    assert r.due == date(2025, 9, 30) + timedelta(HORIZON_DAYS["short"])


def test_a_forecast_without_a_backtest_is_a_rough_guide(tmp_path: Path) -> None:
    sales = _write(tmp_path / "s.csv", date(2024, 9, 1), date(2025, 9, 30), growth=0.01)
    report = salescope.run([sales], period="2025-Q3", clock=fixed_clock)
    f = report.forecast
    assert f is not None and f.backtest_mape is None and not f.plannable  # 13 months
    insight = next(i for i in report.insights if i.type == "forecast")
    assert "its error is not measured, so read it as a rough guide" in insight.text
    assert not [r for r in report.recommendations if r.based_on == "forecast"]


# --- a partial month is drawn as partial ----------------------------------------------------


def test_a_partial_month_is_off_the_monthly_line(tmp_path: Path) -> None:
    sales = _write(tmp_path / "s.csv", date(2025, 1, 1), date(2025, 7, 9))
    report = salescope.run([sales], period="2025-Q2", clock=fixed_clock)
    # no quantity in the data: units are unknown, never a column of zeros
    salescope.write_outputs(report, tmp_path / "out", ("md", "csv"))
    monthly = (tmp_path / "out" / "report.md").read_text().split("## Monthly trend")[1]
    assert monthly.split("\n\n")[1].splitlines()[0] == "| Month | Revenue | Orders | Customers |"
    with (tmp_path / "out" / "tables" / "timeseries_month.csv").open() as handle:
        assert {row["units"] for row in csv.DictReader(handle)} == {""}
    partial = [p.date for p in report.timeseries.points if p.partial]
    assert partial == [date(2025, 7, 1)]  # 9 days of July
    spec = chart_specs(report)["monthly_revenue"]
    line, points = spec["layer"]
    assert line["mark"]["type"] == "line"
    assert [r["month"][:7] for r in line["data"]["values"]] == [
        f"2025-{m:02d}" for m in range(1, 7)
    ]
    drawn = {r["month"][:7]: r["kind"] for r in points["data"]["values"]}
    assert drawn["2025-07"].startswith("partial month") and drawn["2025-06"] == "full month"


# --- targets are targets ----------------------------------------------------------------------


def test_every_action_has_a_target_that_differs_from_today_and_a_date(tmp_path: Path) -> None:
    sales = _write(tmp_path / "s.csv", date(2023, 10, 1), date(2025, 9, 30), growth=-0.01,
                   noise=0.2, seed=9)  # fmt: skip
    report = salescope.run([sales], period="2025-Q3", clock=fixed_clock)
    assert report.recommendations
    for r in report.recommendations:
        assert r.target is not None and r.baseline is not None
        assert abs(r.target - r.baseline) >= 0.0005, r.id
        assert r.due == report.period.end + timedelta(HORIZON_DAYS[r.horizon])
        assert report.facts[f"recommendation.{r.id}.due"].value == r.due.isoformat()
    salescope.write_outputs(report, tmp_path / "out", ("md",))
    for page in (tmp_path / "out" / "departments").glob("*.md"):
        text = page.read_text()
        objectives = text.split("## Scope and objectives")[1].split("## Key insights")[0]
        lines = [x for x in objectives.splitlines() if x.startswith("- ")]
        assert len(lines) == len(set(lines)), page.name  # no objective twice
        assert "hold today's level" not in text, page.name
        for line in lines:
            if " from " in line and " to " in line:  # "Revenue: from X to Y by ..."
                today, target = line.split(" from ", 1)[1].split(" by ")[0].split(" to ")
                assert today != target, line


# --- a revenue move under the finding threshold is no rise ---------------------------------


@pytest.mark.parametrize(("growth", "level"), [(0.003, True), (0.03, False)])
def test_revenue_under_the_threshold_held_about_level(
    tmp_path: Path, growth: float, level: bool
) -> None:
    sales = _write(tmp_path / "s.csv", date(2024, 1, 1), date(2024, 6, 30), growth=growth)
    report = salescope.run([sales], period="2024-Q2", clock=fixed_clock)
    revenue = report.kpi("revenue")
    assert revenue is not None and revenue.change_pct is not None
    assert (abs(revenue.change_pct) < 2.0) is level  # kpi_change_pct, the default threshold
    insight = next(i for i in report.insights if i.id == "kpi_change.revenue")
    text = _md(report, tmp_path / "out")
    conclusion = text.split("## Conclusion")[1]
    if level:
        assert insight.title == "Revenue about level" and insight.polarity == "neutral"
        assert insight.text.startswith("Revenue held about level at ")
        assert "The business held level in 2024-Q2" in conclusion
    else:
        assert insight.title == "Revenue up" and insight.text.startswith("Revenue rose to ")
        assert "The business grew in 2024-Q2" in conclusion
