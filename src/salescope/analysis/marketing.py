"""Marketing: each channel's sales and spend efficiency, and campaigns' incremental revenue.

Channels. Sales-side figures per channel come from the sales lines (revenue, orders,
customers, average order value, and new customers by the channel of their first order);
spend-side ones from a marketing spend table (spend, impressions, clicks, conversions and
the ratios between them and the sales). Channel names are matched between the two tables
ignoring case and whitespace ("Paid Search" = "paid  search" = "PaidSearch").

Campaigns. A campaign's incremental revenue is its measured daily revenue minus a
counterfactual baseline, summed over the campaign days. The measured series is the
revenue of the campaign's channel when the sales carry channels, else all revenue. The
baseline is an OLS fit on the days around the campaign (8 weeks before, 4 weeks after,
days of other campaigns that touch the same series left out):

- with channels: ``y = b x control + weekday effects``, where the control is the same
  day's revenue of all other channels (it carries the season, holidays and trend) and the
  weekday effects are coded to sum to zero over a week. There is no free intercept on
  purpose: the control is itself a noisy series, and with an intercept the fit would
  shrink ``b`` towards zero (errors in variables) and miss a seasonal rise inside the
  campaign window. Without the intercept ``b`` is set by the levels of the two series.
- without channels (or when no other channel sold): ``y = a + c x day + weekday
  effects``, a linear trend that cannot see a seasonal turn inside the window.

The interval for the summed incremental revenue at level 0.95 uses the variance
``1'X Cov(b) X'1 + n x s^2`` (parameter uncertainty of the prediction plus the campaign
days' own noise), the second part inflated by ``(1 + rho) / (1 - rho)`` when the training
residuals have positive lag-1 autocorrelation ``rho``, and a Student t with the fit's
residual degrees of freedom. A campaign's revenue uplift is claimed (``significant``) when
the interval excludes zero and the orders estimate below moves the same way: daily revenue
is heavy-tailed, and a revenue effect without more (or fewer) orders is more likely a few
large baskets than the campaign.

The same estimator runs on daily order counts (distinct order ids with a sale line, or
sale lines without an order id; the control is the other channels' orders): a campaign's
extra orders are free of the basket-size noise that widens the revenue interval, so an
orders effect can be measurable where the revenue effect is not.

Limits: the model assumes the campaign does not move the other channels (a spillover
into the control would lower the estimate) and that the channel's share of sales is
steady over the three months around the campaign.

Only aggregates leave the engine: per-channel sums, per-customer first channels counted per
channel, and daily revenue and orders per campaign channel over the campaigns' training
windows.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Final

import ibis.expr.types as ir
import numpy as np
import numpy.typing as npt

from salescope.analysis import models
from salescope.analysis.breakdowns import MISSING_KEY
from salescope.lines import Lines
from salescope.metrics.definitions import ratio
from salescope.metrics.kpis import Windows
from salescope.metrics.query import expressions
from salescope.model import CampaignResult, ChannelStats, Marketing, Measure

__all__ = ["channel_key", "compute_marketing"]

WINDOW_KEYS: Final = ("cur", "prev")
SPEND_METRICS: Final = ("spend", "impressions", "clicks", "conversions")
TRAIN_BEFORE_DAYS: Final = 56  # the baseline is fitted on 8 weeks before a campaign...
TRAIN_AFTER_DAYS: Final = 28  # ...and 4 weeks after it
MIN_HISTORY_DAYS: Final = 56  # a campaign is analysed only with this much data before it
LOOKBACK_DAYS: Final = 365  # campaigns ending this long before the period end, or less
MIN_TRAIN_DAYS: Final = 28  # fewer usable days around a campaign: no baseline
LEVEL: Final = 0.95
MAX_RHO: Final = 0.9  # caps the autocorrelation inflation at (1 + 0.9) / (1 - 0.9) = 19
SALES_ONLY_NOTE: Final = (
    "channel efficiency (ROAS, CPA) needs a marketing spend table; channels show sales only"
)

FloatArray = npt.NDArray[np.float64]


def channel_key(name: str) -> str:
    """The matching key of a channel or campaign name: lower case, whitespace removed.

    >>> channel_key(" Paid  Search ")
    'paidsearch'
    """
    return re.sub(r"\s+", "", name).lower()


def _key(col: ir.StringValue) -> ir.StringValue:
    """:func:`channel_key` in the engine."""
    return col.re_replace(r"\s+", "").lower()


def compute_marketing(
    lines: Lines,
    windows: Windows,
    spend: ir.Table | None,
    campaigns: ir.Table | None,
) -> Marketing | None:
    """Channels (largest current revenue first) and recent campaigns (latest first).

    ``spend`` and ``campaigns`` are the normalised side tables (``SideTables.marketing``
    and ``SideTables.campaigns``). Returns None when the sales carry no channel and no
    spend table was read: there is nothing to say about marketing then.

    >>> m = compute_marketing(lines, windows, side.marketing, side.campaigns)  # doctest: +SKIP
    >>> m.channels[0].roas.value  # doctest: +SKIP
    4.21
    """
    has_channel = lines.has("channel")
    if not has_channel and spend is None:
        return None
    keys = tuple(k for k in WINDOW_KEYS if k in windows)
    sales = _sales_by_channel(lines, windows, keys) if has_channel else None
    new = (
        _new_by_channel(lines, windows, keys) if has_channel and lines.has("customer_id") else None
    )
    new_total = (
        {k: sum(new.get(c, k, "new") or 0.0 for c in new.values) for k in keys}
        if new is not None
        else {}
    )
    spent = _spend_by_channel(spend, windows, keys) if spend is not None else None
    inputs = _ChannelInputs(lines, windows, keys, sales, new, new_total, spent)
    total_spend, roas = _spend_totals(inputs)
    notes: list[str] = []
    if spent is None:
        notes.append(SALES_ONLY_NOTE)
    elif sales is None:
        notes.append("the sales carry no channel, so ROAS per channel is not available")
    elif not set(spent.sums.values) & set(sales.values):
        notes.append(
            "no channel of the spend table matches a sales channel, so the spend cannot be "
            "tied to revenue: ROAS is unknown (n/a), not zero"
        )
    elif unmatched := sorted(
        spent.sums.names[k] for k in set(spent.sums.values) - set(sales.values)
    ):
        notes.append(
            f"spend of {', '.join(unmatched)} matches no sales channel, so it cannot be tied "
            "to revenue: ROAS for "
            + ("it" if len(unmatched) == 1 else "them")
            + " is unknown (n/a), not zero, and the total ROAS counts the matched channels only"
        )
    if has_channel and not lines.has("customer_id"):
        notes.append("new customers per channel need a customer id column")
    results, campaign_notes = _campaigns(lines, windows, spend, campaigns)
    notes.extend(campaign_notes)
    return Marketing(
        source="spend table" if spend is not None else "sales only",
        channels=_channels(inputs),
        campaigns=results,
        spend=total_spend,
        roas=roas,
        notes=tuple(notes),
    )


# --- channels -------------------------------------------------------------------------------

Row = dict[str, float | None]


@dataclass(frozen=True)
class _Sums:
    """Sums per channel key and window (``values[key][window][metric]``), and display names."""

    values: dict[str, dict[str, Row]]
    names: dict[str, str]

    def get(self, key: str, window: str, metric: str) -> float | None:
        return self.values.get(key, {}).get(window, {}).get(metric)


@dataclass(frozen=True)
class _Spent:
    """The spend table's sums per channel; ``present``: the metrics with any value at all."""

    sums: _Sums
    present: frozenset[str]


def _collect(grouped: ir.Table) -> _Sums:
    """Rows of ``key``, optional ``name`` and ``<window>__<metric>`` columns, as ``_Sums``."""
    values: dict[str, dict[str, Row]] = {}
    names: dict[str, str] = {}
    for r in grouped.to_pyarrow().to_pylist():
        key = str(r.pop("key"))
        name = r.pop("name", None)
        names[key] = MISSING_KEY if name is None else str(name)
        per: dict[str, Row] = {}
        for column, value in r.items():
            window, metric = column.split("__", 1)
            per.setdefault(window, {})[metric] = None if value is None else float(value)
        values[key] = per
    return _Sums(values, names)


def _sales_by_channel(lines: Lines, windows: Windows, keys: tuple[str, ...]) -> _Sums:
    """Revenue, orders and customers per channel and window, in one query.

    Orders are distinct order ids, or lines when there is no order id (as for the KPIs).
    """
    t = lines.table
    t = t.filter(windows.any_flag(t, keys))
    aggs: dict[str, ir.Scalar] = {"name": t.channel.strip().min()}
    for k in keys:
        measures = expressions(t, lines, ("revenue", "orders", "customers"), windows.flag(t, k))
        aggs.update({f"{k}__{name}": agg for name, agg in measures.items()})
    return _collect(t.group_by(key=_key(t.channel).fill_null(MISSING_KEY)).aggregate(**aggs))


def _new_by_channel(lines: Lines, windows: Windows, keys: tuple[str, ...]) -> _Sums:
    """New customers per window by the channel of their first order.

    A customer is new in a window when their first purchase in all the data falls in it;
    the first order's channel is the channel of their lines on that first day (the smallest
    channel key when lines of that day came through several).
    """
    t = lines.table.filter(lines.table.customer_id.notnull())
    first = t.group_by("customer_id").aggregate(order_date=t.order_date.min())
    first = first.filter(windows.any_flag(first, keys))
    on_first_day = t.join(first, ["customer_id", "order_date"])
    per_customer = on_first_day.group_by("customer_id").aggregate(
        order_date=on_first_day.order_date.min(),
        key=_key(on_first_day.channel).min(),
    )
    c = per_customer
    aggs = {f"{k}__new": windows.flag(c, k).cast("int64").sum() for k in keys}
    return _collect(c.group_by(key=c.key.fill_null(MISSING_KEY)).aggregate(**aggs))


def _spend_by_channel(spend: ir.Table, windows: Windows, keys: tuple[str, ...]) -> _Spent:
    """Spend, impressions, clicks and conversions per channel and window (two queries)."""
    counts = spend.aggregate(**{m: spend[m].count() for m in SPEND_METRICS})
    row = counts.to_pyarrow().to_pylist()[0]
    present = frozenset(m for m in SPEND_METRICS if row[m])
    s = spend.filter(_any_window(spend.date, windows, keys))
    aggs: dict[str, ir.Scalar] = {"name": s.channel.strip().min()}
    for k in keys:
        w = windows.by_key[k]
        f = s.date.between(w.start, w.end)
        for m in sorted(present):
            aggs[f"{k}__{m}"] = s[m].sum(where=f)
    grouped = s.group_by(key=_key(s.channel).fill_null(MISSING_KEY)).aggregate(**aggs)
    return _Spent(_collect(grouped), present)


def _any_window(day: ir.DateValue, windows: Windows, keys: tuple[str, ...]) -> ir.BooleanValue:
    flags = [day.between(windows.by_key[k].start, windows.by_key[k].end) for k in keys]
    out = flags[0]
    for f in flags[1:]:
        out = out | f
    return out  # type: ignore[no-any-return]


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


@dataclass(frozen=True)
class _ChannelInputs:
    """What the channel figures are made from."""

    lines: Lines
    windows: Windows
    keys: tuple[str, ...]
    sales: _Sums | None  # None: the sales carry no channel
    new: _Sums | None  # None: no customer id (or no channel)
    new_total: dict[str, float]
    spent: _Spent | None


def _window_values(key: str, window: str, x: _ChannelInputs) -> Row:
    """Every channel figure for one window; absent keys mean 'not available'."""
    v: Row = {}
    if x.sales is not None:
        revenue = x.sales.get(key, window, "revenue") or 0.0
        orders = x.sales.get(key, window, "orders") or 0.0
        v.update(revenue=round(revenue, 2), orders=orders, aov=_round(ratio(revenue, orders), 2))
        if x.lines.has("customer_id"):
            v["customers"] = x.sales.get(key, window, "customers") or 0.0
        # a previous window that starts with the data has no history to tell new customers
        has_history = window == "cur" or x.lines.data_start < x.windows.by_key[window].start
        if x.new is not None and has_history:
            new = x.new.get(key, window, "new") or 0.0
            v["new_customers"] = new
            v["new_customer_share"] = _round(ratio(new, x.new_total.get(window)), 6)
    if x.spent is not None and key in x.spent.sums.values:
        for m in SPEND_METRICS:
            found = x.spent.sums.get(key, window, m)
            v[m] = (found or 0.0) if m in x.spent.present else None
        spend = _round(v["spend"], 2)
        v["spend"] = spend
        v["ctr"] = _round(ratio(v["clicks"], v["impressions"]), 6)
        v["conversion_rate"] = _round(ratio(v["conversions"], v["clicks"]), 6)
        v["cpa"] = _round(ratio(spend, v["conversions"]), 2)
        v["cost_per_new_customer"] = _round(ratio(spend, v.get("new_customers")), 2)
        # spend of a channel no sale names cannot be tied to revenue: its ROAS is unknown
        matched = x.sales is not None and key in x.sales.values
        v["roas"] = _round(ratio(v.get("revenue"), spend), 6) if matched else None
    return v


def _channel(key: str, x: _ChannelInputs) -> ChannelStats:
    cur = _window_values(key, "cur", x)
    prev = _window_values(key, "prev", x) if "prev" in x.keys else {}

    def m(metric: str) -> Measure:
        return Measure.of(cur.get(metric), prev.get(metric))

    def spend_side(metric: str) -> Measure | None:
        return m(metric) if "spend" in cur else None

    if x.sales is not None and key in x.sales.names:
        name = x.sales.names[key]
    else:
        name = x.spent.sums.names[key] if x.spent is not None else key
    return ChannelStats(
        channel=name,
        revenue=m("revenue"),
        orders=m("orders"),
        customers=m("customers"),
        new_customers=m("new_customers"),
        new_customer_share=m("new_customer_share"),
        aov=m("aov"),
        spend=spend_side("spend"),
        impressions=spend_side("impressions"),
        clicks=spend_side("clicks"),
        conversions=spend_side("conversions"),
        ctr=spend_side("ctr"),
        conversion_rate=spend_side("conversion_rate"),
        cpa=spend_side("cpa"),
        cost_per_new_customer=spend_side("cost_per_new_customer") if x.new else None,
        roas=spend_side("roas") if x.sales is not None else None,
    )


def _channels(x: _ChannelInputs) -> tuple[ChannelStats, ...]:
    """Every channel of the sales or the spend table, largest current revenue first."""
    keys = set(x.sales.values) if x.sales is not None else set()
    if x.spent is not None:
        keys |= set(x.spent.sums.values)
    stats = [_channel(k, x) for k in keys]

    def order(c: ChannelStats) -> tuple[float, float, str]:
        spend = c.spend.value if c.spend is not None else None
        return (-(c.revenue.value or 0.0), -(spend or 0.0), c.channel)

    return tuple(sorted(stats, key=order))


def _spend_totals(x: _ChannelInputs) -> tuple[Measure | None, Measure | None]:
    """All channels' spend, and the revenue of channels with spend / that spend, per window."""
    if x.spent is None or "spend" not in x.spent.present:
        return None, None
    spend: dict[str, float] = {}
    roas: dict[str, float | None] = {}
    for w in x.keys:
        by_key = {k: x.spent.sums.get(k, w, "spend") or 0.0 for k in x.spent.sums.values}
        spend[w] = round(sum(by_key.values()), 2)
        if x.sales is not None:  # spend of a channel no sale names is tied to no revenue
            matched = {k: s for k, s in by_key.items() if s > 0 and k in x.sales.values}
            revenue = sum(x.sales.get(k, w, "revenue") or 0.0 for k in matched)
            roas[w] = _round(ratio(revenue, sum(matched.values())), 6) if matched else None
    total = Measure.of(spend["cur"], spend.get("prev"))
    return total, Measure.of(roas["cur"], roas.get("prev")) if roas else None


# --- campaigns ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Campaign:
    name: str
    channel: str | None
    start: date
    end: date


@dataclass(frozen=True)
class _CampaignSpend:
    """A campaign's rows in the spend table: its dates, spend and the channel spent most on."""

    name: str
    start: date
    end: date
    spend: float | None
    channel: str | None


def _spend_by_campaign(spend: ir.Table) -> dict[str, _CampaignSpend]:
    """Per campaign key of the spend table's ``campaign`` column (one query)."""
    s = spend.filter(spend.campaign.notnull())
    grouped = s.group_by(key=_key(s.campaign), channel=s.channel.strip()).aggregate(
        name=s.campaign.strip().min(),
        start=s.date.min(),
        end=s.date.max(),
        spend=s.spend.sum(),
    )
    per_key: dict[str, list[dict[str, Any]]] = {}
    for r in grouped.to_pyarrow().to_pylist():
        per_key.setdefault(str(r["key"]), []).append(r)
    out: dict[str, _CampaignSpend] = {}
    for key, rows in per_key.items():
        spends = [float(r["spend"]) for r in rows if r["spend"] is not None]
        # the channel spent most on; ties (and no spend figures) go to the smallest name
        named = [r for r in rows if r["channel"] is not None]
        top = min(named, key=lambda r: (-float(r["spend"] or 0.0), str(r["channel"])), default=None)
        out[key] = _CampaignSpend(
            name=min(str(r["name"]) for r in rows),
            start=min(r["start"] for r in rows),
            end=max(r["end"] for r in rows),
            spend=round(sum(spends), 2) if spends else None,
            channel=None if top is None else str(top["channel"]),
        )
    return out


def _campaign_list(
    campaigns: ir.Table | None, spent: dict[str, _CampaignSpend]
) -> tuple[_Campaign, ...]:
    """Campaign windows from the campaigns table, else from the spend table's campaigns.

    A campaign without a channel in the campaigns table takes the channel it was spent on.
    """
    if campaigns is None:
        return tuple(_Campaign(c.name, c.channel, c.start, c.end) for c in spent.values())
    c = campaigns
    rows = (
        c.select(name=c.campaign.strip(), channel=c.channel.strip(), start=c.start, end=c.end)
        .distinct()
        .to_pyarrow()
        .to_pylist()
    )
    out = []
    for r in rows:
        name = str(r["name"])
        channel = r["channel"]
        if channel is None and channel_key(name) in spent:
            channel = spent[channel_key(name)].channel
        out.append(_Campaign(name, None if channel is None else str(channel), r["start"], r["end"]))
    return tuple(sorted(out, key=lambda x: (x.start, x.end, x.name)))


@dataclass(frozen=True)
class _Metric:
    """One daily measure, every calendar day (zeros filled): all sales, and per campaign
    channel key the channel's own (``channel``) and all other channels' (``others``)."""

    total: FloatArray
    channel: dict[str, FloatArray]
    others: dict[str, FloatArray]


@dataclass(frozen=True)
class _Daily:
    """Daily revenue and orders from ``start``; ``sold`` holds the channel keys with any
    sales line."""

    start: date
    revenue: _Metric
    orders: _Metric
    sold: frozenset[str]

    @property
    def end(self) -> date:
        return self.start + timedelta(days=len(self.revenue.total) - 1)


def _daily(lines: Lines, first: date, last: date, channel_keys: set[str]) -> _Daily:
    """One query: revenue and orders per day, in total and in and outside each campaign
    channel.

    Orders are distinct order ids with a sale line (no order id: sale lines). Return lines
    are left out of the counts: a return is its own order, dated up to weeks after the
    purchase, and is no purchase a campaign could have brought.
    """
    t = lines.table
    t = t.filter(t.order_date.between(first, last))
    sale = ~t.is_return

    def orders(where: ir.BooleanValue) -> ir.Scalar:
        return expressions(t, lines, ("orders",), where)["orders"]

    ordered = sorted(channel_keys)
    aggs: dict[str, ir.Scalar] = {"revenue": t.revenue.sum(), "orders": orders(sale)}
    if ordered:
        key = _key(t.channel)
        for i, k in enumerate(ordered):
            mine = (key == k).fill_null(False)
            aggs[f"revenue_in{i}"] = t.revenue.sum(where=mine)
            aggs[f"revenue_out{i}"] = t.revenue.sum(where=~mine)
            aggs[f"orders_in{i}"] = orders(sale & mine)
            aggs[f"orders_out{i}"] = orders(sale & ~mine)
    rows = t.group_by("order_date").aggregate(**aggs).to_pyarrow().to_pylist()
    n = (last - first).days + 1
    metrics = {
        m: _Metric(
            np.zeros(n), {k: np.zeros(n) for k in ordered}, {k: np.zeros(n) for k in ordered}
        )
        for m in ("revenue", "orders")
    }
    sold: set[str] = set()
    for r in rows:
        i = (r["order_date"] - first).days
        for m, metric in metrics.items():
            metric.total[i] = float(r[m] or 0.0)
            for j, k in enumerate(ordered):
                metric.channel[k][i] = float(r[f"{m}_in{j}"] or 0.0)
                metric.others[k][i] = float(r[f"{m}_out{j}"] or 0.0)
        sold.update(k for j, k in enumerate(ordered) if r[f"revenue_in{j}"] is not None)
    return _Daily(first, metrics["revenue"], metrics["orders"], frozenset(sold))


def _campaigns(
    lines: Lines,
    windows: Windows,
    spend: ir.Table | None,
    campaigns: ir.Table | None,
) -> tuple[tuple[CampaignResult, ...], list[str]]:
    """Campaigns ending within a year before the period end, each against its baseline.

    A campaign needs ``MIN_HISTORY_DAYS`` of data before its start (a baseline needs
    history); one that runs past the last day of data is measured up to that day.
    """
    spent = _spend_by_campaign(spend) if spend is not None else {}
    found = _campaign_list(campaigns, spent)
    cur = windows.by_key["cur"]
    chosen = [
        c
        for c in found
        if cur.end - timedelta(days=LOOKBACK_DAYS) <= c.end <= cur.end
        and c.start >= lines.data_start + timedelta(days=MIN_HISTORY_DAYS)
        and c.start <= lines.data_end
    ]
    if not chosen:
        return (), []
    first = max(min(c.start for c in chosen) - timedelta(TRAIN_BEFORE_DAYS), lines.data_start)
    last = min(max(c.end for c in chosen) + timedelta(TRAIN_AFTER_DAYS), lines.data_end)
    channel_keys = (
        {channel_key(c.channel) for c in chosen if c.channel} if lines.has("channel") else set()
    )
    daily = _daily(lines, first, last, channel_keys)
    results: list[CampaignResult] = []
    notes: list[str] = []
    for c in chosen:
        found_spend = spent.get(channel_key(c.name))
        result = _evaluate(c, found, daily, cur.start, cur.end)
        if result is None:
            notes.append(f"campaign {c.name}: too few days around it to fit a baseline")
            continue
        amount = None if found_spend is None else found_spend.spend
        roas = _round(ratio(result.incremental_revenue, amount), 4) if amount else None
        results.append(replace(result, spend=amount, incremental_roas=roas))
    results.sort(key=lambda r: (r.end, r.start, r.name), reverse=True)
    return tuple(results), notes


@dataclass(frozen=True)
class _Pair:
    """A measured daily series and its control (None: no control, the trend model)."""

    y: FloatArray
    control: FloatArray | None


@dataclass(frozen=True)
class _Series:
    """The days around one campaign: measured revenue and orders with their controls, and
    day flags."""

    days: list[date]
    revenue: _Pair
    orders: _Pair
    inside: npt.NDArray[np.bool_]
    train: npt.NDArray[np.bool_]
    measured_on: str
    left_out: bool  # days of other campaigns were left out of the fit
    unmatched: bool = False  # the campaign's channel has no sales line: all revenue measured


def _series(c: _Campaign, found: tuple[_Campaign, ...], daily: _Daily) -> _Series:
    """The measured series (the campaign's channel, else all sales) and its training days.

    Days of other campaigns that touch the measured series are left out of the training
    days: those of the same channel and those without a channel (or every campaign, when
    the measured series is all sales).
    """
    first = max(c.start - timedelta(TRAIN_BEFORE_DAYS), daily.start)
    last = min(c.end + timedelta(TRAIN_AFTER_DAYS), daily.end)
    lo, hi = (first - daily.start).days, (last - daily.start).days + 1
    days = [first + timedelta(i) for i in range(hi - lo)]
    key = channel_key(c.channel) if c.channel else None
    with_control = key is not None and key in daily.sold

    def pair(m: _Metric) -> _Pair:
        if key is not None and with_control:
            return _Pair(m.channel[key][lo:hi], m.others[key][lo:hi])
        return _Pair(m.total[lo:hi], None)

    measured_on = f"{c.channel} channel revenue" if with_control else "all revenue"
    stamp = np.array([d.toordinal() for d in days])
    inside = (stamp >= c.start.toordinal()) & (stamp <= c.end.toordinal())
    touching = [
        o
        for o in found
        if o != c and (not with_control or o.channel is None or channel_key(o.channel) == key)
    ]
    other = np.zeros(len(days), dtype=np.bool_)
    for o in touching:
        other |= (stamp >= o.start.toordinal()) & (stamp <= o.end.toordinal())
    other &= ~inside
    unmatched = key is not None and key in daily.revenue.channel and key not in daily.sold
    train = ~inside & ~other
    return _Series(
        days,
        pair(daily.revenue),
        pair(daily.orders),
        inside,
        train,
        measured_on,
        bool(other.any()),
        unmatched,
    )


def _design(days: list[date], control: FloatArray | None) -> FloatArray:
    """Regressors: control and sum-to-zero weekday effects, or intercept, trend and weekdays.

    With a control there is no intercept column: the weekday effects are coded against
    Monday (+1 on the day, -1 on Mondays), so over a whole week they add nothing and the
    level comes from the control alone.
    """
    weekday = np.array([d.weekday() for d in days])
    if control is not None:
        effects = [(weekday == k).astype(float) - (weekday == 0) for k in range(1, 7)]
        return np.column_stack([control, *effects])
    trend = np.arange(len(days), dtype=np.float64)
    dummies = [(weekday == k).astype(float) for k in range(1, 7)]
    return np.column_stack([np.ones(len(days)), trend, *dummies])


def _lag1_autocorrelation(residuals: FloatArray, days: list[date]) -> float:
    """Lag-1 autocorrelation of the training residuals over pairs of consecutive days."""
    stamp = np.array([d.toordinal() for d in days])
    pairs = np.diff(stamp) == 1
    denominator = float(np.sum(residuals**2))
    if denominator <= 0 or not pairs.any():
        return 0.0
    numerator = float(np.sum(residuals[:-1][pairs] * residuals[1:][pairs]))
    return numerator / denominator


@dataclass(frozen=True)
class _Estimate:
    """The summed measured series over the campaign days, its baseline and interval."""

    actual: float
    baseline: float
    low: float
    high: float
    use_control: bool
    df: int
    rho: float
    inflation: float

    @property
    def incremental(self) -> float:
        return self.actual - self.baseline

    @property
    def uplift_pct(self) -> float | None:
        return _round(100.0 * self.incremental / self.baseline, 4) if self.baseline > 0 else None

    @property
    def interval(self) -> tuple[float, float]:
        return (round(self.low, 2), round(self.high, 2))

    @property
    def significant(self) -> bool:
        return bool(self.low > 0 or self.high < 0)


def _estimate(s: _Series, series: _Pair) -> _Estimate | None:
    """Incremental sum of ``series.y`` over the campaign days against an OLS baseline.

    The control is used when it has any value on the training days, else the trend model.
    The variance of the summed difference is ``1'X Cov(b) X'1 + n x s^2``, the second part
    inflated for positive lag-1 autocorrelation of the training residuals; the interval is a
    Student t at ``LEVEL``. None without enough training days or degrees of freedom.
    """
    n_inside, n_train = int(s.inside.sum()), int(s.train.sum())
    if n_inside == 0 or n_train < MIN_TRAIN_DAYS:
        return None
    control = series.control
    use_control = control is not None and float(control[s.train].sum()) > 0
    x = _design(s.days, control if use_control else None)
    fit = models.ols(series.y[s.train], x[s.train])
    df = fit.df_resid
    if df < 1:
        return None
    params = fit.params
    actual = float(series.y[s.inside].sum())
    baseline = float((x[s.inside] @ params).sum())
    train_days = [d for d, keep in zip(s.days, s.train, strict=True) if keep]
    rho = min(_lag1_autocorrelation(fit.resid, train_days), MAX_RHO)
    inflation = (1 + rho) / (1 - rho) if rho > 0 else 1.0
    ones = x[s.inside].sum(axis=0)
    variance = float(ones @ fit.cov_params @ ones) + n_inside * fit.scale * inflation
    half = models.t_quantile(0.5 + LEVEL / 2, df) * math.sqrt(max(variance, 0.0))
    incremental = actual - baseline
    return _Estimate(
        actual,
        baseline,
        incremental - half,
        incremental + half,
        use_control,
        int(df),
        rho,
        inflation,
    )


def _evaluate(
    c: _Campaign, found: tuple[_Campaign, ...], daily: _Daily, period_start: date, period_end: date
) -> CampaignResult | None:
    """Incremental revenue and orders over the campaign days with their intervals; None
    without enough training days for revenue (orders are None alone when their fit fails)."""
    s = _series(c, found, daily)
    revenue = _estimate(s, s.revenue)
    if revenue is None:
        return None
    orders = _estimate(s, s.orders)
    evaluated_end = max(d for d, inside in zip(s.days, s.inside, strict=True) if inside)
    return CampaignResult(
        name=c.name,
        channel=c.channel,
        start=c.start,
        end=c.end,
        in_period=c.start <= period_end and c.end >= period_start,
        days=int(s.inside.sum()),
        measured_on=s.measured_on,
        revenue=round(revenue.actual, 2),
        baseline=round(revenue.baseline, 2),
        incremental_revenue=round(revenue.incremental, 2),
        uplift_pct=revenue.uplift_pct,
        interval=revenue.interval,
        level=LEVEL,
        significant=_claimed(revenue, orders),
        method=_method(s, c.start, revenue, orders, evaluated_end < c.end),
        orders=None if orders is None else round(orders.actual, 2),
        baseline_orders=None if orders is None else round(orders.baseline, 2),
        incremental_orders=None if orders is None else round(orders.incremental, 2),
        orders_uplift_pct=None if orders is None else orders.uplift_pct,
        orders_interval=None if orders is None else orders.interval,
        orders_significant=None if orders is None else orders.significant,
    )


def _claimed(revenue: _Estimate, orders: _Estimate | None) -> bool:
    """A revenue uplift is claimed when its interval excludes zero and the orders agree.

    Daily revenue is heavy-tailed (a few large baskets), so its interval is too narrow now
    and then; a revenue effect with no orders effect in the same direction is more likely
    such baskets than the campaign. Without an orders estimate the revenue interval decides.
    """
    if not revenue.significant:
        return False
    if orders is None:
        return True
    return orders.significant and (orders.incremental > 0) == (revenue.incremental > 0)


def _method(
    s: _Series, start: date, revenue: _Estimate, orders: _Estimate | None, cut: bool
) -> str:
    """The model in words, for the report's method notes."""
    n_train = int(s.train.sum())
    before = sum(1 for d, keep in zip(s.days, s.train, strict=True) if keep and d < start)
    if revenue.use_control:
        model = (
            f"OLS of daily {s.measured_on} on the same day's revenue of all other channels "
            "and weekday effects (no free intercept)"
        )
    else:
        series = "total revenue" if s.revenue.control is None else s.measured_on
        model = f"OLS of daily {series} on a linear trend and weekday effects"
    parts = [
        f"{model}, fitted on {n_train} days around the campaign ({before} before, "
        f"{n_train - before} after)",
    ]
    if s.unmatched:
        parts.append("the campaign's channel has no sales lines, so all revenue is measured")
    if s.left_out:
        parts.append("days of other campaigns on the same series left out")
    parts.append(
        f"{round(LEVEL * 100)}% interval from a Student t with {revenue.df} degrees of freedom"
    )
    if round(revenue.inflation, 2) > 1:
        parts.append(
            f"day-to-day noise inflated {revenue.inflation:.2f}x for autocorrelation "
            f"(lag-1 {revenue.rho:.2f})"
        )
    if cut:
        parts.append("measured up to the last day of data")
    parts.append(_orders_method(orders))
    return "; ".join(parts)


def _orders_method(orders: _Estimate | None) -> str:
    """The orders estimate in words."""
    if orders is None:
        return "orders: too few usable days for a baseline"
    control = (
        "the same day's orders of all other channels" if orders.use_control else "a linear trend"
    )
    text = f"orders: the same model on daily orders (returns left out) against {control}"
    if round(orders.inflation, 2) > 1:
        text += f", noise inflated {orders.inflation:.2f}x (lag-1 {orders.rho:.2f})"
    return text
