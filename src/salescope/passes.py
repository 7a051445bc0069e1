"""The analyses as registered passes: each names what it needs, computes one typed result
and publishes its facts; ``salescope.pipeline.run`` loops over ``PASSES`` in order.

A pass reads the run's :class:`Context` (the lines, the periods, the settings, the side
tables and the results of the passes before it) and returns its result, which becomes the
:class:`~salescope.model.Report` field of the same name, or ``report.analyses[name]`` when
the report has no such field (report.json then shows it under ``analyses``). Timing
(``run.stages``) and progress are done once, by the loop.

Adding an analysis is one module and one entry here::

    Pass("payment", "breaking revenue down by payment method", payment.compute,
         payment.publish, needs=("kpis",))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from salescope.analysis import (
    anomalies,
    breakdowns,
    customers,
    distribution,
    drivers,
    marketing,
    operations,
    series,
    targets,
    team,
    timeseries,
)
from salescope.analysis.periods import Periods
from salescope.config import Config
from salescope.engine import Engine
from salescope.facts import (
    anomaly_facts,
    breakdown_facts,
    customer_facts,
    driver_facts,
    forecast_facts,
    inventory_facts,
    kpi_facts,
    marketing_facts,
    operations_facts,
    pace_facts,
    season_facts,
    series_facts,
    team_facts,
    trend_facts,
    unusual_day_facts,
)
from salescope.lines import Lines
from salescope.metrics.kpis import Windows, compute_kpis
from salescope.metrics.semantic import Dimension
from salescope.model import Fact, Kpi
from salescope.sources.side import SideTables


@dataclass
class Context:
    """What every pass may read. ``results`` fills as the passes run; ``notes`` are
    assumptions a pass states (they join ``quality.assumptions``)."""

    lines: Lines
    periods: Periods
    windows: Windows
    config: Config
    engine: Engine
    side: SideTables
    # breakdowns beyond the built-in ones: salescope.yml's dimensions:, then the columns
    # the validator found (``Validation.dimensions``)
    dimensions: tuple[Dimension, ...] = ()
    results: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    needs: tuple[str, ...] = ()  # what the running pass declared it reads

    def __getitem__(self, name: str) -> Any:
        if name not in self.needs:
            raise KeyError(f"a pass read {name!r} without naming it in its needs")
        return self.results[name]

    @property
    def kpis(self) -> tuple[Kpi, ...]:
        kpis: tuple[Kpi, ...] = self["kpis"]
        return kpis

    def kpi(self, name: str) -> Kpi | None:
        return next((k for k in self.kpis if k.name == name), None)


Publish = Callable[[dict[str, Fact], Any], None]


@dataclass(frozen=True)
class Pass:
    """One analysis: ``name`` is its result's name (and its line in ``run.stages``),
    ``doing`` the progress message, ``needs`` the earlier passes it reads."""

    name: str
    doing: str
    compute: Callable[[Context], Any]
    publish: Publish | None = None
    needs: tuple[str, ...] = ()


def _kpis(c: Context) -> tuple[Kpi, ...]:
    kpis, notes = compute_kpis(
        c.lines, c.periods, c.config.fiscal_year_start, c.config.custom_metrics()
    )
    c.notes.extend(notes)
    return kpis


def _breakdowns(c: Context) -> Any:
    revenue = c.kpi("revenue")
    return breakdowns.compute_breakdowns(
        c.lines,
        c.windows,
        c.config.top_n,
        revenue.value if revenue else None,
        c.dimensions,
    )


def _drivers(c: Context) -> Any:
    r = c.kpi("revenue")
    known = (r.value, r.previous) if r and r.value is not None and r.previous is not None else None
    thresholds = c.config.thresholds()
    return drivers.compute_drivers(
        c.lines, c.windows, thresholds.min_contribution, known, thresholds, c.engine
    )


def _timeseries(c: Context) -> Any:
    daily, weekly = series.daily_weekly(c.lines)
    return replace(timeseries.monthly_series(c.lines), daily=daily, weekly=weekly)


def _pace(c: Context) -> Any:
    return series.compute_pace(
        c["timeseries"].daily,
        c.lines.data_start,
        c.lines.data_end,
        c.config.fiscal_year_start,
        c["seasonality"].weekly,
    )


def _unusual_days(c: Context) -> Any:
    current = c.periods.current
    return anomalies.describe_days(
        c.lines, c["timeseries"].daily, current.start, current.end, c.config.holidays
    )


def _anomalies(c: Context) -> Any:
    current = c.periods.current
    return anomalies.find_anomalies(
        c.lines,
        c["timeseries"].daily,
        current.start,
        current.end,
        c["unusual_days"],
        c.dimensions,
    )


def _targets(c: Context) -> Any:
    return targets.compute_targets(
        c.lines, c.windows, c.side.targets, c.side.label("targets"), c.kpis, c.dimensions
    )


def _team(c: Context) -> Any:
    return team.compute_team(c.lines, c.windows, c.side.quotas, c.side.label("quotas"))


# In order: a pass may read only the results of passes above it.
PASSES: tuple[Pass, ...] = (
    Pass("kpis", "computing KPIs", _kpis, kpi_facts),
    Pass("breakdowns", "computing breakdowns", _breakdowns, breakdown_facts, ("kpis",)),
    Pass("drivers", "computing what drove the change", _drivers, driver_facts, ("kpis",)),
    Pass(
        "customers",
        "analysing customers",
        lambda c: customers.compute_customers(c.lines, c.windows, c.engine, c.kpis),
        customer_facts,
        ("kpis",),
    ),
    Pass("timeseries", "computing time series", _timeseries, series_facts),
    Pass(
        "trend",
        "fitting the trend",
        lambda c: series.compute_trend(c["timeseries"]),
        trend_facts,
        ("timeseries",),
    ),
    Pass(
        "seasonality",
        "measuring seasonality",
        lambda c: series.compute_seasonality(c["timeseries"].daily, c["timeseries"]),
        season_facts,
        ("timeseries",),
    ),
    Pass(
        "forecast",
        "forecasting",
        lambda c: series.compute_forecast(
            c["timeseries"], max_error=c.config.thresholds().forecast_error
        ),
        forecast_facts,
        ("timeseries",),
    ),
    Pass("pace", "measuring the pace to date", _pace, pace_facts, ("timeseries", "seasonality")),
    Pass(
        "unusual_days",
        "reading the holiday calendar",
        _unusual_days,
        unusual_day_facts,
        ("timeseries",),
    ),
    Pass(
        "anomalies",
        "looking for unusual days",
        _anomalies,
        anomaly_facts,
        ("timeseries", "unusual_days"),
    ),
    Pass(
        "marketing",
        "analysing marketing",
        lambda c: marketing.compute_marketing(
            c.lines, c.windows, c.side.marketing, c.side.campaigns
        ),
        marketing_facts,
    ),
    Pass("team", "analysing the sales team", _team, team_facts),
    Pass("targets", "comparing with targets", _targets, targets.publish, ("kpis",)),
    Pass(
        "inventory",
        "looking for stockouts",
        lambda c: operations.compute_inventory(c.lines, c.windows, c.side.inventory),
        inventory_facts,
    ),
    Pass(
        "operations",
        "measuring returns and margin",
        lambda c: operations.compute_operations(c.lines, c.windows, c.kpis),
        operations_facts,
        ("kpis",),
    ),
    Pass(
        "order_values",
        "binning order values",
        lambda c: distribution.order_values(c.lines, c.windows),
    ),
    Pass(
        "member_series",
        "drawing revenue by member",
        lambda c: distribution.member_series(c.lines),
    ),
)


def check_order(passes: tuple[Pass, ...] = PASSES) -> None:
    """Fail when a pass needs one that does not run before it, or two share a name."""
    seen: set[str] = set()
    for p in passes:
        missing = [n for n in p.needs if n not in seen]
        if missing or p.name in seen:
            raise ValueError(f"pass {p.name!r}: needs {missing} first, or runs twice")
        seen.add(p.name)
