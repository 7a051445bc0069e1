"""Report periods: parsing ``--period`` and finding the comparison windows.

A period is a closed range of dates. Every report compares it with the
previous period of the same length and, when the data reaches back far
enough, with the same period one year earlier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

from salescope.errors import ConfigError
from salescope.model import PeriodGrain

# Data that starts or ends within this many days of a window's edge still covers it:
# exports usually begin at the first sale and end at the last, not on the 1st.
EDGE_GRACE = timedelta(days=7)

PERIOD_HELP = (
    "use 2024-Q3, 2024-09, 2024, 2024-W37, 2024-07-01..2024-09-30, all, or a rule: "
    "latest-week, latest-month, latest-quarter, latest-year, month-to-date, quarter-to-date, "
    "year-to-date, last-28-days"
)
# Rules name a period relative to a day: the data's last day, or --as-of. "latest-X" is the
# latest complete X; anchored on the data's last day, an X ending up to this many days after
# it still counts as complete (exports end at the last sale, not at midnight of the last
# day). Anchored on --as-of there is no grace: the X must end on or before that day.
LATEST: dict[str, PeriodGrain] = {
    "latest-week": "week",
    "latest-month": "month",
    "latest-quarter": "quarter",
    "latest-year": "year",
}
TO_DATE: dict[str, PeriodGrain] = {
    "month-to-date": "month",
    "quarter-to-date": "quarter",
    "year-to-date": "year",
}
LAST_DAYS = re.compile(r"last-(\d{1,4})-days", re.IGNORECASE)
_GRACE: dict[str, timedelta] = {
    "week": timedelta(days=1),
    "month": timedelta(days=3),
    "quarter": EDGE_GRACE,
    "year": EDGE_GRACE,
}


@dataclass(frozen=True)
class Window:
    """A labelled, closed date range. ``covered`` is False when data starts after ``start``."""

    label: str
    start: date
    end: date
    grain: PeriodGrain | Literal["days"]  # "days": a lookback window, not a calendar period
    covered: bool = True

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Periods:
    """The reported window and its comparisons (None where the data cannot support one)."""

    current: Window
    previous: Window | None
    yoy: Window | None


def _days(start: date, end: date) -> Window:
    """A range of days: a custom period labelled ``START..END``."""
    return Window(f"{start}..{end}", start, end, "custom")


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_end(first: date) -> date:
    return _add_months(first, 1) - timedelta(days=1)


def _fiscal_year_start(fiscal_year: int, start_month: int) -> date:
    """Fiscal years are named by the calendar year they end in (FY2025 may start in 2024)."""
    return date(fiscal_year - (1 if start_month > 1 else 0), start_month, 1)


def _quarter(fy: int, q: int, start_month: int) -> Window:
    first = _add_months(_fiscal_year_start(fy, start_month), 3 * (q - 1))
    return Window(f"{fy}-Q{q}", first, _month_end(_add_months(first, 2)), "quarter")


def _year(fy: int, start_month: int) -> Window:
    first = _fiscal_year_start(fy, start_month)
    label = str(fy) if start_month == 1 else f"FY{fy}"
    return Window(label, first, _month_end(_add_months(first, 11)), "year")


def _month(year: int, month: int) -> Window:
    first = date(year, month, 1)
    return Window(f"{year}-{month:02d}", first, _month_end(first), "month")


def _iso_week(year: int, week: int) -> Window:
    monday = date.fromisocalendar(year, week, 1)
    return Window(f"{year}-W{week:02d}", monday, monday + timedelta(days=6), "week")


def fiscal_quarter_of(day: date, start_month: int) -> tuple[int, int]:
    """(fiscal year, quarter) that contains ``day``."""
    offset = (day.month - start_month) % 12
    fy = day.year + (1 if start_month > 1 and day.month >= start_month else 0)
    return fy, offset // 3 + 1


def is_rule(spec: str) -> bool:
    """Whether ``spec`` names a period by a rule (``latest-month``, ``last-7-days`` ...)
    rather than by its dates.

    >>> is_rule("latest-week"), is_rule("last-28-days"), is_rule("2024-Q3")
    (True, True, False)
    """
    text = spec.strip().lower()
    return text in LATEST or text in TO_DATE or LAST_DAYS.fullmatch(text) is not None


def parse_period(
    spec: str,
    data_start: date,
    data_end: date,
    fiscal_year_start: int = 1,
    as_of: date | None = None,
) -> Window:
    """Turn a ``--period`` value into a window; a rule is taken relative to ``as_of``, or
    to the data's last day without it.

    >>> parse_period("2024-Q3", date(2024, 1, 1), date(2024, 12, 31)).end
    datetime.date(2024, 9, 30)
    >>> parse_period("latest-week", date(2024, 1, 1), date(2024, 9, 18)).label
    '2024-W37'
    >>> parse_period("month-to-date", date(2024, 1, 1), date(2024, 9, 18)).label
    '2024-09-01..2024-09-18'
    """
    text = spec.strip()
    fys = fiscal_year_start
    if is_rule(text):
        return rule_periods(text, data_start, data_end, fys, as_of)[0]
    try:
        if text == "all":
            return Window("all", data_start, data_end, "all")
        if m := re.fullmatch(r"(?:FY)?(\d{4})-?Q([1-4])", text, re.IGNORECASE):
            return _quarter(int(m[1]), int(m[2]), fys)
        if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            return _month(int(m[1]), int(m[2]))
        if m := re.fullmatch(r"(?:FY)?(\d{4})", text, re.IGNORECASE):
            return _year(int(m[1]), fys)
        if m := re.fullmatch(r"(\d{4})-W(\d{2})", text, re.IGNORECASE):
            return _iso_week(int(m[1]), int(m[2]))
        if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", text):
            start, end = date.fromisoformat(m[1]), date.fromisoformat(m[2])
            if end < start:
                raise ConfigError(f"period {spec!r} ends before it starts", hint="write START..END")
            return _days(start, end)
    except ValueError as exc:
        raise ConfigError(
            f"period {spec!r} is not a valid date range ({exc})", PERIOD_HELP
        ) from exc
    raise ConfigError(f"unknown period {spec!r}", hint=PERIOD_HELP)


def latest_complete_quarter(data_start: date, data_end: date, fiscal_year_start: int = 1) -> Window:
    """The last quarter fully inside the data; ``all`` when the data covers none."""
    return latest_complete("quarter", data_start, data_end, fiscal_year_start)


def latest_complete(
    grain: PeriodGrain,
    data_start: date,
    data_end: date,
    fiscal_year_start: int = 1,
    as_of: date | None = None,
) -> Window:
    """The latest complete week, month, quarter or year on ``as_of`` (or on the data's last
    day, with a grace: see ``_GRACE``); ``all`` when the data covers none.

    >>> latest_complete("month", date(2024, 1, 1), date(2024, 9, 29)).label
    '2024-09'
    >>> latest_complete("month", date(2024, 1, 1), date(2024, 9, 29), as_of=date(2024, 9, 29)).label
    '2024-08'
    """
    day = as_of or data_end
    grace = timedelta(0) if as_of is not None else _GRACE[grain]
    window = containing(grain, day, fiscal_year_start)
    if window.end > day + grace:
        window = previous_of(window, fiscal_year_start)
    if not covers(data_start, window):
        return Window("all", data_start, data_end, "all")
    return window


def containing(grain: PeriodGrain, day: date, fiscal_year_start: int = 1) -> Window:
    """The calendar (or fiscal) week, month, quarter or year that holds ``day``."""
    if grain == "week":
        iso = day.isocalendar()
        return _iso_week(iso.year, iso.week)
    if grain == "month":
        return _month(day.year, day.month)
    fy, q = fiscal_quarter_of(day, fiscal_year_start)
    if grain == "quarter":
        return _quarter(fy, q, fiscal_year_start)
    if grain == "year":
        return _year(fy, fiscal_year_start)
    raise ValueError(f"no calendar period of grain {grain!r}")


def rule_periods(
    spec: str,
    data_start: date,
    data_end: date,
    fiscal_year_start: int = 1,
    as_of: date | None = None,
) -> tuple[Window, Window | None]:
    """The window a rule names and, for ``-to-date`` rules, the window it is compared with
    (the same days of the period before: 1-17 September against 1-17 August, 1 July-10
    August against 1 April-10 May; a day the earlier month lacks becomes its last day);
    None for the others, compared as their grain is.

    >>> span = date(2023, 1, 1), date(2024, 3, 31)
    >>> [w.label for w in rule_periods("month-to-date", *span)]
    ['2024-03-01..2024-03-31', '2024-02-01..2024-02-29']
    >>> [w.label for w in rule_periods("last-7-days", *span) if w]
    ['2024-03-25..2024-03-31']
    """
    text = spec.strip().lower()
    fys = fiscal_year_start
    day = as_of or data_end
    if text in LATEST:
        return latest_complete(LATEST[text], data_start, data_end, fys, as_of), None
    if text in TO_DATE:
        grain = TO_DATE[text]
        whole = containing(grain, day, fys)
        before = previous_of(whole, fys)
        months = {"month": 1, "quarter": 3, "year": 12}[grain]
        first = _add_months(day.replace(day=1), -months)  # the same day, that many months back
        same_day = first.replace(day=min(day.day, _month_end(first).day))
        return _days(whole.start, day), _days(before.start, same_day)
    m = LAST_DAYS.fullmatch(text)
    if m is None or int(m[1]) < 1:
        raise ConfigError(f"unknown period rule {spec!r}", hint=PERIOD_HELP)
    return _days(day - timedelta(days=int(m[1]) - 1), day), None


def covers(data_start: date, window: Window) -> bool:
    """Whether data that starts on ``data_start`` covers all of ``window``."""
    return data_start <= window.start + EDGE_GRACE


def previous_of(window: Window, fys: int) -> Window:
    """The period of the same length just before ``window``."""
    if window.grain == "quarter":
        fy, q = (int(x) for x in window.label.split("-Q"))
        return _quarter(fy - 1, 4, fys) if q == 1 else _quarter(fy, q - 1, fys)
    if window.grain == "month":
        first = _add_months(window.start, -1)
        return _month(first.year, first.month)
    if window.grain == "year":
        return _year(int(window.label.removeprefix("FY")) - 1, fys)
    if window.grain == "week":
        iso = (window.start - timedelta(days=7)).isocalendar()
        return _iso_week(iso.year, iso.week)
    end = window.start - timedelta(days=1)
    start = end - timedelta(days=window.days - 1)
    return _days(start, end)


def _year_earlier(window: Window, fys: int) -> Window:
    if window.grain == "quarter":
        fy, q = (int(x) for x in window.label.split("-Q"))
        return _quarter(fy - 1, q, fys)
    if window.grain == "month":
        return _month(window.start.year - 1, window.start.month)
    if window.grain == "year":
        return previous_of(window, fys)
    if window.grain == "week":
        monday = window.start - timedelta(weeks=52)
        iso = monday.isocalendar()
        return _iso_week(iso.year, iso.week)

    def shift(day: date) -> date:
        return day.replace(year=day.year - 1, day=min(day.day, 28) if day.month == 2 else day.day)

    start, end = shift(window.start), shift(window.end)
    return _days(start, end)


def resolve_periods(
    spec: str,
    data_start: date,
    data_end: date,
    fiscal_year_start: int = 1,
    compare: str | None = None,
    as_of: date | None = None,
) -> Periods:
    """The reported window plus its comparisons.

    The previous window always exists (except for ``all``); it is marked
    ``covered=False`` when the data starts after it begins, and its figures
    are then not compared. The year-earlier window is None unless the data
    fully covers it. ``compare`` (any period expression) replaces the previous
    window; it must end before the reported one starts and lie inside the data.

    >>> span = date(2023, 1, 1), date(2024, 12, 31)
    >>> resolve_periods("2024-Q3", *span, compare="2023-Q3").previous.label
    '2023-Q3'
    """
    ruled: Window | None = None
    if is_rule(spec):
        current, ruled = rule_periods(spec, data_start, data_end, fiscal_year_start, as_of)
    else:
        current = parse_period(spec, data_start, data_end, fiscal_year_start)
    if current.grain == "all":
        if compare is not None:
            raise ConfigError(
                "--compare needs a period to compare with, not --period all",
                hint="pick a period, e.g. --period 2024-Q3 --compare 2023-Q3",
            )
        return Periods(current, None, None)
    if compare is None:
        previous = ruled or previous_of(current, fiscal_year_start)
        previous = replace(previous, covered=covers(data_start, previous))
    else:
        previous = _comparison(compare, current, data_start, data_end, fiscal_year_start)
    yoy = _year_earlier(current, fiscal_year_start)
    yoy_window = yoy if covers(data_start, yoy) else None
    if current.grain == "year" or (yoy.start, yoy.end) == (previous.start, previous.end):
        yoy_window = None  # the previous period is already the year before
    return Periods(current, previous, yoy_window)


def _comparison(
    spec: str, current: Window, data_start: date, data_end: date, fiscal_year_start: int
) -> Window:
    """The ``--compare`` window, checked: before the reported one and inside the data."""
    window = parse_period(spec, data_start, data_end, fiscal_year_start)
    if window.grain == "all" or window.end >= current.start:
        raise ConfigError(
            f"--compare {spec}: {window.label} ({window.start}..{window.end}) must end before "
            f"{current.label} starts ({current.start})",
            hint="compare with an earlier period, e.g. --compare "
            + _year_earlier(current, fiscal_year_start).label,
        )
    if not covers(data_start, window):
        raise ConfigError(
            f"--compare {spec}: the data starts {data_start}, after {window.label} begins",
            hint=f"compare with a period inside the data ({data_start}..{data_end})",
        )
    return window
