"""Unusual days with public holidays, sparse orders and other explaining dimensions.

Each fixture is a small generated file built to trigger one rule: a UK-like wholesaler
closed on England's public holidays with one planted spike carried two thirds by one
customer; the same file with ``holidays: none``; a sparse B2B series of about two orders a
day; a spike carried by one payment method (a dimension found in the data). The reports are
full runs; the expected sentence, or its absence, is asserted on the section's text.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import duckdb
import holidays
import numpy as np
import pytest

import salescope
import salescope.engine
import salescope.pipeline
from salescope.analysis.anomalies import describe_days, find_anomalies
from salescope.analysis.holiday_calendar import calendar_name, code_for
from salescope.config import Config
from salescope.errors import ConfigError
from salescope.model import Anomaly, Report
from salescope.narrative.sections import anomalies_section
from tests.conftest import fixed_clock

START = date(2024, 1, 1)  # a Monday
END = date(2025, 1, 31)
WEEK = (1.0, 1.0, 1.0, 1.0, 1.0, 0.6, 0.4)  # Monday..Sunday
SPIKE = date(2024, 7, 17)  # a Wednesday
EXTRA = 4000.0  # the spike's extra revenue
LEADER = "C07"  # carries two thirds of it
LEADER_EXTRA = 0.66 * EXTRA
OTHERS = ("C02", "C11", "C15")  # the rest, in equal parts
CUSTOMERS = [f"C{i:02d}" for i in range(1, 21)]


def england_holidays() -> dict[date, str]:
    found = holidays.country_holidays("GB", subdiv="ENG", years=range(START.year, END.year + 1))
    return {d: str(n) for d, n in found.items() if START <= d <= END}


def span() -> list[date]:
    return [START + timedelta(i) for i in range((END - START).days + 1)]


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(header)
        out.writerows(rows)
    return path


def write_wholesaler(path: Path) -> Path:
    """Every customer orders once a day (Sunday and Saturday less), closed on England's
    public holidays; on ``SPIKE`` ``LEADER`` adds 66% of ``EXTRA`` and three others the rest."""
    rng = np.random.default_rng(5)
    weight = dict(zip(CUSTOMERS, rng.uniform(0.5, 1.5, len(CUSTOMERS)), strict=True))
    closed = england_holidays()
    rows = []
    n = 0
    for day in span():
        if day in closed:
            continue
        for c in CUSTOMERS:
            amount = 100 * weight[c] * WEEK[day.weekday()] * rng.uniform(0.9, 1.1)
            n += 1
            rows.append([f"O{n}", day.isoformat(), c, "United Kingdom", f"{amount:.2f}"])
        if day == SPIKE:
            extra = [(LEADER, LEADER_EXTRA)] + [(c, (EXTRA - LEADER_EXTRA) / 3) for c in OTHERS]
            for c, amount in extra:
                n += 1
                rows.append([f"O{n}", day.isoformat(), c, "United Kingdom", f"{amount:.2f}"])
    header = ["order_id", "order_date", "customer_id", "country", "revenue"]
    return write_rows(path, header, rows)


def report_of(path: Path, **settings: object) -> Report:
    return salescope.run([path], Config(period="all", **settings), clock=fixed_clock)  # type: ignore[arg-type]


def text_of(report: Report) -> str:
    section = anomalies_section(report)
    assert section is not None
    return "\n".join(section.lines)


@pytest.fixture(scope="module")
def wholesaler(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., tuple[Path, Report]]:
    path = write_wholesaler(tmp_path_factory.mktemp("uk") / "wholesale.csv")
    cache: dict[str, Report] = {}

    def get(setting: str | None = None) -> tuple[Path, Report]:
        key = str(setting)
        if key not in cache:
            cache[key] = report_of(path, holidays=setting)
        return path, cache[key]

    return get


def assert_shares_sound(anomalies: tuple[Anomaly, ...]) -> None:
    """Every share in [0, 1]; a dimension's shares add up to at most 1."""
    for a in anomalies:
        by_dimension: dict[str, float] = {}
        for e in a.explained_by:
            assert 0.0 <= e.share <= 1.0
            by_dimension[e.dimension] = by_dimension.get(e.dimension, 0.0) + e.share
        assert all(total <= 1 + 1e-9 for total in by_dimension.values()), by_dimension


# --- the calendar ------------------------------------------------------------------------------


def test_country_names_map_to_calendar_codes() -> None:
    assert code_for("United Kingdom") == code_for("UK") == code_for("gbr") == "GB"
    assert code_for("EIRE") == "IE"
    assert code_for("United States") == code_for("USA") == "US"
    assert code_for("Scotland") == "GB-SCT"
    assert code_for("Narnia") is None
    assert calendar_name("GB") == "GB-ENG"  # England's calendar: Easter Monday included
    assert calendar_name("GB-SCT") == calendar_name("gb-sct") == "GB-SCT"
    assert calendar_name("DE") == "DE"


def test_the_holidays_setting_is_checked() -> None:
    assert Config(holidays="gb").holidays == "GB"
    assert Config(holidays="GB-sct").holidays == "GB-SCT"
    assert Config(holidays="None").holidays == "none"
    assert Config(holidays=False).holidays == "none"  # YAML's `holidays: no`
    with pytest.raises(ConfigError) as bad:
        Config(holidays="United Kingdom")
    assert "holidays" in str(bad.value) and "\n" not in str(bad.value)
    assert "GB" in (bad.value.hint or "") and "none" in (bad.value.hint or "")
    with pytest.raises(ConfigError) as region:
        Config(holidays="GB-XX")
    assert "ENG, NIR, SCT, WLS" in (region.value.hint or "")


# --- a wholesaler closed on public holidays --------------------------------------------------


def test_closures_on_holidays_are_holidays_and_the_spike_is_found(
    wholesaler: Callable[..., tuple[Path, Report]],
) -> None:
    path, report = wholesaler()  # no setting: the calendar comes from the country column
    seen = report.unusual_days
    assert seen is not None
    assert (seen.calendar, seen.calendar_source) == ("GB-ENG", "data")
    # the data starts on 2 Jan 2024: New Year's Day 2024 is before it
    closed = {d: n for d, n in england_holidays().items() if d > START}
    assert {h.date for h in seen.holidays} == set(closed)
    assert all(h.trade == "closed" and h.kind == "holiday" for h in seen.holidays)
    assert {h.date: h.name for h in seen.holidays} == closed

    # only the planted spike is unusual; no holiday is a drop
    assert [(a.date, a.direction) for a in report.anomalies] == [(SPIKE, "spike")]
    (a,) = report.anomalies
    lead = a.explained_by[0]
    assert (lead.dimension, lead.key) == ("customer", LEADER)

    # the leader's share by hand: its revenue that day minus the day's expected revenue x
    # its share of the 28 days before, over the same for every customer that rose
    con = duckdb.connect()
    rows = con.execute(
        "SELECT customer_id, sum(revenue) FILTER (WHERE order_date = ?), "
        "sum(revenue) FILTER (WHERE order_date BETWEEN ? AND ?) "
        f"FROM read_csv_auto('{path}') GROUP BY 1",
        [SPIKE, SPIKE - timedelta(28), SPIKE - timedelta(1)],
    ).fetchall()
    before = sum(float(b or 0) for _, _, b in rows)
    deviation = {str(c): float(d or 0) - a.expected * float(b or 0) / before for c, d, b in rows}
    rises = sum(max(v, 0.0) for v in deviation.values())
    assert lead.share == pytest.approx(deviation[LEADER] / rises, abs=2e-4)
    assert lead.share == pytest.approx(0.66, abs=0.05)  # about two thirds, as planted
    assert_shares_sound(report.anomalies)

    text = text_of(report)
    assert f"led by customer {LEADER} ({100 * lead.share:.1f}% of the rise" in text
    assert "Public holidays (GB-ENG calendar, from the data's country)" in text
    assert "Closed or quiet on public holidays: 29 Mar 2024, 1 Apr 2024, 6 May 2024" in text
    assert "drop" not in text


def test_the_configured_calendar_is_used(wholesaler: Callable[..., tuple[Path, Report]]) -> None:
    _, report = wholesaler("GB")
    seen = report.unusual_days
    assert seen is not None
    assert (seen.calendar, seen.calendar_source) == ("GB-ENG", "config")
    assert [a.date for a in report.anomalies] == [SPIKE]
    assert "Public holidays (GB-ENG calendar, from salescope.yml)" in text_of(report)


def test_without_a_calendar_the_closures_are_drops(
    wholesaler: Callable[..., tuple[Path, Report]],
) -> None:
    _, report = wholesaler("none")
    seen = report.unusual_days
    assert seen is not None and seen.calendar is None and seen.holidays == ()
    drops = {a.date for a in report.anomalies if a.direction == "drop"}
    # the closures after the first two weeks (which are never flagged) are drops now
    assert drops == {d for d in england_holidays() if d >= START + timedelta(14)}
    assert SPIKE in {a.date for a in report.anomalies}
    assert_shares_sound(report.anomalies)
    text = text_of(report)
    assert "No holiday calendar was used (`holidays: none` in salescope.yml)" in text
    assert "was a drop" in text


def test_no_country_column_says_there_is_no_calendar(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    rows = [
        [f"O{d}-{k}", day.isoformat(), f"C{k}", f"{rng.uniform(50, 150):.2f}"]
        for d, day in enumerate(span()[:120])
        for k in range(8)
    ]
    path = write_rows(
        tmp_path / "s.csv", ["order_id", "order_date", "customer_id", "revenue"], rows
    )
    report = report_of(path)
    assert report.unusual_days is not None and report.unusual_days.calendar is None
    text = text_of(report)
    assert "No holiday calendar (the data has no country column): set `holidays:`" in text


# --- sparse orders ---------------------------------------------------------------------------


def write_five_day(path: Path, orders_per_day: float, sigma: float, seed: int) -> Path:
    """A business closed at weekends: Poisson orders on weekdays from 15 business customers,
    lognormal sizes (``sigma`` on the log scale)."""
    rng = np.random.default_rng(seed)
    rows = []
    n = 0
    for day in span():
        if day.weekday() >= 5:
            continue
        for _ in range(rng.poisson(orders_per_day)):
            n += 1
            customer = f"B{rng.integers(1, 16):02d}"
            rows.append([f"O{n}", day.isoformat(), customer, f"{rng.lognormal(7, sigma):.2f}"])
    return write_rows(path, ["order_id", "order_date", "customer_id", "revenue"], rows)


def test_sparse_orders_flag_no_day_and_say_why(tmp_path: Path) -> None:
    path = write_five_day(tmp_path / "b2b.csv", 2.0, 1.5, seed=0)
    report = report_of(path)
    seen = report.unusual_days
    assert seen is not None
    assert seen.too_few_orders and seen.orders_per_day is not None
    assert seen.orders_per_day < seen.min_orders_per_day
    assert report.anomalies == ()
    text = text_of(report)
    assert "too few orders a day to call a day unusual" in text
    assert f"a median of {seen.orders_per_day:g} on days with orders" in text

    # what the rule prevents: the same series judged without it flags days that are one
    # large order among two (each a rise of more than tenfold)
    lines = salescope.pipeline.validate_inputs(
        [path], Config(), salescope.engine.connect("duckdb"), END
    )[0].lines
    daily = report.timeseries.daily
    unruled = replace(describe_days(lines, daily, START, END), too_few_orders=False)
    flood = find_anomalies(lines, daily, START, END, unruled)
    assert len(flood) >= 2
    assert all(a.direction == "spike" and (a.change_pct or 0) > 1000 for a in flood)
    assert_shares_sound(flood)  # even there, no share past 100%


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_five_day_business_is_not_a_flood_of_unusual_days(tmp_path: Path, seed: int) -> None:
    """Closed weekends fit their zeros exactly: the spread of ordinary days is measured on
    the days that trade, so a quiet weekday is not called a drop nor a busy one a spike."""
    report = report_of(write_five_day(tmp_path / "b2b.csv", 12.0, 1.0, seed))
    assert report.unusual_days is not None and not report.unusual_days.too_few_orders
    assert report.anomalies == ()


# --- a dimension found in the data ----------------------------------------------------------


def test_a_found_dimension_explains_a_spike(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    methods = ("Card", "Invoice", "PayPal")
    rows = []
    n = 0
    for day in span()[:200]:
        for c in CUSTOMERS:
            n += 1
            amount = 100 * WEEK[day.weekday()] * rng.uniform(0.9, 1.1)
            method = methods[int(rng.integers(0, 3))]
            rows.append([f"O{n}", day.isoformat(), c, method, f"{amount:.2f}"])
        if day == date(2024, 5, 15):  # every customer adds an order paid by invoice
            for c in CUSTOMERS:
                n += 1
                rows.append([f"O{n}", day.isoformat(), c, "Invoice", "200.00"])
    header = ["order_id", "order_date", "customer_id", "payment_method", "revenue"]
    report = report_of(write_rows(tmp_path / "pay.csv", header, rows))
    (a,) = report.anomalies
    assert (a.date, a.direction) == (date(2024, 5, 15), "spike")
    lead = a.explained_by[0]
    assert (lead.dimension, lead.key) == ("payment_method", "Invoice")
    assert lead.share > 0.9
    assert_shares_sound(report.anomalies)
    assert "led by payment method Invoice" in text_of(report)
