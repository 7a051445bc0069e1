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
