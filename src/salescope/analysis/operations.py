"""Operations: stockouts and the revenue they cost, returns by category, discount and margin.

Stockouts (:func:`compute_inventory`) are listed over the 365 days up to the period end.

* With an inventory table, a stretch is a run of consecutive snapshots of one product (and
  region, when the table has one) flagged out of stock. Daily snapshots are counted as they
  are. Sparse snapshots (weekly counts, say) only bracket the stretch, so it is refined
  with the product's own sales: it starts the day after the last sale before the first
  out-of-stock snapshot, but not before the day after the previous in-stock snapshot (with
  no earlier snapshot, at the first out-of-stock snapshot: nothing is known before it); it
  ends the day before the first sale after the last out-of-stock snapshot, but not later
  than the day before the next in-stock snapshot. A stretch with no later snapshot and no
  later sale is ``ongoing`` and runs to the end of the data.
* Without one, possible stockouts are read from the sales: a gap between two sale days of
  a product counts when the product sold on at least 8 of the 28 days before it and of
  the 28 days from the first sale after it (steady, not new, not discontinued: sales came
  back), the gap lasted at least 7 days and 8 times the usual days between its sales, and
  the product is not seasonal (less than half its revenue within 6 weeks either side of one
  week of the year, judged with 273 days of data or more). Gaps in one region's or
  channel's sales count with 14 sale days on each side. The gaps are found in the engine
  with window functions over the product-day table; only the flagged gaps leave it. Their
  normal daily revenue is the revenue of the 28 days before the gap, per day.

With an inventory table, a stretch's normal daily revenue is the product's sales revenue
(return lines left out) over the 56 days before the stretch, divided by the days it was in
stock then (days before the data and days of earlier stretches of the same product
excluded). Lost revenue is that
daily revenue times the stretch's days inside the reported period. It assumes demand would
have continued at its recent level and was not made up later or by another product.

Returns (:func:`compute_operations`): per category and for all lines, the revenue of
return lines as a positive amount over the gross sales (revenue of the other lines).

Margin: gross margin and the discount rate are the headline KPIs' metrics
(``metrics.semantic``), computed by the same query builder, so the operations section and
the key figures print one figure: ``m = (revenue - cost) / revenue`` over the lines with a
cost, and discount / list amount of sale lines. The split uses the cost ratio ``c = cost /
list amount`` over the lines that carry a cost and a list amount. As ``revenue = list x (1 -
d)``, ``m = 1 - c / (1 - d)``; the change in ``m`` between the previous period and this one
is split between ``d`` and ``c`` with the two-factor Shapley split (each factor's effect
averaged over both orders of change), which adds up to the change exactly when every line
with a cost has a list amount (otherwise it explains the lines that have both). ``d`` there
is the price realised below list, ``1 - revenue / list``: it is the discount rate when
revenue is list minus discount, and it takes in any other gap between the revenue column
and list price (rounding, returns' share) so the split stays exact.

Gross profit is revenue - cost over the same lines. Which categories moved the margin
(:class:`salescope.model.MarginMember`) is one grouped query: with ``w`` a category's share
of the revenue of lines with a cost and ``m`` its margin, the change of the whole margin is
the sum over categories of ``mean(w) x change(m)`` (its own margin moved) and ``change(w) x
mean(m)`` (its weight moved), computed in the engine; the five largest own-margin effects
leave it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

import ibis
import ibis.expr.types as ir

from salescope.analysis.breakdowns import MISSING_KEY
from salescope.analysis.periods import Window
from salescope.lines import Lines
from salescope.metrics.definitions import ratio
from salescope.metrics.kpis import Windows
from salescope.metrics.query import SEP, Values, available, grouped, metric_value, totals
from salescope.model import (
    GapRule,
    Inventory,
    Kpi,
    Margin,
    MarginMember,
    MarginPoint,
    Measure,
    Operations,
    ReturnsRow,
    Stockout,
)

__all__ = ["compute_inventory", "compute_operations", "margin_split"]

LOOKBACK_DAYS: Final = 365  # stockouts listed: their stretch touches these days to the period end
NORMAL_DAYS: Final = 56  # the days before a stretch that set its normal daily revenue
# a gap in the sales is a possible stockout when (docs/operations.md):
STEADY_DAYS: Final = 28  # these days before it and after it are in the product's data
STEADY_MIN_SALE_DAYS: Final = 8  # and the product sold on at least this many of each
STRONG_SALE_DAYS: Final = 14  # strong evidence: half the days on both sides
GAP_MIN_DAYS: Final = 7  # the gap is this long at least
GAP_INTERVALS: Final = 8  # and this many times the product's usual interval between sales
SEASON_WEEKS: Final = 6  # not seasonal: less than SEASON_SHARE of its revenue within
SEASON_SHARE: Final = 0.5  # SEASON_WEEKS weeks either side of one week of the year,
SEASON_MIN_DATA_DAYS: Final = 273  # judged when the data covers this much of a year
YEAR_WEEKS: Final = 53  # weeks of the year counted from 1 January: 0..52
GAP_WHERE: Final = ("region", "channel")  # gaps are also looked for in each of these
GAP_RULE: Final = GapRule(
    steady_days=STEADY_DAYS,
    min_sale_days=STEADY_MIN_SALE_DAYS,
    min_gap_days=GAP_MIN_DAYS,
    gap_intervals=GAP_INTERVALS,
    season_weeks=SEASON_WEEKS,
    season_share=SEASON_SHARE,
    strong_sale_days=STRONG_SALE_DAYS,
)
MONTHS_SHOWN: Final = 12
ALL_KEY: Final = "All"
SOURCE_TABLE: Final = "inventory table"
SOURCE_GAPS: Final = "sales gaps"


# --- stockouts --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stretch:
    """An out-of-stock stretch once its dates are settled."""

    product: str
    region: str | None
    start: date
    end: date
    ongoing: bool
    daily_revenue: float
    channel: str | None = None
    sale_days_before: int | None = None  # possible stockouts: sale days in the 28 before
    sale_days_after: int | None = None  # and in the 28 from the first sale after


def compute_inventory(
    lines: Lines, windows: Windows, inventory: ir.Table | None
) -> Inventory | None:
    """Stockouts over the 365 days to the period end, largest lost revenue first.

    ``inventory`` is the normalised inventory side table (``date``, ``product``,
    ``region``, ``on_hand``, ``stockout``) or None; without it, possible stockouts are
    inferred from gaps in the sales. None when the lines have no product column.

    >>> found = compute_inventory(lines, windows, side.inventory)  # doctest: +SKIP
    >>> found.stockouts[0].lost_revenue  # doctest: +SKIP
    4210.5
    """
    if not lines.has("product"):
        return None
    cur = windows.by_key["cur"]
    horizon = Window("stockouts", cur.end - timedelta(days=LOOKBACK_DAYS - 1), cur.end, "days")
    rule = None
    if inventory is not None:
        stretches = _table_stretches(lines, inventory, horizon)
        source, confirmed = SOURCE_TABLE, True
    else:
        stretches = _gap_stretches(lines, horizon)
        source, confirmed, rule = SOURCE_GAPS, False, GAP_RULE
    names = _product_names(lines, {s.product for s in stretches})
    stockouts = [_stockout(s, cur, names.get(s.product), confirmed) for s in stretches]
    stockouts.sort(
        key=lambda s: (-s.lost_revenue, s.start, s.product, s.region or "", s.channel or "")
    )
    in_period = [s for s in stockouts if s.in_period]
    return Inventory(
        source=source,
        stockouts=tuple(stockouts),
        lost_revenue=round(sum(s.lost_revenue for s in in_period), 2),
        products_out=len({s.product for s in in_period}),
        rule=rule,
    )


def _stockout(s: _Stretch, cur: Window, name: str | None, confirmed: bool) -> Stockout:
    days_in = _overlap(s.start, s.end, cur.start, cur.end)
    return Stockout(
        product=s.product,
        product_name=name,
        region=s.region,
        start=s.start,
        end=s.end,
        days=(s.end - s.start).days + 1,
        days_in_period=days_in,
        in_period=days_in > 0,
        ongoing=s.ongoing,
        daily_revenue=round(s.daily_revenue, 2),
        lost_revenue=round(s.daily_revenue * days_in, 2),
        confirmed=confirmed,
        channel=s.channel,
        sale_days_before=s.sale_days_before,
        sale_days_after=s.sale_days_after,
        usual_interval=_interval(s),
    )


def _interval(s: _Stretch) -> float | None:
    """Days between sale days over the 28 days before the gap and the 28 after it."""
    if s.sale_days_before is None or s.sale_days_after is None:
        return None
    return round(2 * STEADY_DAYS / (s.sale_days_before + s.sale_days_after), 1)


def _overlap(a_start: date, a_end: date, b_start: date, b_end: date) -> int:
    """Days two closed date ranges share."""
    return max(0, (min(a_end, b_end) - max(a_start, b_start)).days + 1)


def _sales(lines: Lines) -> ir.Table:
    """Sales lines (returns left out) with a product."""
    t = lines.table
    return t.filter(~t.is_return & t["product"].notnull())


def _product_names(lines: Lines, products: set[str]) -> dict[str, str]:
    if not products or not lines.has("product_name"):
        return {}
    t = lines.table
    t = t.filter(t["product"].isin(sorted(products)) & t.product_name.notnull())
    rows = t.group_by("product").aggregate(name=t.product_name.max()).to_pyarrow().to_pylist()
    return {str(r["product"]): str(r["name"]) for r in rows}


def _day_number(day: ir.DateValue, origin: date) -> ir.IntegerValue:
    return day.delta(ibis.literal(origin, type="date"), unit="day")  # type: ignore[no-any-return]


# With an inventory table ------------------------------------------------------------------


def _snapshot_runs(inventory: ir.Table) -> ir.Table:
    """One row per run of consecutive out-of-stock snapshots of a product (and region).

    ``first``/``last``: the run's first and last out-of-stock snapshot; ``prev_in``/
    ``next_in``: the in-stock snapshots around it (null when there is none).
    """
    inv = inventory.filter(inventory["product"].notnull() & inventory.date.notnull())
    snaps = inv.group_by(["product", "region", "date"]).aggregate(
        out=inv.stockout.fill_null(False).cast("int64").max() == 1
    )
    w = ibis.window(group_by=["product", "region"], order_by="date")
    snaps = snaps.mutate(
        prev_out=snaps.out.lag().over(w),
        next_out=snaps.out.lead().over(w),
        prev_date=snaps.date.lag().over(w),
        next_date=snaps.date.lead().over(w),
    )
    begins = snaps.out & ~snaps.prev_out.fill_null(False)
    ends = snaps.out & ~snaps.next_out.fill_null(False)
    snaps = snaps.mutate(begins=begins, ends=ends)
    run_w = ibis.window(group_by=["product", "region"], order_by="date", rows=(None, 0))
    snaps = snaps.mutate(run=snaps.begins.cast("int64").sum().over(run_w))
    out = snaps.filter(snaps.out)
    return out.group_by(["product", "region", "run"]).aggregate(
        first=out.date.min(),
        last=out.date.max(),
        prev_in=out.prev_date.max(where=out.begins),
        next_in=out.next_date.max(where=out.ends),
    )


def _table_stretches(lines: Lines, inventory: ir.Table, horizon: Window) -> list[_Stretch]:
    """Stretches from the inventory table, dated with the sales, with their daily revenue.

    Two queries: the runs that can touch the horizon or the 56 days before it, and the
    product's daily sales revenue around each run (from 56 days before its earliest possible
    start to its latest possible end; the run's own snapshot days left out).
    """
    runs = _snapshot_runs(inventory)
    far_end = max(lines.data_end, horizon.end) + timedelta(days=1)
    earliest = runs.prev_in.fill_null(runs.first - ibis.interval(days=1)) + ibis.interval(days=1)
    latest = runs.next_in.fill_null(far_end) - ibis.interval(days=1)
    runs = runs.mutate(earliest=earliest, latest=ibis.greatest(latest, runs.last))
    lookback_from = horizon.start - timedelta(days=NORMAL_DAYS)
    runs = runs.filter((runs.latest >= lookback_from) & (runs.earliest <= horizon.end))
    found = runs.to_pyarrow().to_pylist()
    if not found:
        return []
    around = _sales_around(lines, runs).to_pyarrow().to_pylist()
    sold: dict[tuple[Any, ...], dict[date, float]] = defaultdict(dict)
    for r in around:
        sold[(r["product"], r["region"], r["run"])][r["day"]] = float(r["revenue"] or 0.0)
    dated = [_dated_run(r, sold[(r["product"], r["region"], r["run"])], lines) for r in found]
    by_key: dict[tuple[str, str | None], list[tuple[date, date]]] = defaultdict(list)
    for r, (start, end, _ongoing) in dated:
        by_key[(str(r["product"]), r["region"])].append((start, end))
    stretches = []
    for r, (start, end, ongoing) in dated:
        key = (str(r["product"]), r["region"])
        earlier = [(s, e) for s, e in by_key[key] if e < start]
        daily = _normal_daily(sold[(r["product"], r["region"], r["run"])], start, earlier, lines)
        stretch = _Stretch(key[0], key[1], start, end, ongoing, daily)
        if _overlap(start, end, horizon.start, horizon.end):
            stretches.append(stretch)
    return stretches


def _sales_around(lines: Lines, runs: ir.Table) -> ir.Table:
    """Daily sales revenue of each run's product (in its region, when the run has one and the
    lines carry regions; else in all regions) from 56 days before the run's earliest start to
    its latest end."""
    s = _sales(lines)
    region = _region_key(s.region) if lines.has("region") else ibis.null("string")
    daily = s.group_by(product=s["product"], sale_region=region, day=s.order_date).aggregate(
        revenue=s.revenue.sum()
    )
    window_start = runs.earliest - ibis.interval(days=NORMAL_DAYS)
    on = [
        runs["product"] == daily["product"],
        daily.day.between(window_start, runs.latest),
        (daily.day < runs.first) | (daily.day > runs.last),
    ]
    if lines.has("region"):
        on.append(runs.region.isnull() | (_region_key(runs.region) == daily.sale_region))
    joined = runs.join(daily, on)
    return joined.group_by(
        product=runs["product"], region=runs.region, run=runs.run, day=daily.day
    ).aggregate(revenue=daily.revenue.sum())


def _region_key(region: ir.StringValue) -> ir.StringValue:
    """Regions match between the inventory and the sales ignoring case and outer spaces."""
    return region.strip().lower()


def _dated_run(
    run: dict[str, Any], sold: dict[date, float], lines: Lines
) -> tuple[dict[str, Any], tuple[date, date, bool]]:
    """The run's start and end, bracketed by its snapshots and set by its sales."""
    first, last = run["first"], run["last"]
    prev_in, next_in = run["prev_in"], run["next_in"]
    lower = prev_in + timedelta(days=1) if prev_in is not None else first
    before = [d for d in sold if lower <= d < first]
    start = max(before) + timedelta(days=1) if before else lower
    upper = next_in - timedelta(days=1) if next_in is not None else None
    after = [d for d in sold if d > last and (upper is None or d <= upper)]
    if after:
        return run, (start, min(after) - timedelta(days=1), False)
    if upper is not None:
        return run, (start, upper, False)
    return run, (start, max(last, lines.data_end), True)


def _normal_daily(
    sold: dict[date, float], start: date, earlier: list[tuple[date, date]], lines: Lines
) -> float:
    """Revenue over the in-stock days among the 56 before ``start``, per such day."""
    days = [start - timedelta(days=k) for k in range(1, NORMAL_DAYS + 1)]
    in_stock = [
        d for d in days if d >= lines.data_start and not any(s <= d <= e for s, e in earlier)
    ]
    if not in_stock:
        return 0.0
    return sum(sold.get(d, 0.0) for d in in_stock) / len(in_stock)


# From gaps in the sales -------------------------------------------------------------------


def _gap_stretches(lines: Lines, horizon: Window) -> list[_Stretch]:
    """Possible stockouts: gaps in the sales of products that sold steadily on both sides.

    One query: the product-day table (and the product-region and product-channel ones,
    when the lines have those columns), the next sale day and the sale days in the 28 days
    before and from each sale day by window functions, the seasonal products left out by
    an anti-join; only the flagged gaps leave the engine. A product-level gap takes the
    place of the regional and channel gaps of that product it overlaps.
    """
    origin = lines.data_start
    s = _sales(lines)
    wheres = [d for d in GAP_WHERE if lines.has(d)]
    tables = []
    for dim in ("", *wheres):
        t = s.filter(s[dim].notnull()) if dim else s
        place = t[dim].cast("string") if dim else ibis.null("string")
        tables.append(
            t.group_by(
                product=t["product"], dim=ibis.literal(dim), place=place, day=t.order_date
            ).aggregate(revenue=t.revenue.sum())
        )
    daily = ibis.union(*tables) if len(tables) > 1 else tables[0]
    daily = daily.mutate(n=_day_number(daily.day, origin))
    keys = ["product", "dim", "place"]
    window = STEADY_DAYS - 1
    before = ibis.window(group_by=keys, order_by="n", range=(-window, 0))
    after = ibis.window(group_by=keys, order_by="n", range=(0, window))
    ordered = ibis.window(group_by=keys, order_by="n")
    d = daily.mutate(
        sold_before=daily.n.count().over(before),
        revenue_before=daily.revenue.sum().over(before),
        sold_from=daily.n.count().over(after),
        first_n=daily.n.min().over(ibis.window(group_by=keys)),
        next_n=daily.n.lead().over(ordered),
    )
    d = d.mutate(sold_after=d.sold_from.lead().over(ordered))
    end_n = (lines.data_end - origin).days
    gap = d.next_n - d.n - 1
    interval = (2 * STEADY_DAYS) / (d.sold_before + d.sold_after).cast("float64")
    # a gap in one region's or channel's sales needs the strong evidence: more series, more
    # chance gaps
    least = ibis.ifelse(d.dim == "", STEADY_MIN_SALE_DAYS, STRONG_SALE_DAYS)
    flagged = d.filter(
        d.next_n.notnull()  # sales came back: not discontinued
        & (d.n - d.first_n >= window)  # sold for the 28 days before the gap: not new
        & (d.sold_before >= least)
        & (d.next_n + window <= end_n)  # 28 days of data after the gap
        & (d.sold_after >= least)
        & (gap >= GAP_MIN_DAYS)
        & (gap >= GAP_INTERVALS * interval)
        & (d.next_n - 1 >= (horizon.start - origin).days)  # the gap reaches the horizon
        & (d.n + 1 <= (horizon.end - origin).days)  # and starts by its end
    )
    seasonal = _seasonal_products(lines, s)
    if seasonal is not None:
        flagged = flagged.anti_join(seasonal, "product")
    rows = (
        flagged.select(
            "product",
            "dim",
            "place",
            last_sale=flagged.day,
            gap=gap,
            revenue_before=flagged.revenue_before,
            sold_before=flagged.sold_before,
            sold_after=flagged.sold_after,
        )
        .to_pyarrow()
        .to_pylist()
    )
    stretches = [
        _Stretch(
            product=str(r["product"]),
            region=r["place"] if r["dim"] == "region" else None,
            start=r["last_sale"] + timedelta(days=1),
            end=r["last_sale"] + timedelta(days=int(r["gap"])),
            ongoing=False,
            daily_revenue=float(r["revenue_before"] or 0.0) / STEADY_DAYS,
            channel=r["place"] if r["dim"] == "channel" else None,
            sale_days_before=int(r["sold_before"]),
            sale_days_after=int(r["sold_after"]),
        )
        for r in rows
    ]
    whole = [x for x in stretches if x.region is None and x.channel is None]
    return [
        x
        for x in stretches
        if x in whole
        or not any(
            w.product == x.product and _overlap(w.start, w.end, x.start, x.end) for w in whole
        )
    ]


def _seasonal_products(lines: Lines, s: ir.Table) -> ir.Table | None:
    """Products with at least half their revenue within six weeks either side of one week
    of the year (weeks of all years added up), when the data covers enough of a year to
    tell; None when it does not."""
    if (lines.data_end - lines.data_start).days + 1 < SEASON_MIN_DATA_DAYS:
        return None
    week = ((s.order_date.day_of_year() - 1) // 7).cast("int64")  # 0..52
    weekly = s.group_by(product=s["product"], week=week).aggregate(revenue=s.revenue.sum())
    wrapped = weekly.union(weekly.mutate(week=weekly.week + YEAR_WEEKS))  # the year goes round
    around = ibis.window(group_by="product", order_by="week", range=(-SEASON_WEEKS, SEASON_WEEKS))
    w = wrapped.mutate(season=wrapped.revenue.sum().over(around))
    centred = w.filter(w.week.between(SEASON_WEEKS, SEASON_WEEKS + YEAR_WEEKS - 1))
    peaks = centred.group_by("product").aggregate(peak=centred.season.max())
    totals_ = weekly.group_by("product").aggregate(total=weekly.revenue.sum())
    joined = peaks.join(totals_, "product")
    return joined.filter((joined.total > 0) & (joined.peak >= SEASON_SHARE * joined.total)).select(
        "product"
    )


# --- returns and margin -----------------------------------------------------------------


def compute_operations(
    lines: Lines, windows: Windows, kpis: tuple[Kpi, ...] = ()
) -> Operations | None:
    """Returns by category (and "All"), and discount depth and margin when there is a cost.

    The margin's gross margin and discount rate are the KPIs of those names when ``kpis``
    holds them: one figure, however many places print it. None when the period and the
    previous one hold no return line and the data has no cost.
    """
    returns = _returns(lines, windows)
    margin = _margin(lines, windows, kpis) if lines.has("cost_amount") else None
    everything = returns[0]
    if margin is None and not everything.returns and not everything.previous_rate:
        return None
    return Operations(returns=returns, margin=margin)


def _returns(lines: Lines, windows: Windows) -> tuple[ReturnsRow, ...]:
    """Returns / gross sales per category for the period and the previous one (one query)."""
    t = lines.table
    keys = tuple(k for k in ("cur", "prev") if k in windows)
    t = t.filter(windows.any_flag(t, keys))
    category = t.category.fill_null(MISSING_KEY) if lines.has("category") else ibis.literal(ALL_KEY)
    aggs: dict[str, ir.Scalar] = {}
    for k in keys:
        f = windows.flag(t, k)
        aggs[f"{k}_returns"] = (-t.revenue).sum(where=f & t.is_return)
        aggs[f"{k}_gross"] = t.revenue.sum(where=f & ~t.is_return)
    rows = t.group_by(key=category).aggregate(**aggs).to_pyarrow().to_pylist()
    sums: dict[str, dict[str, float]] = {}
    for r in rows:
        sums[str(r["key"])] = {n: float(v or 0.0) for n, v in r.items() if n != "key"}
    total = {n: sum(s[n] for s in sums.values()) for n in aggs}

    def row(key: str, s: dict[str, float]) -> ReturnsRow:
        previous = ratio(s.get("prev_returns"), s.get("prev_gross")) if "prev" in keys else None
        return ReturnsRow(
            key=key,
            returns=round(s["cur_returns"], 2),
            gross=round(s["cur_gross"], 2),
            rate=_round(ratio(s["cur_returns"], s["cur_gross"])),
            previous_rate=_round(previous),
        )

    members = [row(k, s) for k, s in sums.items()] if lines.has("category") else []
    members = [m for m in members if m.gross or m.returns]
    members.sort(key=lambda m: (m.rate is None, -(m.rate or 0.0), m.key))
    return (row(ALL_KEY, total), *members)


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)


# the margin figures are the KPIs' own metrics, computed by the same query builder
MARGIN_METRICS = ("gross_margin", "discount_rate")


def _margin_sums(lines: Lines, windows: Windows) -> dict[str, Values]:
    """Per window, the margin metrics' measures and, for the split, the revenue, cost and
    list amount of the lines with a cost (and a list amount, when the data has one)."""
    t = lines.table
    keys = tuple(k for k in ("cur", "prev") if k in windows)
    t = t.filter(windows.any_flag(t, keys))
    slices = {k: windows.flag(t, k) for k in keys}
    keep = _split_lines(t, lines)
    extra: dict[str, ir.Scalar] = {}
    for k, where in slices.items():
        extra[f"{k}{SEP}split_revenue"] = t.revenue.sum(where=where & keep)
        extra[f"{k}{SEP}split_cost"] = t.cost_amount.sum(where=where & keep)
        if lines.has("list_amount"):
            extra[f"{k}{SEP}split_list"] = t.list_amount.sum(where=where & keep)
    return totals(t, available(lines, MARGIN_METRICS), slices, extra)


def _split_lines(t: ir.Table, lines: Lines) -> ir.BooleanValue:
    keep = t.cost_amount.notnull()
    if lines.has("list_amount"):
        keep &= t.list_amount.notnull()
    return keep  # type: ignore[no-any-return]


@dataclass(frozen=True)
class _MarginFigures:
    gross_margin: float | None
    discount_rate: float | None
    cost_ratio: float | None
    price_ratio: float | None  # revenue / list: 1 - the discount in m = 1 - c / (1 - d)


def _figures(s: Values) -> _MarginFigures:
    revenue, cost, list_amount = s.get("split_revenue"), s.get("split_cost"), s.get("split_list")
    return _MarginFigures(
        gross_margin=metric_value("gross_margin", s),
        discount_rate=metric_value("discount_rate", s),
        cost_ratio=ratio(cost, list_amount),
        price_ratio=ratio(revenue, list_amount),
    )


def margin_split(
    cost_before: float, discount_before: float, cost_now: float, discount_now: float
) -> tuple[float, float]:
    """The change in ``m = 1 - c / (1 - d)`` split into (from discount, from cost).

    Two-factor Shapley: each factor's effect is averaged over changing it first and
    changing it second, so the two parts add up to the change exactly.

    >>> margin_split(0.5, 0.0, 0.5, 0.2)
    (-0.125, 0.0)
    """

    def m(c: float, d: float) -> float:
        return 1.0 - c / (1.0 - d)

    c0, d0, c1, d1 = cost_before, discount_before, cost_now, discount_now
    from_discount = 0.5 * ((m(c0, d1) - m(c0, d0)) + (m(c1, d1) - m(c1, d0)))
    from_cost = 0.5 * ((m(c1, d0) - m(c0, d0)) + (m(c1, d1) - m(c0, d1)))
    return from_discount, from_cost


def _margin(lines: Lines, windows: Windows, kpis: tuple[Kpi, ...]) -> Margin | None:
    sums = _margin_sums(lines, windows)
    cur = _figures(sums["cur"])
    prev = _figures(sums["prev"]) if "prev" in sums else None
    if cur.gross_margin is None and (prev is None or prev.gross_margin is None):
        return None
    from_discount = from_cost = None
    if (
        prev is not None
        and lines.has("discount_amount")
        and None not in (cur.cost_ratio, cur.price_ratio, prev.cost_ratio, prev.price_ratio)
    ):
        assert cur.cost_ratio is not None and cur.price_ratio is not None
        assert prev.cost_ratio is not None and prev.price_ratio is not None
        split = margin_split(
            prev.cost_ratio, 1.0 - prev.price_ratio, cur.cost_ratio, 1.0 - cur.price_ratio
        )
        from_discount, from_cost = (round(x, 6) for x in split)

    def measure(name: str) -> Measure:
        kpi = next((k for k in kpis if k.name == name), None)
        if kpi is not None:  # the same metric over the same windows: the KPI's figure
            return Measure(kpi.value, kpi.previous, kpi.change_pct)
        value = _round(getattr(cur, name))
        return Measure.of(value, None if prev is None else _round(getattr(prev, name)))

    def profit(key: str) -> float | None:
        s = sums.get(key, {})
        revenue, cost = s.get("revenue_with_cost"), s.get("cost")
        return None if revenue is None or cost is None else round(revenue - cost, 2)

    def costed(key: str) -> float | None:
        value = sums.get(key, {}).get("revenue_with_cost")
        return None if value is None else round(value, 2)

    level, members = _margin_members(lines, windows)
    return Margin(
        gross_margin=measure("gross_margin"),
        discount_rate=measure("discount_rate"),
        cost_ratio=measure("cost_ratio"),
        from_discount=from_discount,
        from_cost=from_cost,
        monthly=_monthly(lines, windows.by_key["cur"].end),
        gross_profit=Measure.of(profit("cur"), profit("prev")),
        revenue=Measure.of(costed("cur"), costed("prev")),
        level=level,
        members=members,
    )


MARGIN_MEMBERS: Final = 5  # the categories with the largest own-margin effects


def _margin_members(lines: Lines, windows: Windows) -> tuple[str | None, tuple[MarginMember, ...]]:
    """The categories (products without one) whose own margin moved the gross margin most,
    largest effect either way first: one grouped query (see the module docstring)."""
    level = next((d for d in ("category", "product") if lines.has(d)), None)
    if level is None or "prev" not in windows:
        return None, ()
    t = lines.table
    t = t.filter(windows.any_flag(t, ("cur", "prev")) & t.cost_amount.notnull())
    cur, prev = windows.flag(t, "cur"), windows.flag(t, "prev")
    g = t.group_by(key=t[level].fill_null(MISSING_KEY)).aggregate(
        r1=t.revenue.sum(where=cur).fill_null(0.0),
        c1=t.cost_amount.sum(where=cur).fill_null(0.0),
        r0=t.revenue.sum(where=prev).fill_null(0.0),
        c0=t.cost_amount.sum(where=prev).fill_null(0.0),
    )
    whole = ibis.window()
    g = g.mutate(total1=g.r1.sum().over(whole), total0=g.r0.sum().over(whole))
    g = g.filter((g.total1 > 0) & (g.total0 > 0))
    w1, w0 = g.r1 / g.total1, g.r0 / g.total0
    m1 = ibis.ifelse(g.r1 > 0, (g.r1 - g.c1) / g.r1, ibis.null("float64"))
    m0 = ibis.ifelse(g.r0 > 0, (g.r0 - g.c0) / g.r0, ibis.null("float64"))
    rate = ibis.ifelse((g.r1 > 0) & (g.r0 > 0), (w0 + w1) / 2 * (m1 - m0), 0.0)
    # each member's part of the whole change is its profit share now minus before
    part = (g.r1 - g.c1) / g.total1 - (g.r0 - g.c0) / g.total0
    g = g.mutate(m1=m1, m0=m0, rate=rate, mix=part - rate)
    rows = (
        g.order_by([ibis.desc(g.rate.abs()), g.key]).limit(MARGIN_MEMBERS).to_pyarrow().to_pylist()
    )
    return level, tuple(
        MarginMember(
            key=str(r["key"]),
            revenue=round(float(r["r1"]), 2),
            previous=round(float(r["r0"]), 2),
            gross_margin=_round(r["m1"]),
            previous_margin=_round(r["m0"]),
            rate_effect=round(float(r["rate"]), 6),
            mix_effect=round(float(r["mix"]), 6),
        )
        for r in rows
    )


def _monthly(lines: Lines, end: date) -> tuple[MarginPoint, ...]:
    """Gross margin and discount rate for each of the last 12 months to ``end`` (the last
    one possibly partial), one grouped query of the KPIs' metrics."""
    first = _months_before(end.replace(day=1), MONTHS_SHOWN - 1)
    t = lines.table
    t = t.filter(t.order_date.between(first, end))
    month = t.order_date.truncate("M")
    rows = grouped(
        t, available(lines, MARGIN_METRICS), {"m": ibis.literal(True)}, {"month": month}, ["month"]
    )
    points = []
    for r in rows:
        values = r.slices.get("m", {})
        points.append(
            MarginPoint(
                r.keys["month"],  # type: ignore[arg-type]
                _round(metric_value("discount_rate", values)),
                _round(metric_value("gross_margin", values)),
            )
        )
    return tuple(points)


def _months_before(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)
