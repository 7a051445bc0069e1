"""Typed insights from a computed report: what matters, to whom, and how much.

Each builder looks at one part of the report and returns insights only when the data
supports them (a comparison needs a covered previous period, a trend needs significance,
an uplift an interval off zero ...). Every number an insight prints is a fact, and its
``facts`` list names them.

Score = effect x confidence, both 0..1:

- effect: how large the finding is against the business, mostly a share of the period's
  revenue (a change of ``FULL_EFFECT_PCT`` percent or more counts as 1);
- confidence: 1 for measured figures; lower for estimates (a forecast, possible stockouts)
  and for figures built on few data.

Thresholds (:class:`salescope.settings.Thresholds`, set in salescope.yml under
``insights``) are documented in docs/insights.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from salescope import fact_ids as ids_
from salescope.fact_ids import slug
from salescope.metrics.semantic import dimension_departments
from salescope.model import (
    STOCKOUTS_NAMED,
    Contributor,
    Department,
    Insight,
    Kpi,
    Margin,
    Measure,
    Polarity,
    Report,
)
from salescope.narrative import format as fmt
from salescope.narrative.wording import stockout_label, usually
from salescope.settings import Thresholds

FULL_EFFECT_PCT = 20.0  # a change of this many percent is a full-size effect


Builder = Callable[[Report, Thresholds], Iterable[Insight]]

KPI_INSIGHTS: dict[str, tuple[Department, ...]] = {  # kpi -> departments it concerns
    "revenue": ("executive", "sales", "finance"),
    "orders": ("sales", "operations"),
    "aov": ("sales", "marketing"),
    "customers": ("sales", "marketing", "customer_success"),
    "new_customers": ("marketing",),
}
AT_RISK = ("At Risk", "Can't Lose Them", "Hibernating", "Lost", "About to Sleep")
VALUABLE = ("Champions", "Loyal Customers", "Potential Loyalists")


def _clip(x: float) -> float:
    return max(0.0, min(1.0, x))


def _have(report: Report, *ids: str) -> bool:
    return all(i in report.facts for i in ids)


def _prev_label(report: Report) -> str | None:
    p = report.period.previous
    return p[0] if p and p[3] else None


def _polarity(change: float, good: str = "up") -> Polarity:
    if change == 0 or good == "none":
        return "neutral"
    return "positive" if (change > 0) == (good == "up") else "negative"


def kpi_changes(report: Report, t: Thresholds) -> Iterable[Insight]:
    prev = _prev_label(report)
    if prev is None:
        return
    cur = report.currency
    for k in report.kpis:
        if k.name not in KPI_INSIGHTS or k.change_pct is None or k.value is None:
            continue
        if abs(k.change_pct) < t.kpi_change_pct and k.name != "revenue":
            continue
        ids = (k.fact, ids_.kpi(k.name, "previous"), ids_.kpi(k.name, "change_pct"))
        if not _have(report, *ids):
            continue
        d = fmt.direction_of(k.value, k.previous, k.change_pct)
        if abs(k.change_pct) < t.kpi_change_pct:  # revenue only: stated, but no rise or fall
            d = "flat"
        verb = {"up": "rose to", "down": "fell to", "flat": "held about level at"}.get(
            d, "moved to"
        )
        now, before = fmt.by_unit(k.value, k.unit, cur), fmt.by_unit(k.previous, k.unit, cur)
        title = f"{k.label} {d if d != 'flat' else 'about level'}"
        text = (
            f"{k.label} {verb} {now} {fmt.in_period(report.period)} "
            f"({fmt.pct_change(k.change_pct)} on {prev}, {before})."
        )
        if fmt.below_zero(k.value, k.previous):  # a percent over a negative base misleads
            title = f"{k.label} {'below zero' if k.value < 0 else 'back above zero'}"
            text = f"{k.label} was {now} {fmt.in_period(report.period)}, against {before} in {prev}"
            text += ": returns exceeded sales." if k.value < 0 else " when returns exceeded sales."
        weight = 1.0 if k.name == "revenue" else 0.7
        yield Insight(
            id=f"kpi_change.{k.name}",
            type="kpi_change",
            title=title,
            text=text,
            facts=ids,
            score=round(_clip(abs(k.change_pct) / FULL_EFFECT_PCT) * weight, 4),
            # revenue is always stated; a move below the threshold is no finding to act on
            polarity=(
                _polarity(1.0 if d == "up" else -1.0, k.good_direction)
                if d != "flat" and abs(k.change_pct) >= t.kpi_change_pct
                else "neutral"
            ),
            departments=KPI_INSIGHTS[k.name],
            refs={"metric": k.fact},
        )


def contributors(report: Report, t: Thresholds) -> Iterable[Insight]:
    d = report.drivers
    prev = _prev_label(report)
    revenue = report.kpi("revenue")
    if d is None or prev is None or revenue is None or not revenue.previous:
        return
    cur = report.currency
    ranked = [
        (i, c)
        for i, c in enumerate(d.contributors, start=1)
        if c.share_of_change is not None
        and abs(c.share_of_change) >= t.min_contribution
        and _moved(c, revenue, t)
    ]
    ups = [(i, c) for i, c in ranked if c.change > 0]
    downs = [(i, c) for i, c in ranked if c.change < 0]
    sides: tuple[tuple[str, tuple[int, Contributor] | None, Polarity], ...] = (
        ("top_contributor", max(ups, key=lambda x: x[1].change, default=None), "positive"),
        ("bottom_contributor", min(downs, key=lambda x: x[1].change, default=None), "negative"),
    )
    for kind, pick, polarity in sides:
        if pick is None:
            continue
        i, c = pick
        refs = {
            part: ids_.contributor(i, part)
            for part in ("change", "share", "previous_share", "revenue")
        }
        ids = (*refs.values(), ids_.contributor(i, "revenue.previous"))
        if not _have(report, *ids):
            continue
        dim = c.dimension.replace("_", " ")
        verb = "added" if c.change > 0 else "lost"
        verdict = _contributor_verdict(c)
        text = (
            f"{c.key} ({dim}) {verdict}: it {verb} {fmt.money(abs(c.change), cur)} against "
            f"{prev}; its share of revenue went from {fmt.fraction(c.previous_share)} to "
            f"{fmt.fraction(c.share)}."
        )
        yield Insight(
            id=f"{kind}.{c.dimension}.{slug(c.key)}",
            type=kind,
            title=f"{c.key} {verdict}",
            text=text,
            facts=ids,
            score=round(_clip(abs(c.change) / revenue.previous * 100 / FULL_EFFECT_PCT), 4),
            polarity=polarity,
            departments=dimension_departments(c.dimension),
            subject=c.key,
            refs=refs,
            dimension=c.dimension,
        )


def _contributor_verdict(c: Contributor) -> str:
    """What a mover did for the business: a member that added revenue while its share fell
    grew with the business, it did not drive the growth; one that lost revenue while its
    share rose fell less than the rest."""
    was, now = c.previous_share, c.share
    lost_share = was is not None and now is not None and now < was
    gained_share = was is not None and now is not None and now > was
    if c.change > 0:
        return "grew with the business but lost share" if lost_share else "drove growth"
    return "lost revenue but gained share" if gained_share else "held revenue back"


def _moved(c: Contributor, revenue: Kpi, t: Thresholds) -> bool:
    """A member may be called rising or falling: its move rests on more than a few orders
    (not ``thin``), is not mostly orders cancelled across the periods or members (its
    ``net_change`` keeps the sign and half the size), and the period that carries it (this
    one for a rise, the previous one for a fall) gave it at least ``min_base_share`` of
    that period's revenue."""
    net = c.change if c.net_change is None else c.net_change
    if c.thin or net * c.change <= 0 or abs(net) < abs(c.change) / 2:
        return False
    base, total = (c.revenue, revenue.value) if c.change > 0 else (c.previous, revenue.previous)
    return total is not None and total > 0 and base >= t.min_base_share * total


def concentration(report: Report, t: Thresholds) -> Iterable[Insight]:
    d = report.drivers
    if d is None:
        return
    for c in d.concentration:
        if c.members < 2 or c.top1_share < t.concentration_share:
            continue
        fid = ids_.concentration(c.dimension, "top1_share")
        b = report.breakdown(c.dimension)
        if not _have(report, fid) or b is None or not b.rows:
            continue
        top = b.rows[0].key
        dim = c.dimension.replace("_", " ")
        yield Insight(
            id=f"concentration.{c.dimension}",
            type="concentration",
            title=f"Revenue depends on one {dim}",
            text=(
                f"{top} holds {fmt.fraction(c.top1_share)} of revenue among "
                f"{fmt.count(c.members)} {dim} members: a setback there moves the whole "
                "business."
            ),
            facts=(fid, ids_.breakdown_members(c.dimension)),
            score=round(_clip(c.top1_share) * 0.8, 4),
            polarity="negative",
            departments=("executive", *dimension_departments(c.dimension)),
            refs={"share": fid},
            dimension=c.dimension,
        )


def new_vs_returning(report: Report, t: Thresholds) -> Iterable[Insight]:
    c = report.customers
    prev = _prev_label(report)
    if c is None or prev is None:
        return
    now, before = c.new_revenue_share, c.previous_new_revenue_share
    ids = (ids_.customers("new_revenue_share"), ids_.customers("new_revenue_share.previous"))
    if now is None or before is None or not _have(report, *ids):
        return
    shift = now - before
    if abs(shift) < t.new_share_points:
        return
    more = shift > 0
    yield Insight(
        id="new_vs_returning",
        type="new_vs_returning",
        title="More revenue from new customers" if more else "Less revenue from new customers",
        text=(
            f"New customers brought {fmt.fraction(now)} of revenue {fmt.in_period(report.period)}, "
            f"against {fmt.fraction(before)} in {prev}: the business leans "
            f"{'more on winning' if more else 'more on keeping'} customers."
        ),
        facts=ids,
        score=round(_clip(abs(shift) / 0.2), 4),
        polarity="neutral",
        departments=("marketing", "customer_success"),
        refs={"share": ids[0]},
        cause="more new customers" if more else "fewer new customers",
    )


def retention(report: Report, t: Thresholds) -> Iterable[Insight]:
    k = report.kpi("retention_rate")
    prev = _prev_label(report)
    if k is None or k.value is None or k.previous is None or prev is None:
        return
    ids = (ids_.kpi("retention_rate"), ids_.kpi("retention_rate", "previous"))
    if not _have(report, *ids):
        return
    shift = k.value - k.previous
    if abs(shift) < t.retention_points:
        return
    yield Insight(
        id="retention_change",
        type="retention_change",
        title="Retention improved" if shift > 0 else "Retention slipped",
        text=(
            f"{fmt.fraction(k.value)} of the previous period's customers bought again, against "
            f"{fmt.fraction(k.previous)} a period earlier."
        ),
        facts=ids,
        score=round(_clip(abs(shift) / 0.1), 4),
        polarity="positive" if shift > 0 else "negative",
        departments=("customer_success", "executive"),
    )


def rfm_movement(report: Report, t: Thresholds) -> Iterable[Insight]:
    """Customers sliding out of the valuable segments; not where customers rarely come back
    (retention below ``rfm_retention``): there segments move with the time since a single
    purchase, not with behaviour."""
    c = report.customers
    if c is None or not c.moves:
        return
    retention = report.kpi("retention_rate")
    rate = retention.value if retention is not None else None
    if rate is not None and rate < t.rfm_retention:
        return
    scored = sum(s.customers for s in c.rfm)
    slid = [
        (i, m)
        for i, m in enumerate(c.moves, start=1)
        if m.source in VALUABLE and m.target in AT_RISK
    ]
    total = sum(m.customers for _, m in slid)
    if not scored or not slid or total / scored < t.rfm_share:
        return
    i, largest = max(slid, key=lambda x: x[1].customers)
    ids = (ids_.customer_move(i),)
    if not _have(report, *ids):
        return
    yield Insight(
        id="rfm_movement",
        type="rfm_movement",
        title="Valuable customers are slipping",
        text=(
            f"{fmt.plural(largest.customers, 'customer')} moved from {largest.source} to "
            f"{largest.target} since the previous period's end, the largest of the moves out "
            "of the valuable segments."
        ),
        facts=ids,
        score=round(_clip(total / scored / 0.2), 4),
        polarity="negative",
        departments=("customer_success", "marketing"),
        refs={"moved": ids[0]},
    )


def trend(report: Report, t: Thresholds) -> Iterable[Insight]:
    """The monthly trend, worded by what the fit could do: net of the yearly season only
    with two full years (``seasonal_adjusted``); on fewer months the slope may be the season
    itself, so the insight says so, reads as neutral, weighs half and carries no action."""
    tr = report.trend
    if tr is None or tr.direction == "flat" or tr.slope_pct is None:
        return
    ids = (ids_.trend("slope_per_month"), ids_.trend("months"), ids_.trend("p_value"))
    if not _have(report, *ids):
        return
    up = tr.direction == "up"
    span = f"the {fmt.count(tr.months)} full months from {tr.start:%b %Y} to {tr.end:%b %Y}"
    slope = f"about {fmt.money(abs(tr.slope_per_month), report.currency)} a month"
    score = _clip(abs(tr.slope_pct) * 12 * 100 / FULL_EFFECT_PCT) * 0.9
    if tr.seasonal_adjusted:
        title = "Revenue is trending up" if up else "Revenue is trending down"
        text = (
            f"Over {span} revenue {'grew' if up else 'shrank'} by {slope} net of the yearly "
            f"season ({fmt.p_value(tr.p_value)})."
        )
        polarity: Polarity = "positive" if up else "negative"
    else:
        title = "Revenue rose month by month" if up else "Revenue fell month by month"
        text = (
            f"Over {span} revenue {'rose' if up else 'fell'} by {slope} "
            f"({fmt.p_value(tr.p_value)}), but the yearly season is not separated from it: that "
            "needs two full years of data, so part or all of the move may be the season."
        )
        polarity, score = "neutral", score / 2
    yield Insight(
        id="trend",
        type="trend",
        title=title,
        text=text,
        facts=ids,
        score=round(score, 4),
        polarity=polarity,
        departments=("executive", "finance"),
        cause="net of the season" if tr.seasonal_adjusted else "season not separated",
    )


def seasonality(report: Report, t: Thresholds) -> Iterable[Insight]:
    s = report.seasonality
    if s is None or not s.yearly:
        return
    peak = max(s.yearly, key=lambda m: s.yearly[m])  # type: ignore[index]
    low = min(s.yearly, key=lambda m: s.yearly[m])  # type: ignore[index]
    ids = (ids_.season_month(peak), ids_.season_month(low))
    if not _have(report, *ids):
        return
    yield Insight(
        id="seasonality",
        type="seasonality",
        title=f"{peak} is the peak month",
        text=(
            f"Revenue runs at {fmt.number(s.yearly[peak])}x an average month in {peak} and "
            f"{fmt.number(s.yearly[low])}x in {low}: stock, staffing and campaigns should "
            "follow that calendar."
        ),
        facts=ids,
        score=round(_clip((s.yearly[peak] - s.yearly[low]) / 2) * 0.6, 4),
        polarity="neutral",
        departments=("operations", "marketing", "finance"),
        refs={"peak": ids[0]},
    )


def unusual_days(report: Report, t: Thresholds) -> Iterable[Insight]:
    inside = [a for a in report.anomalies if a.in_period]
    revenue = report.kpi("revenue")
    if not inside or revenue is None or not revenue.value:
        return
    top = max(inside, key=lambda a: abs(a.revenue - a.expected))
    ids = (
        ids_.ANOMALIES_IN_PERIOD,
        ids_.anomaly(top.date, "revenue"),
        ids_.anomaly(top.date, "expected"),
    )
    if not _have(report, *ids):
        return
    yield Insight(
        id="unusual_days",
        type="unusual_days",
        title="Unusual days in the period",
        text=(
            f"{fmt.plural(len(inside), 'day')} {fmt.in_period(report.period)} "
            f"{fmt.noun_for(len(inside), 'was', 'were')} far off their "
            f"usual level; the largest, {top.date}, brought "
            f"{fmt.money(top.revenue, report.currency)} against "
            f"{fmt.money(top.expected, report.currency)} expected."
        ),
        facts=ids,
        score=round(_clip(abs(top.revenue - top.expected) / revenue.value * 10), 4),
        polarity="positive" if top.direction == "spike" else "negative",
        departments=("operations", "sales"),
        refs={"count": ids[0], "day": ids[1]},
    )


def forecast(report: Report, t: Thresholds) -> Iterable[Insight]:
    """The months the model forecasts after the report's period (a month the report covers
    is not "ahead", even when the data stops inside it), worded by how far the forecast can
    be trusted: its backtest error against ``forecast_error`` and the width of its interval.
    ``cause`` is "checked" only when the backtest error is within the threshold: the only
    forecast finance is asked to plan on."""
    f = report.forecast
    if f is None:
        return
    ahead = [p for p in f.points if p.date > report.period.end]
    if not ahead:
        return
    first, last = ahead[0], ahead[-1]
    ids = [ids_.forecast_month(first.date), ids_.forecast("level")]
    cur = report.currency
    text = f"The model expects {fmt.money(first.value, cur)} in {first.date:%B %Y}"
    if last is not first:
        ids.append(ids_.forecast_month(last.date))
        text += f" and {fmt.money(last.value, cur)} in {last.date:%B %Y}"
    wide = last.upper - last.lower > last.value
    text += f" ({fmt.fraction(f.level)} intervals in the Outlook"
    text += ", wide ones" if wide else ""
    text += ")" if f.seasonal else "; the model has no yearly season, which needs two full years)"
    mape = f.backtest_mape
    if mape is None:
        text += (
            "; with too short a history to hold months back, its error is not measured, so "
            "read it as a rough guide."
        )
        checked, score = False, 0.1
    else:
        ids.append(ids_.forecast("backtest_mape"))
        checked = f.plannable
        text += (
            f"; held back, the last {fmt.count(f.backtest_months)} months were forecast with "
            f"an average error of {fmt.fraction(mape)}"
        )
        text += "." if checked else ", too large to plan on: read it as a rough guide."
        score = 0.3 if checked and not wide else 0.15 if checked else 0.1
    if not _have(report, *ids):
        return
    yield Insight(
        id="forecast",
        type="forecast",
        title="Forecast for the months after the report",
        text=text,
        facts=tuple(ids),
        score=score,
        polarity="neutral",
        departments=("finance", "operations", "executive"),
        cause="checked" if checked else "unchecked",
    )


def campaigns(report: Report, t: Thresholds) -> Iterable[Insight]:
    m = report.marketing
    if m is None:
        return
    cur = report.currency
    revenue = report.kpi("revenue")
    scale = revenue.value if revenue and revenue.value else None
    for k in m.campaigns:
        ids: tuple[str, ...]
        polarity: Polarity
        if k.significant:
            ids = tuple(
                ids_.campaign(k.name, part)
                for part in ("incremental_revenue", "uplift_pct", "level")
            )
            text = (
                f"{k.name} added {fmt.money(k.incremental_revenue, cur)} of revenue on "
                f"{k.measured_on} ({fmt.pct_change(k.uplift_pct)} over the baseline, "
                f"{fmt.fraction(k.level)} interval off zero)."
            )
            polarity = "positive" if k.incremental_revenue > 0 else "negative"
            effect = abs(k.incremental_revenue) / scale * 10 if scale else 0.5
        elif k.orders_significant and k.incremental_orders is not None:
            ids = (
                ids_.campaign(k.name, "incremental_orders"),
                ids_.campaign(k.name, "orders_uplift_pct"),
            )
            through = f"through {k.channel}" if k.channel else "in all sales"
            text = (
                f"{k.name} brought {fmt.count(abs(k.incremental_orders))} "
                f"{'more' if k.incremental_orders > 0 else 'fewer'} orders {through} "
                f"({fmt.pct_change(k.orders_uplift_pct)}); its revenue effect stayed within "
                "day-to-day noise."
            )
            polarity = "positive" if k.incremental_orders > 0 else "negative"
            effect = 0.3
        elif k.in_period and k.spend:
            ids = (ids_.campaign(k.name, "spend"),)
            text = (
                f"{k.name} cost {fmt.money(k.spend, cur)} and moved neither revenue nor orders "
                "measurably."
            )
            polarity, effect = "negative", 0.3
        else:
            continue
        if not _have(report, *ids):
            continue
        yield Insight(
            id=f"campaign_uplift.{slug(k.name)}",
            type="campaign_uplift",
            title=_campaign_title(k.name, k.significant, polarity),
            text=text,
            facts=ids,
            score=round(_clip(effect) * (1.0 if k.in_period else 0.5), 4),
            polarity=polarity,
            departments=("marketing", "finance") if k.spend else ("marketing",),
            subject=k.name,
            refs={"effect": ids[0]},
        )


def _campaign_title(name: str, revenue: bool, polarity: Polarity) -> str:
    if polarity != "positive":
        return f"{name} showed no payoff"
    return f"{name} paid off" if revenue else f"{name} lifted orders"


def channel_efficiency(report: Report, t: Thresholds) -> Iterable[Insight]:
    m = report.marketing
    if m is None or m.source != "spend table":
        return
    paid = [c for c in m.channels if c.roas is not None and c.roas.value and c.spend]
    if len(paid) < 2:
        return
    best = max(paid, key=lambda c: c.roas.value or 0.0)  # type: ignore[union-attr]
    worst = min(paid, key=lambda c: c.roas.value or 0.0)  # type: ignore[union-attr]
    b, w = best.roas.value or 0.0, worst.roas.value or 0.0  # type: ignore[union-attr]
    if w <= 0 or b / w < t.roas_ratio:
        return
    ids = (
        ids_.channel(best.channel, "roas"),
        ids_.channel(worst.channel, "roas"),
        ids_.channel(worst.channel, "spend"),
    )
    if not _have(report, *ids):
        return
    yield Insight(
        id="channel_efficiency",
        type="channel_efficiency",
        title=f"{best.channel} returns far more per unit of spend than {worst.channel}",
        text=(
            f"{best.channel} returned a ROAS of {fmt.number(b)} against {fmt.number(w)} for "
            f"{worst.channel}, which took {fmt.money(worst.spend.value, report.currency)} of "  # type: ignore[union-attr]
            "spend."
        ),
        facts=ids,
        score=round(_clip((b / w) / 10) * 0.8, 4),
        polarity="neutral",
        departments=("marketing", "finance"),
        subject=best.channel,
    )


def reps(report: Report, t: Thresholds) -> Iterable[Insight]:
    team = report.team
    if team is None or not team.reps:
        return
    cur = report.currency
    if team.quota_source and team.above_target is not None and team.below_target is not None:
        rated = [r for r in team.reps if r.attainment is not None]
        if not rated:
            return
        best = rated[0]
        ids: tuple[str, ...] = (
            ids_.team("above_target"),
            ids_.team("below_target"),
            ids_.rep(best.rep, "attainment"),
        )
        if not _have(report, *ids):
            return
        below = team.below_target
        yield Insight(
            id="rep_performance",
            type="rep_performance",
            title=f"{fmt.count(team.above_target)} of {fmt.count(len(rated))} reps hit quota",
            text=(
                f"{best.rep} reached {fmt.fraction(best.attainment)} of quota; "
                f"{fmt.plural(below, 'rep')} finished below target."
            ),
            facts=ids,
            score=round(_clip(below / len(rated) + max(0.0, (best.attainment or 0) - 1)), 4),
            polarity="negative" if below > len(rated) / 2 else "positive",
            departments=("sales", "executive"),
            refs={"below": ids_.team("below_target")},
        )
        return
    ranked = [r for r in team.reps if r.vs_median is not None]
    if len(ranked) < 3:
        return
    top, low = ranked[0], ranked[-1]
    ids = (ids_.rep(top.rep, "vs_median"), ids_.rep(low.rep, "vs_median"))
    if not _have(report, *ids):
        return
    yield Insight(
        id="rep_performance",
        type="rep_performance",
        title="Wide spread between reps",
        text=(
            f"{top.rep} sold {fmt.number(top.vs_median)} times the median rep's revenue, "
            f"{low.rep} {fmt.number(low.vs_median)} times (no quota table, so peers are the "
            f"yardstick; median {fmt.money(team.median_revenue, cur)})."
        ),
        facts=(*ids, ids_.team("median_revenue")),
        score=round(_clip(((top.vs_median or 1) - (low.vs_median or 1)) / 3), 4),
        polarity="neutral",
        departments=("sales",),
    )


POSSIBLE_STOCKOUT_CAP = 0.05  # score of possible stockouts without strong, large evidence
POSSIBLE_STOCKOUT_LEAD_SHARE = 0.05  # strong possible stockouts this share of revenue may lead


def stockouts(report: Report, t: Thresholds) -> Iterable[Insight]:
    """Stockouts that cost sales, naming the products. Possible stockouts (no inventory
    table) score at most ``POSSIBLE_STOCKOUT_CAP`` and read as neutral, unless those with
    strong evidence (the rule's ``strong_sale_days`` on both sides) lost an estimated
    ``POSSIBLE_STOCKOUT_LEAD_SHARE`` of the period's revenue or more."""
    inv = report.inventory
    revenue = report.kpi("revenue")
    if inv is None or not inv.stockouts:
        return
    named = inv.named()
    confirmed = inv.source == "inventory table"
    lost, out = ids_.inventory("lost_revenue"), ids_.inventory("products_out")
    cited = [ids_.stockout(i, part) for i, _ in named for part in ("days", "start", "lost_revenue")]
    cited += [ids_.stockout(i, "usual_interval") for i, s in named if s.usual_interval]
    more = ids_.inventory("products_more")
    if more in report.facts:
        cited.append(more)
    if named and _have(report, lost, out, *cited):
        total = revenue.value if revenue and revenue.value else 0.0
        share = inv.lost_revenue / total if total else 0.0
        score, polarity = _clip(share * 20), "negative"
        if not confirmed:
            strong = inv.rule.strong_sale_days if inv.rule is not None else 0
            sure = sum(
                s.lost_revenue
                for s in inv.stockouts
                if s.in_period and min(s.sale_days_before or 0, s.sale_days_after or 0) >= strong
            )
            if total and sure >= POSSIBLE_STOCKOUT_LEAD_SHARE * total:
                score *= 0.5
            else:
                score, polarity = min(score * 0.5, POSSIBLE_STOCKOUT_CAP), "neutral"
        cur = report.currency
        if confirmed:
            parts = [
                f"{stockout_label(s)} for {fmt.plural(s.days, 'day')} from {s.start}"
                for _, s in named
            ]
            text = (
                f"Out of stock {fmt.in_period(report.period)}: {_listed(parts, report)}, an "
                f"estimated {fmt.money(inv.lost_revenue, cur)} of lost revenue at their normal "
                "daily sales."
            )
        else:
            parts = [
                f"{stockout_label(s)} had no sales for {fmt.plural(s.days, 'day')} from "
                f"{s.start}{usually(s)}"
                for _, s in named
            ]
            text = (
                f"Possible stockouts {fmt.in_period(report.period)} (no inventory table to confirm "
                f"them): {_listed(parts, report)}. Estimated revenue lost, at each product's "
                f"normal daily revenue over its days without sales: "
                f"{fmt.money(inv.lost_revenue, cur)}."
            )
        top = named[0][1]
        yield Insight(
            id="stockout_risk",
            type="stockout_risk",
            title="Stockouts cost sales" if confirmed else "Possible stockouts",
            text=text,
            facts=(out, lost, *cited),
            refs={"lost": lost},
            score=round(score, 4),
            polarity=polarity,  # type: ignore[arg-type]
            departments=("operations", "sales"),
            subject=top.product_name or top.product,
        )
    elif confirmed and _have(report, ids_.inventory("stockouts")):
        yield Insight(
            id="stockout_risk",
            type="stockout_risk",
            title="Stockouts earlier in the year",
            text=(
                f"No stockout {fmt.in_period(report.period)}, but "
                f"{fmt.count(len(inv.stockouts))} in the months before (see Operations): the same "
                "products can run out again."
            ),
            facts=(ids_.inventory("stockouts"),),
            refs={"stockouts": ids_.inventory("stockouts")},
            score=0.1,
            polarity="neutral",
            departments=("operations",),
        )


def _listed(parts: list[str], report: Report) -> str:
    """``a; b; c and 12 more products`` (the count a fact)."""
    inv = report.inventory
    more = 0 if inv is None else inv.products_out - STOCKOUTS_NAMED
    text = "; ".join(parts)
    return f"{text}; and {fmt.plural(more, 'more product')}" if more > 0 else text


def margin(report: Report, t: Thresholds) -> Iterable[Insight]:
    """The gross margin's move, with the split between discounts and cost; when revenue and
    gross profit part ways (a squeeze, :func:`_squeeze`), that is the finding instead."""
    ops = report.operations
    prev = _prev_label(report)
    if ops is None or ops.margin is None or prev is None:
        return
    gm = ops.margin.gross_margin
    if gm.value is None or gm.previous is None:
        return
    change = gm.value - gm.previous
    ids = [ids_.margin("gross_margin"), ids_.margin("change")]
    if not _have(report, *ids):
        return
    m = ops.margin
    squeeze = _squeeze(report, m, change, t)
    if squeeze is None and abs(change) < t.margin_points:
        return
    why, cause = "", None
    if m.from_discount is not None and m.from_cost is not None:
        ids += [ids_.margin("from_discount"), ids_.margin("from_cost")]
        cause = "discount" if abs(m.from_discount) >= abs(m.from_cost) else "cost"
        driver = "deeper discounts" if abs(m.from_discount) >= abs(m.from_cost) else "costs"
        if change > 0:
            driver = "shallower discounts" if driver == "deeper discounts" else "lower costs"
        why = (
            f"; discounts account for {fmt.points(m.from_discount)} and cost for "
            f"{fmt.points(m.from_cost)}, so {driver} did most of it"
        )
    if squeeze is not None:
        yield replace(
            squeeze,
            text=squeeze.text[:-1] + why + ".",
            facts=(*squeeze.facts, *ids[2:]),
            cause=cause,
        )
        return
    yield Insight(
        id="margin_pressure" if change < 0 else "margin_gain",
        type="margin_pressure",
        title="Gross margin under pressure" if change < 0 else "Gross margin widened",
        text=(
            f"Gross margin moved {fmt.points(change)} to {fmt.fraction(gm.value)} against "
            f"{prev}{why}."
        ),
        facts=tuple(ids),
        score=round(_clip(abs(change) / 0.05), 4),
        polarity="negative" if change < 0 else "positive",
        departments=("finance", "operations"),
        refs={"margin": ids[0]},
        cause=cause,
    )


SQUEEZE_CAUSE_SHARE = 0.2  # a category named as a cause carries this share of the fall
SQUEEZE_CAUSES = 3  # at most this many named


def _size(text: str) -> str:
    """A signed figure written by its size ("+42.7%" -> "42.7%"): the verb gives the sign."""
    return text.lstrip("+-")


def _squeeze(report: Report, m: Margin, change: float, t: Thresholds) -> Insight | None:
    """Revenue and gross profit parting ways: the margin fell while revenue rose by
    ``squeeze_points`` or more, or gross profit grew ``squeeze_gap_pct`` percent less than
    revenue. Names the categories whose own margin fell most (``Margin.members``)."""
    gp, revenue = m.gross_profit, report.kpi("revenue")
    gm = m.gross_margin
    if change >= 0 or gp is None or gp.change_pct is None or not gp.previous or gp.previous < 0:
        return None
    # the revenue change: the KPI's when every line carries a cost, else the costed lines'
    what, rev_id, rev = "Revenue", ids_.kpi("revenue", "change_pct"), m.revenue
    if not _same_revenue(revenue, rev):
        what, rev_id = "Revenue of the lines with a cost", ids_.margin("revenue.change_pct")
    elif revenue is not None:
        rev = Measure(revenue.value, revenue.previous, revenue.change_pct)
    if rev is None or rev.change_pct is None or rev.previous is None or rev.previous <= 0:
        return None
    gap = rev.change_pct - gp.change_pct
    if not ((rev.change_pct > 0 and -change >= t.squeeze_points) or gap >= t.squeeze_gap_pct):
        return None
    before = ids_.previous_of(ids_.margin("gross_margin"))
    ids = [rev_id, ids_.margin("gross_profit.change_pct"), ids_.margin("change"), before]
    ids.append(ids_.margin("gross_margin"))
    if not _have(report, *ids):
        return None
    up, profit = fmt.direction(rev.change_pct), fmt.direction(gp.change_pct)
    rev_size, gp_size = _size(fmt.pct_change(rev.change_pct)), _size(fmt.pct_change(gp.change_pct))
    if up == "up":
        opening = f"{what} rose {rev_size} but gross profit " + (
            f"only {gp_size}" if profit == "up" else f"fell {gp_size}"
        )
    elif up == "down":
        opening = f"{what} fell {rev_size} and gross profit {gp_size}"
    else:
        opening = f"{what} held level but gross profit fell {gp_size}"
    text = (
        f"{opening}: gross margin fell {_size(fmt.points(change))}, from "
        f"{fmt.fraction(gm.previous)} to {fmt.fraction(gm.value)}"
    )
    causes = [
        c
        for c in m.members
        if c.rate_effect < 0
        and c.rate_effect <= SQUEEZE_CAUSE_SHARE * change
        and _have(report, *_member_ids(c.key))
    ][:SQUEEZE_CAUSES]
    level = (m.level or "category").replace("_", " ")
    if causes:
        named = [
            f"{c.key}, whose own margin went from {fmt.fraction(c.previous_margin)} to "
            f"{fmt.fraction(c.gross_margin)} ({fmt.points(c.rate_effect)} of the total)"
            for c in causes
        ]
        text += "; " + ("most of it in " if len(causes) == 1 else f"led by the {level}s ")
        text += " and ".join(named) if len(named) < 3 else "; ".join(named)
        ids += [i for c in causes for i in _member_ids(c.key)]
    return Insight(
        id="margin_squeeze",
        type="margin_squeeze",
        title="Margin squeeze: "
        + (
            "revenue grew faster than gross profit"
            if up == "up"
            else "gross profit fell faster than revenue"
        ),
        text=text + ".",
        facts=tuple(ids),
        score=round(_clip(max(gap / t.squeeze_gap_pct, -change / t.squeeze_points)), 4),
        polarity="negative",
        departments=("executive", "finance", "operations"),
        subject=causes[0].key if causes else None,
        refs={"margin": ids_.margin("gross_margin")},
        dimension=m.level if causes else None,
    )


def _same_revenue(kpi: Kpi | None, costed: Measure | None) -> bool:
    """Every line carries a cost: the costed lines' revenue is the KPI's, both periods."""
    if kpi is None or costed is None:
        return False
    pairs = ((kpi.value, costed.value), (kpi.previous, costed.previous))
    return all(a is not None and b is not None and abs(a - b) < 0.01 for a, b in pairs)


def _member_ids(key: str) -> tuple[str, ...]:
    return (
        ids_.margin_member(key, "gross_margin.previous"),
        ids_.margin_member(key, "gross_margin"),
        ids_.margin_member(key, "rate_effect"),
    )


def returns(report: Report, t: Thresholds) -> Iterable[Insight]:
    ops = report.operations
    if ops is None or not ops.returns or ops.returns[0].rate is None:
        return
    total = ops.returns[0]
    d = report.drivers
    if d is not None and total.returns > 0 and d.cancelled_returns >= total.returns / 2:
        return  # mostly orders cancelled just after entry, not goods sent back
    rate = total.rate or 0.0
    worst = next((r for r in ops.returns[1:] if r.rate is not None), None)
    rising = total.previous_rate is not None and rate - total.previous_rate >= t.returns_points
    hot = worst is not None and rate > 0 and (worst.rate or 0.0) >= 1.5 * rate
    if not (rising or hot):
        return
    ids = [ids_.returns(total.key, "rate")]
    text = f"Returns took {fmt.fraction(rate)} of gross sales"
    if rising:
        ids.append(ids_.returns(total.key, "previous_rate"))
        text += f", up from {fmt.fraction(total.previous_rate)}"
    if hot and worst is not None:
        ids.append(ids_.returns(worst.key, "rate"))
        text += f"; {worst.key} ran at {fmt.fraction(worst.rate)}"
    if not _have(report, *ids):
        return
    yield Insight(
        id="returns",
        type="returns",
        title="Returns need a look",
        text=text + ".",
        facts=tuple(ids),
        score=round(_clip(rate * 10), 4),
        polarity="negative",
        departments=("operations", "customer_success"),
        refs={"rate": ids[0], "worst": ids[-1]},
    )


def targets(report: Report, t: Thresholds) -> Iterable[Insight]:
    """The whole business against its targets (a targets table): met or missed, by how
    much; the member furthest behind is named when members have targets too."""
    found = report.targets
    if found is None:
        return
    cur = report.currency
    members = [r for r in found.rows if r.dimension is not None and r.attainment is not None]
    behind = min(members, key=lambda r: r.attainment or 0.0, default=None)
    for r in found.rows:
        if r.dimension is not None or r.attainment is None or r.actual is None:
            continue
        met = r.attainment >= 1
        ids = [
            ids_.target(r.metric, None, None, "attainment"),
            ids_.target(r.metric, None, None, "actual"),
            ids_.target(r.metric, None, None, "target"),
        ]
        text = (
            f"{r.label} reached {fmt.fraction(r.attainment)} of its target "
            f"({fmt.by_unit(r.actual, r.unit, cur)} against {fmt.by_unit(r.target, r.unit, cur)})"
        )
        if behind is not None and behind.metric == r.metric and (behind.attainment or 0) < 1:
            ids.append(ids_.target(behind.metric, behind.dimension, behind.member, "attainment"))
            text += (
                f"; {behind.member} ({(behind.dimension or '').replace('_', ' ')}) is furthest "
                f"behind at {fmt.fraction(behind.attainment)}"
            )
        yield Insight(
            id=f"target.{r.metric}",
            type="target",
            title=f"{r.label} {'met' if met else 'missed'} its target",
            text=text + ".",
            facts=tuple(ids),
            score=round(_clip(abs(1 - r.attainment) / 0.2) * 0.9, 4),
            polarity="positive" if met else "negative",
            departments=("executive", "finance", "sales"),
            refs={"attainment": ids[0], "actual": ids[1], "target": ids[2]},
            subject=r.label,
        )


def data_quality(report: Report, t: Thresholds) -> Iterable[Insight]:
    q = report.quality
    # lines set aside as not sales (cancelled, not won) are no caveat: only unreadable ones
    not_sales = sum(c.rows for c in q.checks if c.severity == "info")
    bad = q.rows_quarantined - not_sales
    share = bad / q.rows_read if q.rows_read else 0.0
    if share <= t.quarantine_share and q.score >= t.quality_score:
        return
    yield Insight(
        id="data_quality",
        type="data_quality",
        title="Read the figures with the data caveat",
        text=(
            f"{fmt.count(q.rows_quarantined)} of {fmt.count(q.rows_read)} rows were "
            f"quarantined and the data-quality score is {fmt.number(q.score)}: see Data quality "
            "before acting on small differences."
        ),
        facts=(ids_.quality("rows_quarantined"), ids_.quality("rows_read"), ids_.quality("score")),
        score=round(_clip(share * 10 + (100 - q.score) / 100), 4),
        polarity="negative",
        departments=("executive", "finance"),
    )


BUILDERS: tuple[Builder, ...] = (
    kpi_changes,
    contributors,
    concentration,
    new_vs_returning,
    retention,
    rfm_movement,
    trend,
    seasonality,
    unusual_days,
    forecast,
    campaigns,
    channel_efficiency,
    reps,
    stockouts,
    margin,
    returns,
    targets,
    data_quality,
)


def build_insights(report: Report, thresholds: Thresholds | None = None) -> tuple[Insight, ...]:
    """Every insight the report supports, highest score first."""
    t = thresholds or Thresholds()
    found = [i for build in BUILDERS for i in build(report, t)]
    missing = [(i.id, f) for i in found for f in i.facts if f not in report.facts]
    if missing:  # a builder cited a number the facts do not hold: a bug, not a user error
        raise AssertionError(f"insight facts missing: {missing[:5]}")
    return tuple(sorted(found, key=lambda i: (-i.score, i.id)))
