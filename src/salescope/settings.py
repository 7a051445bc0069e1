"""Plain, frozen settings the stages take, built from :class:`salescope.config.Config`.

They live below both: a stage takes its settings without importing the pydantic config,
and the config checks salescope.yml against them without importing stage code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Format = Literal["json", "md", "html", "pdf", "png", "csv", "xlsx"]
ALL_FORMATS: tuple[Format, ...] = ("json", "md", "html", "pdf", "png", "csv", "xlsx")


@dataclass(frozen=True)
class Thresholds:
    """When an insight is worth stating (docs/insights.md); salescope.yml ``insights:``
    sets any of them but ``min_contribution`` (its own top-level setting)."""

    kpi_change_pct: float = 2.0  # KPI moves smaller than this (percent) are not findings
    concentration_share: float = 0.5  # one member holding this share of revenue is a risk
    min_contribution: float = 0.03  # contributors below this share of the change: ignored
    new_share_points: float = 0.05  # new customers' revenue share moving this much
    retention_points: float = 0.02  # retention moving this much (fraction points)
    rfm_share: float = 0.05  # customers sliding into at-risk segments: this share of all
    rfm_retention: float = 0.05  # retention below this: segment moves are age, not behaviour
    roas_ratio: float = 2.0  # best channel's ROAS at least this multiple of the worst's
    margin_points: float = 0.005  # gross margin moving this much (fraction points)
    returns_points: float = 0.005  # returns rate moving this much, or a category at 1.5x
    thin_orders: float = 2  # a mover resting on this many orders or fewer is thin
    min_base_share: float = 0.005  # a mover's base period below this share of revenue: small
    cancel_days: float = 1  # a return this many days or fewer after its sale cancels it
    squeeze_points: float = 0.02  # revenue up, gross margin down this much: a squeeze
    squeeze_gap_pct: float = 10.0  # or profit growth this many percent behind revenue's
    forecast_error: float = 0.15  # backtest error above this: the forecast is no plan
    quarantine_share: float = 0.01  # rows quarantined above this share: a caveat
    quality_score: float = 90.0  # or a quality score below this


@dataclass(frozen=True)
class DeclaredJoin:
    """A join named in salescope.yml (``joins:``)."""

    table: str
    column: str
    to: str
    to_column: str


@dataclass(frozen=True)
class LlmSettings:
    """The optional language model that rewords a report's prose (docs/llm.md)."""

    url: str
    model: str = "default"
    timeout: float = 30.0
