"""Period parsing and comparison windows, checked against dates worked out by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from salescope.analysis.periods import latest_complete_quarter, parse_period, resolve_periods
from salescope.errors import ConfigError

START, END = date(2023, 1, 1), date(2024, 12, 31)


@pytest.mark.parametrize(
    ("spec", "start", "end", "grain"),
    [
        ("2024-Q3", date(2024, 7, 1), date(2024, 9, 30), "quarter"),
        ("2024-Q1", date(2024, 1, 1), date(2024, 3, 31), "quarter"),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "month"),
        ("2024", date(2024, 1, 1), date(2024, 12, 31), "year"),
        ("2024-W37", date(2024, 9, 9), date(2024, 9, 15), "week"),
        ("2024-07-01..2024-09-30", date(2024, 7, 1), date(2024, 9, 30), "custom"),
        ("all", START, END, "all"),
        ("latest-quarter", date(2024, 10, 1), date(2024, 12, 31), "quarter"),
    ],
)
def test_parse_period(spec: str, start: date, end: date, grain: str) -> None:
    w = parse_period(spec, START, END)
    assert (w.start, w.end, w.grain) == (start, end, grain)


def test_previous_and_year_earlier_of_a_quarter() -> None:
    p = resolve_periods("2024-Q1", START, END)
    assert p.previous is not None and p.yoy is not None
    assert (p.previous.label, p.previous.start, p.previous.end) == (
        "2023-Q4",
        date(2023, 10, 1),
        date(2023, 12, 31),
    )
    assert (p.yoy.label, p.yoy.start, p.yoy.end) == ("2023-Q1", date(2023, 1, 1), date(2023, 3, 31))


def test_custom_range_compares_with_same_length_before() -> None:
    p = resolve_periods("2024-03-11..2024-03-20", START, END)
    assert p.previous is not None
    assert (p.previous.start, p.previous.end) == (date(2024, 3, 1), date(2024, 3, 10))


def test_no_year_earlier_when_data_does_not_reach_back() -> None:
    p = resolve_periods("2023-Q2", START, END)
    assert p.yoy is None
    assert p.previous is not None and p.previous.covered


def test_fiscal_year_shifts_quarters() -> None:
    # Fiscal year starting in July: FY2025 runs 2024-07-01..2025-06-30, its Q1 is Jul-Sep 2024.
    w = parse_period("2025-Q1", START, END, fiscal_year_start=7)
    assert (w.start, w.end) == (date(2024, 7, 1), date(2024, 9, 30))
    year = parse_period("2025", START, END, fiscal_year_start=7)
    assert (year.start, year.end) == (date(2024, 7, 1), date(2025, 6, 30))


def test_latest_quarter_skips_an_unfinished_one() -> None:
    w = latest_complete_quarter(date(2023, 1, 1), date(2024, 11, 15))
    assert (w.start, w.end) == (date(2024, 7, 1), date(2024, 9, 30))


def test_latest_quarter_is_all_when_data_is_shorter_than_a_quarter() -> None:
    w = latest_complete_quarter(date(2024, 10, 20), date(2024, 12, 31))
    assert w.grain == "all"


@pytest.mark.parametrize(
    "spec", ["2024-Q5", "Q3", "last year", "2024-13", "2024-09-30..2024-09-01"]
)
def test_bad_period_is_a_config_error_with_hint(spec: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_period(spec, START, END)
    assert info.value.hint


# --- period rules (salescope run) ------------------------------------------------------

RULE_DATA_START = date(2023, 1, 1)


@pytest.mark.parametrize(
    ("rule", "data_end", "as_of", "expected", "previous"),
    [
        # a Sunday: its week is complete; counted from the data there is a day of grace
        ("latest-week", date(2024, 9, 15), None, ("2024-09-09", "2024-09-15"), "2024-09-02"),
        ("latest-week", date(2024, 9, 14), None, ("2024-09-09", "2024-09-15"), "2024-09-02"),
        ("latest-week", date(2024, 9, 13), None, ("2024-09-02", "2024-09-08"), "2024-08-26"),
        # with --as-of no grace: Saturday's week is not complete yet
        ("latest-week", date(2024, 9, 30), date(2024, 9, 14), ("2024-09-02", "2024-09-08"), None),
        # ISO week 1 of 2025 starts on Monday 30 Dec 2024
        ("latest-week", date(2025, 1, 5), None, ("2024-12-30", "2025-01-05"), "2024-12-23"),
        ("latest-month", date(2024, 9, 28), None, ("2024-09-01", "2024-09-30"), "2024-08-01"),
        ("latest-month", date(2024, 9, 26), None, ("2024-08-01", "2024-08-31"), "2024-07-01"),
        ("latest-month", date(2024, 12, 1), date(2024, 9, 30), ("2024-09-01", "2024-09-30"), None),
        ("latest-quarter", date(2024, 9, 24), None, ("2024-07-01", "2024-09-30"), "2024-04-01"),
        ("latest-year", date(2024, 12, 31), None, ("2024-01-01", "2024-12-31"), "2023-01-01"),
        ("latest-year", date(2024, 11, 30), None, ("2023-01-01", "2023-12-31"), None),
        # to date: the same days of the period before, clipped to its end
        ("month-to-date", date(2024, 9, 17), None, ("2024-09-01", "2024-09-17"), "2024-08-01"),
        ("month-to-date", date(2024, 3, 31), None, ("2024-03-01", "2024-03-31"), "2024-02-01"),
        ("quarter-to-date", date(2024, 8, 10), None, ("2024-07-01", "2024-08-10"), "2024-04-01"),
        ("year-to-date", date(2024, 2, 29), None, ("2024-01-01", "2024-02-29"), "2023-01-01"),
        ("last-7-days", date(2024, 9, 17), None, ("2024-09-11", "2024-09-17"), "2024-09-04"),
        ("last-28-days", date(2024, 9, 30), date(2024, 9, 28), ("2024-09-01", "2024-09-28"), None),
    ],
)
def test_period_rules(
    rule: str,
    data_end: date,
    as_of: date | None,
    expected: tuple[str, str],
    previous: str | None,
) -> None:
    periods = resolve_periods(rule, RULE_DATA_START, data_end, 1, as_of=as_of)
    current = periods.current
    assert (current.start.isoformat(), current.end.isoformat()) == expected
    assert periods.previous is not None
    if previous is not None:
        assert periods.previous.start.isoformat() == previous
    # the comparison is as long as the period (to-date: the same days, clipped)
    if rule.endswith("-to-date"):
        whole = periods.previous
        assert whole.end - whole.start <= current.end - current.start
        assert whole.start.day == 1
    else:
        assert periods.previous.end == current.start - timedelta(days=1)


def test_to_date_clips_the_comparison_to_the_shorter_month() -> None:
    periods = resolve_periods("month-to-date", RULE_DATA_START, date(2024, 3, 31), 1)
    assert periods.previous is not None
    assert (periods.previous.start, periods.previous.end) == (date(2024, 2, 1), date(2024, 2, 29))
    # a year earlier: the same days of March 2023
    assert periods.yoy is not None
    assert (periods.yoy.start, periods.yoy.end) == (date(2023, 3, 1), date(2023, 3, 31))


def test_year_to_date_has_no_separate_year_earlier_comparison() -> None:
    periods = resolve_periods("year-to-date", RULE_DATA_START, date(2024, 5, 10), 1)
    assert periods.previous is not None
    assert (periods.previous.start, periods.previous.end) == (date(2023, 1, 1), date(2023, 5, 10))
    assert periods.yoy is None  # it would be the same window


def test_fiscal_rules_follow_the_fiscal_year() -> None:
    periods = resolve_periods("quarter-to-date", RULE_DATA_START, date(2024, 5, 15), 4)
    assert (periods.current.start, periods.current.end) == (date(2024, 4, 1), date(2024, 5, 15))
    assert periods.previous is not None and periods.previous.start == date(2024, 1, 1)
    latest = resolve_periods("latest-year", RULE_DATA_START, date(2024, 3, 31), 4).current
    assert (latest.label, latest.start, latest.end) == (
        "FY2024",
        date(2023, 4, 1),
        date(2024, 3, 31),
    )


def test_a_rule_the_data_does_not_cover_reports_all_the_data() -> None:
    current = resolve_periods("latest-month", date(2024, 9, 10), date(2024, 9, 30), 1).current
    assert current.grain == "all"


@pytest.mark.parametrize("spec", ["latest-fortnight", "last-0-days", "last-x-days", "month-to-day"])
def test_unknown_rules_are_one_line_errors(spec: str) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_periods(spec, RULE_DATA_START, date(2024, 9, 30), 1)
    assert "latest-week" in (caught.value.hint or "")
