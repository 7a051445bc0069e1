"""Period parsing and comparison windows, checked against dates worked out by hand."""

from __future__ import annotations

from datetime import date

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
