"""The monthly series over all the data, with partial months labelled."""

from __future__ import annotations

import calendar
from datetime import date

from salescope.lines import Lines
from salescope.metrics.query import expressions
from salescope.model import TimePoint, TimeSeries


def monthly_series(lines: Lines) -> TimeSeries:
    """Revenue, orders, units and customers per calendar month (one grouped query)."""
    t = lines.table
    month = t.order_date.truncate("M").cast("date")
    aggs = expressions(t, lines, ("revenue", "orders", "units", "customers"))
    rows = t.group_by(month=month).aggregate(**aggs).order_by("month").to_pyarrow().to_pylist()
    by_month = {r["month"]: r for r in rows}
    empty = {"revenue": 0.0, "orders": 0, "units": 0.0, "customers": 0}
    points = []
    for first in _months(rows[0]["month"], rows[-1]["month"]) if rows else []:
        r = by_month.get(first, empty)
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        partial = lines.data_start > first or lines.data_end < last
        points.append(
            TimePoint(
                date=first,
                revenue=round(float(r["revenue"] or 0), 2),
                orders=int(r["orders"] or 0),
                units=round(float(r.get("units") or 0), 4),
                customers=int(r["customers"]) if lines.has("customer_id") else None,
                partial=partial,
            )
        )
    return TimeSeries("month", tuple(points))


def _months(first: date, last: date) -> list[date]:
    """Every month start from ``first`` to ``last``: months without sales show as zero."""
    out = []
    current = first
    while current <= last:
        out.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return out
