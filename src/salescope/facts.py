"""Facts: every number a report may print, under a stable id.

Text is built from facts only, so each figure in any output can be traced
back to ``report.json``'s ``facts`` block.
"""

from __future__ import annotations

from salescope.model import Breakdown, Drivers, Fact, Kpi, Quality, TimeSeries


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
) -> dict[str, Fact]:
    facts: dict[str, Fact] = {}
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
