"""Fact ids, spelled in one place: the publishers (``salescope.facts``) and the readers
(insights, actions, department pages) build every id they share through these functions,
so a renamed fact breaks the type check instead of silently dropping a sentence.

``tests/test_fact_ids.py`` fails on a fact id written as a literal anywhere else.

>>> kpi("revenue", "previous")
'kpi.revenue.previous'
>>> contributor(2, "revenue.previous")
'drivers.contributor.2.revenue.previous'
"""

from __future__ import annotations

from datetime import date
from typing import Literal

# a family's first word: what a fact id starts with (checked by tests/test_fact_ids.py)
FAMILIES = (
    "kpi",
    "breakdown",
    "timeseries",
    "drivers",
    "customers",
    "trend",
    "seasonality",
    "anomaly",
    "anomalies",
    "forecast",
    "pace",
    "marketing",
    "team",
    "inventory",
    "operations",
    "quality",
    "recommendation",
    "targets",
)

KpiPart = Literal[
    "value",
    "previous",
    "change_pct",
    "change_points",
    "yoy",
    "yoy_change_pct",
    "yoy_change_points",
]
ContributorPart = Literal[
    "change", "revenue", "revenue.previous", "share_of_change", "share", "previous_share"
]
ConcentrationPart = Literal["top1_share", "hhi"]
CustomersPart = Literal["new_revenue_share", "new_revenue_share.previous"]
MovePart = Literal["customers"]
TrendPart = Literal["slope_per_month", "months", "p_value"]
AnomalyPart = Literal["revenue", "expected"]
ForecastPart = Literal["total", "horizon", "level", "backtest_mape"]
TeamPart = Literal[
    "above_target", "below_target", "median_revenue", "reps", "reps_listed", "reps_more"
]
RepPart = Literal["attainment", "vs_median"]
InventoryPart = Literal[
    "lost_revenue", "products_out", "stockouts", "products_more", "stockouts_listed"
]
StockoutPart = Literal[
    "start",
    "end",
    "days",
    "days_in_period",
    "daily_revenue",
    "lost_revenue",
    "usual_interval",
    "stretch_lost_revenue",
]
RulePart = Literal[
    "steady_days",
    "min_sale_days",
    "min_gap_days",
    "gap_intervals",
    "season_weeks",
    "season_share",
    "strong_sale_days",
]
MarginPart = Literal[
    "gross_margin",
    "change",
    "from_discount",
    "from_cost",
    "gross_profit",
    "gross_profit.change_pct",
    "revenue",
    "revenue.change_pct",
]
MarginMemberPart = Literal["gross_margin", "gross_margin.previous", "rate_effect", "mix_effect"]
QualityPart = Literal["rows_read", "rows_accepted", "rows_quarantined", "score"]
MarketingPart = Literal["spend", "roas"]
RecommendationPart = Literal["baseline", "target", "due"]


def slug(text: str) -> str:
    """A fact-id-safe name: ``Can't Lose Them`` -> ``cant_lose_them``."""
    kept = "".join(ch if ch.isalnum() else " " for ch in text.replace("'", "").lower())
    return "_".join(kept.split())


def kpi(name: str, part: KpiPart = "value") -> str:
    return f"kpi.{name}" if part == "value" else f"kpi.{name}.{part}"


def breakdown_members(role: str) -> str:
    """How many members the ``role`` breakdown has in all."""
    return f"breakdown.{role}.members"


def contributor(rank: int, part: ContributorPart) -> str:
    """The ``rank``-th member of the drivers' contributor list (1-based)."""
    return f"drivers.contributor.{rank}.{part}"


def concentration(dimension: str, part: ConcentrationPart) -> str:
    return f"drivers.concentration.{dimension}.{part}"


def customers(part: CustomersPart) -> str:
    return f"customers.{part}"


def customer_move(rank: int, part: MovePart = "customers") -> str:
    """The ``rank``-th RFM segment move (1-based)."""
    return f"customers.move.{rank}.{part}"


def trend(part: TrendPart) -> str:
    return f"trend.{part}"


def season_month(month: str) -> str:
    """The yearly seasonal index of a month, by its short name (``Dec``)."""
    return f"seasonality.yearly.{month}"


def month_of(fid: str) -> str:
    """The short month name of a :func:`season_month` id."""
    return fid.removeprefix("seasonality.yearly.")


ANOMALIES_IN_PERIOD = "anomalies.in_period"


def anomaly(day: date, part: AnomalyPart) -> str:
    return f"anomaly.{day.isoformat()}.{part}"


def forecast(part: ForecastPart) -> str:
    return f"forecast.{part}"


def forecast_month(month: date) -> str:
    return f"forecast.{month:%Y-%m}.value"


def team(part: TeamPart) -> str:
    return f"team.{part}"


def rep(name: str, part: RepPart) -> str:
    return f"team.rep.{slug(name)}.{part}"


def inventory(part: InventoryPart) -> str:
    return f"inventory.{part}"


def stockout(index: int, part: StockoutPart) -> str:
    """The ``index``-th stockout (1 = largest lost revenue)."""
    return f"inventory.stockout.{index}.{part}"


def gap_rule(part: RulePart) -> str:
    """A threshold of the possible-stockout rule."""
    return f"inventory.rule.{part}"


def margin(part: MarginPart) -> str:
    return f"operations.margin.{part}"


def margin_member(key: str, part: MarginMemberPart) -> str:
    """One category's (or product's) part in the gross margin's change."""
    return f"operations.margin.member.{slug(key)}.{part}"


def cancelled_pairs() -> str:
    """Sales and the returns that cancelled them, left out of the contributors."""
    return "drivers.cancelled_pairs"


def cancelled_returns() -> str:
    """What the period's cancelling returns took back."""
    return "drivers.cancelled_returns"


def cancel_days() -> str:
    """How many days after its sale a return cancels it."""
    return "drivers.cancel_days"


def quality(part: QualityPart) -> str:
    return f"quality.{part}"


def marketing(part: MarketingPart) -> str:
    return f"marketing.{part}"


CampaignPart = Literal[
    "incremental_revenue",
    "uplift_pct",
    "level",
    "incremental_orders",
    "orders_uplift_pct",
    "spend",
]


def campaign(name: str, part: CampaignPart) -> str:
    return f"marketing.campaign.{slug(name)}.{part}"


def channel(name: str, part: str) -> str:
    """A channel's measure (``roas``, ``spend`` ... : ``facts.CHANNEL_MEASURES``)."""
    return f"marketing.channel.{slug(name)}.{part}"


def returns(key: str, part: Literal["rate", "previous_rate"]) -> str:
    """Returns of one row of the returns table (``All`` or a category)."""
    return f"operations.returns.{slug(key)}.{part}"


TargetPart = Literal["target", "actual", "attainment", "gap"]


def target(metric: str, dimension: str | None, member: str | None, part: TargetPart) -> str:
    """A target of the period: the whole business (``targets.revenue.all.target``) or one
    member's (``targets.revenue.region.west.attainment``)."""
    if dimension is None or member is None:
        return f"targets.{metric}.all.{part}"
    return f"targets.{metric}.{dimension}.{slug(member)}.{part}"


def previous_of(fid: str) -> str:
    """The previous period's value of a fact that has one."""
    return f"{fid}.previous"


def recommendation(rid: str, part: RecommendationPart) -> str:
    return f"recommendation.{rid}.{part}"
