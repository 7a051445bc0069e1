"""Customers: new vs returning revenue, RFM segments and who moved, cohorts, value.

Three engine queries over the lines up to the period end:

1. one row per customer (first purchase; revenue in the period and the previous one;
   last purchase, orders and revenue within the RFM lookback before each period end;
   activity in the last two years), kept in the engine;
2. from it, RFM scores and segments at both period ends joined into one
   segment-to-segment grid, plus the summary figures (new vs returning revenue, the
   top customers' share, the yearly value);
3. monthly acquisition cohorts: customers active k months after their first month.

RFM scores are quintiles by percent rank, ties sharing the lower score: 1 + floor(5 x
percent_rank), capped at 5, so one-order customers all score F=1. Recency scores are
ranked so the most recent buyers score 5. The 11 segments come from R and the rounded
mean of F and M (``SEGMENT_GRID``); docs/metrics.md prints the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import ibis
import ibis.expr.types as ir

from salescope.analysis.periods import EDGE_GRACE, Window
from salescope.engine import Engine
from salescope.lines import Lines
from salescope.metrics.definitions import ratio
from salescope.metrics.kpis import Windows
from salescope.metrics.query import expressions
from salescope.model import (
    RFM_SEGMENTS,
    Cohort,
    Customers,
    CustomerValue,
    Kpi,
    RfmSegment,
    SegmentMove,
)

LOOKBACK_DAYS = 365
COHORTS_SHOWN = 12  # acquisition months listed, the latest up to the period end
MAX_LIFETIME_YEARS = 10.0  # the expected lifetime is capped: low churn would make it endless
TOP_SHARES = {"top_1pct": 0.01, "top_10pct": 0.1, "top_20pct": 0.2}
NOT_ACTIVE = "(not active)"

# Segment by R score (rows 5..1) and FM score (columns 1..5).
SEGMENT_GRID: dict[int, tuple[str, str, str, str, str]] = {
    5: ("New Customers", "Potential Loyalists", "Potential Loyalists", "Champions", "Champions"),
    4: ("Promising", "Potential Loyalists", "Potential Loyalists", "Loyal Customers",
        "Loyal Customers"),
    3: ("About to Sleep", "About to Sleep", "Need Attention", "Loyal Customers",
        "Loyal Customers"),
    2: ("Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"),
    1: ("Lost", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"),
}  # fmt: skip


@dataclass(frozen=True)
class _Anchor:
    """An RFM scoring date and its lookback window."""

    key: str
    end: date

    @property
    def start(self) -> date:
        return self.end - timedelta(days=LOOKBACK_DAYS - 1)


def compute_customers(
    lines: Lines,
    windows: Windows,
    engine: Engine,
    kpis: tuple[Kpi, ...],
) -> Customers | None:
    """Everything the report says about customers; None without a customer column."""
    if not lines.has("customer_id"):
        return None
    cur = windows.by_key["cur"]
    anchors = [_Anchor("cur", cur.end)]
    if "prev" in windows:
        anchors.append(_Anchor("prev", windows.by_key["prev"].end))
    year = Window("year", cur.end - timedelta(days=364), cur.end, "days")
    year_before = Window(
        "year before", year.start - timedelta(days=365), year.start - timedelta(1), "days"
    )
    with engine.stored(_per_customer(lines, windows, anchors, year, year_before)) as c:
        summary = _summary(c, windows, year, year_before)
        rfm, moves = _rfm(c, anchors)
    retention = next((k.value for k in kpis if k.name == "retention_rate"), None)
    covered_year_before = lines.data_start <= year_before.start + EDGE_GRACE
    cohorts = _cohorts(lines, cur.end)
    # in a period the data starts with, every customer is new by construction: no split
    history = lines.data_start < cur.start
    prev_history = "prev" in windows and lines.data_start < windows.by_key["prev"].start
    return Customers(
        new_revenue=round(summary["cur_new"], 2) if history else None,
        returning_revenue=round(summary["cur_returning"], 2) if history else None,
        previous_new_revenue=_round(summary.get("prev_new"), 2) if prev_history else None,
        previous_returning_revenue=(
            _round(summary.get("prev_returning"), 2) if prev_history else None
        ),
        churn_rate=None if retention is None else round(1 - retention, 6),
        lookback_days=LOOKBACK_DAYS,
        rfm=rfm,
        moves=moves,
        cohorts=cohorts,
        retention_curve=_retention_curve(cohorts, lines.data_start),
        value=_value(
            summary,
            covered=lines.data_start <= year.start + EDGE_GRACE,
            covered_before=covered_year_before,
        ),
        top_shares={k: round(summary[k], 6) for k in TOP_SHARES if k in summary},
        first_data_month=lines.data_start.replace(day=1),
    )


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)


def _per_customer(
    lines: Lines,
    windows: Windows,
    anchors: list[_Anchor],
    year: Window,
    year_before: Window,
) -> ir.Table:
    t = lines.table
    t = t.filter(t.customer_id.notnull() & (t.order_date <= windows.by_key["cur"].end))

    def between(w_start: date, w_end: date) -> ir.BooleanValue:
        return t.order_date.between(w_start, w_end)  # type: ignore[no-any-return]

    def orders(where: ir.BooleanValue) -> ir.Scalar:
        return expressions(t, lines, ("orders",), where)["orders"]

    aggs: dict[str, ir.Scalar] = {"first": t.order_date.min()}
    for key in ("cur", "prev"):
        if key in windows:
            w = windows.by_key[key]
            aggs[f"rev_{key}"] = t.revenue.sum(where=between(w.start, w.end)).fill_null(0.0)
            aggs[f"lines_{key}"] = t.count(where=between(w.start, w.end))
    for a in anchors:
        inside = between(a.start, a.end)
        aggs[f"last_{a.key}"] = t.order_date.max(where=inside)
        aggs[f"orders_{a.key}"] = orders(inside)
        aggs[f"money_{a.key}"] = t.revenue.sum(where=inside).fill_null(0.0)
    in_year = between(year.start, year.end)
    aggs["rev_year"] = t.revenue.sum(where=in_year).fill_null(0.0)
    aggs["orders_year"] = orders(in_year)
    aggs["lines_year"] = t.count(where=in_year)
    aggs["lines_year_before"] = t.count(where=between(year_before.start, year_before.end))
    return t.group_by("customer_id").aggregate(**aggs)


def _summary(c: ir.Table, windows: Windows, year: Window, year_before: Window) -> dict[str, float]:
    """New vs returning revenue, top customers' share and yearly figures, in one query."""
    aggs: dict[str, ir.Scalar] = {}
    for key in ("cur", "prev"):
        if key in windows:
            w = windows.by_key[key]
            rev = c[f"rev_{key}"]
            is_new = c.first.between(w.start, w.end)
            aggs[f"{key}_new"] = rev.sum(where=is_new)
            aggs[f"{key}_returning"] = rev.sum(where=~is_new & (c[f"lines_{key}"] > 0))
    active = c.filter(c.lines_cur > 0)
    ranked = active.mutate(
        rank=ibis.row_number().over(order_by=[ibis.desc(active.rev_cur), active.customer_id]),
        n=active.count().over(),
    )
    top_aggs: dict[str, ir.Scalar] = {"total": ranked.rev_cur.sum()}
    for name, share in TOP_SHARES.items():
        top_aggs[name] = ranked.rev_cur.sum(where=ranked["rank"] < (ranked.n * share).ceil())
    in_year = c.lines_year > 0
    before = c.lines_year_before > 0
    aggs.update(
        year_customers=in_year.cast("int64").sum(),
        year_revenue=c.rev_year.sum(),
        year_orders=c.orders_year.sum(),
        year_before_customers=before.cast("int64").sum(),
        year_retained=(in_year & before).cast("int64").sum(),
    )
    row = c.aggregate(**aggs).to_pyarrow().to_pylist()[0]
    top = ranked.aggregate(**top_aggs).to_pyarrow().to_pylist()[0]
    out = {k: float(v or 0.0) for k, v in row.items()}
    total = float(top.pop("total") or 0.0)
    if total > 0:
        out.update({k: float(v or 0.0) / total for k, v in top.items()})
    return out


def _scores(c: ir.Table, a: _Anchor) -> ir.Table:
    """R, F and M quintile scores and the segment at one anchor, for customers active then."""
    active = c.filter(c[f"orders_{a.key}"] > 0)

    def score(column: ir.Column) -> ir.IntegerColumn:
        rank = ibis.percent_rank().over(order_by=column)
        return ibis.least((rank * 5).floor().cast("int64") + 1, 5)  # type: ignore[no-any-return]

    # fewer days since the last purchase is a later last purchase: rank by the date itself;
    # money to the cent: sums of the same amounts added in another order (the engine adds in
    # parallel) may differ in the last bit and would otherwise not tie
    scored = active.mutate(
        r=score(active[f"last_{a.key}"]),
        f=score(active[f"orders_{a.key}"]),
        m=score(active[f"money_{a.key}"].round(2)),
    )
    fm = ((scored.f + scored.m + 1) / 2).floor().cast("int64")
    branches = [
        ((scored.r == r) & (fm == i + 1), name)
        for r, row in SEGMENT_GRID.items()
        for i, name in enumerate(row)
    ]
    segment = ibis.cases(*branches, else_=ibis.null("string"))
    return scored.select(
        "customer_id",
        **{f"seg_{a.key}": segment, f"m_{a.key}": scored[f"money_{a.key}"]},
    )


def _rfm(
    c: ir.Table, anchors: list[_Anchor]
) -> tuple[tuple[RfmSegment, ...], tuple[SegmentMove, ...]]:
    now = _scores(c, anchors[0])
    if len(anchors) > 1:
        before = _scores(c, anchors[1])
        joined = now.outer_join(before, "customer_id")
        source = joined.seg_prev.fill_null(NOT_ACTIVE)
        money_prev = joined.m_prev.fill_null(0.0).sum()
    else:
        joined = now
        source = ibis.literal(NOT_ACTIVE)
        money_prev = ibis.literal(0.0)
    grid = (
        joined.group_by(source=source, target=joined.seg_cur.fill_null(NOT_ACTIVE))
        .aggregate(
            customers=joined.count(), money=joined.m_cur.fill_null(0.0).sum(), money_prev=money_prev
        )
        .to_pyarrow()
        .to_pylist()
    )
    has_previous = len(anchors) > 1
    return _segments(grid, has_previous), _moves(grid)


def _segments(grid: list[dict[str, object]], has_previous: bool) -> tuple[RfmSegment, ...]:
    now: dict[str, list[float]] = {s: [0, 0.0] for s in RFM_SEGMENTS}
    before: dict[str, list[float]] = {s: [0, 0.0] for s in RFM_SEGMENTS}
    for row in grid:
        target, source = str(row["target"]), str(row["source"])
        if target in now:
            now[target][0] += int(row["customers"])  # type: ignore[call-overload]
            now[target][1] += float(row["money"])  # type: ignore[arg-type]
        if source in before:
            before[source][0] += int(row["customers"])  # type: ignore[call-overload]
            before[source][1] += float(row["money_prev"])  # type: ignore[arg-type]
    customers = sum(v[0] for v in now.values())
    revenue = sum(v[1] for v in now.values())
    return tuple(
        RfmSegment(
            segment=s,
            customers=int(now[s][0]),
            revenue=round(now[s][1], 2),
            share=_round(ratio(now[s][0], customers)),
            revenue_share=_round(ratio(now[s][1], revenue)) if revenue > 0 else None,
            previous_customers=int(before[s][0]) if has_previous else None,
            previous_revenue=round(before[s][1], 2) if has_previous else None,
        )
        for s in RFM_SEGMENTS
    )


def _moves(grid: list[dict[str, object]]) -> tuple[SegmentMove, ...]:
    moved = [
        SegmentMove(
            source=str(r["source"]),
            target=str(r["target"]),
            customers=int(r["customers"]),  # type: ignore[call-overload]
            revenue=round(float(r["money"]), 2),  # type: ignore[arg-type]
        )
        for r in grid
        if r["source"] != r["target"] and r["source"] != NOT_ACTIVE
    ]
    return tuple(sorted(moved, key=lambda m: (-m.customers, m.source, m.target)))


def _cohorts(lines: Lines, end: date) -> tuple[Cohort, ...]:
    """Customers by first-purchase month, and how many bought again each later month."""
    t = lines.table
    t = t.filter(t.customer_id.notnull() & (t.order_date <= end))
    month_index = t.order_date.year() * 12 + t.order_date.month() - 1
    monthly = t.group_by(["customer_id", month_index.name("month")]).aggregate(
        revenue=t.revenue.sum()
    )
    first = monthly.group_by("customer_id").aggregate(cohort=monthly.month.min())
    joined = monthly.join(first, "customer_id")
    last = end.year * 12 + end.month - 1
    shown = joined.filter(joined.cohort > last - COHORTS_SHOWN)
    rows = (
        shown.group_by(["cohort", (shown.month - shown.cohort).name("offset")])
        .aggregate(customers=shown.count(), revenue=shown.revenue.sum())
        .to_pyarrow()
        .to_pylist()
    )
    by_cohort: dict[int, dict[int, tuple[int, float]]] = {}
    for r in rows:
        by_cohort.setdefault(int(r["cohort"]), {})[int(r["offset"])] = (
            int(r["customers"]),
            float(r["revenue"] or 0.0),
        )
    out = []
    for index in sorted(by_cohort):
        cells = by_cohort[index]
        size = cells[0][0]
        active = tuple(cells.get(k, (0, 0.0))[0] for k in range(last - index + 1))
        out.append(
            Cohort(
                month=date(index // 12, index % 12 + 1, 1),
                customers=size,
                revenue=round(sum(v[1] for v in cells.values()), 2),
                active=active,
                retention=tuple(round(a / size, 6) for a in active),
            )
        )
    return tuple(out)


def _retention_curve(cohorts: tuple[Cohort, ...], data_start: date) -> tuple[float, ...]:
    """Customer-weighted retention k months after the first month, over the cohorts that
    reached month k. The data's first month is left out: it holds customers from before."""
    usable = [c for c in cohorts if c.month > data_start.replace(day=1)]
    if not usable:
        return ()
    curve = []
    for k in range(max(len(c.active) for c in usable)):
        reached = [c for c in usable if len(c.active) > k]
        size = sum(c.customers for c in reached)
        curve.append(round(sum(c.active[k] for c in reached) / size, 6))
    return tuple(curve)


def _value(summary: dict[str, float], covered: bool, covered_before: bool) -> CustomerValue | None:
    """Yearly revenue per customer x expected lifetime (1 / yearly churn, capped)."""
    customers = summary.get("year_customers", 0.0)
    if not covered or customers == 0:
        return None
    revenue, orders = summary["year_revenue"], summary["year_orders"]
    retention = (
        summary["year_retained"] / summary["year_before_customers"]
        if covered_before and summary.get("year_before_customers")
        else None
    )
    lifetime = None
    if retention is not None:
        churn = 1 - retention
        lifetime = MAX_LIFETIME_YEARS if churn <= 1 / MAX_LIFETIME_YEARS else 1 / churn
    per_customer = revenue / customers
    return CustomerValue(
        revenue_per_customer=round(per_customer, 2),
        orders_per_customer=round(orders / customers, 4),
        aov=round(revenue / orders, 2) if orders else 0.0,
        yearly_retention=None if retention is None else round(retention, 6),
        lifetime_years=None if lifetime is None else round(lifetime, 4),
        value=None if lifetime is None else round(per_customer * lifetime, 2),
        lifetime_capped=lifetime == MAX_LIFETIME_YEARS,
    )
