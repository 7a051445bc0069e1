"""The analysis sections of the period report: customers, trend and seasonality, unusual
days, and the outlook. Each is a few sentences built from facts plus tables.

A section says nothing the data cannot back: a trend is only called up or down when it
is significant, seasonality only when enough cycles were seen, and an empty result says
why it is empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from salescope.metrics.semantic import dimension_noun
from salescope.model import (
    HOLIDAYS_LISTED,
    RFM_SEGMENTS,
    Anomaly,
    Customers,
    Explainer,
    Report,
    Seasonality,
    UnusualDays,
)
from salescope.narrative import format as fmt
from salescope.narrative.table import Table

COHORT_MONTHS_SHOWN = 6
# A member explains an unusual day when it carried at least half of the gap beyond its
# usual share: (share of the gap - usual share) / (1 - usual share) >= 0.5. That measure is
# 0 when the day moved every member alike and 1 when the whole gap was in one member.
STANDOUT = 0.5
MOVES_SHOWN = 10


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    lines: tuple[str, ...]
    tables: tuple[Table, ...] = ()
    charts: tuple[str, ...] = ()  # chart names (render/charts.py) shown above the tables


def _previous_label(report: Report) -> str | None:
    p = report.period.previous
    return p[0] if p and p[3] else None


def _signed_fraction(value: float) -> str:
    return ("+" if value > 0 else "") + fmt.fraction(value)


def customers_section(report: Report) -> Section | None:
    c = report.customers
    if c is None:
        return None
    cur = report.currency
    within = fmt.in_period(report.period)
    prev = _previous_label(report)
    lines = [_new_vs_returning(report, c)]
    retention = report.kpi("retention_rate")
    if retention is not None and retention.value is not None and prev and c.churn_rate is not None:
        lines.append(
            f"{fmt.fraction(retention.value)} of {prev}'s customers bought again {within} "
            f"(churn {fmt.fraction(c.churn_rate)})."
        )
    if c.top_shares:
        lines.append(
            f"The top tenth of customers brought {fmt.fraction(c.top_shares['top_10pct'])} of "
            f"revenue and the top hundredth {fmt.fraction(c.top_shares['top_1pct'])}."
        )
    if c.value is not None and c.value.value is not None:
        v = c.value
        lines.append(
            f"Over the year to {report.period.end:%d %b %Y} a customer spent "
            f"{fmt.money(v.revenue_per_customer, cur)} on {fmt.number(v.orders_per_customer)} "
            f"orders; {fmt.fraction(v.yearly_retention)} of the year before's customers came "
            f"back: an expected lifetime of {fmt.number(v.lifetime_years)} years"
            f"{' (the cap salescope applies)' if v.lifetime_capped else ''} and a historical "
            f"lifetime value of {fmt.money(v.value, cur)} per customer."
        )
    lines += _rfm_lines(report, c)
    curve = c.retention_curve
    if len(curve) > 3:
        lines.append(
            f"Of the customers won in the last cohorts, {fmt.fraction(curve[1])} bought again "
            f"the month after their first purchase and {fmt.fraction(curve[3])} three months "
            "after."
        )
    tables = [_rfm_table(report, c)]
    moves = _moves_table(c)
    if moves.rows:
        tables.append(moves)
    if c.cohorts:
        tables.append(_cohort_table(c))
    return Section("customers", "Customers", tuple(lines), tuple(tables), ("rfm_segments",))


def _new_vs_returning(report: Report, c: Customers) -> str:
    cur = report.currency
    if c.new_revenue is None or c.returning_revenue is None:
        return (
            "The data starts with this period, so every customer's first purchase in it falls "
            "here: new and returning customers cannot be told apart."
        )
    text = (
        f"New customers brought {fmt.money(c.new_revenue, cur)} "
        f"({fmt.fraction(c.new_revenue_share)} of revenue)"
    )
    prev = _previous_label(report)
    if prev and c.previous_new_revenue_share is not None:
        text += f", against {fmt.fraction(c.previous_new_revenue_share)} in {prev}"
    return text + f"; returning customers brought {fmt.money(c.returning_revenue, cur)}."


def _rfm_lines(report: Report, c: Customers) -> list[str]:
    by_name = {s.segment: s for s in c.rfm}
    champions = by_name.get("Champions")
    lines = []
    if champions and champions.customers:
        lines.append(
            f"RFM at {report.period.end:%d %b %Y} (last {fmt.count(c.lookback_days)} days): "
            f"{fmt.count(champions.customers)} Champions ({fmt.fraction(champions.share)} of "
            f"customers) brought {fmt.fraction(champions.revenue_share)} of that time's "
            "revenue."
        )
    risk = [by_name[s] for s in ("At Risk", "Can't Lose Them") if by_name[s].customers]
    if risk:
        parts = [
            f"{fmt.count(s.customers)} {s.segment} ({fmt.money(s.revenue, report.currency)})"
            for s in risk
        ]
        lines.append(
            f"Worth winning back: {' and '.join(parts)}, revenue over the same "
            f"{fmt.count(c.lookback_days)} days."
        )
    down = [
        m
        for m in c.moves
        if m.target in RFM_SEGMENTS
        and RFM_SEGMENTS.index(m.target) > RFM_SEGMENTS.index(m.source)
        and m.source in RFM_SEGMENTS[:3]
    ][:3]
    if down:
        parts = [f"{fmt.count(m.customers)} from {m.source} to {m.target}" for m in down]
        prev = _previous_label(report) or "the previous period"
        lines.append(f"Since the end of {prev}, customers slipped: {'; '.join(parts)}.")
    return lines


def _rfm_table(report: Report, c: Customers) -> Table:
    has_prev = any(s.previous_customers is not None for s in c.rfm)
    columns = ["Segment", "Customers", "Share", "Revenue", "Revenue share"]
    if has_prev:
        columns += ["Customers before"]
    rows = []
    for s in c.rfm:
        row = [
            s.segment,
            fmt.count(s.customers),
            fmt.fraction(s.share),
            fmt.money(s.revenue, report.currency),
            fmt.fraction(s.revenue_share),
        ]
        if has_prev:
            row.append(fmt.count(s.previous_customers))
        rows.append(tuple(row))
    return Table(
        "rfm",
        "RFM segments",
        tuple(columns),
        tuple(rows),
        note=f"Recency, frequency and revenue over the {fmt.count(c.lookback_days)} days to "
        "the period end, scored in quintiles; docs/metrics.md has the segment table.",
        numeric=(False,) + (True,) * (len(columns) - 1),
    )


def _moves_table(c: Customers) -> Table:
    rows = tuple((m.source, m.target, fmt.count(m.customers)) for m in c.moves[:MOVES_SHOWN])
    return Table(
        "rfm-moves",
        "Customers who changed segment",
        ("From", "To", "Customers"),
        rows,
        note="Segments at the previous period's end against this one's; largest moves first.",
        numeric=(False, False, True),
    )


def _cohort_table(c: Customers) -> Table:
    months = range(1, COHORT_MONTHS_SHOWN + 1)
    rows = []
    for h in c.cohorts:
        label = f"{h.month:%Y-%m}"
        if c.first_data_month is not None and h.month == c.first_data_month:
            label += " (first month of data)"
        cells = [fmt.fraction(h.retention[k]) if k < len(h.retention) else "" for k in months]
        rows.append((label, fmt.count(h.customers), *cells))
    return Table(
        "cohorts",
        "Customers buying again, by month of first purchase",
        ("Cohort", "New customers", *(f"Month {k}" for k in months)),
        tuple(rows),
        note="Share of each month's new customers who bought again k months later.",
        numeric=(False,) + (True,) * (1 + COHORT_MONTHS_SHOWN),
    )


def trend_section(report: Report) -> Section | None:
    t, s = report.trend, report.seasonality
    if t is None and s is None:
        return None
    cur = report.currency
    lines = []
    if t is not None:
        span = f"the {fmt.count(t.months)} full months from {t.start:%b %Y} to {t.end:%b %Y}"
        net = ", net of the yearly season" if t.seasonal_adjusted else ""
        if t.direction == "flat":
            lines.append(
                f"Over {span}, revenue shows no clear trend{net} ({fmt.p_value(t.p_value)})."
            )
        else:
            verb = "grew" if t.direction == "up" else "declined"
            lines.append(
                f"Over {span}, revenue {verb} by about {fmt.money(abs(t.slope_per_month), cur)} "
                f"a month{net} ({fmt.fraction(abs(t.slope_pct or 0.0))} of an average month; "
                f"{fmt.p_value(t.p_value)})."
            )
            if not t.seasonal_adjusted:
                lines.append(
                    "With fewer than two full years the fit cannot take the yearly season out, "
                    "so part or all of this move may be the season."
                )
        if t.yoy_growth is not None:
            lines.append(
                f"The last 12 full months brought {_signed_fraction(t.yoy_growth)} against "
                "the 12 before."
            )
        if t.cmgr is not None and t.cmgr_start is not None:
            lines.append(
                f"Compound monthly growth since {t.cmgr_start:%b %Y}: {_signed_fraction(t.cmgr)}."
            )
        if t.best_month and t.worst_month:
            lines.append(
                f"Best month of the last 12: {t.best_month.month:%B %Y} "
                f"({fmt.money(t.best_month.revenue, cur)}); weakest: "
                f"{t.worst_month.month:%B %Y} ({fmt.money(t.worst_month.revenue, cur)})."
            )
    tables = []
    if s is not None:
        lines += _season_lines(s)
        table = _season_table(s)
        if table.rows:
            tables.append(table)
    return Section(
        "trend-analysis", "Trend and seasonality", tuple(lines), tuple(tables), ("weekday_pattern",)
    )


def _season_lines(s: Seasonality) -> list[str]:
    lines = []
    for name, indices, strength, unit in (
        ("Weekly", s.weekly, s.weekly_strength, "day"),
        ("Yearly", s.yearly, s.yearly_strength, "month"),
    ):
        if indices:
            best = max(indices, key=indices.__getitem__)
            worst = min(indices, key=indices.__getitem__)
            lines.append(
                f"{name} pattern (strength {fmt.fraction(strength)}): {best} is the strongest "
                f"{unit} at {fmt.number(indices[best])}x an average {unit}, {worst} the weakest "
                f"at {fmt.number(indices[worst])}x."
            )
    if s.note:
        lines.append(s.note[0].upper() + s.note[1:] + ("" if s.note.endswith(".") else "."))
    return lines


def _season_table(s: Seasonality) -> Table:
    rows = [("Day of week", day, fmt.number(v)) for day, v in (s.weekly or {}).items()]
    rows += [("Month of year", month, fmt.number(v)) for month, v in (s.yearly or {}).items()]
    return Table(
        "seasonal-indices",
        "Seasonal indices",
        ("Pattern", "When", "Index"),
        tuple(rows),
        note="An index above one means above an average day or month, below one under it.",
        numeric=(False, False, True),
    )


UNUSUAL_DAYS_NAMED = 5  # unusual days of the period told in sentences; the table has all


def anomalies_section(report: Report) -> Section | None:
    if not report.timeseries.daily:
        return None
    cur = report.currency
    within = fmt.in_period(report.period)
    inside = [a for a in report.anomalies if a.in_period]
    seen = report.unusual_days
    lines = []
    if seen is not None and seen.too_few_orders:
        lines.append(
            "No day is called unusual: too few orders a day to call a day unusual (a median "
            f"of {fmt.number(seen.orders_per_day)} on days with orders; "
            f"{fmt.count(seen.min_orders_per_day)} are needed)."
        )
    elif not report.anomalies:
        lines.append(
            "No unusual days: every day's revenue was within the normal range for its "
            "weekday and season."
        )
    elif not inside:
        lines.append(f"No unusual days {within}.")
    named = sorted(inside, key=lambda a: -abs(a.revenue - a.expected))[:UNUSUAL_DAYS_NAMED]
    for a in sorted(named, key=lambda a: a.date):
        lines.append(_anomaly_line(a, cur))
    if len(inside) > len(named):
        lines.append(
            "Those are the largest; the other unusual days of the period are in the table below."
        )
    earlier = len(report.anomalies) - len(inside)
    if earlier:
        lines.append(
            f"{fmt.plural(earlier, 'other unusual day')} elsewhere in the data "
            f"{fmt.noun_for(earlier, 'is', 'are')} listed below."
        )
    if seen is not None:
        lines.extend(_holiday_lines(seen))
    tables = []
    if report.anomalies:
        tables.append(_anomaly_table(report))
    return Section("anomalies", "Unusual days", tuple(lines), tuple(tables), ("daily_revenue",))


def _holiday_lines(seen: UnusualDays) -> list[str]:
    """What was done about public holidays: the calendar and the days it set aside, or
    that there was none."""
    if seen.calendar is None:
        if seen.calendar_source == "config":
            return [
                "No holiday calendar was used (`holidays: none` in salescope.yml): a public "
                "holiday is judged like any other day, so a closure on one is a drop."
            ]
        why = f" ({seen.calendar_note})" if seen.calendar_note else ""
        return [
            f"No holiday calendar{why}: set `holidays:` in salescope.yml (e.g. `holidays: GB`) "
            "so closures on public holidays are not called drops."
        ]
    source = "from salescope.yml" if seen.calendar_source == "config" else "from the data's country"
    out = [
        f"Public holidays ({seen.calendar} calendar, {source}) are left out of the baseline "
        "and never called unusual."
    ]
    shown = [h for h in seen.holidays if h.trade != "usual"]
    if shown:
        days = ", ".join(f"{h.date.day} {h.date:%b %Y}" for h in shown[:HOLIDAYS_LISTED])
        more = len(shown) - HOLIDAYS_LISTED
        rest = f" and {fmt.count(more)} more" if more > 0 else ""
        closures = any(h.kind == "closure" for h in shown)
        what = " (or closed on the days running into one)" if closures else ""
        out.append(f"Closed or quiet on public holidays{what}: {days}{rest}.")
    return out


def _standouts(a: Anomaly) -> list[Explainer]:
    """Members that carried clearly more of the day's gap than their usual share of sales."""
    return [e for e in a.explained_by if concentration(e) >= STANDOUT]


def concentration(e: Explainer) -> float:
    """How much more of the gap a member carried than its usual share would give it."""
    if e.usual_share is None:
        return e.share
    if e.usual_share >= 1:
        return 0.0
    return (e.share - e.usual_share) / (1 - e.usual_share)


def _explained(a: Anomaly) -> str:
    if not a.explained_by:
        return ""
    standouts = _standouts(a)
    if not standouts:
        return "; it was spread across products, regions and channels in their usual proportions"
    e = standouts[0]
    word = dimension_noun(e.dimension)
    usual = (
        f", against {fmt.fraction(e.usual_share)} of a normal day's sales"
        if e.usual_share is not None
        else ""
    )
    moved = "rise" if a.direction == "spike" else "fall"
    return f"; led by {word} {e.key} ({fmt.fraction(e.share)} of the {moved}{usual})"


def _anomaly_line(a: Anomaly, currency: str | None) -> str:
    kind = "a spike" if a.direction == "spike" else "a drop"
    return (
        f"{a.date:%a %d %b %Y} was {kind}: {fmt.money(a.revenue, currency)} against "
        f"{fmt.money(a.expected, currency)} expected ({fmt.pct_change(a.change_pct)})"
        f"{_explained(a)}."
    )


def _explainer_cell(e: Explainer) -> str:
    usual = f", usually {fmt.fraction(e.usual_share)}" if e.usual_share is not None else ""
    word = dimension_noun(e.dimension)
    return f"{word} {e.key} ({fmt.fraction(e.share)}{usual})"


def _anomaly_table(report: Report) -> Table:
    cur = report.currency
    rows = tuple(
        (
            f"{a.date:%Y-%m-%d}" + (" (in period)" if a.in_period else ""),
            a.direction,
            fmt.money(a.revenue, cur),
            fmt.money(a.expected, cur),
            fmt.pct_change(a.change_pct),
            fmt.number(a.score),
            ", ".join(_explainer_cell(e) for e in a.explained_by[:3]),
        )
        for a in report.anomalies
    )
    return Table(
        "anomaly-days",
        "Unusual days",
        ("Day", "Kind", "Revenue", "Expected", "Deviation", "Score", "Explained by"),
        rows,
        note="Expected: the weekday and seasonal baseline. Score: robust z of the day's "
        "deviation. Explained by: members with that share of the day's rise (a spike) or fall "
        "(a drop) among the members of their kind that moved the same way, and their usual "
        "share of sales.",
        numeric=(False, False, True, True, True, True, False),
    )


def outlook_section(report: Report) -> Section | None:
    f = report.forecast
    if f is None and not report.pace:
        return None
    cur = report.currency
    lines = []
    for p in report.pace:
        text = (
            f"{p.label} to date ({fmt.count(p.days_elapsed)} of {fmt.count(p.days_total)} "
            f"days): {fmt.money(p.revenue, cur)}"
        )
        if p.change_pct is not None:
            text += f", {fmt.pct_change(p.change_pct)} on the same days a year earlier"
        if p.projection == "last year's shape":
            text += (
                f". If the rest of {p.label} moves like last year's, grown as much, it ends "
                f"near {fmt.money(p.projected, cur)}"
            )
        else:
            end = fmt.money(p.projected, cur)
            text += f". At the same daily pace, season left out, it ends near {end}"
        if p.last_year_total is not None:
            text += f" (a year earlier: {fmt.money(p.last_year_total, cur)})"
        lines.append(text + ".")
    tables = []
    if f is not None and f.points:
        first, last = f.points[0], f.points[-1]
        text = (
            f"Forecast ({f.method}, {fmt.fraction(f.level)} interval): "
            f"{fmt.money(first.value, cur)} in {first.date:%B %Y}"
        )
        if len(f.points) > 1:
            text += f" to {fmt.money(last.value, cur)} in {last.date:%B %Y}"
        if not f.seasonal:
            text += "; with less than two full years the model has no yearly season"
        lines.append(text + ".")
        inside = [p for p in f.points if p.date <= report.period.end]
        if inside:
            lines.append(
                f"{inside[-1].date:%B %Y} is inside this report but not complete in the data: "
                "the forecast gives the whole month, the report the days the data holds."
                if len(inside) == 1
                else "The first forecast months are inside this report but not complete in the "
                "data: the forecast gives whole months, the report the days the data holds."
            )
        if f.backtest_mape is None:
            lines.append(
                "The history is too short to hold months back and measure the forecast's "
                "error: read it as a rough guide."
            )
        else:
            rough = "" if f.plannable else ", too large to plan on: read it as a rough guide"
            lines.append(
                f"Held back, the last {fmt.count(f.backtest_months)} months were forecast with "
                f"an average error of {fmt.fraction(f.backtest_mape)}{rough}."
            )
        tables.append(
            Table(
                "forecast",
                "Forecast",
                ("Month", "Forecast", "Low", "High"),
                tuple(
                    (
                        f"{p.date:%Y-%m}",
                        fmt.money(p.value, cur),
                        fmt.money(p.lower, cur),
                        fmt.money(p.upper, cur),
                    )
                    for p in f.points
                ),
                numeric=(False, True, True, True),
            )
        )
    return Section("outlook", "Outlook", tuple(lines), tuple(tables), ("forecast",))


def annual_section(report: Report) -> Section | None:
    """For a year: its months, the best and the worst, and the growth on the year before."""
    p = report.period
    if p.grain != "year":
        return None
    months = [m for m in report.timeseries.points if p.start <= m.date <= p.end]
    if not months:
        return None
    cur = report.currency
    best = max(months, key=lambda m: m.revenue)
    worst = min(months, key=lambda m: m.revenue)
    lines = [
        f"{p.label} had {fmt.plural(len(months), 'month')} of data; the best was "
        f"{best.date:%B %Y} with {fmt.money(best.revenue, cur)}, the weakest "
        f"{worst.date:%B %Y} with {fmt.money(worst.revenue, cur)}."
    ]
    revenue = report.kpi("revenue")
    prev = _previous_label(report)
    if revenue is not None and revenue.change_pct is not None and prev:
        lines.append(
            f"Revenue for the year: {fmt.money(revenue.value, cur)}, "
            f"{fmt.pct_change(revenue.change_pct)} on {prev} ({fmt.money(revenue.previous, cur)})."
        )
    inside = [a for a in report.anomalies if a.in_period]
    if inside:
        lines.append(f"{fmt.plural(len(inside), 'unusual day')} in the year: see Unusual days.")
    table = Table(
        "year_months",
        "Month by month",
        ("Month", "Revenue", "Orders", "Customers"),
        tuple(
            (
                f"{m.date:%B %Y}" + (" (partial)" if m.partial else ""),
                fmt.money(m.revenue, cur),
                fmt.count(m.orders),
                fmt.count(m.customers) if m.customers is not None else "n/a",
            )
            for m in months
        ),
        numeric=(False, True, True, True),
    )
    return Section("year", "The year in review", tuple(lines), (table,), ("monthly_revenue",))


def _signed(value: float, unit: str, currency: str | None) -> str:
    """A difference with its sign: a rate's in points, any other in its own unit.

    >>> _signed(1234.56, "currency", "USD"), _signed(-0.002, "fraction", None)
    ('+$1,235', '-0.2 points')
    """
    if unit == "fraction":
        return fmt.points(value)
    return ("+" if value > 0 else "") + fmt.by_unit(value, unit, currency)


def since_last_section(report: Report) -> Section | None:
    """This report against the last one of its period rule in the run history, and the
    figures of a period both cover that the data now gives differently (``salescope run``
    only: a one-off report has no history)."""
    since = report.since_last
    if since is None:
        return None
    cur = report.currency
    this = fmt.period_name(report.period)
    last = fmt.period_name(
        SimpleNamespace(
            label=since.period,
            grain=since.period_grain,
            start=since.period_start,
            end=since.period_end,
        )
    )
    lines = [
        f"The last report of this project with the same period rule ({since.run_id}, written "
        f"{since.created_at[:10]}) covered {last}."
    ]
    rows = []
    for f in since.figures:
        rows.append(
            (
                f.label,
                fmt.by_unit(f.last, f.unit, cur),
                fmt.by_unit(f.value, f.unit, cur),
                fmt.pct_change(f.change_pct),
            )
        )
    tables = [
        Table(
            "since_last",
            "Headline figures, then and now",
            ("Figure", f"Last report ({last})", f"This report ({this})", "Change"),
            tuple(rows),
            note="The last report's figures are its own, as it gave them (report.json in the "
            "run history); nothing is recomputed.",
            numeric=(False, True, True, True),
        )
    ]
    if since.restated:
        period = since.restated[0].period
        lines.append(
            f"The data now gives {fmt.plural(len(since.restated), 'figure')} of {period} "
            "differently from the last report: lines were added, changed or removed for that "
            "period since."
        )
        tables.append(
            Table(
                "restated",
                f"Restated: {period}",
                ("Figure", "First reported", "Now", "Difference"),
                tuple(
                    (
                        r.label,
                        fmt.by_unit(r.reported, r.unit, cur),
                        fmt.by_unit(r.now, r.unit, cur),
                        _signed(r.now - r.reported, r.unit, cur),
                    )
                    for r in since.restated
                ),
                numeric=(False, True, True, True),
            )
        )
    else:
        lines.append("No figure of a period both reports cover has changed since.")
    return Section("since_last", "Since the last report", tuple(lines), tuple(tables))


def analysis_sections(report: Report, side: tuple[Section, ...] = ()) -> tuple[Section, ...]:
    """The sections in reading order (``side``: marketing, sales team and operations,
    after customers), leaving out those the data cannot fill."""
    built = (
        since_last_section(report),
        annual_section(report),
        customers_section(report),
        *side,
        trend_section(report),
        anomalies_section(report),
        outlook_section(report),
    )
    return tuple(s for s in built if s is not None)
