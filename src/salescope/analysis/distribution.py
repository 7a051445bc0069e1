"""Shapes behind the charts: the period's order-value distribution, and monthly revenue and
customers per segment (or region).

Both are a few grouped engine queries; only bin counts and monthly member totals leave the
engine. Order values are compared in whole cents (integers), so a value on a bin edge falls
in the same bin on every engine, whatever order the engine summed the lines in.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import ibis
import ibis.expr.types as ir

from salescope.analysis.breakdowns import MISSING_KEY
from salescope.lines import Lines
from salescope.metrics.kpis import Windows
from salescope.model import MemberPoint, ValueBin

TOP_MEMBERS = 6  # members drawn on their own; the rest are summed as OTHER
OTHER = "Other"
UPPER_QUANTILE = 0.99  # regular bins reach past this; larger orders share one open bin
NICE_STEPS = (
    10,
    20,
    25,
    50,
    100,
)  # bin widths are these x 10^k cents: 0.10, 0.20, 0.25, 0.50, 1 ...


def order_values(lines: Lines, windows: Windows, bins: int = 20) -> tuple[ValueBin, ...]:
    """How many orders of the current window fall in each value band, and their revenue.

    Order value = the order's line revenue summed (each line is an order without an order
    id); orders worth zero or less (fully returned) are left out. At most ``bins`` bins of
    one round width (10, 20, 25, 50, 100 ... in money) cover the values up to the 99th
    percentile; the larger orders share one last, open bin whose ``high`` is the largest
    order value (that bin is ``[low, high]``). Empty inner bins are kept, so the bins tile
    the range.

    >>> # order_values(lines, windows)[0]  ->  ValueBin(low=0.0, high=25.0, orders=412, ...)
    """
    if bins < 1:
        raise ValueError(f"bins must be 1 or more, got {bins}")
    cents = _order_cents(lines, windows)
    stats = _first_row(
        cents.aggregate(
            n=cents.count(),
            low=cents.cents.min(),
            top=cents.cents.max(),
            p=cents.cents.cast("float64").quantile(UPPER_QUANTILE),
        )
    )
    if not stats.get("n"):
        return ()
    low, top, p = int(stats["low"]), int(stats["top"]), float(stats["p"])
    width, start, count = _layout(low, p, bins)
    index = ibis.least((cents.cents - start) // width, count)
    rows = (
        cents.group_by(i=index)
        .aggregate(orders=cents.count(), revenue=cents.cents.sum())
        .to_pyarrow()
        .to_pylist()
    )
    by_index = {int(r["i"]): r for r in rows}
    out = []
    for i in range(count + 1):
        r = by_index.get(i)
        if i == count and r is None:
            break  # no order beyond the regular bins: no open bin
        out.append(
            ValueBin(
                low=(start + i * width) / 100,
                high=(start + (i + 1) * width) / 100 if i < count else top / 100,
                orders=int(r["orders"]) if r else 0,
                revenue=int(r["revenue"]) / 100 if r else 0.0,
            )
        )
    return tuple(out)


MAX_ORDER_VALUE = 1e15


def _order_cents(lines: Lines, windows: Windows) -> ir.Table:
    """One row per order of the current window with a positive value, in whole cents."""
    t = lines.table
    t = t.filter(windows.flag(t, "cur"))
    if lines.has("order_id"):
        t = t.filter(t.order_id.notnull())
        per_order = t.group_by("order_id").aggregate(value=t.revenue.sum())
    else:
        per_order = t.select(value=t.revenue)
    # values beyond what whole cents in int64 hold (a misread column) stay out of the bins
    per_order = per_order.filter((per_order.value > 0) & (per_order.value < MAX_ORDER_VALUE))
    cents = per_order.select(cents=(per_order.value * 100).round().cast("int64"))
    return cents.filter(cents.cents > 0)


def _layout(low: int, p: float, bins: int) -> tuple[int, int, int]:
    """(width, start, count) in cents: ``count`` <= ``bins`` bins of a round width from a
    multiple of it at or below ``low``, the last one holding ``p``."""
    span = max(p - low, 1.0)
    width = _nice(span / bins)
    while True:
        start = (low // width) * width
        count = int((p - start) // width) + 1
        if count <= bins:
            return width, start, count
        width = _nice(width + 1)


def _nice(raw: float) -> int:
    """The smallest round width (10, 20, 25, 50 x 10^k cents, or 1, 2, 5 cents) >= ``raw``."""
    if raw <= 1:
        return 1
    if raw <= 10:
        return next(w for w in (2, 5, 10) if w >= raw)
    scale = int(10 ** max(0, math.floor(math.log10(raw)) - 1))
    # raw < 100 x scale, so the last step always fits
    return next(step * scale for step in NICE_STEPS if step * scale >= raw)


def member_series(lines: Lines, months: int = 24) -> tuple[MemberPoint, ...]:
    """Monthly revenue and distinct customers per member of ``segment`` (else ``region``)
    over the last ``months`` months of the data.

    The ``TOP_MEMBERS`` members with the most revenue over those months are listed by
    name, largest first; the others are summed as ``"Other"`` (customers counted once
    however many of those members they bought from). Every member has every month, zeros
    included. Empty when neither role is mapped; ``customers`` is None without a customer
    column. The first and last months may be partial (the report's monthly series says).
    """
    dimension = next((r for r in ("segment", "region") if lines.has(r)), None)
    if dimension is None or months < 1:
        return ()
    last = lines.data_end.replace(day=1)
    first = max(_add_months(last, 1 - months), lines.data_start.replace(day=1))
    t = lines.table
    t = t.filter(t.order_date >= first)
    t = t.mutate(member=t[dimension].fill_null(MISSING_KEY))
    ranked = (
        t.group_by("member")
        .aggregate(revenue=t.revenue.sum())
        .order_by([ibis.desc("revenue"), "member"])
        .to_pyarrow()
        .to_pylist()
    )
    keys = [str(r["member"]) for r in ranked]
    top = keys[:TOP_MEMBERS]
    order = top + ([OTHER] if len(keys) > TOP_MEMBERS else [])
    label = ibis.ifelse(t.member.isin(top), t.member, ibis.literal(OTHER))
    has_customers = lines.has("customer_id")
    aggs: dict[str, ir.Scalar] = {"revenue": t.revenue.sum()}
    if has_customers:
        aggs["customers"] = t.customer_id.nunique()
    rows = (
        t.group_by(key=label, month=t.order_date.truncate("M").cast("date"))
        .aggregate(**aggs)
        .to_pyarrow()
        .to_pylist()
    )
    found = {(str(r["key"]), r["month"]): r for r in rows}
    points = []
    for key in order:
        month = first
        while month <= last:
            r = found.get((key, month))
            customers = int(r["customers"] or 0) if r and has_customers else 0
            points.append(
                MemberPoint(
                    dimension=dimension,
                    key=key,
                    month=month,
                    revenue=round(float(r["revenue"] or 0.0), 2) if r else 0.0,
                    customers=customers if has_customers else None,
                )
            )
            month = _add_months(month, 1)
    return tuple(points)


def _add_months(d: date, n: int) -> date:
    k = d.year * 12 + d.month - 1 + n
    return date(k // 12, k % 12 + 1, 1)


def _first_row(expr: ir.Table) -> dict[str, Any]:
    rows = expr.to_pyarrow().to_pylist()
    return rows[0] if rows else {}
