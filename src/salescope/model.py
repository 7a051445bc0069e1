"""Typed, frozen values passed between stages. JSON is produced only at the edge.

Nothing here knows about the engine: a ``Report`` holds computed numbers only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class Fact:
    """One computed number that may appear in text, with the id text refers to it by."""

    id: str
    value: float | int | str | None
    unit: str
    label: str


@dataclass(frozen=True)
class Kpi:
    """A headline figure for the period with its comparisons.

    ``change_pct`` is in percent; rates (``unit == 'fraction'``) are fractions.
    """

    name: str
    label: str
    unit: str
    good_direction: str
    value: float | None
    previous: float | None = None
    change_pct: float | None = None
    yoy_value: float | None = None
    yoy_change_pct: float | None = None

    @property
    def fact(self) -> str:
        return f"kpi.{self.name}"


@dataclass(frozen=True)
class Member:
    """One member of a breakdown (a category, a region ...)."""

    key: str
    revenue: float
    share: float | None
    previous: float | None
    change: float | None  # revenue - previous, in money
    change_pct: float | None
    orders: int
    units: float
    customers: int | None


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
    direction: str  # "driver" (moves with the total) or "detractor"


@dataclass(frozen=True)
class Concentration:
    """How much of the period's revenue a dimension's largest members hold."""

    dimension: str
    members: int
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
    threshold: float = 0.03  # contributors below this share of the change are left out


@dataclass(frozen=True)
class TimePoint:
    date: date
    revenue: float
    orders: int
    units: float
    customers: int | None
    partial: bool


@dataclass(frozen=True)
class TimeSeries:
    grain: str
    points: tuple[TimePoint, ...]
    weekly: tuple[TimePoint, ...] = ()  # weeks start on Monday
    daily: tuple[TimePoint, ...] = ()  # every day from the first to the last, zeros included


# The 11 RFM segments, most valuable first (docs/metrics.md has the scoring table).
RFM_SEGMENTS: tuple[str, ...] = (
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
)


@dataclass(frozen=True)
class RfmSegment:
    """One of the 11 RFM segments at the period end, and at the previous period's end."""

    segment: str
    customers: int
    revenue: float  # over the lookback window
    share: float | None  # of the customers scored
    revenue_share: float | None
    previous_customers: int | None = None
    previous_revenue: float | None = None


@dataclass(frozen=True)
class SegmentMove:
    """Customers who were in ``source`` at the previous period's end and are in ``target`` now.

    ``source`` or ``target`` is ``"(not active)"`` when the customer bought nothing within
    the lookback window then.
    """

    source: str
    target: str
    customers: int
    revenue: float  # their lookback revenue now


@dataclass(frozen=True)
class Cohort:
    """Customers whose first purchase fell in ``month``, and how many bought again later.

    ``active[k]`` counts those buying ``k`` months after their first month; the list stops
    at the last month of data.
    """

    month: date
    customers: int
    revenue: float  # all their revenue in the data
    active: tuple[int, ...]
    retention: tuple[float, ...]  # active / customers


@dataclass(frozen=True)
class CustomerValue:
    """A simple historical lifetime value over the 12 months to the period end:
    revenue per customer per year x expected lifetime in years (1 / yearly churn, capped)."""

    revenue_per_customer: float  # per year
    orders_per_customer: float
    aov: float
    yearly_retention: float | None
    lifetime_years: float | None
    value: float | None
    lifetime_capped: bool = False  # churn was so low the lifetime hit the cap


@dataclass(frozen=True)
class Customers:
    """Who bought: new vs returning, churn, RFM segments and their moves, cohorts, value."""

    new_revenue: float
    returning_revenue: float
    previous_new_revenue: float | None
    previous_returning_revenue: float | None
    churn_rate: float | None  # 1 - retention_rate
    lookback_days: int
    rfm: tuple[RfmSegment, ...]
    moves: tuple[SegmentMove, ...]  # largest first, customers who changed segment only
    cohorts: tuple[Cohort, ...]
    retention_curve: tuple[float, ...]  # customer-weighted mean of the cohorts' retention
    value: CustomerValue | None
    top_shares: dict[str, float]  # "top_1pct", "top_10pct", "top_20pct" of period revenue
    first_data_month: date | None = None  # its cohort holds customers from before the data

    @property
    def new_revenue_share(self) -> float | None:
        """New customers' share of the period's revenue from known customers."""
        total = self.new_revenue + self.returning_revenue
        return self.new_revenue / total if total > 0 else None

    @property
    def previous_new_revenue_share(self) -> float | None:
        if self.previous_new_revenue is None:
            return None
        total = self.previous_new_revenue + (self.previous_returning_revenue or 0.0)
        return self.previous_new_revenue / total if total > 0 else None


@dataclass(frozen=True)
class Trend:
    """The monthly revenue trend over full months (partial months excluded).

    ``direction`` is ``up`` or ``down`` only when the slope is significant (p < 0.05),
    else ``flat``. With two full years or more the fit has month-of-year terms, so the
    slope is net of seasonality.
    """

    start: date
    end: date
    months: int
    slope_per_month: float
    slope_pct: float | None  # slope / mean monthly revenue, a fraction
    std_error: float
    p_value: float
    direction: str
    seasonal_adjusted: bool
    cmgr: float | None  # over the last 12 full months (or all full months when fewer)
    cmgr_start: date | None
    yoy_growth: float | None  # last 12 full months vs the 12 before, a fraction
    best_month: tuple[date, float] | None  # among the last 12 full months
    worst_month: tuple[date, float] | None


@dataclass(frozen=True)
class Seasonality:
    """Day-of-week and month-of-year indices (1.0 = an average day or month).

    Each part is ``None`` when the data holds too few cycles to claim it; ``note`` says why.
    """

    weekly: dict[str, float] | None  # "Mon".."Sun"
    weekly_strength: float | None  # STL: 1 - var(remainder) / var(seasonal + remainder)
    yearly: dict[str, float] | None  # "Jan".."Dec"
    yearly_strength: float | None
    weeks: int
    months: int
    note: str | None = None

    @property
    def strength(self) -> float | None:
        return self.weekly_strength


@dataclass(frozen=True)
class Explainer:
    """A member whose own deviation explains part of an unusual day's deviation."""

    dimension: str
    key: str
    deviation: float  # its revenue that day minus its expected revenue
    share: float  # deviation / the day's total deviation
    usual_share: float | None = None  # its share of revenue on the days before


@dataclass(frozen=True)
class Anomaly:
    date: date
    revenue: float
    expected: float
    score: float  # robust z of the day's deviation from the seasonal baseline
    direction: str  # "spike" or "drop"
    in_period: bool
    explained_by: tuple[Explainer, ...] = ()

    @property
    def change_pct(self) -> float | None:
        """Revenue against expected, in percent."""
        return 100 * (self.revenue / self.expected - 1) if self.expected else None


@dataclass(frozen=True)
class ForecastPoint:
    date: date  # month start
    value: float
    lower: float
    upper: float


@dataclass(frozen=True)
class Forecast:
    method: str  # e.g. "ETS(A,Ad,A)"
    horizon: int  # months
    level: float  # of the interval, 0.8
    points: tuple[ForecastPoint, ...]
    trained_on: int  # full months fitted
    backtest_mape: float | None  # fraction: the same model fitted without its last months
    backtest_months: int


@dataclass(frozen=True)
class Pace:
    """Period-to-date when the data stops inside a quarter or year, with a run-rate projection."""

    kind: str  # "QTD" or "YTD"
    label: str  # the unfinished quarter or year
    start: date
    end: date  # the last day of data
    period_end: date
    days_elapsed: int
    days_total: int
    revenue: float
    last_year: float | None  # the same days a year earlier
    change_pct: float | None
    projected: float  # to the period's end: see ``projection``
    last_year_total: float | None  # the whole period a year earlier
    projection: str = "run rate"  # "last year's shape" (its total x growth to date) or "run rate"


@dataclass(frozen=True)
class Check:
    """One validation finding; ``severity == 'error'`` rows are quarantined."""

    code: str
    severity: str
    column: str | None
    rows: int
    message: str
    examples: tuple[str, ...] = ()
    revenue_share: float | None = None  # share of all revenue read that these rows carry


@dataclass(frozen=True)
class Quality:
    rows_read: int
    rows_accepted: int
    rows_quarantined: int
    score: float
    score_parts: dict[str, float]
    mapping: dict[str, str]
    assumptions: tuple[str, ...]
    checks: tuple[Check, ...]


@dataclass(frozen=True)
class PeriodInfo:
    label: str
    start: date
    end: date
    grain: str
    previous: tuple[str, date, date, bool] | None
    yoy: tuple[str, date, date] | None


@dataclass(frozen=True)
class InputInfo:
    path: str
    sha256: str
    rows: int


@dataclass(frozen=True)
class RunInfo:
    id: str
    created_at: str
    salescope_version: str
    engine: str
    duration_s: float
    config_sha256: str
    inputs: tuple[InputInfo, ...]
    stages: dict[str, float] = field(default_factory=dict)  # seconds per pipeline stage


@dataclass(frozen=True)
class Report:
    """The result of one run: every figure a report shows, already computed.

    ``write`` renders any of the output formats.
    """

    run: RunInfo
    period: PeriodInfo
    quality: Quality
    kpis: tuple[Kpi, ...]
    breakdowns: tuple[Breakdown, ...]
    timeseries: TimeSeries
    facts: dict[str, Fact]
    currency: str = "USD"
    drivers: Drivers | None = None
    customers: Customers | None = None
    trend: Trend | None = None
    seasonality: Seasonality | None = None
    anomalies: tuple[Anomaly, ...] = ()
    forecast: Forecast | None = None
    pace: tuple[Pace, ...] = ()
    write_quarantine: Callable[[Path], int] | None = field(default=None, repr=False, compare=False)

    def kpi(self, name: str) -> Kpi | None:
        return next((k for k in self.kpis if k.name == name), None)

    def breakdown(self, role: str) -> Breakdown | None:
        return next((b for b in self.breakdowns if b.role == role), None)

    def to_dict(self) -> dict[str, object]:
        from salescope.render.json import report_to_dict

        return report_to_dict(self)

    def write(self, out: Path | str, formats: tuple[str, ...] | None = None) -> list[Path]:
        """Write the chosen formats (default: all) into ``out``; returns the files written."""
        from salescope.render import write_outputs

        return write_outputs(self, Path(out), formats)
