"""Key findings, insights, recommendations and the conclusion of the period report, and
the department reports: all from ``report.insights`` and ``report.recommendations``.

Numbers printed here are the insights' own text (facts) and the recommendations'
baselines and targets (facts ``recommendation.<id>.*``); the rest is fixed wording chosen
by the data: whether revenue rose or fell, which department an action belongs to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from salescope import fact_ids as ids
from salescope.model import DEPARTMENTS, Insight, Recommendation, Report
from salescope.narrative import format as fmt
from salescope.narrative.table import Table

FINDINGS_SHOWN = 5
DEPARTMENT_INSIGHTS = 6
HORIZONS: tuple[tuple[str, str], ...] = (
    ("immediate", "Immediate (weeks 1-2)"),
    ("short", "Short term (weeks 3-4)"),
    ("medium", "Medium term (month 2 onwards)"),
)
HORIZON_LABELS = dict(HORIZONS)
DEPARTMENT_TITLES = {
    "executive": "Executive",
    "sales": "Sales",
    "marketing": "Marketing",
    "finance": "Finance",
    "operations": "Operations",
    "customer_success": "Customer success",
}
SCOPE = {
    "executive": "The whole business: revenue and growth, the largest risks and opportunities, "
    "and the one action per department that matters most.",
    "sales": "Revenue by region, product, channel and rep; quota attainment; the members that "
    "moved revenue.",
    "marketing": "Channels and their efficiency, campaigns and their measured effect, "
    "acquisition of new customers and win-back audiences.",
    "finance": "Revenue, gross margin and discounts, returns, the trend and the forecast for "
    "planning.",
    "operations": "Stock and stockouts, returns by category, unusual days and the seasonal "
    "calendar.",
    "customer_success": "Retention and churn, customer segments (RFM) and their moves, "
    "cohorts and lifetime value.",
}
DEPARTMENT_CHARTS = {  # the charts that say it faster, per department, when the data has them
    "executive": ("business_performance_dashboard", "executive_kpis_trend"),
    "sales": ("contributors_waterfall", "quota_attainment", "revenue_by_region"),
    "marketing": ("channel_roas", "campaign_uplift", "revenue_by_channel"),
    "finance": ("revenue_trend", "margin_discount", "forecast"),
    "operations": ("daily_revenue", "margin_discount", "weekday_pattern"),
    "customer_success": ("cohort_heatmap", "rfm_segments"),
}
FALLBACK_METRICS = {  # a department without actions still watches these (no target)
    "executive": (ids.kpi("revenue"), ids.kpi("customers")),
    "sales": (ids.kpi("revenue"), ids.kpi("orders"), ids.kpi("aov")),
    "marketing": (ids.kpi("new_customers"), ids.marketing("spend"), ids.marketing("roas")),
    "finance": (ids.kpi("revenue"), ids.kpi("gross_margin"), ids.kpi("discount_rate")),
    "operations": (ids.kpi("units"), ids.kpi("returns"), ids.inventory("lost_revenue")),
    "customer_success": (ids.kpi("retention_rate"), ids.kpi("returning_customers")),
}


def _value(report: Report, fid: str, unit: str) -> str:
    fact = report.facts.get(fid)
    if fact is None or not isinstance(fact.value, int | float):
        return "n/a"
    return fmt.by_unit(fact.value, unit, report.currency)


ALWAYS_SHOWN = ("margin_squeeze",)  # findings shown among the key ones whatever their rank


def key_insights(report: Report) -> list[Insight]:
    """The strongest insights, with a margin squeeze always among them (in its rank's
    place, or in place of the weakest shown)."""
    shown = list(report.insights[:FINDINGS_SHOWN])
    for extra in report.insights[FINDINGS_SHOWN:]:
        if extra.type in ALWAYS_SHOWN and shown:
            shown[-1] = extra
    return shown


def _first_word(text: str) -> str:
    words = re.findall(r"[^\W_]+", text.casefold())
    return words[0] if words else ""


def finding_line(insight: Insight) -> str:
    """An insight as one line: its title, then what the data says. A text that opens with
    the title's subject ("Revenue up" and "Revenue rose to ...") stands alone, so the line
    does not say it twice; a title holding a colon is closed by a full stop instead."""
    title, text = insight.title, insight.text
    if _first_word(title) and _first_word(title) == _first_word(text):
        return text
    return f"{title}{'. ' if ':' in title else ': '}{text}"


def finding_lines(report: Report) -> list[str]:
    """The strongest insights, one line each (:func:`finding_line`)."""
    return [finding_line(i) for i in key_insights(report)]


def insight_lines(report: Report) -> list[str]:
    """Every insight, grouped as the reader acts on them: problems first."""
    order = {"negative": 0, "positive": 1, "neutral": 2}
    ranked = sorted(report.insights, key=lambda i: (order.get(i.polarity, 3), -i.score))
    return [finding_line(i) for i in ranked]


def _metric_cells(report: Report, r: Recommendation) -> tuple[str, str]:
    return (
        _value(report, ids.recommendation(r.id, "baseline"), r.unit),
        _value(report, ids.recommendation(r.id, "target"), r.unit),
    )


def recommendations_table(report: Report, recs: tuple[Recommendation, ...]) -> Table:
    rows = []
    for r in sorted(
        recs, key=lambda r: (_horizon_rank(r.horizon), DEPARTMENTS.index(r.department))
    ):
        today, target = _metric_cells(report, r)
        rows.append(
            (
                DEPARTMENT_TITLES[r.department],
                HORIZON_LABELS[r.horizon],
                r.text,
                _cap(r.metric_label),
                today,
                target,
            )
        )
    return Table(
        "recommendations",
        "Recommendations",
        ("Department", "When", "Action", "Success metric", "Today", "Target"),
        tuple(rows),
        note="Targets follow documented rules (docs/insights.md): back to the previous "
        "period, halve, zero, a tenth better, or the forecast; an action whose target would "
        "restate today's value is not listed.",
        numeric=(False, False, False, False, True, True),
    )


def _cap(label: str) -> str:
    return label[:1].upper() + label[1:]


def _horizon_rank(h: str) -> int:
    return [k for k, _ in HORIZONS].index(h)


def conclusion_lines(report: Report) -> list[str]:
    revenue = report.kpi("revenue")
    lines = []
    worst = next((i for i in report.insights if i.polarity == "negative"), None)
    best = next((i for i in report.insights if i.polarity == "positive"), None)
    if revenue is not None and revenue.change_pct is not None:
        d = fmt.direction_of(revenue.value, revenue.previous, revenue.change_pct)
        stated = next((i for i in report.insights if i.id == "kpi_change.revenue"), None)
        if stated is not None and stated.polarity == "neutral":  # under the finding threshold
            d = "flat"
        mood = {"up": "grew", "down": "shrank", "flat": "held level"}.get(d, "moved")
        text = f"The business {mood} {fmt.in_period(report.period)}"
        if any(i.type == "margin_squeeze" for i in report.insights):  # not growth alone
            profit = {"up": "did not keep pace", "down": "shrank faster"}.get(d, "fell")
            text = (
                f"Revenue {mood} {fmt.in_period(report.period)} but gross profit {profit} "
                "(a margin squeeze)"
            )
        if best is not None and worst is not None:
            # titles are clauses ("Nord drove growth"), not nouns: each gets its own label
            text += f". Strongest point: {_headline(best)}. Main concern: {_headline(worst)}"
        lines.append(text + ".")
    elif best is not None or worst is not None:
        pick = worst or best
        assert pick is not None
        lines.append(f"The finding to act on first: {_lower(pick)}.")
    first = next(iter(sorted(report.recommendations, key=lambda r: _horizon_rank(r.horizon))), None)
    if first is not None:
        who = DEPARTMENT_TITLES[first.department].lower()
        when = HORIZON_LABELS[first.horizon].lower()
        lines.append(f"First step ({who}, {when}): {first.text[:1].lower()}{first.text[1:]}")
    if not lines:
        lines.append("The data supports no finding strong enough to act on this period.")
    return lines


def _headline(insight: Insight) -> str:
    """An insight's title after a label: :func:`_lower`, up to a colon of its own
    ("margin squeeze", not "margin squeeze: revenue grew faster than gross profit")."""
    return _lower(insight).split(": ", 1)[0]


def _lower(insight: Insight) -> str:
    """An insight's title inside a sentence: lower-cased unless it opens with a name."""
    title = insight.title
    if insight.subject and title.startswith(insight.subject):
        return title
    first = title.split(" ", 1)[0]
    if first[:1].isupper() and first[1:].islower() and first.isalpha():
        return title[:1].lower() + title[1:]
    return title


# --- department reports ---------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentView:
    name: str
    title: str
    period_label: str
    period_line: str
    scope: str
    objectives: tuple[str, ...]
    insights: tuple[str, ...]
    actions: tuple[tuple[str, tuple[str, ...]], ...]  # (horizon label, actions)
    metrics: Table
    risks: tuple[str, ...]
    run_line: str
    charts: tuple[str, ...] = ()  # chart names (render/charts.py), shown when drawn


def _department_recs(report: Report, name: str) -> tuple[Recommendation, ...]:
    if name != "executive":
        return tuple(r for r in report.recommendations if r.department == name)
    own = [r for r in report.recommendations if r.department == name]
    insight_rank = {i.id: n for n, i in enumerate(report.insights)}
    for dept in DEPARTMENTS[1:]:  # the top action of every other department
        theirs = [r for r in report.recommendations if r.department == dept]
        if theirs:
            own.append(min(theirs, key=lambda r: insight_rank.get(r.based_on, 999)))
    return tuple(own)


def _department_insights(report: Report, name: str) -> list[Insight]:
    if name == "executive":
        return list(report.insights[:DEPARTMENT_INSIGHTS])
    return [i for i in report.insights if name in i.departments][:DEPARTMENT_INSIGHTS]


def _metrics_table(report: Report, name: str, recs: tuple[Recommendation, ...]) -> Table:
    rows = []
    seen = set()
    for r in recs:
        if r.metric in seen:
            continue
        seen.add(r.metric)
        today, target = _metric_cells(report, r)
        rows.append((_cap(r.metric_label), today, target, r.target_rule, _due(report, r)))
    note = ""
    if not rows:
        for fid in FALLBACK_METRICS[name]:
            fact = report.facts.get(fid)
            if fact is None:
                continue
            rows.append((_cap(fact.label), _value(report, fid, fact.unit), "none", "", ""))
        note = "No finding calls for a change here: these are the figures to watch."
    return Table(
        "metrics",
        "Success metrics",
        ("Metric", "Today", "Target", "How the target is set", "By"),
        tuple(rows),
        note=note,
        numeric=(False, True, True, False, False),
    )


def _due(report: Report, r: Recommendation) -> str:
    """The day the target is due (a fact), ``30 Nov 2024``."""
    fact = report.facts.get(ids.recommendation(r.id, "due"))
    return f"{r.due:%d %b %Y}" if fact is not None else ""


def _risks(report: Report, name: str) -> list[str]:
    out = []
    kinds = {i.type for i in report.insights}
    if "data_quality" in kinds:
        out.append(
            "Data quality: part of the input was quarantined; small differences may be noise."
        )
    m, team, inv, ops = report.marketing, report.team, report.inventory, report.operations
    if name in ("marketing", "executive") and m is not None and m.source != "spend table":
        out.append("Channel efficiency is not measured: no marketing spend table was given.")
    if name == "marketing":
        if m is not None and m.campaigns:
            out.append(
                "Campaign effects are measured against the other channels; a campaign that "
                "also lifts them is understated."
            )
        if inv is not None and inv.stockouts:
            out.append(
                "Promotions depend on stock: products ran out in the past year (operations)."
            )
    if name in ("sales", "executive") and team is not None and team.quota_source is None:
        out.append("No quota table: attainment cannot be tracked, only comparisons between reps.")
    if name == "sales":
        out.append("New customers depend on marketing's acquisition channels.")
    if name == "operations":
        if inv is not None and inv.source != "inventory table":
            out.append("Stockouts are inferred from sales gaps, not confirmed by inventory data.")
        if inv is None:
            out.append("No product column: stock and stockouts cannot be tracked.")
        out.append("Reorder points depend on supplier lead times, which the data does not hold.")
    if name == "finance":
        if report.forecast is not None and report.forecast.plannable:
            out.append(
                "The forecast assumes the pattern of the past months holds; plan on its "
                "interval, not the point."
            )
        elif report.forecast is not None:
            out.append(
                "The forecast is a rough guide, not a plan: its error on held-back months is "
                "unmeasured or too large (see the Outlook)."
            )
        if ops is None or ops.margin is None:
            out.append("No cost column: gross margin is not measured.")
    if name == "customer_success":
        out.append("RFM segments look back a year: customers who buy once a year can look at risk.")
        out.append("Win-back offers depend on marketing for the audience and the message.")
    if name == "executive":
        if "concentration" in kinds:
            out.append("Concentration: one member carries a large share of its dimension.")
        for i in [i for i in report.insights if i.polarity == "negative"][:2]:
            out.append(finding_line(i))
    if not out:
        out.append("No specific risk stands out in the data for this department.")
    return out


def department_view(report: Report, name: str, period_line: str, run_line: str) -> DepartmentView:
    recs = _department_recs(report, name)
    insights = _department_insights(report, name)
    objectives: list[str] = []
    for r in recs:  # one line per metric and target: two actions can share them
        today, target = _metric_cells(report, r)
        line = (
            f"{_cap(r.metric_label)}: from {today} to {target} by {_due(report, r)} "
            f"({r.target_rule})."
        )
        if line not in objectives and len(objectives) < 3:
            objectives.append(line)
    if not objectives:
        objectives.append("No finding calls for a change of course: keep today's plan.")
    actions = tuple(
        (label, tuple(r.text for r in recs if r.horizon == key)) for key, label in HORIZONS
    )
    return DepartmentView(
        name=name,
        title=f"{DEPARTMENT_TITLES[name]} report {fmt.period_name(report.period)}",
        period_label=fmt.period_name(report.period),
        period_line=period_line,
        scope=SCOPE[name],
        objectives=tuple(objectives),
        insights=tuple(finding_line(i) for i in insights)
        or ("No finding concerns this department this period.",),
        actions=actions,
        metrics=_metrics_table(report, name, recs),
        risks=tuple(_risks(report, name)),
        run_line=run_line,
        charts=DEPARTMENT_CHARTS[name],
    )
