"""Typed, frozen values passed between stages. JSON is produced only at the edge.

Nothing here knows about the engine: a ``Report`` holds computed numbers only. Closed sets
are ``Literal`` types and bounds are ``Annotated`` constraints, so the published JSON Schema
of report.json (``salescope.report_schema``) is generated from these declarations.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Literal, get_args

from annotated_types import Ge, Interval, Len, MinLen

# --- closed sets and bounds ------------------------------------------------------------------

Count = Annotated[int, Ge(0)]
Positive = Annotated[int, Ge(1)]
Share = Annotated[float, Interval(ge=0, le=1)]  # a fraction of a whole
SignedShare = Annotated[float, Interval(ge=-1, le=1)]  # a part that may count against it
NonNegative = Annotated[float, Ge(0)]
Text = Annotated[str, MinLen(1)]

Unit = Literal["currency", "count", "number", "fraction"]  # of a KPI
GoodDirection = Literal["up", "down", "none"]
Severity = Literal["error", "warning", "info"]
PeriodGrain = Literal["week", "month", "quarter", "year", "custom", "all"]
SeriesGrain = Literal["day", "week", "month", "quarter", "year"]
TrendDirection = Literal["up", "down", "flat"]
AnomalyDirection = Literal["spike", "drop"]
HolidayKind = Literal["holiday", "closure"]  # on the calendar, or closed next to one
HolidayTrade = Literal["closed", "quiet", "usual"]
CalendarSource = Literal["config", "data"]
ContributorDirection = Literal["driver", "detractor"]
PaceKind = Literal["QTD", "YTD"]
Projection = Literal["last year's shape", "run rate"]
Polarity = Literal["positive", "negative", "neutral"]
Department = Literal["executive", "sales", "marketing", "finance", "operations", "customer_success"]
Horizon = Literal["immediate", "short", "medium"]  # weeks 1-2, weeks 3-4, month 2 onwards
LineType = Literal["sale", "return", "credit_note", "non_merchandise", "cancelled"]
TableGrain = Literal[
    "order lines",
    "sales lines",
    "order headers",
    "customers",
    "products",
    "categories",
    "employees",
    "translations",
    "lookup",
    "unused",
]
TablePlace = Literal["fact", "header", "lookup", "unused"]
JoinSource = Literal["names and values", "salescope.yml"]


@dataclass(frozen=True)
class Fact:
    """One computed number that may appear in text, with the id text refers to it by."""

    id: str
    value: float | int | str | None
    unit: Text
    label: Text


@dataclass(frozen=True)
class Kpi:
    """A headline figure for the period with its comparisons.

    ``change_pct`` is in percent; rates (``unit == 'fraction'``) are fractions.
    """

    name: str
    label: Text
    unit: Unit
    good_direction: GoodDirection
    value: float | None
    previous: float | None = None
    change_pct: float | None = None
    yoy_value: float | None = None
    yoy_change_pct: float | None = None

    @property
    def fact(self) -> str:
        return f"kpi.{self.name}"

    @property
    def change_points(self) -> float | None:
        """A rate's change on the previous period in percentage points, as a fraction
        (0.043 is +4.3 points): how a rate's move is read; None for other units."""
        return _points(self.unit, self.value, self.previous)

    @property
    def yoy_change_points(self) -> float | None:
        return _points(self.unit, self.value, self.yoy_value)


def _points(unit: str, value: float | None, other: float | None) -> float | None:
    if unit != "fraction" or value is None or other is None:
        return None
    return round(value - other, 6)


@dataclass(frozen=True)
class Member:
    """One member of a breakdown (a category, a region ...)."""

    key: str
    revenue: float
    share: float | None
    previous: float | None
    change: float | None  # revenue - previous, in money
    change_pct: float | None
    orders: Count
    units: float
    customers: Count | None


@dataclass(frozen=True)
class Breakdown:
    """Revenue by one dimension, largest first. ``members`` counts all, listed or not."""

    role: str
    label: str
    rows: tuple[Member, ...]
    members: int

    @property
    def truncated(self) -> bool:
        return self.members > len(self.rows)


@dataclass(frozen=True)
class Contributor:
    """One member's part in the revenue change between the previous period and this one."""

    dimension: str
    key: str
    revenue: float
    previous: float
    change: float
    share_of_change: float | None  # change / total change (signed)
    share: float | None  # of this period's revenue
    previous_share: float | None
    share_shift: float | None  # share - previous share, as a fraction
    direction: ContributorDirection  # "driver" moves with the total
    orders: Count = 0  # this period's orders of the member (cancelled orders left out)
    previous_orders: Count = 0
    # the move rests on a few orders: those of the period that carries it (this one for a
    # rise, the previous one for a fall) are ``thin_orders`` or fewer; no insight or action
    thin: bool = False
    # the change without orders cancelled within ``cancel_days`` (members are ranked on it)
    net_change: float | None = None


@dataclass(frozen=True)
class Concentration:
    """How much of the period's revenue a dimension's largest members hold."""

    dimension: str
    members: Count
    top1_share: float
    top3_share: float
    hhi: float  # sum of squared shares, 0..1
    dominated: bool  # the largest member holds half the revenue or more


@dataclass(frozen=True)
class Drivers:
    """Revenue change split into volume, price and mix (they sum to the change), and the
    members that moved it most."""

    revenue_change: float
    volume: float | None
    price: float | None
    mix: float | None
    level: str | None  # the dimension the price and mix effects are measured on
    contributors: tuple[Contributor, ...]
    concentration: tuple[Concentration, ...]
    threshold: Share = 0.03  # contributors below this share of the change are left out
    # sale lines and the returns that cancelled them within ``cancel_days``, left out of
    # the contributors (counted in pairs)
    cancelled_pairs: Count = 0
    cancelled_returns: NonNegative = 0.0  # what this period's cancelling returns took back
    cancel_days: Count = 1  # a return this many days or fewer after its sale cancels it


@dataclass(frozen=True)
class TimePoint:
    date: date
    revenue: float
    orders: Count
    units: float
    customers: Count | None
    partial: bool


@dataclass(frozen=True)
class TimeSeries:
    grain: SeriesGrain
    points: tuple[TimePoint, ...]
    weekly: tuple[TimePoint, ...] = ()  # weeks start on Monday
    daily: tuple[TimePoint, ...] = ()  # every day from the first to the last, zeros included


# The 11 RFM segments, most valuable first (docs/metrics.md has the scoring table).
RfmSegmentName = Literal[
    "Champions",
    "Loyal Customers",
    "Potential Loyalists",
    "New Customers",
    "Promising",
    "Need Attention",
    "About to Sleep",
    "At Risk",
    "Can't Lose Them",
    "Hibernating",
    "Lost",
]
RFM_SEGMENTS: tuple[RfmSegmentName, ...] = get_args(RfmSegmentName)


@dataclass(frozen=True)
class RfmSegment:
    """One of the 11 RFM segments at the period end, and at the previous period's end."""

    segment: RfmSegmentName
    customers: Count
    revenue: float  # over the lookback window
    share: float | None  # of the customers scored
    revenue_share: float | None
    previous_customers: Count | None = None
    previous_revenue: float | None = None


@dataclass(frozen=True)
class SegmentMove:
    """Customers who were in ``source`` at the previous period's end and are in ``target`` now.

    ``source`` or ``target`` is ``"(not active)"`` when the customer bought nothing within
    the lookback window then.
    """

    source: str
    target: str
    customers: Count
    revenue: float  # their lookback revenue now


@dataclass(frozen=True)
class Cohort:
    """Customers whose first purchase fell in ``month``, and how many bought again later.

    ``active[k]`` counts those buying ``k`` months after their first month; the list stops
    at the last month of data.
    """

    month: date
    customers: Count
    revenue: float  # all their revenue in the data
    active: tuple[Count, ...]
    retention: tuple[Share, ...]  # active / customers


@dataclass(frozen=True)
class CustomerValue:
    """A simple historical lifetime value over the 12 months to the period end:
    revenue per customer per year x expected lifetime in years (1 / yearly churn, capped)."""

    revenue_per_customer: float  # per year
    orders_per_customer: NonNegative
    aov: float
    yearly_retention: float | None
    lifetime_years: float | None
    value: float | None
    lifetime_capped: bool = False  # churn was so low the lifetime hit the cap


@dataclass(frozen=True)
class Customers:
    """Who bought: new vs returning, churn, RFM segments and their moves, cohorts, value."""

    # None when the data starts inside the period: everybody would look new
    new_revenue: float | None
    returning_revenue: float | None
    previous_new_revenue: float | None
    previous_returning_revenue: float | None
    churn_rate: float | None  # 1 - retention_rate
    lookback_days: Positive
    rfm: Annotated[tuple[RfmSegment, ...], Len(len(RFM_SEGMENTS), len(RFM_SEGMENTS))]
    moves: tuple[SegmentMove, ...]  # largest first, customers who changed segment only
    cohorts: tuple[Cohort, ...]
    retention_curve: tuple[Share, ...]  # customer-weighted mean of the cohorts' retention
    value: CustomerValue | None
    top_shares: dict[str, Share]  # "top_1pct", "top_10pct", "top_20pct" of period revenue
    first_data_month: date | None = None  # its cohort holds customers from before the data

    @property
    def new_revenue_share(self) -> float | None:
        """New customers' share of the period's revenue from known customers."""
        if self.new_revenue is None or self.returning_revenue is None:
            return None
        total = self.new_revenue + self.returning_revenue
        return self.new_revenue / total if total > 0 else None

    @property
    def previous_new_revenue_share(self) -> float | None:
        if self.previous_new_revenue is None:
            return None
        total = self.previous_new_revenue + (self.previous_returning_revenue or 0.0)
        return self.previous_new_revenue / total if total > 0 else None


@dataclass(frozen=True)
class MonthRevenue:
    month: date
    revenue: float


@dataclass(frozen=True)
class Trend:
    """The monthly revenue trend over full months (partial months excluded).

    ``direction`` is ``up`` or ``down`` only when the slope is significant (p < 0.05),
    else ``flat``. With two full years or more the fit has month-of-year terms, so the
    slope is net of seasonality.
    """

    start: date
    end: date
    months: Count
    slope_per_month: float
    slope_pct: float | None  # slope / mean monthly revenue, a fraction
    std_error: NonNegative
    p_value: Share
    direction: TrendDirection
    seasonal_adjusted: bool
    cmgr: float | None  # over the last 12 full months (or all full months when fewer)
    cmgr_start: date | None
    yoy_growth: float | None  # last 12 full months vs the 12 before, a fraction
    best_month: MonthRevenue | None  # among the last 12 full months
    worst_month: MonthRevenue | None


@dataclass(frozen=True)
class Seasonality:
    """Day-of-week and month-of-year indices (1.0 = an average day or month).

    Each part is ``None`` when the data holds too few cycles to claim it; ``note`` says why.
    """

    weekly: dict[str, NonNegative] | None  # "Mon".."Sun"
    weekly_strength: float | None  # STL: 1 - var(remainder) / var(seasonal + remainder)
    yearly: dict[str, NonNegative] | None  # "Jan".."Dec"
    yearly_strength: float | None
    weeks: Count
    months: Count
    note: str | None = None
    # the weekly strength under the name the report.json shape gives it
    strength: float | None = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "strength", self.weekly_strength)


@dataclass(frozen=True)
class Explainer:
    """A member whose own deviation explains part of an unusual day's deviation."""

    dimension: str
    key: str
    deviation: float  # its revenue that day minus its expected revenue
    # its part of the dimension's movement in the day's direction: deviation / the sum of
    # the deviations of the members that moved the same way (a spike's rises, a drop's
    # falls), so a dimension's shares lie in [0, 1] and add up to at most 1
    share: Share
    usual_share: float | None = None  # its share of revenue on the days before


@dataclass(frozen=True)
class Anomaly:
    date: date
    revenue: float
    expected: float
    score: float  # robust z of the day's deviation from the seasonal baseline
    direction: AnomalyDirection
    in_period: bool
    explained_by: tuple[Explainer, ...] = ()

    @property
    def change_pct(self) -> float | None:
        """Revenue against expected, in percent."""
        return 100 * (self.revenue / self.expected - 1) if self.expected else None


@dataclass(frozen=True)
class Holiday:
    """A public holiday inside the data, or a closed day running into one: set aside from
    the unusual-days baseline and never called unusual (salescope.analysis.anomalies)."""

    date: date
    name: str  # the holiday's name in the calendar; a closure: the holiday it runs into
    kind: HolidayKind
    revenue: float
    usual: float  # median revenue of the same weekday in the 4 weeks either side
    trade: HolidayTrade  # closed: at most 10% of usual; quiet: 30% or more under it
    in_period: bool


HOLIDAYS_LISTED = 10  # closed or quiet holidays the report names; report.json has them all


@dataclass(frozen=True)
class UnusualDays:
    """How unusual days were looked for: the holiday calendar, the holidays set aside and
    the minimum order volume (salescope.analysis.anomalies)."""

    calendar: str | None  # ISO 3166 code, with a subdivision when used (GB-ENG); None: none
    # salescope.yml's holidays: (with calendar None: `holidays: none`), or the data's country
    calendar_source: CalendarSource | None
    calendar_note: str | None  # without a calendar found in the data: why
    holidays: tuple[Holiday, ...]  # every holiday and holiday closure in the data, by date
    orders_per_day: float | None  # median orders of the days with orders, holidays left out
    min_orders_per_day: Count  # below this median no day is called unusual
    too_few_orders: bool


@dataclass(frozen=True)
class ForecastPoint:
    date: date  # month start
    value: float
    lower: float
    upper: float


@dataclass(frozen=True)
class Forecast:
    method: str  # e.g. "ETS(A,Ad,A)"
    horizon: Positive  # months
    level: Share  # of the interval, 0.8
    points: tuple[ForecastPoint, ...]
    trained_on: Count  # full months fitted
    backtest_mape: float | None  # fraction: the same model fitted without its last months
    backtest_months: Count
    # the backtest error was measured and is within insights.forecast_error: plan on it
    plannable: bool = False

    @property
    def seasonal(self) -> bool:
        """The model has a yearly season (``ETS(A,Ad,A)``, two full years of data or more)."""
        return self.method.endswith("A)")


@dataclass(frozen=True)
class Pace:
    """Period-to-date when the data stops inside a quarter or year, with a run-rate projection."""

    kind: PaceKind
    label: str  # the unfinished quarter or year
    start: date
    end: date  # the last day of data
    period_end: date
    days_elapsed: Positive
    days_total: Positive
    revenue: float
    last_year: float | None  # the same days a year earlier
    change_pct: float | None
    projected: float  # to the period's end: see ``projection``
    last_year_total: float | None  # the whole period a year earlier
    # "last year's shape" (its total x growth to date) or "run rate"
    projection: Projection = "run rate"


@dataclass(frozen=True)
class Measure:
    """A figure for the period and the previous period; ``change_pct`` is in percent.

    >>> Measure.of(110.0, 100.0).change_pct
    10.0
    """

    value: float | None
    previous: float | None = None
    change_pct: float | None = None

    @classmethod
    def of(cls, value: float | None, previous: float | None = None) -> Measure:
        change = None
        if value is not None and previous is not None and previous != 0:
            change = round(100.0 * (value / previous - 1.0), 4)
        return cls(value, previous, change)


@dataclass(frozen=True)
class ChannelStats:
    """One marketing channel: sales-side figures always, spend-side ones with a spend table.

    ``new_customers`` counts the period's new customers whose first order came through
    the channel; ``new_customer_share`` is their share of all the period's new customers.
    Rates are fractions: ``ctr`` = clicks / impressions, ``conversion_rate`` =
    conversions / clicks, ``cpa`` = spend / conversions, ``cost_per_new_customer`` =
    spend / new customers, ``roas`` = the channel's sales revenue / spend.
    """

    channel: str
    revenue: Measure
    orders: Measure
    customers: Measure
    new_customers: Measure
    new_customer_share: Measure
    aov: Measure
    spend: Measure | None = None
    impressions: Measure | None = None
    clicks: Measure | None = None
    conversions: Measure | None = None
    ctr: Measure | None = None
    conversion_rate: Measure | None = None
    cpa: Measure | None = None
    cost_per_new_customer: Measure | None = None
    roas: Measure | None = None


@dataclass(frozen=True)
class CampaignResult:
    """A campaign's incremental revenue against a counterfactual baseline.

    ``measured_on`` names the series compared (the campaign's channel when the sales carry
    one, else all revenue); ``interval`` bounds ``incremental_revenue`` at ``level``.
    ``significant`` (an uplift is claimed) needs the interval to exclude zero and the orders
    estimate, when there is one, to be measurable in the same direction.
    """

    name: str
    channel: str | None
    start: date
    end: date
    in_period: bool
    days: int
    measured_on: str
    revenue: float  # actual revenue of the measured series inside the window
    baseline: float  # what the model expects without the campaign
    incremental_revenue: float
    uplift_pct: float | None  # 100 x incremental / baseline
    interval: tuple[float, float]
    level: float
    significant: bool
    spend: float | None = None
    incremental_roas: float | None = None  # incremental revenue / spend
    method: str = ""
    # the same estimate on order counts: less noisy than revenue (no basket-size noise), so
    # a campaign can lift orders measurably while its revenue effect stays within noise
    orders: float | None = None
    baseline_orders: float | None = None
    incremental_orders: float | None = None
    orders_uplift_pct: float | None = None
    orders_interval: tuple[float, float] | None = None
    orders_significant: bool | None = None


@dataclass(frozen=True)
class Marketing:
    """Channels (largest revenue first) and recent campaigns (latest first).

    ``source`` is "spend table" when a marketing spend table was read, else "sales only":
    then channels carry sales-side figures only.
    """

    source: str
    channels: tuple[ChannelStats, ...]
    campaigns: tuple[CampaignResult, ...] = ()
    spend: Measure | None = None  # all channels
    roas: Measure | None = None  # revenue of channels with spend / their spend
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RepStats:
    """One sales rep in the period; ``attainment`` = revenue / quota (a fraction)."""

    rep: str
    team: str | None
    revenue: Measure
    orders: Measure
    aov: Measure
    customers: Measure
    new_customers: Measure  # customers whose first purchase in the data was with this rep
    quota: float | None
    attainment: float | None
    rank: int  # 1 = best: by attainment with quotas, else by revenue
    vs_median: float | None  # revenue / the median rep's revenue


@dataclass(frozen=True)
class TeamStats:
    """A team (or region) of reps, with its quota when the quota table has one."""

    team: str
    reps: int
    revenue: Measure
    quota: float | None
    attainment: float | None


@dataclass(frozen=True)
class Team:
    """Sales reps ranked; quotas aligned to the period when a quota table was read."""

    reps: tuple[RepStats, ...]
    teams: tuple[TeamStats, ...]
    quota_source: str | None  # the quota table's label, None: peer comparison only
    quota_by: str | None  # "sales_rep" or "region": what the quotas are set for
    above_target: int | None
    below_target: int | None
    median_revenue: float | None
    notes: tuple[str, ...] = ()

    def listed(self) -> tuple[RepStats, ...]:
        """The reps the report's table shows: all of them up to ``REPS_LISTED_TOP`` +
        ``REPS_LISTED_BOTTOM``, else the strongest and the weakest by rank (a marketplace
        has hundreds of sellers); report.json and tables/reps.csv hold every rep."""
        if len(self.reps) <= REPS_LISTED_TOP + REPS_LISTED_BOTTOM:
            return self.reps
        return self.reps[:REPS_LISTED_TOP] + self.reps[-REPS_LISTED_BOTTOM:]


@dataclass(frozen=True)
class Stockout:
    """A stretch of days a product (in a region) was out of stock.

    ``confirmed`` is True when an inventory table shows it, False for a possible stockout
    inferred from sales that stopped abruptly. ``lost_revenue`` = ``days_in_period`` x
    ``daily_revenue`` (the product's normal daily revenue before the stretch).
    """

    product: str
    product_name: str | None
    region: str | None
    start: date
    end: date
    days: int
    days_in_period: int
    in_period: bool
    ongoing: bool  # still out at the end of the data
    daily_revenue: float
    lost_revenue: float
    confirmed: bool
    channel: str | None = None  # a possible stockout seen in one channel's sales only
    # possible stockouts: the sale days in the rule's days before the gap and after it, and
    # the usual days between sale days over both (None with an inventory table)
    sale_days_before: int | None = None
    sale_days_after: int | None = None
    usual_interval: float | None = None

    @property
    def stretch_lost_revenue(self) -> float:
        """Revenue lost over the whole stretch, inside the period or not."""
        return round(self.days * self.daily_revenue, 2)


@dataclass(frozen=True)
class GapRule:
    """When a gap in a product's sales counts as a possible stockout (docs/operations.md):
    the product sold on at least ``min_sale_days`` of the ``steady_days`` days before the
    gap and of the ``steady_days`` days from the first sale after it, its first sale was at
    least ``steady_days`` days before the gap, the gap lasted at least ``min_gap_days`` days
    and ``gap_intervals`` times the usual days between its sale days, and less than
    ``season_share`` of its revenue fell within ``season_weeks`` weeks either side of one
    week of the year."""

    steady_days: int
    min_sale_days: int
    min_gap_days: int
    gap_intervals: int
    season_weeks: int
    season_share: float
    # strong evidence: sale days on both sides; a gap in one region's or channel's sales
    # needs it, and so do possible stockouts before their insight may lead the report
    strong_sale_days: int


STOCKOUTS_NAMED = 3  # sentences name at most this many products, then "and N more"
STOCKOUTS_LISTED = 10  # rows of the stockout table; report.json keeps every stockout
REPS_LISTED_TOP = 10  # the rep table shows the ten strongest reps by rank
REPS_LISTED_BOTTOM = 5  # and the five weakest; report.json and tables/reps.csv keep all


@dataclass(frozen=True)
class Inventory:
    """Stockouts over the 12 months to the period end, largest lost revenue first."""

    source: str  # "inventory table" or "sales gaps"
    stockouts: tuple[Stockout, ...]
    lost_revenue: float  # in the period
    products_out: int  # distinct products out of stock in the period
    rule: GapRule | None = None  # the possible-stockout rule (sales gaps only)

    def named(self) -> tuple[tuple[int, Stockout], ...]:
        """The stockouts sentences name: in the period, the costliest of each of the first
        ``STOCKOUTS_NAMED`` products, with their 1-based place in ``stockouts``."""
        picked: dict[str, tuple[int, Stockout]] = {}
        for i, s in enumerate(self.stockouts, start=1):
            if s.in_period and s.product not in picked and len(picked) < STOCKOUTS_NAMED:
                picked[s.product] = (i, s)
        return tuple(picked.values())


@dataclass(frozen=True)
class ReturnsRow:
    """Returns of one category (or "All"): amount returned / gross sales."""

    key: str
    returns: float  # positive amount
    gross: float  # sales before returns
    rate: float | None
    previous_rate: float | None


@dataclass(frozen=True)
class MarginPoint:
    month: date
    discount_rate: float | None  # discount / list amount
    gross_margin: float | None  # (revenue - cost) / revenue


@dataclass(frozen=True)
class MarginMember:
    """One category's (or product's) part in the change of the gross margin.

    With ``w`` its share of the revenue of lines with a cost and ``m`` its margin, the
    margin change is the sum over members of ``rate_effect`` = mean ``w`` x change in ``m``
    (its own margin moved) plus ``mix_effect`` = change in ``w`` x mean ``m`` (its weight
    moved); both in fraction points. A member sold in one period only has all in mix.
    """

    key: str
    revenue: float  # of its lines with a cost, this period
    previous: float
    gross_margin: float | None
    previous_margin: float | None
    rate_effect: float
    mix_effect: float


@dataclass(frozen=True)
class Margin:
    """Gross margin and discount depth, and what moved the margin.

    ``from_discount`` + ``from_cost`` = the change in gross margin (fraction points),
    split between deeper or shallower discounts and cost against list price.
    ``gross_profit`` = revenue - cost and ``revenue`` are over the lines with a cost;
    ``members`` are the categories (products without a category column) whose own margin
    moved the total most, largest ``rate_effect`` either way first.
    """

    gross_margin: Measure
    discount_rate: Measure
    cost_ratio: Measure  # cost / list amount
    from_discount: float | None
    from_cost: float | None
    monthly: tuple[MarginPoint, ...]
    gross_profit: Measure | None = None
    revenue: Measure | None = None  # revenue of the lines with a cost
    level: str | None = None  # the dimension of ``members``
    members: tuple[MarginMember, ...] = ()


@dataclass(frozen=True)
class Operations:
    """Returns by category, and discount depth and margin when the data allow."""

    returns: tuple[ReturnsRow, ...]  # highest rate first; "All" first
    margin: Margin | None


@dataclass(frozen=True)
class Check:
    """One validation finding; ``severity == 'error'`` rows are quarantined."""

    code: str
    severity: Severity
    column: str | None
    rows: Count
    message: str
    examples: tuple[str, ...] = ()
    # share of all revenue read (in absolute value) that these rows carry, with the sign of
    # their own revenue: negative for quarantined returns
    revenue_share: SignedShare | None = None


@dataclass(frozen=True)
class LineTypeCount:
    """Accepted lines of one line type (sale, return, credit_note, non_merchandise) or the
    cancelled lines set aside, over all the data, with their revenue."""

    type: LineType
    lines: Count
    revenue: float


@dataclass(frozen=True)
class ValueBin:
    """Orders of the period whose value falls in ``[low, high)``."""

    low: float
    high: float
    orders: int
    revenue: float


@dataclass(frozen=True)
class MemberPoint:
    """One member of a dimension (a segment, a region) in one month."""

    dimension: str
    key: str
    month: date
    revenue: float
    customers: int | None


DEPARTMENTS: tuple[Department, ...] = get_args(Department)


@dataclass(frozen=True)
class Insight:
    """One finding worth a reader's attention, built from facts.

    ``score`` = size of the effect (0..1) x confidence (0..1); ``facts`` are the ids of
    every number ``text`` prints; ``polarity`` is "positive", "negative" or "neutral".
    """

    id: str
    type: str
    title: str
    text: str
    facts: tuple[str, ...]
    score: float
    polarity: Polarity
    departments: tuple[Department, ...]
    subject: str | None = None  # the member, campaign or product it is about, if one
    # named handles to facts among ``facts``, for the actions that follow from it (e.g.
    # ``{"metric": "drivers.contributor.2.revenue"}``): no reader picks a fact by position
    refs: dict[str, str] = field(default_factory=dict)
    dimension: str | None = None  # the breakdown it is about, if one
    cause: str | None = None  # what drove it, when the builder measured that (a word)


@dataclass(frozen=True)
class Recommendation:
    """An action for one department, tied to the insight behind it and the metric it should
    move: ``metric`` is a fact id, ``baseline`` its value today and ``target`` the value to
    reach by ``due`` (facts too, ``recommendation.<id>.baseline`` / ``.target`` / ``.due``).
    The target always differs from the baseline."""

    id: str
    department: Department
    horizon: Horizon
    text: str
    based_on: str  # insight id
    metric: str
    metric_label: str
    unit: str
    baseline: float | None
    target: float | None
    target_rule: str  # how the target was set, in words
    due: date  # when the target should be reached: the period's end + the horizon's days


@dataclass(frozen=True)
class LlmRejection:
    """A text block whose language-model rewrite was not used, and why."""

    section: str
    reason: str


@dataclass(frozen=True)
class LlmOutcome:
    """What the optional language model did: the blocks whose rewrite passed every check
    (``accepted``) and those kept as the template wrote them (``rejected``)."""

    used: bool
    url: str
    model: str
    accepted: tuple[str, ...] = ()
    rejected: tuple[LlmRejection, ...] = ()


@dataclass(frozen=True)
class SideTable:
    """A side table read next to the sales lines (marketing spend, quotas ...).

    ``rows_used`` of ``rows`` had every value the analysis needs; the rest were left out.
    ``mapping`` says which input column fills each field.
    """

    kind: str  # "marketing", "campaigns", "quotas", "targets" or "inventory"
    path: str
    rows: int
    rows_used: int
    mapping: dict[str, str]
    notes: tuple[str, ...] = ()


QUALITY_SCALE = 100  # the quality score runs from 0 to this


@dataclass(frozen=True)
class DatasetTable:
    """One input table: its grain, rows, candidate keys and place in the dataset model."""

    name: str
    rows: Count
    grain: TableGrain
    keys: tuple[str, ...]
    role: TablePlace


@dataclass(frozen=True)
class DatasetJoin:
    """``left.left_column`` -> ``right.right_column``; a dropped join has ``kept`` false."""

    left: str
    left_column: str
    right: str
    right_column: str
    match_rate: Share
    kept: bool
    found_by: JoinSource = "names and values"

    def describe(self) -> str:
        return (
            f"{self.left}.{self.left_column} -> {self.right}.{self.right_column} "
            f"({self.match_rate:.1%} matched)"
        )


@dataclass(frozen=True)
class RunnerUp:
    column: str
    confidence: float


@dataclass(frozen=True)
class RoleChoice:
    """The column a role was given, the table it comes from, and why."""

    role: str
    column: str
    table: str
    confidence: Share
    evidence: str
    runner_up: RunnerUp | None


@dataclass(frozen=True)
class DatasetView:
    """The dataset model as a report shows it: tables, joins, the fact table, the roles
    with their evidence and runner-up, and the line types."""

    fact_table: str
    tables: tuple[DatasetTable, ...]
    joins: tuple[DatasetJoin, ...]
    roles: tuple[RoleChoice, ...]
    line_types: tuple[LineTypeCount, ...]


@dataclass(frozen=True)
class Quality:
    rows_read: Count
    rows_accepted: Count
    rows_quarantined: Count
    score: Annotated[float, Interval(ge=0, le=QUALITY_SCALE)]
    score_parts: dict[str, Share]
    mapping: dict[str, str]
    assumptions: tuple[str, ...]
    checks: tuple[Check, ...]
    side_tables: tuple[SideTable, ...] = ()
    line_types: tuple[LineTypeCount, ...] = ()
    dataset: DatasetView | None = None  # the dataset model (salescope.sources.dataset)


@dataclass(frozen=True)
class PeriodInfo:
    label: str
    start: date
    end: date
    grain: PeriodGrain
    previous: tuple[str, date, date, bool] | None
    yoy: tuple[str, date, date] | None


@dataclass(frozen=True)
class InputInfo:
    path: str
    sha256: str
    rows: Count


def run_id(created: datetime, input_hashes: Sequence[str], config_sha: str) -> str:
    """``YYYYMMDD_HHMMSS_#<8 hex>``: the time of the run and a hash of inputs + config.

    >>> run_id(datetime(2026, 12, 6, 7, 0, 2), ["ab"], "cd")[:17]
    '20261206_070002_#'
    """
    digest = hashlib.sha256("|".join([*input_hashes, config_sha]).encode()).hexdigest()[:8]
    return f"{created:%Y%m%d_%H%M%S}_#{digest}"


@dataclass(frozen=True)
class RunInfo:
    id: str
    created_at: str
    salescope_version: str
    engine: str
    duration_s: NonNegative
    config_sha256: str
    inputs: Annotated[tuple[InputInfo, ...], MinLen(1)]
    stages: dict[str, NonNegative] = field(default_factory=dict)  # seconds per pipeline stage


@dataclass(frozen=True)
class TargetRow:
    """One target for the period: the whole business (``dimension`` None) or a member."""

    metric: str
    label: str
    unit: str
    dimension: str | None
    member: str | None
    target: float
    actual: float | None
    attainment: float | None
    gap: float | None


@dataclass(frozen=True)
class Targets:
    """The period against a targets side table (salescope.analysis.targets)."""

    source: str | None
    rows: tuple[TargetRow, ...]
    notes: tuple[str, ...] = ()


# the figures of the report's tiles, and of "Since the last report"
HEADLINE_KPIS = ("revenue", "orders", "customers", "aov")


@dataclass(frozen=True)
class SinceFigure:
    """A headline figure of this report beside the same figure in the last report of the
    same period rule (its own period, as that report gave it)."""

    name: str
    label: Text
    unit: Unit
    value: float | None
    last: float | None
    change_pct: float | None


@dataclass(frozen=True)
class Restatement:
    """A figure of an earlier period that the data now gives differently from the report
    that first gave it (late orders, returns, corrections)."""

    name: str
    label: Text
    unit: Unit
    period: str  # the period's label
    reported: float
    now: float


@dataclass(frozen=True)
class SinceLast:
    """This report against the last one of the same rule in the run history
    (salescope.since, ``salescope run``)."""

    run_id: str
    created_at: str
    period: str
    period_start: date
    period_end: date
    period_grain: PeriodGrain
    figures: tuple[SinceFigure, ...]
    restated: tuple[Restatement, ...] = ()


@dataclass(frozen=True)
class Report:
    """The result of one run: every figure a report shows, already computed.

    It is data only: ``salescope.write_outputs`` renders it in any of the output formats
    and ``salescope.render.json.report_to_dict`` gives its report.json content.
    """

    run: RunInfo
    period: PeriodInfo
    quality: Quality
    kpis: tuple[Kpi, ...]
    breakdowns: tuple[Breakdown, ...]
    timeseries: TimeSeries
    facts: dict[str, Fact]
    currency: str | None = None  # ISO code from the config or the data; None: unknown
    drivers: Drivers | None = None
    customers: Customers | None = None
    trend: Trend | None = None
    seasonality: Seasonality | None = None
    anomalies: tuple[Anomaly, ...] = ()
    unusual_days: UnusualDays | None = None  # the calendar and rules behind ``anomalies``
    forecast: Forecast | None = None
    pace: tuple[Pace, ...] = ()
    marketing: Marketing | None = None
    team: Team | None = None
    inventory: Inventory | None = None
    operations: Operations | None = None
    targets: Targets | None = None
    order_values: tuple[ValueBin, ...] = ()  # order-value distribution of the period
    member_series: tuple[MemberPoint, ...] = ()  # monthly revenue by segment or region
    # results of registered passes (salescope.passes) that have no field of their own
    analyses: dict[str, object] = field(default_factory=dict)
    insights: tuple[Insight, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()
    llm: LlmOutcome | None = None
    since_last: SinceLast | None = None  # against the last report of the same rule, if any
    write_quarantine: Callable[[Path], int] | None = field(default=None, repr=False, compare=False)

    def kpi(self, name: str) -> Kpi | None:
        return next((k for k in self.kpis if k.name == name), None)

    def breakdown(self, role: str) -> Breakdown | None:
        return next((b for b in self.breakdowns if b.role == role), None)

    def _repr_html_(self) -> str:
        """How a notebook (Jupyter, VS Code, Colab) shows a report: the period, the KPI
        tiles of report.html and the first three insights' headlines, text escaped.

        The renderer sits above this module in the layers (tests/test_layers.py), so it is
        loaded by name when a notebook asks, never when the model is imported.
        """
        notebook = importlib.import_module("salescope.render.notebook")
        return str(notebook.render_notebook_html(self))
