"""Facts: every number a report may print, under a stable id.

Text is built from facts only, so each figure in any output can be traced
back to ``report.json``'s ``facts`` block.
"""

from __future__ import annotations

from salescope import fact_ids as ids
from salescope.fact_ids import slug
from salescope.model import (
    HOLIDAYS_LISTED,
    QUALITY_SCALE,
    STOCKOUTS_LISTED,
    STOCKOUTS_NAMED,
    Anomaly,
    Breakdown,
    Customers,
    Drivers,
    Fact,
    Forecast,
    Inventory,
    Kpi,
    Marketing,
    Measure,
    Operations,
    Pace,
    Quality,
    Seasonality,
    Team,
    TimeSeries,
    Trend,
    UnusualDays,
)


def _add(
    facts: dict[str, Fact], fid: str, value: float | int | str | None, unit: str, label: str
) -> None:
    if value is not None:
        facts[fid] = Fact(fid, value, unit, label)


def kpi_facts(facts: dict[str, Fact], kpis: tuple[Kpi, ...]) -> None:
    """``kpi.<name>`` with ``.previous``, ``.change_pct``, ``.yoy``, ``.yoy_change_pct``."""
    for k in kpis:
        _add(facts, ids.kpi(k.name), k.value, k.unit, k.label)
        _add(facts, ids.kpi(k.name, "previous"), k.previous, k.unit, f"{k.label}, previous period")
        _add(
            facts,
            ids.kpi(k.name, "change_pct"),
            k.change_pct,
            "percent",
            f"{k.label}, change vs previous period",
        )
        _add(facts, ids.kpi(k.name, "yoy"), k.yoy_value, k.unit, f"{k.label}, a year earlier")
        _add(
            facts,
            ids.kpi(k.name, "yoy_change_pct"),
            k.yoy_change_pct,
            "percent",
            f"{k.label}, change vs a year earlier",
        )
        # a rate's move is read in points (docs/metrics.md)
        _add(
            facts,
            ids.kpi(k.name, "change_points"),
            k.change_points,
            "fraction",
            f"{k.label}, change vs previous period in points",
        )
        _add(
            facts,
            ids.kpi(k.name, "yoy_change_points"),
            k.yoy_change_points,
            "fraction",
            f"{k.label}, change vs a year earlier in points",
        )


def breakdown_facts(facts: dict[str, Fact], breakdowns: tuple[Breakdown, ...]) -> None:
    """``breakdown.<role>.<rank>.<measure>``, ``.members`` and ``.listed``."""
    for b in breakdowns:
        for rank, m in enumerate(b.rows, start=1):
            base = f"breakdown.{b.role}.{rank}"
            _add(facts, f"{base}.revenue", m.revenue, "currency", f"{b.label} {m.key}: revenue")
            _add(facts, f"{base}.share", m.share, "fraction", f"{b.label} {m.key}: share")
            _add(
                facts,
                f"{base}.previous",
                m.previous,
                "currency",
                f"{b.label} {m.key}: previous revenue",
            )
            _add(facts, f"{base}.change", m.change, "currency", f"{b.label} {m.key}: change")
            _add(facts, f"{base}.change_pct", m.change_pct, "percent", f"{b.label} {m.key}: change")
            _add(facts, f"{base}.orders", m.orders, "count", f"{b.label} {m.key}: orders")
        _add(facts, ids.breakdown_members(b.role), b.members, "count", f"{b.label}: members")
        _add(facts, f"breakdown.{b.role}.listed", len(b.rows), "count", f"{b.label}: listed")


def series_facts(facts: dict[str, Fact], timeseries: TimeSeries) -> None:
    """``timeseries.<grain>.<YYYY-MM>.<measure>``: one per month of the series."""
    for p in timeseries.points:
        base = f"timeseries.{timeseries.grain}.{p.date.isoformat()[:7]}"
        _add(facts, f"{base}.revenue", p.revenue, "currency", f"revenue in {p.date:%B %Y}")
        _add(facts, f"{base}.orders", p.orders, "count", f"orders in {p.date:%B %Y}")
        _add(facts, f"{base}.units", p.units, "number", f"units in {p.date:%B %Y}")
        _add(facts, f"{base}.customers", p.customers, "count", f"customers in {p.date:%B %Y}")
        _add(facts, f"{base}.month", f"{p.date:%Y-%m}", "month", f"{p.date:%B %Y}")


def quality_facts(facts: dict[str, Fact], quality: Quality) -> None:
    """Rows read, accepted and quarantined, the score and its parts, checks, line types."""
    _add(facts, ids.quality("rows_read"), quality.rows_read, "count", "rows read")
    _add(facts, ids.quality("rows_accepted"), quality.rows_accepted, "count", "rows accepted")
    _add(
        facts,
        ids.quality("rows_quarantined"),
        quality.rows_quarantined,
        "count",
        "rows quarantined",
    )
    _add(facts, ids.quality("score"), quality.score, "score", "data quality score")
    _add(facts, "quality.score_scale", QUALITY_SCALE, "count", "the best possible quality score")
    for part, value in quality.score_parts.items():
        _add(facts, f"quality.score_part.{slug(part)}", value, "fraction", f"quality: {part}")
    for i, c in enumerate(quality.checks, start=1):
        _add(facts, f"quality.check.{c.code}.rows", c.rows, "count", c.message)
        _add(facts, f"quality.check.{i}.rows", c.rows, "count", c.message)
        share = c.rows / quality.rows_accepted if quality.rows_accepted else None
        _add(facts, f"quality.check.{i}.row_share", share, "fraction", f"{c.message}: share")
        _add(facts, f"quality.check.{i}.revenue_share", c.revenue_share, "fraction", c.message)
    for lt in quality.line_types:
        what = lt.type.replace("_", " ")
        _add(facts, f"quality.line_type.{lt.type}.lines", lt.lines, "count", f"{what} lines")
        _add(
            facts, f"quality.line_type.{lt.type}.revenue", lt.revenue, "currency", f"{what} revenue"
        )
    for t in quality.side_tables:
        _add(facts, f"quality.side.{t.kind}.rows", t.rows, "count", f"{t.path}: rows")
        _add(facts, f"quality.side.{t.kind}.rows_used", t.rows_used, "count", f"{t.path}: used")


def driver_facts(facts: dict[str, Fact], d: Drivers) -> None:
    """The revenue bridge, the contributors by rank and concentration per dimension."""
    _add(facts, "drivers.revenue_change", d.revenue_change, "currency", "revenue change")
    _add(facts, "drivers.volume", d.volume, "currency", "volume effect")
    _add(facts, "drivers.price", d.price, "currency", "price effect")
    _add(facts, "drivers.mix", d.mix, "currency", "mix effect")
    _add(facts, "drivers.threshold", d.threshold, "fraction", "contributor threshold")
    _add(facts, ids.cancelled_pairs(), d.cancelled_pairs, "count", "cancelled orders set aside")
    _add(facts, ids.cancelled_returns(), d.cancelled_returns, "currency", "returns that cancelled")
    _add(facts, ids.cancel_days(), d.cancel_days, "count", "days within which a return cancels")
    for i, member in enumerate(d.contributors, start=1):
        label = f"{member.key} ({member.dimension.replace('_', ' ')})"
        _add(facts, ids.contributor(i, "change"), member.change, "currency", f"{label}: change")
        _add(facts, ids.contributor(i, "revenue"), member.revenue, "currency", f"{label}: revenue")
        _add(
            facts,
            ids.contributor(i, "revenue.previous"),
            member.previous,
            "currency",
            f"{label}: revenue, previous period",
        )
        _add(
            facts,
            ids.contributor(i, "share_of_change"),
            member.share_of_change,
            "fraction",
            f"{label}: share of the change",
        )
        _add(facts, ids.contributor(i, "share"), member.share, "fraction", f"{label}: share")
        _add(
            facts,
            ids.contributor(i, "previous_share"),
            member.previous_share,
            "fraction",
            f"{label}: previous share",
        )
    for conc in d.concentration:
        _add(
            facts,
            ids.concentration(conc.dimension, "top1_share"),
            conc.top1_share,
            "fraction",
            f"{conc.dimension}: largest member's share",
        )
        _add(
            facts,
            ids.concentration(conc.dimension, "hhi"),
            conc.hhi,
            "fraction",
            f"{conc.dimension}: HHI",
        )


def pace_facts(facts: dict[str, Fact], pace: tuple[Pace, ...]) -> None:
    for period_to_date in pace:
        _pace_facts(facts, period_to_date)


def customer_facts(facts: dict[str, Fact], c: Customers) -> None:
    base = "customers"
    _add(facts, f"{base}.new_revenue", c.new_revenue, "currency", "revenue from new customers")
    _add(
        facts,
        f"{base}.returning_revenue",
        c.returning_revenue,
        "currency",
        "revenue from returning customers",
    )
    _add(
        facts,
        ids.customers("new_revenue_share"),
        c.new_revenue_share,
        "fraction",
        "share of revenue from new customers",
    )
    _add(
        facts,
        ids.customers("new_revenue_share.previous"),
        c.previous_new_revenue_share,
        "fraction",
        "share of revenue from new customers, previous period",
    )
    _add(facts, f"{base}.churn_rate", c.churn_rate, "fraction", "churn rate")
    for key, share in c.top_shares.items():
        label = key.replace("top_", "top ").replace("pct", "%")
        _add(
            facts, f"{base}.{key}_share", share, "fraction", f"{label} of customers' revenue share"
        )
    if c.value is not None:
        v = c.value
        _add(
            facts,
            f"{base}.value.revenue_per_customer",
            v.revenue_per_customer,
            "currency",
            "revenue per customer over the last 12 months",
        )
        _add(
            facts,
            f"{base}.value.orders_per_customer",
            v.orders_per_customer,
            "number",
            "orders per customer over the last 12 months",
        )
        _add(
            facts,
            f"{base}.value.yearly_retention",
            v.yearly_retention,
            "fraction",
            "customers of the year before still buying",
        )
        _add(
            facts,
            f"{base}.value.lifetime_years",
            v.lifetime_years,
            "number",
            "expected customer lifetime in years",
        )
        _add(facts, f"{base}.value.clv", v.value, "currency", "historical customer lifetime value")
    _add(facts, f"{base}.rfm.lookback_days", c.lookback_days, "count", "RFM lookback in days")
    for seg in c.rfm:
        sb = f"{base}.rfm.{slug(seg.segment)}"
        _add(facts, f"{sb}.customers", seg.customers, "count", f"{seg.segment}: customers")
        _add(facts, f"{sb}.revenue", seg.revenue, "currency", f"{seg.segment}: revenue")
        _add(facts, f"{sb}.share", seg.share, "fraction", f"{seg.segment}: share of customers")
        _add(
            facts,
            f"{sb}.revenue_share",
            seg.revenue_share,
            "fraction",
            f"{seg.segment}: share of revenue",
        )
        _add(
            facts,
            f"{sb}.previous_customers",
            seg.previous_customers,
            "count",
            f"{seg.segment}: customers at the previous period end",
        )
    for i, move in enumerate(c.moves, start=1):
        label = f"{move.source} to {move.target}"
        _add(facts, ids.customer_move(i), move.customers, "count", f"{label}: customers")
        _add(facts, f"{base}.move.{i}.revenue", move.revenue, "currency", f"{label}: revenue")
    for k, rate in enumerate(c.retention_curve):
        if k:
            _add(
                facts,
                f"{base}.retention.month_{k}",
                rate,
                "fraction",
                f"customers buying again {k} {'month' if k == 1 else 'months'} after their first",
            )
    for h in c.cohorts:
        hb = f"{base}.cohort.{h.month:%Y-%m}"
        _add(facts, f"{hb}.customers", h.customers, "count", f"new customers in {h.month:%B %Y}")
        _add(facts, f"{hb}.month", f"{h.month:%Y-%m}", "month", f"cohort of {h.month:%B %Y}")
        for k, rate in enumerate(h.retention):
            if k:
                _add(
                    facts,
                    f"{hb}.month_{k}",
                    rate,
                    "fraction",
                    f"{h.month:%B %Y} cohort: buying {k} {'month' if k == 1 else 'months'} later",
                )


def trend_facts(facts: dict[str, Fact], t: Trend) -> None:
    _add(facts, ids.trend("slope_per_month"), t.slope_per_month, "currency", "trend per month")
    _add(facts, "trend.slope_pct", t.slope_pct, "fraction", "trend per month, share of a month")
    _add(facts, "trend.p_value", t.p_value, "number", "p-value of the trend")
    _add(facts, ids.trend("months"), t.months, "count", "full months in the trend fit")
    _add(facts, "trend.start", f"{t.start:%Y-%m}", "month", "first month of the trend fit")
    _add(facts, "trend.end", f"{t.end:%Y-%m}", "month", "last month of the trend fit")
    if t.cmgr_start is not None:
        _add(facts, "trend.cmgr_start", f"{t.cmgr_start:%Y-%m}", "month", "growth measured since")
    _add(facts, "trend.cmgr", t.cmgr, "fraction", "compound monthly growth rate")
    _add(facts, "trend.yoy_growth", t.yoy_growth, "fraction", "last 12 months vs the 12 before")
    for key, pair in (("best_month", t.best_month), ("worst_month", t.worst_month)):
        if pair is not None:
            name = key.replace("_", " ")
            _add(
                facts,
                f"trend.{key}.revenue",
                pair.revenue,
                "currency",
                f"{name}: revenue in {pair.month:%B %Y}",
            )
            _add(facts, f"trend.{key}.month", f"{pair.month:%Y-%m}", "month", name)


def season_facts(facts: dict[str, Fact], s: Seasonality) -> None:
    _add(facts, "seasonality.weeks", s.weeks, "count", "full weeks of data")
    _add(facts, "seasonality.months", s.months, "count", "full months of data")
    for part, indices in (("weekly", s.weekly), ("yearly", s.yearly)):
        for key, value in (indices or {}).items():
            _add(facts, f"seasonality.{part}.{key}", value, "index", f"{key} against an average")
    _add(
        facts,
        "seasonality.weekly_strength",
        s.weekly_strength,
        "fraction",
        "strength of the weekly pattern",
    )
    _add(
        facts,
        "seasonality.yearly_strength",
        s.yearly_strength,
        "fraction",
        "strength of the yearly pattern",
    )


def anomaly_facts(facts: dict[str, Fact], anomalies: tuple[Anomaly, ...]) -> None:
    _add(facts, "anomalies.count", len(anomalies), "count", "unusual days")
    _add(
        facts,
        ids.ANOMALIES_IN_PERIOD,
        sum(a.in_period for a in anomalies),
        "count",
        "unusual days in the period",
    )
    _add(
        facts,
        "anomalies.outside_period",
        sum(not a.in_period for a in anomalies),
        "count",
        "unusual days outside the period",
    )
    for a in anomalies:
        base = f"anomaly.{a.date.isoformat()}"
        _add(facts, f"{base}.date", a.date.isoformat(), "date", "an unusual day")
        _add(facts, ids.anomaly(a.date, "revenue"), a.revenue, "currency", f"revenue on {a.date}")
        _add(
            facts,
            ids.anomaly(a.date, "expected"),
            a.expected,
            "currency",
            f"expected revenue on {a.date}",
        )
        _add(
            facts, f"{base}.deviation", a.revenue - a.expected, "currency", f"deviation on {a.date}"
        )
        _add(facts, f"{base}.deviation_pct", a.change_pct, "percent", f"deviation on {a.date}")
        _add(facts, f"{base}.score", a.score, "number", f"robust z on {a.date}")
        for i, e in enumerate(a.explained_by, start=1):
            label = f"{e.dimension} {e.key} on {a.date}"
            _add(
                facts,
                f"{base}.explained.{i}.deviation",
                e.deviation,
                "currency",
                f"{label}: deviation",
            )
            _add(
                facts,
                f"{base}.explained.{i}.share",
                e.share,
                "fraction",
                f"{label}: share of the deviation",
            )
            _add(
                facts,
                f"{base}.explained.{i}.usual_share",
                e.usual_share,
                "fraction",
                f"{label}: usual share",
            )


def unusual_day_facts(facts: dict[str, Fact], u: UnusualDays) -> None:
    """The order-volume rule and each holiday set aside (``holiday.<date>``)."""
    _add(facts, "unusual_days.orders_per_day", u.orders_per_day, "number", "orders a day")
    _add(
        facts,
        "unusual_days.min_orders_per_day",
        u.min_orders_per_day,
        "count",
        "orders a day needed to call a day unusual",
    )
    shown = [h for h in u.holidays if h.trade != "usual"]
    _add(facts, "unusual_days.holidays", len(u.holidays), "count", "holidays set aside")
    _add(
        facts,
        "unusual_days.holidays_closed_or_quiet",
        len(shown),
        "count",
        "holidays closed or quiet",
    )
    _add(
        facts,
        "unusual_days.holidays_not_listed",
        max(len(shown) - HOLIDAYS_LISTED, 0),
        "count",
        "closed or quiet holidays not listed",
    )
    for h in u.holidays:
        base = f"holiday.{h.date.isoformat()}"
        _add(facts, f"{base}.date", h.date.isoformat(), "date", h.name)
        _add(facts, f"{base}.revenue", h.revenue, "currency", f"revenue on {h.date}")
        _add(facts, f"{base}.usual", h.usual, "currency", f"usual revenue on {h.date}")


def forecast_facts(facts: dict[str, Fact], f: Forecast) -> None:
    _add(
        facts, ids.forecast("backtest_mape"), f.backtest_mape, "fraction", "forecast backtest error"
    )
    _add(facts, ids.forecast("level"), f.level, "fraction", "forecast interval level")
    _add(facts, ids.forecast("horizon"), f.horizon, "count", "months forecast")
    for p in f.points:
        base = f"forecast.{p.date:%Y-%m}"
        _add(facts, f"{base}.month", f"{p.date:%Y-%m}", "month", f"forecast month {p.date:%B %Y}")
        month = ids.forecast_month(p.date)
        _add(facts, month, p.value, "currency", f"forecast for {p.date:%B %Y}")
        _add(facts, f"{base}.lower", p.lower, "currency", f"forecast low for {p.date:%B %Y}")
        _add(facts, f"{base}.upper", p.upper, "currency", f"forecast high for {p.date:%B %Y}")
    if f.points:
        _add(
            facts,
            ids.forecast("total"),
            round(sum(p.value for p in f.points), 2),
            "currency",
            "forecast revenue over the horizon",
        )


def _pace_facts(facts: dict[str, Fact], p: Pace) -> None:
    base = f"pace.{p.kind.lower()}"
    _add(facts, f"{base}.revenue", p.revenue, "currency", f"{p.label} to date")
    _add(facts, f"{base}.last_year", p.last_year, "currency", f"{p.label}: same days a year ago")
    _add(facts, f"{base}.change_pct", p.change_pct, "percent", f"{p.label} to date vs a year ago")
    _add(facts, f"{base}.projected", p.projected, "currency", f"{p.label}: projected total")
    _add(
        facts,
        f"{base}.last_year_total",
        p.last_year_total,
        "currency",
        f"{p.label}: a year earlier, whole period",
    )
    _add(facts, f"{base}.days_elapsed", p.days_elapsed, "count", f"{p.label}: days elapsed")
    _add(facts, f"{base}.days_total", p.days_total, "count", f"{p.label}: days in total")


def _measure(facts: dict[str, Fact], fid: str, m: Measure | None, unit: str, label: str) -> None:
    """A measure's value, previous value and change: ``fid``, ``.previous``, ``.change_pct``."""
    if m is None:
        return
    _add(facts, fid, m.value, unit, label)
    _add(facts, f"{fid}.previous", m.previous, unit, f"{label}, previous period")
    _add(facts, f"{fid}.change_pct", m.change_pct, "percent", f"{label}, change")


CHANNEL_MEASURES: tuple[tuple[str, str, str], ...] = (
    ("revenue", "currency", "revenue"),
    ("orders", "count", "orders"),
    ("customers", "count", "customers"),
    ("new_customers", "count", "new customers"),
    ("new_customer_share", "fraction", "share of new customers"),
    ("aov", "currency", "average order value"),
    ("spend", "currency", "spend"),
    ("impressions", "count", "impressions"),
    ("clicks", "count", "clicks"),
    ("conversions", "count", "conversions"),
    ("ctr", "fraction", "click-through rate"),
    ("conversion_rate", "fraction", "conversion rate"),
    ("cpa", "currency", "cost per acquisition"),
    ("cost_per_new_customer", "currency", "cost per new customer"),
    ("roas", "number", "return on ad spend"),
)
REP_MEASURES: tuple[tuple[str, str, str], ...] = (
    ("revenue", "currency", "revenue"),
    ("orders", "count", "orders"),
    ("aov", "currency", "average order value"),
    ("customers", "count", "customers"),
    ("new_customers", "count", "new customers won"),
)


def marketing_facts(facts: dict[str, Fact], m: Marketing) -> None:
    _measure(facts, ids.marketing("spend"), m.spend, "currency", "marketing spend")
    _measure(facts, ids.marketing("roas"), m.roas, "number", "return on ad spend")
    _add(facts, "marketing.channels", len(m.channels), "count", "channels")
    for c in m.channels:
        base = f"marketing.channel.{slug(c.channel)}"
        for name, unit, label in CHANNEL_MEASURES:
            fid = ids.channel(c.channel, name)
            _measure(facts, fid, getattr(c, name), unit, f"{c.channel}: {label}")
    for k in m.campaigns:
        base = f"marketing.campaign.{slug(k.name)}"
        label = k.name
        _add(facts, f"{base}.days", k.days, "count", f"{label}: days")
        _add(facts, f"{base}.start", k.start.isoformat(), "date", f"{label}: first day")
        _add(facts, f"{base}.end", k.end.isoformat(), "date", f"{label}: last day")
        _add(facts, f"{base}.revenue", k.revenue, "currency", f"{label}: revenue")
        _add(facts, f"{base}.baseline", k.baseline, "currency", f"{label}: expected without it")
        _add(
            facts,
            ids.campaign(k.name, "incremental_revenue"),
            k.incremental_revenue,
            "currency",
            f"{label}: incremental revenue",
        )
        _add(facts, ids.campaign(k.name, "uplift_pct"), k.uplift_pct, "percent", f"{label}: uplift")
        _add(facts, f"{base}.interval_low", k.interval[0], "currency", f"{label}: interval low")
        _add(facts, f"{base}.interval_high", k.interval[1], "currency", f"{label}: interval high")
        _add(facts, ids.campaign(k.name, "level"), k.level, "fraction", f"{label}: interval level")
        _add(facts, ids.campaign(k.name, "spend"), k.spend, "currency", f"{label}: spend")
        _add(facts, f"{base}.orders", k.orders, "count", f"{label}: orders")
        _add(
            facts,
            f"{base}.baseline_orders",
            k.baseline_orders,
            "count",
            f"{label}: orders expected",
        )
        _add(
            facts,
            ids.campaign(k.name, "incremental_orders"),
            k.incremental_orders,
            "count",
            f"{label}: incremental orders",
        )
        _add(
            facts,
            ids.campaign(k.name, "orders_uplift_pct"),
            k.orders_uplift_pct,
            "percent",
            f"{label}: order uplift",
        )
        if k.orders_interval is not None:
            low, high = k.orders_interval
            _add(
                facts, f"{base}.orders_interval_low", low, "count", f"{label}: orders interval low"
            )
            _add(
                facts,
                f"{base}.orders_interval_high",
                high,
                "count",
                f"{label}: orders interval high",
            )
        _add(
            facts,
            f"{base}.incremental_roas",
            k.incremental_roas,
            "number",
            f"{label}: incremental revenue per unit of spend",
        )


def team_facts(facts: dict[str, Fact], t: Team) -> None:
    _add(facts, ids.team("reps"), len(t.reps), "count", "sales reps")
    listed = len(t.listed())
    if listed < len(t.reps):
        _add(facts, ids.team("reps_listed"), listed, "count", "reps in the report's table")
        _add(facts, ids.team("reps_more"), len(t.reps) - listed, "count", "reps not in the table")
    _add(facts, ids.team("above_target"), t.above_target, "count", "reps at or above quota")
    _add(facts, ids.team("below_target"), t.below_target, "count", "reps below quota")
    _add(facts, ids.team("median_revenue"), t.median_revenue, "currency", "median rep revenue")
    for r in t.reps:
        base = f"team.rep.{slug(r.rep)}"
        for name, unit, label in REP_MEASURES:
            _measure(facts, f"{base}.{name}", getattr(r, name), unit, f"{r.rep}: {label}")
        _add(facts, f"{base}.quota", r.quota, "currency", f"{r.rep}: quota")
        attainment = ids.rep(r.rep, "attainment")
        _add(facts, attainment, r.attainment, "fraction", f"{r.rep}: quota attainment")
        _add(facts, f"{base}.rank", r.rank, "count", f"{r.rep}: rank")
        vs_median = ids.rep(r.rep, "vs_median")
        _add(facts, vs_median, r.vs_median, "number", f"{r.rep}: revenue vs median rep")
    for g in t.teams:
        base = f"team.team.{slug(g.team)}"
        _measure(facts, f"{base}.revenue", g.revenue, "currency", f"team {g.team}: revenue")
        _add(facts, f"{base}.reps", g.reps, "count", f"team {g.team}: reps")
        _add(facts, f"{base}.quota", g.quota, "currency", f"team {g.team}: quota")
        _add(facts, f"{base}.attainment", g.attainment, "fraction", f"team {g.team}: attainment")


def inventory_facts(facts: dict[str, Fact], inv: Inventory) -> None:
    possible = inv.source != "inventory table"
    what = (
        "estimated revenue lost to possible stockouts" if possible else "revenue lost to stockouts"
    )
    _add(facts, ids.inventory("lost_revenue"), inv.lost_revenue, "currency", what)
    _add(facts, ids.inventory("products_out"), inv.products_out, "count", "products out of stock")
    _add(facts, ids.inventory("stockouts"), len(inv.stockouts), "count", "stockouts")
    more = inv.products_out - STOCKOUTS_NAMED
    if more > 0:
        _add(facts, ids.inventory("products_more"), more, "count", "products out, not named")
    if len(inv.stockouts) > STOCKOUTS_LISTED:
        listed = STOCKOUTS_LISTED
        _add(facts, ids.inventory("stockouts_listed"), listed, "count", "stockouts in the table")
    days = sum(s.days_in_period for s in inv.stockouts if s.in_period)
    _add(facts, "inventory.days_out", days, "count", "product-days out of stock in the period")
    if inv.rule is not None:
        r = inv.rule
        rule: tuple[tuple[ids.RulePart, float, str, str], ...] = (
            ("steady_days", r.steady_days, "count", "days before and after a gap judged"),
            ("min_sale_days", r.min_sale_days, "count", "sale days needed in each"),
            ("min_gap_days", r.min_gap_days, "count", "shortest gap"),
            ("gap_intervals", r.gap_intervals, "count", "gap in usual intervals between sales"),
            ("season_weeks", r.season_weeks, "count", "weeks either side of a seasonal peak"),
            ("season_share", r.season_share, "fraction", "revenue share that makes a season"),
            ("strong_sale_days", r.strong_sale_days, "count", "sale days of strong evidence"),
        )
        for part, value, unit, label in rule:
            _add(facts, ids.gap_rule(part), value, unit, f"possible stockout rule: {label}")
    for i, s in enumerate(inv.stockouts, start=1):
        name = s.product_name or s.product
        label = f"{name} {'possibly ' if possible else ''}out of stock from {s.start}"
        _add(facts, ids.stockout(i, "start"), s.start.isoformat(), "date", f"{label}: first day")
        _add(facts, ids.stockout(i, "end"), s.end.isoformat(), "date", f"{label}: last day")
        _add(facts, ids.stockout(i, "days"), s.days, "count", f"{label}: days")
        in_period = ids.stockout(i, "days_in_period")
        _add(facts, in_period, s.days_in_period, "count", f"{label}: days in period")
        daily = ids.stockout(i, "daily_revenue")
        _add(facts, daily, s.daily_revenue, "currency", f"{label}: daily revenue")
        lost = ids.stockout(i, "lost_revenue")
        _add(facts, lost, s.lost_revenue, "currency", f"{label}: lost revenue")
        interval = ids.stockout(i, "usual_interval")
        _add(facts, interval, s.usual_interval, "number", f"{label}: usual days between sales")
        _add(
            facts,
            ids.stockout(i, "stretch_lost_revenue"),
            s.stretch_lost_revenue,
            "currency",
            f"{label}: lost revenue over the stretch",
        )


def operations_facts(facts: dict[str, Fact], ops: Operations) -> None:
    for r in ops.returns:
        base = f"operations.returns.{slug(r.key)}"
        _add(facts, f"{base}.returns", r.returns, "currency", f"{r.key}: returns")
        _add(facts, f"{base}.gross", r.gross, "currency", f"{r.key}: sales before returns")
        _add(facts, ids.returns(r.key, "rate"), r.rate, "fraction", f"{r.key}: returns rate")
        previous = ids.returns(r.key, "previous_rate")
        _add(facts, previous, r.previous_rate, "fraction", f"{r.key}: previous rate")
    m = ops.margin
    if m is None:
        return
    base = "operations.margin"
    _measure(facts, ids.margin("gross_margin"), m.gross_margin, "fraction", "gross margin")
    _measure(facts, f"{base}.discount_rate", m.discount_rate, "fraction", "discount depth")
    _measure(facts, f"{base}.cost_ratio", m.cost_ratio, "fraction", "cost / list price")
    _add(
        facts, ids.margin("from_discount"), m.from_discount, "fraction", "margin change: discounts"
    )
    _add(facts, ids.margin("from_cost"), m.from_cost, "fraction", "margin change: cost")
    if m.gross_margin.value is not None and m.gross_margin.previous is not None:
        change = m.gross_margin.value - m.gross_margin.previous
        _add(facts, ids.margin("change"), change, "fraction", "gross margin change (points)")
    _measure(facts, ids.margin("gross_profit"), m.gross_profit, "currency", "gross profit")
    _measure(facts, ids.margin("revenue"), m.revenue, "currency", "revenue of lines with a cost")
    for member in m.members:
        label = f"{member.key} ({(m.level or '').replace('_', ' ')})"
        parts: tuple[tuple[ids.MarginMemberPart, float | None, str], ...] = (
            ("gross_margin", member.gross_margin, "gross margin"),
            ("gross_margin.previous", member.previous_margin, "gross margin, previous period"),
            ("rate_effect", member.rate_effect, "margin change from its own margin (points)"),
            ("mix_effect", member.mix_effect, "margin change from its weight (points)"),
        )
        for part, value, what in parts:
            _add(facts, ids.margin_member(member.key, part), value, "fraction", f"{label}: {what}")
