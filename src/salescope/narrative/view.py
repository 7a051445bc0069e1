"""The report as formatted text pieces, ready for the Markdown and HTML templates.

Every sentence is assembled here from facts; templates only lay them out.
"""

from __future__ import annotations

from dataclasses import dataclass

from salescope.metrics.semantic import DIMENSIONS, dimension_noun
from salescope.model import QUALITY_SCALE, Kpi, Report
from salescope.narrative import format as fmt
from salescope.narrative.display import display_names, displayed
from salescope.narrative.findings import (
    conclusion_lines,
    finding_lines,
    insight_lines,
    recommendations_table,
)
from salescope.narrative.sections import Section, analysis_sections
from salescope.narrative.sections_ops import side_sections
from salescope.narrative.table import Table

__all__ = [
    "KpiRow",
    "Section",
    "Table",
    "View",
    "build_view",
    "kpi_rows",
    "period_line",
    "report_title",
]


@dataclass(frozen=True)
class KpiRow:
    name: str
    label: str
    value: str
    previous: str
    change: str
    yoy: str
    yoy_change: str
    direction: str
    tone: str  # "good", "bad" or "neutral", from the KPI's good direction


@dataclass(frozen=True)
class View:
    title: str
    period_label: str
    period_line: str
    summary: tuple[str, ...]
    kpis: tuple[KpiRow, ...]
    breakdowns: tuple[Table, ...]
    series: Table
    quality_lines: tuple[str, ...]
    checks: Table
    assumptions: tuple[str, ...]
    mapping: Table
    run_line: str
    method: tuple[str, ...]
    drivers: tuple[str, ...] = ()
    contributors: Table | None = None
    sections: tuple[Section, ...] = ()
    findings: tuple[str, ...] = ()
    insights: tuple[str, ...] = ()
    recommendations: Table | None = None
    conclusion: tuple[str, ...] = ()


LINE_TYPE_WORDS = {
    "sale": "sales lines",
    "return": "return lines",
    "credit_note": "credit-note lines (returns, never orders)",
    "non_merchandise": "non-merchandise lines (postage, fees, adjustments ...: in revenue, "
    "never ranked as products)",
    "cancelled": "cancelled lines (set aside, not sales)",
}


def _line_types(report: Report) -> list[str]:
    """One sentence on the kinds of lines, when there is more than plain sales."""
    types = report.quality.line_types
    if not types or all(t.type == "sale" for t in types):
        return []
    cur = report.currency
    parts = [
        f"{fmt.count(t.lines)} {LINE_TYPE_WORDS[t.type]} worth {fmt.money(t.revenue, cur)}"
        for t in types
    ]
    return ["Line types over all the data: " + "; ".join(parts) + "."]


def _compare(change: float | None, against: str) -> str:
    d = fmt.direction(change)
    if d == "unknown":
        return ""
    if d == "flat":
        return f"flat on {against} ({fmt.pct_change(change)})"
    return f"{d} {fmt.pct_change(change).lstrip('+-')} on {against}"


def _in_period(report: Report) -> str:
    p = report.period
    if p.grain == "all":
        return f"from {p.start:%d %b %Y} to {p.end:%d %b %Y}"
    return f"in {p.label}"


def _against(value: float | None, other: float | None, change: float | None, label: str,
             cur: str | None) -> str:  # fmt: skip
    """``up 12.3% on 2024-Q1 ($1,234)``; with a negative value on either side, where a
    percent reads backwards, the other value only: ``against -$200.00 in 2024-Q1``."""
    if fmt.below_zero(value, other):
        return f"against {fmt.money(other, cur)} in {label}"
    return _compare(change, f"{label} ({fmt.money(other, cur)})")


def _tone(kpi: Kpi) -> str:
    d = fmt.direction_of(kpi.value, kpi.previous, kpi.change_pct)
    if d in ("flat", "unknown") or kpi.good_direction == "none":
        return "neutral"
    return "good" if (d == "up") == (kpi.good_direction == "up") else "bad"


def _summary(report: Report) -> list[str]:
    cur = report.currency
    p = report.period
    prev_label = p.previous[0] if p.previous and p.previous[3] else None
    yoy_label = p.yoy[0] if p.yoy else None
    out: list[str] = []

    def k(name: str) -> Kpi | None:
        return report.kpi(name)

    revenue = k("revenue")
    if revenue is not None:
        parts = []
        value = revenue.value
        if prev_label and revenue.previous is not None:
            parts.append(_against(value, revenue.previous, revenue.change_pct, prev_label, cur))
        if yoy_label and revenue.yoy_value is not None:
            parts.append(_against(value, revenue.yoy_value, revenue.yoy_change_pct, yoy_label, cur))
        parts = [x for x in parts if x]
        tail = (", " + " and ".join(parts)) if parts else ""
        if value is not None and value < 0:
            tail = " (returns exceeded sales)" + tail
        out.append(f"Revenue was {fmt.money(value, cur)} {_in_period(report)}{tail}.")
    orders, aov = k("orders"), k("aov")
    if orders is not None and aov is not None:
        moved = not fmt.below_zero(aov.value, aov.previous)
        change = _compare(aov.change_pct, prev_label) if prev_label and moved else ""
        out.append(
            f"{fmt.count(orders.value)} orders at an average of {fmt.money(aov.value, cur)} each"
            + (f", average order value {change}" if change else "")
            + "."
        )
    customers, new, returning = k("customers"), k("new_customers"), k("returning_customers")
    if customers is not None and new is not None and returning is not None:
        if new.value is None or returning.value is None:
            out.append(
                f"{fmt.count(customers.value)} customers bought; the data starts with this "
                "period, so who was new cannot be told."
            )
        else:
            out.append(
                f"{fmt.count(customers.value)} customers bought: {fmt.count(new.value)} for "
                f"the first time and {fmt.count(returning.value)} returning."
            )
    retention = k("retention_rate")
    if retention is not None and retention.value is not None and prev_label:
        out.append(
            f"{fmt.fraction(retention.value)} of {prev_label}'s customers "
            f"bought again in {p.label}."
        )
    cat = report.breakdown("category")
    if cat and cat.rows:
        top = cat.rows[0]
        moved = not fmt.below_zero(top.revenue, top.previous)
        change = _compare(top.change_pct, prev_label) if prev_label and moved else ""
        out.append(
            f"{top.key} was the largest category with {fmt.money(top.revenue, cur)}"
            f" ({fmt.fraction(top.share)} of revenue)" + (f", {change}" if change else "") + "."
        )
    movers = _movers(report, prev_label)
    if movers:
        out.append(movers)
    returns = k("returns")
    if returns is not None and returns.value:
        text = f"Returns took back {fmt.money(returns.value, cur)}, already netted from revenue"
        d = report.drivers
        if d is not None and d.cancelled_returns > 0:  # cancelled after entry: no goods back
            days = {0: "on the day of", 1: "within a day of"}.get(
                d.cancel_days, f"within {fmt.plural(d.cancel_days, 'day')} of"
            )
            text += f"; {fmt.money(d.cancelled_returns, cur)} of it cancelled orders {days} entry"
        out.append(text + ".")
    q = report.quality
    if q.rows_quarantined:
        out.append(
            f"{fmt.count(q.rows_quarantined)} of {fmt.plural(q.rows_read, 'input row')} "
            f"{fmt.noun_for(q.rows_quarantined, 'was', 'were')} set aside in quarantine.csv "
            "(see Data quality)."
        )
    return out


MOVER_ROLES = tuple(d.name for d in DIMENSIONS.values() if d.mover)


def _movers(report: Report, prev_label: str | None) -> str:
    """The largest gain and the largest drop in revenue among the main dimensions."""
    if not prev_label:
        return ""
    members = [
        (m.change, m, b.label.lower())
        for b in report.breakdowns
        if b.role in MOVER_ROLES and b.members > 1
        for m in b.rows
        if m.change is not None
    ]
    if not members:
        return ""
    cur = report.currency
    gain = max(members, key=lambda x: x[0])
    drop = min(members, key=lambda x: x[0])
    parts = []
    if gain[0] > 0:
        m = gain[1]
        pct = f" ({fmt.pct_change(m.change_pct)})" if m.change_pct is not None else ""
        parts.append(
            f"the largest gain came from {m.key} ({gain[2]}): up {fmt.money(m.change, cur)}{pct}"
        )
    if drop[0] < 0:
        m = drop[1]
        pct = f" ({fmt.pct_change(m.change_pct)})" if m.change_pct is not None else ""
        parts.append(
            f"the largest drop from {m.key} ({drop[2]}): down "
            f"{fmt.money(-m.change if m.change else None, cur)}{pct}"
        )
    if not parts:
        return ""
    return f"Against {prev_label}, " + "; ".join(parts) + "."


ISSUE_NAMES = {
    "missing_date": "empty dates",
    "unparseable_date": "unreadable dates",
    "ambiguous_date": "dates that read both month-first and day-first",
    "date_out_of_range": "dates out of range",
    "repeated_header": "repeated header lines",
    "total_row": "totals rows",
    "duplicate_line": "exact duplicate lines",
    "nonpositive_price": "zero or negative prices",
    "cancelled": "cancelled orders",
    "ragged_row": "lines with the wrong number of fields",
}


def _top_issues(report: Report, limit: int = 3) -> list[str]:
    """The largest quarantine reasons, with what they cost in revenue."""
    q = report.quality
    quarantined = sorted(
        (c for c in q.checks if c.severity in ("error", "info")), key=lambda c: -c.rows
    )[:limit]
    lines = []
    for c in quarantined:
        name = ISSUE_NAMES.get(c.code, c.code.replace("_", " "))
        cost = f" ({fmt.fraction(c.revenue_share)} of revenue)" if c.revenue_share else ""
        noun = fmt.noun_for(c.rows, "line")
        lines.append(f"{fmt.count(c.rows)} {noun}{cost} quarantined: {name}.")
    return lines


SHOWN_PER_DIMENSION = 3  # contributors per dimension in the text; report.json has them all


def _drivers(report: Report) -> tuple[list[str], Table | None]:
    """The volume/price/mix sentence, concentration flags and the contributors table."""
    d = report.drivers
    p = report.period
    if d is None or not (p.previous and p.previous[3]):
        return [], None
    cur = report.currency
    verb = "rose" if d.revenue_change > 0 else "fell" if d.revenue_change < 0 else "held"
    lines = []
    amount = fmt.money(abs(d.revenue_change), cur)
    text = f"Revenue {verb} by {amount} against {p.previous[0]}"
    if d.volume is not None and d.price is not None and d.mix is not None:

        def part(name: str, value: float) -> str:
            return f"{name} {'added' if value >= 0 else 'took'} {fmt.money(abs(value), cur)}"

        text += (
            f": {part('volume', d.volume)}, {part('price', d.price)} and "
            f"{part('mix', d.mix)} (measured per {d.level})"
        )
    lines.append(text + ".")
    for c in d.concentration:
        if c.dominated:
            name = dimension_noun(c.dimension)
            lines.append(
                f"One {name} holds {fmt.fraction(c.top1_share)} of revenue: a concentration risk."
            )
    rows = tuple(
        (
            dimension_noun(c.dimension).capitalize(),
            c.key,
            fmt.money(c.change, cur),
            fmt.fraction(c.share_of_change),
            fmt.fraction(c.previous_share),
            fmt.fraction(c.share),
            f"{c.direction}, few orders" if c.thin else c.direction,
        )
        for c in d.contributors
        if sum(1 for o in d.contributors[: d.contributors.index(c)] if o.dimension == c.dimension)
        < SHOWN_PER_DIMENSION
    )
    table = Table(
        "contributors",
        "Members that moved revenue most",
        ("Dimension", "Member", "Change", "Share of change", "Share before", "Share now", "Role"),
        rows,
        note="The three largest movers per dimension; members moving less than "
        f"{fmt.fraction(d.threshold)} of the total change are left out, and orders cancelled "
        "within days do not count; 'few orders': the move rests on too few orders, or half "
        "of it on one order, to read as a trend. report.json lists them all.",
        numeric=(False, False, True, True, True, True, False),
    )
    return lines, table


def _breakdown_tables(report: Report) -> list[Table]:
    cur = report.currency
    has_prev = bool(report.period.previous and report.period.previous[3])
    tables = []
    for b in report.breakdowns:
        if b.members < 2:
            continue  # one member (a single country) says nothing a table would add
        columns = [b.label, "Revenue", "Share"]
        if has_prev:
            columns += ["Previous", "Change"]
        columns += ["Orders"]
        rows = []
        for m in b.rows:
            row = [m.key, fmt.money(m.revenue, cur), fmt.fraction(m.share)]
            if has_prev:
                row += [fmt.money(m.previous, cur), fmt.pct_change(m.change_pct)]
            row += [fmt.count(m.orders)]
            rows.append(tuple(row))
        note = (
            f"Top {fmt.count(len(b.rows))} of {fmt.count(b.members)} by revenue."
            if b.truncated
            else ""
        )
        title = "Top products" if b.role == "product" else f"Revenue by {b.label.lower()}"
        tables.append(
            Table(
                b.role,
                title,
                tuple(columns),
                tuple(rows),
                note,
                (False,) + (True,) * (len(columns) - 1),
            )
        )
    return tables


def _series_table(report: Report) -> Table:
    """Revenue, orders, units and customers by month; without a quantity in the data units
    are unknown (not zero), so the column is left out."""
    cur = report.currency
    units = report.kpi("units") is not None
    rows = tuple(
        (
            f"{p.date:%Y-%m}" + (" (partial)" if p.partial else ""),
            fmt.money(p.revenue, cur),
            fmt.count(p.orders),
            *((fmt.number(p.units),) if units else ()),
            fmt.count(p.customers) if p.customers is not None else "n/a",
        )
        for p in report.timeseries.points
    )
    columns = ("Month", "Revenue", "Orders", *(("Units",) if units else ()), "Customers")
    return Table(
        "monthly",
        "Monthly trend",
        columns,
        rows,
        numeric=(False,) + (True,) * (len(columns) - 1),
    )


def report_title(report: Report) -> str:
    p = report.period
    if p.grain == "all":
        return f"Sales report {p.start:%d %b %Y} to {p.end:%d %b %Y}"
    if p.grain == "year":
        return f"Annual sales report {p.label}"
    return f"Sales report {p.label}"


def build_view(report: Report) -> View:
    """Everything the period report prints, as strings; names from the data as they are
    shown (:mod:`salescope.narrative.display`: clean, at most ``LABEL_MAX`` characters)."""
    return displayed(_view(report), display_names(report))


def kpi_rows(report: Report) -> tuple[KpiRow, ...]:
    """The KPI tiles and table rows: each figure formatted by its unit (the report's tiles,
    its Key figures table and a Report shown in a notebook)."""
    cur = report.currency
    return tuple(
        KpiRow(
            name=k.name,
            label=k.label,
            value=fmt.by_unit(k.value, k.unit, cur),
            previous=fmt.by_unit(k.previous, k.unit, cur),
            change=fmt.kpi_change(k.change_pct, k.change_points, k.unit),
            yoy=fmt.by_unit(k.yoy_value, k.unit, cur),
            yoy_change=fmt.kpi_change(k.yoy_change_pct, k.yoy_change_points, k.unit),
            direction=fmt.direction_of(k.value, k.previous, k.change_pct),
            tone=_tone(k),
        )
        for k in report.kpis
    )


def period_line(report: Report) -> str:
    """``01 Jul 2026 to 30 Sep 2026, compared with 2026-Q2 and 2025-Q3``."""
    p = report.period
    line = f"{p.start:%d %b %Y} to {p.end:%d %b %Y}"
    if p.previous and p.previous[3]:
        line += f", compared with {p.previous[0]}"
        if p.yoy:
            line += f" and {p.yoy[0]}"
    return line


def _view(report: Report) -> View:
    p = report.period
    q = report.quality
    parts = ", ".join(f"{name} {fmt.fraction(value)}" for name, value in q.score_parts.items())
    quality_lines = (
        f"Rows read: {fmt.count(q.rows_read)}; accepted: {fmt.count(q.rows_accepted)}; "
        f"quarantined: {fmt.count(q.rows_quarantined)}.",
        f"Quality score: {fmt.number(q.score)} out of {fmt.count(QUALITY_SCALE)} ({parts}).",
        *_line_types(report),
        *_top_issues(report),
    )
    checks = Table(
        "checks",
        "Checks",
        ("Check", "Severity", "Column", "Rows", "What it means", "Examples"),
        tuple(
            (
                c.code,
                c.severity,
                c.column or "",
                fmt.count(c.rows),
                c.message,
                ", ".join(c.examples),
            )
            for c in q.checks
        ),
        numeric=(False, False, False, True, False, False),
    )
    mapping = Table(
        "mapping",
        "Column mapping",
        ("Role", "Column"),
        tuple((role, column) for role, column in q.mapping.items()),
    )
    r = report.run
    run_line = (
        f"Run {r.id}, salescope {r.salescope_version} on {r.engine}, "
        f"{fmt.plural(len(r.inputs), 'input file')}."
    )
    method = (
        "Revenue is the sum of line revenue (the revenue column, else quantity x unit price "
        "less discount); returns are negative lines and reduce it.",
        "Orders are distinct order ids; customers are distinct customer ids; a new customer's "
        "first purchase in the data falls in the period.",
        "Changes compare with the previous period of the same length and, when the data "
        "covers it, the same period a year earlier.",
    )
    driver_lines, contributors = _drivers(report)
    recs = recommendations_table(report, report.recommendations)
    return View(
        findings=tuple(finding_lines(report)),
        insights=tuple(insight_lines(report)),
        recommendations=recs if recs.rows else None,
        conclusion=tuple(conclusion_lines(report)),
        drivers=tuple(driver_lines),
        contributors=contributors,
        sections=analysis_sections(report, side_sections(report)),
        title=report_title(report),
        period_label="Whole period" if p.grain == "all" else p.label,
        period_line=period_line(report),
        summary=tuple(_summary(report)),
        kpis=kpi_rows(report),
        breakdowns=tuple(_breakdown_tables(report)),
        series=_series_table(report),
        quality_lines=quality_lines,
        checks=checks,
        assumptions=q.assumptions,
        mapping=mapping,
        run_line=run_line,
        method=method,
    )
