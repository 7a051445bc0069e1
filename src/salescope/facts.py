"""Facts: every number a report may print, under a stable id.

Text is built from facts only, so each figure in any output can be traced
back to ``report.json``'s ``facts`` block.
"""

from __future__ import annotations

from salescope.model import (
    Anomaly,
    Breakdown,
    Customers,
    Drivers,
    Fact,
    Forecast,
    Kpi,
    Pace,
    Quality,
    Seasonality,
    TimeSeries,
    Trend,
)


def _add(
    facts: dict[str, Fact], fid: str, value: float | int | str | None, unit: str, label: str
) -> None:
    if value is not None:
        facts[fid] = Fact(fid, value, unit, label)


def collect_facts(
    kpis: tuple[Kpi, ...],
    breakdowns: tuple[Breakdown, ...],
    timeseries: TimeSeries,
    quality: Quality,
    drivers: Drivers | None = None,
    customers: Customers | None = None,
    trend: Trend | None = None,
    seasonality: Seasonality | None = None,
    anomalies: tuple[Anomaly, ...] = (),
    forecast: Forecast | None = None,
    pace: tuple[Pace, ...] = (),
) -> dict[str, Fact]:
    facts: dict[str, Fact] = {}
    if customers is not None:
        _customer_facts(facts, customers)
    if trend is not None:
        _trend_facts(facts, trend)
    if seasonality is not None:
        _season_facts(facts, seasonality)
    _anomaly_facts(facts, anomalies)
    if forecast is not None:
        _forecast_facts(facts, forecast)
    for period_to_date in pace:
        _pace_facts(facts, period_to_date)
    if drivers is not None:
        d = drivers
        _add(facts, "drivers.revenue_change", d.revenue_change, "currency", "revenue change")
        _add(facts, "drivers.volume", d.volume, "currency", "volume effect")
        _add(facts, "drivers.price", d.price, "currency", "price effect")
        _add(facts, "drivers.mix", d.mix, "currency", "mix effect")
        _add(facts, "drivers.threshold", d.threshold, "fraction", "contributor threshold")
        for i, member in enumerate(d.contributors, start=1):
            base = f"drivers.contributor.{i}"
            label = f"{member.dimension} {member.key}"
            _add(facts, f"{base}.change", member.change, "currency", f"{label}: change")
            _add(
                facts,
                f"{base}.share_of_change",
                member.share_of_change,
                "fraction",
                f"{label}: share of the change",
            )
            _add(facts, f"{base}.share", member.share, "fraction", f"{label}: share")
            _add(
                facts,
                f"{base}.previous_share",
                member.previous_share,
                "fraction",
                f"{label}: previous share",
            )
        for conc in d.concentration:
            base = f"drivers.concentration.{conc.dimension}"
            _add(
                facts,
                f"{base}.top1_share",
                conc.top1_share,
                "fraction",
                f"{conc.dimension}: largest member's share",
            )
            _add(facts, f"{base}.hhi", conc.hhi, "fraction", f"{conc.dimension}: HHI")
    for k in kpis:
        _add(facts, k.fact, k.value, k.unit, k.label)
        _add(facts, f"{k.fact}.previous", k.previous, k.unit, f"{k.label}, previous period")
        _add(
            facts,
            f"{k.fact}.change_pct",
            k.change_pct,
            "percent",
            f"{k.label}, change vs previous period",
        )
        _add(facts, f"{k.fact}.yoy", k.yoy_value, k.unit, f"{k.label}, a year earlier")
        _add(
            facts,
            f"{k.fact}.yoy_change_pct",
            k.yoy_change_pct,
            "percent",
            f"{k.label}, change vs a year earlier",
        )
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
        _add(facts, f"breakdown.{b.role}.members", b.members, "count", f"{b.label}: members")
    for p in timeseries.points:
        base = f"timeseries.{timeseries.grain}.{p.date.isoformat()[:7]}"
        _add(facts, f"{base}.revenue", p.revenue, "currency", f"revenue in {p.date:%B %Y}")
        _add(facts, f"{base}.orders", p.orders, "count", f"orders in {p.date:%B %Y}")
    _add(facts, "quality.rows_read", quality.rows_read, "count", "rows read")
    _add(facts, "quality.rows_accepted", quality.rows_accepted, "count", "rows accepted")
    _add(facts, "quality.rows_quarantined", quality.rows_quarantined, "count", "rows quarantined")
    _add(facts, "quality.score", quality.score, "score", "data quality score")
    for c in quality.checks:
        _add(facts, f"quality.check.{c.code}.rows", c.rows, "count", c.message)
    return facts


def slug(text: str) -> str:
    """A fact-id-safe name: ``Can't Lose Them`` -> ``cant_lose_them``."""
    kept = "".join(ch if ch.isalnum() else " " for ch in text.replace("'", "").lower())
    return "_".join(kept.split())


def _customer_facts(facts: dict[str, Fact], c: Customers) -> None:
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
        f"{base}.new_revenue_share",
        c.new_revenue_share,
        "fraction",
        "share of revenue from new customers",
    )
    _add(
        facts,
        f"{base}.new_revenue_share.previous",
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
        _add(facts, f"{base}.move.{i}.customers", move.customers, "count", f"{label}: customers")
        _add(facts, f"{base}.move.{i}.revenue", move.revenue, "currency", f"{label}: revenue")
    for k, rate in enumerate(c.retention_curve):
        if k:
            _add(
                facts,
                f"{base}.retention.month_{k}",
                rate,
                "fraction",
                f"customers buying again {k} month(s) after their first",
            )
    for h in c.cohorts:
        hb = f"{base}.cohort.{h.month:%Y-%m}"
        _add(facts, f"{hb}.customers", h.customers, "count", f"new customers in {h.month:%B %Y}")
        for k, rate in enumerate(h.retention):
            if k:
                _add(
                    facts,
                    f"{hb}.month_{k}",
                    rate,
                    "fraction",
                    f"{h.month:%B %Y} cohort: buying {k} month(s) later",
                )


def _trend_facts(facts: dict[str, Fact], t: Trend) -> None:
    _add(facts, "trend.slope_per_month", t.slope_per_month, "currency", "trend per month")
    _add(facts, "trend.slope_pct", t.slope_pct, "fraction", "trend per month, share of a month")
    _add(facts, "trend.p_value", t.p_value, "number", "p-value of the trend")
    _add(facts, "trend.months", t.months, "count", "full months in the trend fit")
    _add(facts, "trend.cmgr", t.cmgr, "fraction", "compound monthly growth rate")
    _add(facts, "trend.yoy_growth", t.yoy_growth, "fraction", "last 12 months vs the 12 before")
    for key, pair in (("best_month", t.best_month), ("worst_month", t.worst_month)):
        if pair is not None:
            name = key.replace("_", " ")
            _add(
                facts,
                f"trend.{key}.revenue",
                pair[1],
                "currency",
                f"{name}: revenue in {pair[0]:%B %Y}",
            )
            _add(facts, f"trend.{key}.month", f"{pair[0]:%Y-%m}", "month", name)


def _season_facts(facts: dict[str, Fact], s: Seasonality) -> None:
    for part, indices in (("weekly", s.weekly), ("yearly", s.yearly)):
        for key, value in (indices or {}).items():
            _add(facts, f"seasonality.{part}.{key}", value, "index", f"{key} index (1 = average)")
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


def _anomaly_facts(facts: dict[str, Fact], anomalies: tuple[Anomaly, ...]) -> None:
    _add(facts, "anomalies.count", len(anomalies), "count", "unusual days")
    _add(
        facts,
        "anomalies.in_period",
        sum(a.in_period for a in anomalies),
        "count",
        "unusual days in the period",
    )
    for a in anomalies:
        base = f"anomaly.{a.date.isoformat()}"
        _add(facts, f"{base}.revenue", a.revenue, "currency", f"revenue on {a.date}")
        _add(facts, f"{base}.expected", a.expected, "currency", f"expected revenue on {a.date}")
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


def _forecast_facts(facts: dict[str, Fact], f: Forecast) -> None:
    _add(facts, "forecast.backtest_mape", f.backtest_mape, "fraction", "forecast backtest error")
    _add(facts, "forecast.level", f.level, "fraction", "forecast interval level")
    _add(facts, "forecast.horizon", f.horizon, "count", "months forecast")
    for p in f.points:
        base = f"forecast.{p.date:%Y-%m}"
        _add(facts, f"{base}.value", p.value, "currency", f"forecast for {p.date:%B %Y}")
        _add(facts, f"{base}.lower", p.lower, "currency", f"forecast low for {p.date:%B %Y}")
        _add(facts, f"{base}.upper", p.upper, "currency", f"forecast high for {p.date:%B %Y}")
    if f.points:
        _add(
            facts,
            "forecast.total",
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
