"""Recommendations: documented rules from insights to department actions.

Each rule turns one insight into an action for one department, with the horizon it
belongs to, the date it is due (``HORIZON_DAYS`` after the report's period ends) and the
metric it should move: a fact id, today's value (``baseline``) and a ``target`` set by one
of these rules (docs/insights.md):

- ``recover``: back to the previous period's value;
- ``halve``: halve today's value (a count of problems);
- ``zero``: bring it to zero (lost revenue, quarantined rows);
- ``threshold``: down to the configured threshold (concentration);
- ``improve`` / ``reduce``: ``IMPROVE`` higher (a member's revenue, efficiency ratios,
  retention) or lower (a returns rate) than today;
- ``reach``: 100% of a target;
- ``forecast``: revenue of as many months after the report as its period holds, as the
  forecast puts them (only a forecast whose backtest error is within ``forecast_error``).

A target that would restate today's value (a count already at zero, a previous period
level equal to today's) is no target: the action is not emitted. So is an action whose
metric has no value.

Actions are written without numbers of their own; the numbers a department report prints
next to them (baseline, target, due date) are facts under ``recommendation.<id>.*``.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from salescope import fact_ids as ids
from salescope.fact_ids import slug
from salescope.model import Department, Fact, Horizon, Insight, Recommendation, Report
from salescope.narrative.wording import stockout_names
from salescope.settings import Thresholds

IMPROVE = 0.1  # the "improve" target: 10% better than today
HORIZON_DAYS: dict[Horizon, int] = {"immediate": 14, "short": 28, "medium": 90}  # due after


@dataclass(frozen=True)
class Action:
    department: Department
    horizon: Horizon
    text: str
    metric: str  # fact id
    rule: str  # recover | halve | zero | threshold | improve | reduce | forecast | reach
    target: float | None = None  # set by the rule builder (forecast), else from ``rule``


Rule = Callable[[Insight, Report], list[Action]]


def _name(insight: Insight) -> str:
    """The member or campaign an insight is about."""
    return insight.subject or "it"


def _kpi(insight: Insight, report: Report) -> list[Action]:
    fid = insight.refs["metric"]
    name = next(k.name for k in report.kpis if k.fact == fid)
    if insight.polarity == "neutral":  # flat: nothing to recover or protect
        return []
    up = insight.polarity == "positive"
    if name == "revenue":
        if up:  # a gain needs no correction; the forecast action plans the next months
            return []
        return [
            Action("sales", "immediate", "Go through the largest detractors with their owners "
                   "and agree a recovery plan for each.", fid, "recover"),
            Action("executive", "short", "Review the plan against the lower run rate and "
                   "decide which gaps to close first.", fid, "recover"),
        ]  # fmt: skip
    if up or name == "gross_margin":
        return []
    texts: dict[str, tuple[Department, Horizon, str]] = {
        "aov": ("marketing", "short", "Test bundles and a free-delivery threshold just above "
                "today's average order value."),
        "customers": ("marketing", "immediate", "Bring lapsed buyers back with a reactivation "
                      "campaign to last period's customers who have not ordered since."),
        "new_customers": ("marketing", "short", "Put acquisition budget behind the channel "
                          "that brings the most first orders."),
        "orders": ("sales", "immediate", "Check order intake by channel and region to find "
                   "where the drop started."),
    }  # fmt: skip
    if name not in texts:
        return []
    dept, horizon, text = texts[name]
    if name == "new_customers" and report.breakdown("channel") is None:  # no channel to name
        text = (
            "Find out which campaigns and sources brought this period's first orders, and put "
            "acquisition budget behind them."
        )
    return [Action(dept, horizon, text, fid, "recover")]


def _contributor(insight: Insight, report: Report) -> list[Action]:
    if insight.type == "bottom_contributor":
        revenue = insight.refs["revenue"]
        return [
            Action(insight.departments[0], "immediate", f"Find out why {_name(insight)} fell "
                   "(price, stock, competition or a lost account) and decide whether to "
                   "defend it or move the effort elsewhere.", revenue, "recover"),
        ]  # fmt: skip
    if any(i.type == "margin_squeeze" for i in report.insights):
        return []  # growth that squeezed the margin is not to be built on as it is
    revenue = insight.refs["revenue"]
    how = (
        "keep it in stock, visible and promoted, and look for the next one like it"
        if insight.dimension in ("product", "category")
        else "find out what worked there and carry it to the others"
    )
    return [Action(insight.departments[0], "short", f"Build on {_name(insight)}: {how}.",
                   revenue, "improve")]  # fmt: skip


def _concentration(insight: Insight, report: Report) -> list[Action]:
    return [
        Action("executive", "medium", "Lower the dependence on the largest member: grow the "
               "next ones so that no single member carries the business.",
               insight.refs["share"], "threshold"),
    ]  # fmt: skip


def _new_vs_returning(insight: Insight, report: Report) -> list[Action]:
    if insight.cause == "more new customers":
        return [
            Action("customer_success", "short", "Turn this period's first-time buyers into "
                   "second-time buyers: a welcome sequence and a first-repeat offer.",
                   ids.kpi("retention_rate"), "improve"),
        ]  # fmt: skip
    return [
        Action("marketing", "short", "Rebuild acquisition: fewer first-time buyers are "
               "carrying revenue than before.", insight.refs["share"], "recover"),
    ]  # fmt: skip


def _retention(insight: Insight, report: Report) -> list[Action]:
    if insight.polarity == "positive":  # nothing to correct
        return []
    return [
        Action("customer_success", "immediate", "Contact the customers who did not come back, "
               "highest spenders first, and ask why.", ids.kpi("retention_rate"), "recover"),
    ]  # fmt: skip


def _rfm(insight: Insight, report: Report) -> list[Action]:
    return [
        Action("customer_success", "immediate", "Win back the customers who slipped out of the "
               "valuable segments: personal outreach for the top spenders, an offer for the "
               "rest.", insight.refs["moved"], "halve"),
        Action("marketing", "short", "Build a win-back audience from the at-risk RFM segments "
               "and keep it out of acquisition spend.", insight.refs["moved"], "halve"),
    ]  # fmt: skip


def _trend(insight: Insight, report: Report) -> list[Action]:
    # only a trend net of the season is planned on; a rise needs no correction
    if insight.cause != "net of the season" or insight.polarity != "negative":
        return []
    return [
        Action("executive", "medium", "Revisit the annual plan: revenue is falling net of the "
               "season, so the gap will not close by itself.", ids.trend("slope_per_month"),
               "zero"),
    ]  # fmt: skip


def _forecast(insight: Insight, report: Report) -> list[Action]:
    """Plan on the forecast only when its backtest error is within ``forecast_error``: the
    target is the revenue it puts on as many months after the report as the period holds."""
    target = _forecast_revenue(report)
    if insight.cause != "checked" or target is None:
        return []
    return [
        Action("finance", "short", "Set the budget for the coming months on the forecast, "
               "with its interval as the range to plan cash against.", ids.kpi("revenue"),
               "forecast", target),
    ]  # fmt: skip


def _forecast_revenue(report: Report) -> float | None:
    """The forecast revenue of the months after the report, as many as its period holds
    (whole calendar months only), or None when the forecast does not reach that far."""
    f, p = report.forecast, report.period
    if f is None or p.start.day != 1 or (p.end + timedelta(days=1)).day != 1:
        return None
    months = (p.end.year - p.start.year) * 12 + p.end.month - p.start.month + 1
    ahead = [x for x in f.points if x.date > p.end][:months]
    if len(ahead) < months or ahead[0].date != p.end + timedelta(days=1):
        return None
    return round(sum(x.value for x in ahead), 2)


def _seasonality(insight: Insight, report: Report) -> list[Action]:
    peak = insight.refs["peak"]
    text = (
        f"Build stock and staff ahead of {_month(ids.month_of(peak))}, the peak month, and "
        "plan promotions around the quiet months."
    )
    lost = ids.inventory("lost_revenue")
    if lost in report.facts:  # success: no sale lost to an empty shelf
        return [Action("operations", "medium", text, lost, "zero")]
    return []  # no measure of being ready for the peak: no action


def _month(short: str) -> str:
    """``Dec`` -> ``December``."""
    names = [calendar.month_name[i] for i in range(1, 13)]
    return next((n for n in names if n.startswith(short)), short)


def _unusual(insight: Insight, report: Report) -> list[Action]:
    if insight.polarity == "negative":  # the largest was a drop: prevent the next one
        return [
            Action("operations", "short", "Find and record the cause of each drop (outage, "
                   "stock, a data error) so the next one is prevented.",
                   insight.refs["count"], "zero"),
        ]  # fmt: skip
    return []  # a spike is no problem to fix, and repeating it has no measure


def _campaign(insight: Insight, report: Report) -> list[Action]:
    name = _name(insight)
    if insight.polarity == "positive":  # it worked: nothing to correct
        return []
    return [
        Action("marketing", "immediate", f"Pause spend like {name}'s until a test with a "
               "holdout shows an effect.", insight.refs["effect"], "zero"),
    ]  # fmt: skip


def _channels(insight: Insight, report: Report) -> list[Action]:
    return [
        Action("marketing", "short", "Move budget from the weakest channel to the strongest "
               "in small steps, checking the return after each step.", ids.marketing("roas"),
               "improve"),
    ]  # fmt: skip


def _reps(insight: Insight, report: Report) -> list[Action]:
    if "below" in insight.refs:
        return [
            Action("sales", "immediate", "Pair the reps below target with the top performer "
                   "and review their pipelines every week.", insight.refs["below"], "halve"),
        ]  # fmt: skip
    return []  # without quotas no target can be set for the reps


def _stockouts(insight: Insight, report: Report) -> list[Action]:
    inv = report.inventory
    if "lost" in insight.refs and inv is not None:
        lost = insight.refs["lost"]
        names = stockout_names(inv)
        if inv.products_out > len(inv.named()):
            names += " and the other products listed under Operations"
        if inv.source != "inventory table":  # possible stockouts: check before acting
            return [
                Action("operations", "short", f"Check the stock records of {names} for the "
                       "days without sales; where a product ran out, set a reorder point from "
                       "its normal daily sales and supplier lead time.", lost, "zero"),
            ]  # fmt: skip
        return [
            Action("operations", "immediate", f"Set reorder points for {names}, from their "
                   "normal daily sales and supplier lead times.", lost, "zero"),
            Action("sales", "immediate", f"Tell customers when {names} are back in stock, and "
                   "offer an alternative meanwhile.", lost, "zero"),
        ]  # fmt: skip
    return [
        Action("operations", "short", "Review stock cover for the products that ran out "
               "earlier in the year before their next peak.", insight.refs["stockouts"],
               "zero"),
    ]  # fmt: skip


def _margin(insight: Insight, report: Report) -> list[Action]:
    fid = insight.refs["margin"]
    if insight.polarity == "positive":  # a wider margin needs no correction
        return []
    text = (
        "Cap discount depth and require approval above the usual level."
        if insight.cause == "discount"
        else "Renegotiate supplier costs, starting with the categories whose cost rose most."
    )
    return [Action("finance", "immediate", text, fid, "recover")]


def _squeeze(insight: Insight, report: Report) -> list[Action]:
    fid = insight.refs["margin"]
    where = f"in {insight.subject} first" if insight.subject else "category by category"
    what = "discount depth" if insight.cause == "discount" else "prices and supplier costs"
    return [
        Action("finance", "immediate", f"Review {what} {where}: gross profit has fallen "
               "behind revenue.", fid, "recover"),
        Action("executive", "short", "Judge growth on gross profit as well as revenue, and "
               "hold volume deals to a margin floor until the margin recovers.", fid,
               "recover"),
    ]  # fmt: skip


def _returns(insight: Insight, report: Report) -> list[Action]:
    return [
        Action("operations", "short", "Go through return reasons in the categories with the "
               "highest rate: sizing, damage in transit, product descriptions.",
               insight.refs["worst"], "reduce"),
        Action("customer_success", "short", "Follow up customers who returned items, to keep "
               "them buying and bring the returns rate down.", insight.refs["rate"], "reduce"),
    ]  # fmt: skip


def _quality(insight: Insight, report: Report) -> list[Action]:
    return [
        Action("executive", "immediate", "Have the export fixed at the source so no rows need "
               "setting aside.", ids.quality("rows_quarantined"), "zero"),
    ]  # fmt: skip


def _targets(insight: Insight, report: Report) -> list[Action]:
    attainment = insight.refs["attainment"]
    what = _name(insight).lower()
    if insight.polarity == "positive":  # met: the next target is a planning choice
        return []
    return [
        Action("sales", "immediate", f"Close the gap to the {what} target: agree with each "
               "owner behind target what will be done, and by when.", attainment, "reach"),
    ]  # fmt: skip


RULES: dict[str, Rule] = {
    "kpi_change": _kpi,
    "top_contributor": _contributor,
    "bottom_contributor": _contributor,
    "concentration": _concentration,
    "new_vs_returning": _new_vs_returning,
    "retention_change": _retention,
    "rfm_movement": _rfm,
    "trend": _trend,
    "forecast": _forecast,
    "seasonality": _seasonality,
    "unusual_days": _unusual,
    "campaign_uplift": _campaign,
    "channel_efficiency": _channels,
    "rep_performance": _reps,
    "stockout_risk": _stockouts,
    "margin_pressure": _margin,
    "margin_squeeze": _squeeze,
    "returns": _returns,
    "target": _targets,
    "data_quality": _quality,
}
RULE_WORDS = {
    "recover": "back to the previous period's level",
    "halve": "halve it",
    "zero": "bring it to zero",
    "threshold": "down to the concentration threshold",
    "improve": "improve by a tenth",
    "reduce": "cut by a tenth",
    "forecast": "the forecast for the months after the report",
    "reach": "reach the target (100%)",
}


def _target(rule: str, fid: str, report: Report, t: Thresholds) -> float | None:
    value = report.facts[fid].value
    if not isinstance(value, int | float):
        return None
    if rule == "recover":
        prev = report.facts.get(ids.previous_of(fid))
        return float(prev.value) if prev and isinstance(prev.value, int | float) else None
    if rule == "halve":
        return float(math.floor(value / 2))
    if rule == "zero":
        return 0.0
    if rule == "threshold":
        return t.concentration_share
    if rule == "reach":
        return 1.0
    if rule == "improve":
        return round(value * (1 + IMPROVE), 6)
    if rule == "reduce":
        return round(value * (1 - IMPROVE), 6)
    raise ValueError(f"target rule {rule!r} needs its target from the action")


def _restates(target: float, baseline: float, unit: str) -> bool:
    """True when a target reads the same as today's value at the precision reports print
    (a cent, a tenth of a point, one count): no target at all."""
    tolerance = 0.0005 if unit in ("fraction", "ratio") else 0.005
    return abs(target - baseline) < tolerance


def build_recommendations(
    report: Report, insights: tuple[Insight, ...], thresholds: Thresholds | None = None
) -> tuple[tuple[Recommendation, ...], dict[str, Fact]]:
    """Actions for the insights, by department and horizon, and the facts of their targets."""
    t = thresholds or Thresholds()
    report = replace(report, insights=insights)  # a rule may read the other findings
    recs: list[Recommendation] = []
    facts: dict[str, Fact] = {}
    seen: set[tuple[str, str]] = set()
    for insight in insights:
        rule = RULES.get(insight.type)
        if rule is None:
            continue
        for a in rule(insight, report):
            fact = report.facts.get(a.metric)
            if fact is None or (a.department, a.text) in seen:
                continue
            seen.add((a.department, a.text))
            rid = f"{a.department}.{slug(insight.id)}"
            target = a.target if a.target is not None else _target(a.rule, a.metric, report, t)
            baseline = float(fact.value) if isinstance(fact.value, int | float) else None
            if target is None or baseline is None or _restates(target, baseline, fact.unit):
                continue
            due = report.period.end + timedelta(days=HORIZON_DAYS[a.horizon])
            for fid, part, value in (
                (ids.recommendation(rid, "baseline"), "baseline", baseline),
                (ids.recommendation(rid, "target"), "target", target),
            ):
                facts[fid] = Fact(fid, value, fact.unit, f"{fact.label}: {part}")
            fid = ids.recommendation(rid, "due")
            facts[fid] = Fact(fid, due.isoformat(), "date", f"{fact.label}: due")
            recs.append(
                Recommendation(
                    id=rid,
                    department=a.department,
                    horizon=a.horizon,
                    text=a.text,
                    based_on=insight.id,
                    metric=a.metric,
                    metric_label=fact.label,
                    unit=fact.unit,
                    baseline=baseline,
                    target=target,
                    target_rule=RULE_WORDS[a.rule],
                    due=due,
                )
            )
    return tuple(recs), facts
